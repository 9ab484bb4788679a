"""Step 5: Neuron, Layer, MLP (micrograd/nn.py). Run: make test-step5

Neuron(nin) has nin weights drawn from random.uniform(-1, 1) and a bias Value(0.0), and computes
tanh(w . x + b) (or w . x + b when nonlin=False). Layer(nin, nout) is nout neurons reading the same
inputs (returning the Value itself when nout is 1). MLP(nin, nouts) chains layers, the last one
linear. parameters() lists every weight and bias: layer by layer, neuron by neuron, weights first.
MLP(nin, nouts, activations) names each layer's activation instead: "tanh", "relu", "sigmoid" or
"linear" (a Neuron takes it as activation=..., and Layer passes it on).

`mg` is your package; here it runs on the kata's engine (the grader does the same), so a bug in your
steps 2-4 does not show up in step 5.
"""

import math

import pytest

pytestmark = pytest.mark.step5


# ---- What step 5 expects, by example -----------------------------------------------------------------


def test_a_neuron_starts_with_random_weights_and_a_zero_bias(mg):
    n = mg.nn.Neuron(3)
    assert len(n.w) == 3 and all(-1 <= w.data <= 1 for w in n.w)
    assert n.b.data == 0.0


@pytest.mark.uses(2)
def test_a_neuron_computes_tanh_of_w_dot_x_plus_b(mg):
    n = mg.nn.Neuron(2)
    n.w[0].data, n.w[1].data, n.b.data = 0.5, -1.0, 0.25
    assert n([2.0, 1.0]).data == pytest.approx(math.tanh(0.5 * 2.0 - 1.0 * 1.0 + 0.25))


def test_an_mlp_2_16_16_1_has_337_parameters(mg):
    assert len(mg.nn.MLP(2, [16, 16, 1]).parameters()) == (2 * 16 + 16) + (16 * 16 + 16) + (16 + 1)


@pytest.mark.uses(2)
def test_an_mlp_applies_the_activation_named_for_each_layer(mg):
    """relu in the hidden layer, sigmoid at the output: sigmoid(relu(x0 - x1) + relu(x1 - x0)) = sigmoid(|x0 - x1|)."""
    model = mg.nn.MLP(2, [2, 1], ["relu", "sigmoid"])
    hidden, last = model.layers[0].neurons, model.layers[1].neurons[0]
    for neuron, weights in zip((*hidden, last), ([1.0, -1.0], [-1.0, 1.0], [1.0, 1.0])):
        neuron.w[0].data, neuron.w[1].data, neuron.b.data = *weights, 0.0
    assert model([2.0, 0.5]).data == pytest.approx(1 / (1 + math.exp(-1.5)))  # 0.8176
    assert model([0.5, 2.0]).data == pytest.approx(1 / (1 + math.exp(-1.5)))


def test_zero_grad_resets_every_parameter(mg):
    model = mg.nn.MLP(2, [3, 1])
    for p in model.parameters():
        p.grad = 1.5
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


# ---- The catalogue's checks (kata/catalogue/step5.py), on the public seed's numbers ------------------


def test_check(case, run_case):
    run_case(case)
