"""Step 6: learning. A loss says how wrong the model is; its gradient says which way is
downhill for every parameter; SGD takes a small step that way; the loop repeats.
"""


def mse_loss(predictions, targets):
    """The mean squared error: the average of (prediction - target) ** 2, as a Value."""
    if len(predictions) != len(targets):
        raise ValueError(f"{len(predictions)} predictions but {len(targets)} targets")
    ### BEGIN SOLUTION
    squared_errors = [(p - t) ** 2 for p, t in zip(predictions, targets)]
    return sum(squared_errors) / len(squared_errors)
    ### END SOLUTION


def sgd_step(parameters, lr):
    """Stochastic gradient descent: move every parameter a step of size lr downhill."""
    ### BEGIN SOLUTION
    for p in parameters:
        p.data -= lr * p.grad  # the gradient points uphill, so subtract it
    ### END SOLUTION


def train(model, xs, ys, epochs, lr, loss_fn=mse_loss):
    """Fit model to (xs, ys) by full-batch gradient descent; return the loss of every epoch."""
    ### BEGIN SOLUTION
    history = []
    for _ in range(epochs):
        predictions = [model(x) for x in xs]
        loss = loss_fn(predictions, ys)
        model.zero_grad()  # gradients accumulate with +=, so clear last epoch's first
        loss.backward()
        sgd_step(model.parameters(), lr)
        history.append(loss.data)
    return history
    ### END SOLUTION
