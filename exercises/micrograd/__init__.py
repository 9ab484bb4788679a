"""micrograd: a tiny scalar autograd engine and neural-network library, built step by step.

Modules, in the order the kata builds them:
    numeric  step 1  derivatives measured with finite differences
    engine   steps 2-4  the Value graph, local derivatives, backward()
    nn       step 5  Neuron, Layer, MLP
    train    step 6  losses, SGD and the training loop
    data     ready-made data sets (XOR, two moons)

Import from the modules themselves, e.g. `from micrograd.engine import Value`.
"""
