"""Step 6: learning. A loss says how wrong the model is; its gradient says which way is
downhill for every parameter; SGD takes a small step that way; the loop repeats.
"""


def mse_loss(predictions, targets):
    """The mean squared error: the average of (prediction - target) ** 2, as a Value."""
    if len(predictions) != len(targets):
        raise ValueError(f"{len(predictions)} predictions but {len(targets)} targets")
    raise NotImplementedError('Step 6: return the MEAN of the squared errors (prediction - target) ** 2, as a Value (make hint STEP=6)')


def sgd_step(parameters, lr):
    """Stochastic gradient descent: move every parameter a step of size lr downhill."""
    raise NotImplementedError('Step 6: move every parameter a small step downhill: p.data -= lr * p.grad (make hint STEP=6)')


def train(model, xs, ys, epochs, lr, loss_fn=mse_loss):
    """Fit model to (xs, ys) by full-batch gradient descent; return the loss of every epoch."""
    raise NotImplementedError('Step 6: for each epoch: forward on every sample, loss, zero_grad, backward, sgd_step; return the loss of every epoch (make hint STEP=6)')
