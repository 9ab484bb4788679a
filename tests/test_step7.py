"""Bonus step 7: optimisers, momentum and Adam (micrograd/optim.py). Run: make test-step7

SGD(parameters, lr, momentum): v = momentum * v + grad; p -= lr * v. Adam(parameters, lr, betas,
eps): m and v, running averages of the gradient and its square, divided by (1 - beta^t), and
p -= lr * m_hat / (sqrt(v_hat) + eps). zero_grad() sets every grad to 0.0.
"""

import pytest

pytestmark = pytest.mark.step7


# ---- What step 7 expects, by example -----------------------------------------------------------------


def test_momentum_keeps_moving_when_the_gradient_stops(mg):
    p = mg.Value(0.0)
    optimizer = mg.optim.SGD([p], lr=0.1, momentum=0.9)
    p.grad = 1.0
    optimizer.step()  # v = 1.0, p = -0.1
    p.grad = 0.0
    optimizer.step()  # v = 0.9, p = -0.19
    assert p.data == pytest.approx(-0.19)


def test_the_first_adam_step_is_lr_whatever_the_gradients_scale(mg):
    p, q = mg.Value(0.0), mg.Value(0.0)
    optimizer = mg.optim.Adam([p, q], lr=0.01)
    p.grad, q.grad = 1000.0, 0.001
    optimizer.step()
    assert p.data == pytest.approx(-0.01, rel=1e-4) and q.data == pytest.approx(-0.01, rel=1e-4)


# ---- The catalogue's checks (kata/catalogue/step7.py), on the public seed's numbers ------------------


def test_check(case, run_case):
    run_case(case)
