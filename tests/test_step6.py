"""Step 6: losses, SGD and the training loop (micrograd/train.py). Run: make test-step6

mse_loss(predictions, targets) is the MEAN of the squared errors, as a Value. sgd_step(parameters,
lr) moves every parameter by -lr * grad. train(model, xs, ys, epochs, lr, loss_fn=mse_loss) repeats,
every epoch: forward on every x, the loss, model.zero_grad(), loss.backward(), sgd_step; and returns
the loss of every epoch.

The training checks train the kata's small model y = w0 x0 + w1 x1 + w2 x0 x1 + b, so a bug in your
step 5 does not show up here; and `mg` runs on the kata's engine, as in the grader.
"""

import pytest

pytestmark = pytest.mark.step6


# ---- What step 6 expects, by example -----------------------------------------------------------------


@pytest.mark.uses(2)
def test_the_mean_squared_error_of_two_predictions(mg):
    loss = mg.train.mse_loss([mg.Value(1.0), mg.Value(2.0)], [0.0, 0.0])
    assert loss.data == 2.5  # (1^2 + 2^2) / 2


def test_sgd_steps_against_the_gradient(mg):
    p = mg.Value(1.0)
    p.grad = 0.5
    mg.train.sgd_step([p], lr=0.1)
    assert p.data == pytest.approx(0.95)
    assert p.grad == 0.5


# ---- The catalogue's checks (kata/catalogue/step6.py), on the public seed's numbers ------------------


def test_check(case, run_case):
    run_case(case)
