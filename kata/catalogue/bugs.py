"""The classic bugs the judges recognise: id -> what it is, in words a student can act on.

A judge that recognises one says "looks like: <words>" and tags the problem with the id, so the
class report counts bugs by id and the bug zoo (grader/zoo.toml, whose entries name the id they
must be diagnosed as) proves both that every one is recognised and that nothing else is said.
"""

from __future__ import annotations

BUGS: dict[str, str] = {
    # ---- step 1: finite differences ----
    "one-sided-difference": "a one-sided difference; use the central one, (f(x + h) - f(x - h)) / (2h)",
    "factor-two": "a factor 2 is off: divide the difference by 2h, the distance between x - h and x + h",
    "ignores-h": "the h argument is ignored; use the h the caller passes",
    "nudges-all-coordinates": "every coordinate was nudged at once: nudge one at a time, the others fixed",
    "xs-mutated": "xs itself was changed: work on copies (list(xs)); the caller's list must stay as it was",
    # ---- step 2: the graph and forward values ----
    "data-not-float": "data is stored as given: store data as a float, self.data = float(data)",
    "operands-swapped": "the operands are swapped (b - a instead of a - b): for -, / and the reflected ops the "
    "order matters (2 - x is other - self in __rsub__)",
    "detached": "the result is detached from its inputs: pass them as _children, Value(..., (self, other), op)",
    "mutates-input": "the operation changed an input instead of making a new node: return out = Value(...), "
    "never modify self",
    "no-coercion": "a plain number reached code that expects a Value: wrap it in a Value first "
    "(other = other if isinstance(other, Value) else Value(other))",
    "tanh-overflows": "tanh overflows for large inputs (an OverflowError from math.exp): use math.tanh",
    "sigmoid-overflows": "sigmoid overflows for large negative inputs (an OverflowError from math.exp): use "
    "1 / (1 + exp(-x)) for x >= 0 and exp(x) / (1 + exp(x)) for x < 0",
    "log-unnamed-error": "the ValueError of log should name the value, e.g. "
    'ValueError(f"log needs a positive number, got {self.data}")',
    "log-no-error": "log of a number <= 0 must raise ValueError (naming the number)",
    "pow-accepts-any-exponent": "** accepted an exponent that is not an int or a float: raise TypeError for "
    "anything else (a Value exponent would need a gradient of its own)",
    "relu-forward-threshold": "ReLU's threshold is 0: relu(x) is x for x > 0 and 0 otherwise",
    # ---- step 3: local derivatives ----
    "forgets-out-grad": "the chain factor out.grad is missing: multiply the local derivative by out.grad",
    "closure-not-attached": "nothing reached this input: is `out._backward = _backward` set before `return out`, "
    "and does the closure update this input?",
    "assign-instead-of-accumulate": "`=` instead of `+=`: a Value used more than once must ADD each contribution "
    "to its grad",
    "closure-changes-out-grad": "the closure changed out.grad: it must only add to its inputs' grads",
    "add-first-input-only": "only the first input of + receives the gradient: d(a + b)/db = 1 too",
    "sub-second-sign": "a sign error: the subtracted input gets +out.grad, but d(a - b)/db = -1",
    "mul-own-value": "each input of * gets its own value instead of its partner's (a.grad += b.data * out.grad)",
    "div-denominator-sign": "the denominator's derivative has the wrong sign: d(a / b)/db = -a / b**2",
    "div-numerator-missing": "the denominator's derivative is -a / b**2: the numerator a is missing",
    "neg-loses-sign": "the sign is lost: d(-x)/dx is -1, so subtract out.grad",
    "power-rule-wrong": "the power rule is n * x**(n - 1), not n * x**n",
    "pow-factor-missing": "the power rule is n * x**(n - 1): the factor n is missing",
    "pow-n-minus-one": "the power rule is n * x**(n - 1), not (n - 1) * x**(n - 1)",
    "exp-grad-from-input": "the derivative of exp is computed from the input (x) instead of the output "
    "(e^x = out.data)",
    "log-grad-times-x": "d(ln x)/dx is 1/x, not x",
    "log-grad-from-output": "d(ln x)/dx is 1/x of the input, not 1/out.data",
    "tanh-grad-from-input": "the derivative of tanh is computed from the input (1 - x**2) instead of the output "
    "(1 - out.data**2)",
    "tanh-square-missing": "the derivative of tanh is 1 - t**2, not 1 - t (the square is missing)",
    "relu-passes-negative": "ReLU passes the gradient through for negative inputs (its slope there is 0)",
    "relu-grad-is-value": "ReLU's local derivative is 1 or 0, not the value itself",
    "relu-grad-threshold": "ReLU's slope is 1 for every input > 0 (the threshold is 0, not 1)",
    "sigmoid-grad-from-input": "the derivative of sigmoid is computed from the input, x * (1 - x), instead of the "
    "output s * (1 - s)",
    "sigmoid-factor-missing": "the derivative of sigmoid is s * (1 - s): a factor is missing",
    # ---- step 4: topological order and backward ----
    "topo-not-a-list": "topological_order must return a list of the nodes",
    "topo-duplicates": "a node is listed more than once: keep a visited set (a node reachable along two paths "
    "is listed once)",
    "topo-missing": "nodes reachable from the root are missing from the order",
    "topo-unreachable": "the order lists nodes the root does not depend on",
    "topo-input-after-node": "a node comes before one of its inputs: append a node only after all of its inputs "
    "(post-order), never when you first meet it",
    "topo-keeps-state": "the first call was right but a second call was not: the function keeps state between "
    "calls (a global, or a default-argument visited set)",
    "topo-recursive": "the sort recurses: Python stops at about 1000 nested calls, so a deep graph needs an "
    "explicit stack (and the recursion limit must stay as it is)",
    "no-seed": "the output's gradient was not seeded: backward() must start with self.grad = 1.0",
    "backward-forward-order": "backward() ran the closures inputs first: run them in REVERSE topological order "
    "(the output first)",
    "backward-skips-nodes": "backward() did not run the closure of every node the output depends on",
    # ---- step 5: Neuron, Layer, MLP ----
    "zero-initial-weights": "every weight starts at the same value: draw each one from random.uniform(-1, 1), "
    "or all neurons learn the same thing",
    "weights-out-of-range": "weights must start in [-1, 1] (random.uniform(-1, 1))",
    "bias-initial-value": "the bias starts at 0: self.b = Value(0.0)",
    "bias-not-a-parameter": "the bias is missing from parameters(): training could never move it",
    "bias-before-weights": "parameters() lists the bias first: weights first, then the bias",
    "parameters-incomplete": "parameters() leaves out whole neurons or layers: collect the parameters of every "
    "neuron of every layer",
    "bias-not-summed": "the bias is left out of the sum: a neuron computes w . x + b",
    "nonlinear-last-layer": "the last layer applies tanh; the last layer must be linear (nonlin=False)",
    "tanh-missing": "tanh is missing although nonlin is True",
    "tanh-when-linear": "tanh is applied although nonlin is False",
    "layer-always-list": "a Layer of one neuron must return that Value itself (outs[0]), not a list",
    "zero-grad-does-nothing": "zero_grad() left some gradients as they were: set p.grad = 0.0 for every p in "
    "self.parameters()",
    # ---- step 6: losses, SGD, training ----
    "mse-summed": "the squared errors are summed instead of averaged: divide by the number of samples",
    "mse-not-squared": "the errors are not squared: (prediction - target) ** 2",
    "mse-not-squared-not-averaged": "the errors are neither squared nor averaged",
    "mse-detached": "the loss has the right value but is not an expression of the predictions (a new Value made "
    "from numbers?): backward() cannot reach them",
    "sgd-climbs": "the step goes uphill: subtract lr * grad, the gradient points uphill",
    "sgd-changes-grad": "sgd_step changed the gradients: it must only move the data",
    "train-without-zero-grad": "the gradients are never reset: call model.zero_grad() before loss.backward() in "
    "every epoch (they accumulate with +=)",
    "step-before-backward": "the step runs before backward(), with the gradients zeroed or stale: within an "
    "epoch the order is forward, loss, zero_grad, backward, step",
    "train-ignores-loss-fn": "train always uses mse_loss: use the loss_fn it is given",
    "train-loss-args-swapped": "train calls loss_fn(targets, predictions): the predictions come first",
    "train-history-not-losses": "train returned numbers that are not the loss of each epoch: append loss.data "
    "once per epoch",
    # ---- step 7: optimisers ----
    "momentum-forgets-gradient": "the velocity does not add the new gradient: v = momentum * v + grad",
    "adam-no-bias-correction": "no bias correction: m and v start at 0, so divide them by (1 - beta^t)",
    "adam-without-eps": "eps is missing (or misplaced): lr * m_hat / (sqrt(v_hat) + eps)",
    "optimizer-climbs": "the steps go uphill: subtract the update",
    # ---- step 8: forward mode ----
    "dual-product-rule-half": "the value is right, the derivative is not: the product rule has two terms, "
    "(ab)' = a'b + ab'",
    "dual-chain-rule-forgotten": "the value is right, the derivative is not: apply the chain rule with the "
    "input's derivative, f(a)' = f'(a) * a'",
    "dual-log-no-error": "Dual log of a number <= 0 must raise ValueError, as Value.log does",
    "dual-sigmoid-overflows": "Dual sigmoid overflows for large negative inputs: compute it the stable way",
    "dual-relu-threshold": "Dual ReLU's threshold is 0: value x and derivative x' for x > 0, else 0 and 0",
    # ---- step 2: number ** Value ----
    "rpow-no-error": "number ** Value with a number <= 0 on the left must raise ValueError: c ** x is "
    "exp(x * ln c), and ln c exists only for c > 0",
    "rpow-unnamed-error": "the ValueError of number ** Value should name the number, e.g. "
    'ValueError(f"number ** Value needs a positive number on the left, got {base}")',
    # ---- step 3: the closure of number ** Value, and the backward pass by hand ----
    "rpow-power-rule": "c ** x is an exponential, not a power of x: d(c**x)/dx is c**x * ln c, not x * c**(x - 1)",
    "rpow-x-ln-c": "d(c**x)/dx is c**x * ln c (the output times ln c), not x * ln c",
    "rpow-log-missing": "d(c**x)/dx is c**x * ln c: the factor ln c (math.log of the plain number) is missing",
    "rpow-log-of-exponent": "the log is the base's: d(c**x)/dx is c**x * ln c with c the plain number (the "
    "argument of __rpow__), not the log of the exponent self.data",
    "hand-one-path": "only one path was counted: x and z are each used twice (x in x + y and in x * z), and a node "
    "used twice gets the SUM of the gradients that come back along both paths",
    "hand-inner-derivative": "the inner derivative is missing: exp(x * z) changes with x at the rate "
    "z * exp(x * z) (and with z at x * exp(x * z)): the chain rule multiplies by d(x * z)/dx = z",
    # ---- step 5: an activation per layer ----
    "activations-ignored": "a layer does not apply the activation named for it: MLP(nin, nouts, activations) passes "
    "activations[i] on to layer i (the default only when activations is None), Layer passes it on to its Neurons, "
    "and a Neuron applies the one it was given (relu, sigmoid, tanh or none), not always tanh",
    "activation-last-layer-only": "only the last layer got its activation; the hidden layers must apply theirs "
    "too (activations[i] is for layer i)",
    "sigmoid-sign": "sigmoid(t) is 1 / (1 + exp(-t)): the sign of the exponent is lost (that is sigmoid(-t))",
    # ---- step 9: the cheap gradient principle ----
    "cost-counts-leaves": "the leaves were counted as operations: a leaf is an input, given, not computed",
    "cost-shared-twice": "a node that several nodes use was counted once per path to it: it is computed once "
    "(walk the graph with a visited set)",
    "cost-seed-forgotten": "the seed is missing: every backward pass (and every forward-mode pass) starts by "
    "setting one derivative to 1, one operation",
    "cost-leaf-backward": "work was counted in the leaves' _backward, which does nothing: a leaf's grad is filled "
    "in by the _backward of the ops that use it",
    "cost-forward-mode-one-pass": "forward mode was counted as one pass: a pass gives the derivative with respect "
    "to ONE input, so the gradient takes one pass per leaf",
    # ---- step 10: gradient checkpointing ----
    "checkpoint-keeps-graph": "the segment's graph is still alive after the forward pass: the checkpoint's output "
    "must hold only the inputs (its _prev) and nothing of f's nodes, and its _backward must build them again",
    "checkpoint-not-reconnected": "the inputs get no gradient through the checkpoint: its _prev must be the inputs, "
    "and its _backward must add leaf.grad * out.grad to each input's grad",
    "checkpoint-accumulates-twice": "the inputs get the segment's gradient twice: rebuild the segment on stand-ins "
    "(Value(x.data)), not on the inputs themselves, and add to each input once",
    "checkpoint-late-binding": "every segment was rebuilt with the LAST segment's functions: a function made in a "
    "loop sees the loop's variables when it runs (in backward(), after the loop); bind them as defaults "
    "(def segment(v, group=group))",
}
