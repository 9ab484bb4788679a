"""The nbgrader course, built from the same single source as the .py kata.

    python -m grader.notebooks build [--course nbgrader] [--seed S]    (make notebooks)

writes nbgrader/source/stepN/stepN.ipynb for every step of kata.toml, with nbformat, and next to each
the kata package the notebook's checks run on (no solution code in it). A notebook holds:
  - the lesson: the idea and the maths of the step (and a picture where one helps);
  - a locked setup cell registering %%micrograd, which runs a cell as a micrograd module;
  - the modules of earlier steps as locked, read-only cells (the reference's code);
  - the step's module as a `solution` cell: earlier steps' code, this step's `### BEGIN SOLUTION`
    regions (nbgrader clears them in the release) and later steps' stubs;
  - one locked, autograded test cell per check of the step, worth that check's share of the step's
    points (kata.toml): its public cases (the numbers of the public suites, with the reference's
    expected results) and, inside `### BEGIN HIDDEN TESTS`, the cases of the instructor's seed.
"""

from __future__ import annotations

import argparse
import base64
import json
import shutil
import sys
from fractions import Fraction
from pathlib import Path

from kata import exercises as generator
from kata.catalogue import PUBLIC_SEED
from kata.harness.observe import Implementation
from kata.harness.probes import PROBES
from kata.manifest import Manifest, Step, load
from kata.oracle.draw import cases
from kata.oracle.expect import expectation
from kata.oracle.reference import reference as load_reference
from kata.paths import PACKAGE, ROOT, SOLUTIONS
from kata.release import MAINTAINER_MODULES

COURSE = ROOT / "nbgrader"
REFERENCE = "micrograd_notebook_reference"

DEFAULT_SEED = 271828

LESSONS = {
    1: r"""
A derivative is a slope: how much $f(x)$ moves per unit of a tiny move of $x$,
$f'(x) = \lim_{h \to 0} \frac{f(x+h) - f(x)}{h}$. A computer cannot take the limit, but it can
*measure*: evaluate $f$ at two nearby points.

Taylor's formula says why the choice of points matters:
$f(x \pm h) = f(x) \pm h f'(x) + \frac{h^2}{2} f''(x) \pm \frac{h^3}{6} f'''(x) + \dots$

* the **forward difference** $\frac{f(x+h) - f(x)}{h} = f'(x) + \frac{h}{2} f''(x) + \dots$ is off by a term in $h$;
* the **central difference** $\frac{f(x+h) - f(x-h)}{2h} = f'(x) + \frac{h^2}{6} f'''(x) + \dots$: the $h$ terms cancel.

With $f(x) = x^3$ at $x = 1$ and a deliberately large $h = 0.5$: the exact slope is 3, the central
difference gives $3 + h^2 = 3.25$, the forward one $4.75$.

For a function of several inputs, a **partial derivative** nudges one input and holds the others
fixed; the list of all of them is the **gradient**. For $f(x, y) = (x + y)\sin x$ at $(2, 3)$:
$f = 4.5465$, $\partial f/\partial x = \sin 2 + 5\cos 2 = -1.1714$, $\partial f/\partial y = \sin 2 = 0.9093$.

Measuring costs two evaluations of $f$ per input: for a network with a million weights, two million
forward passes per step. The rest of the kata computes exact gradients in *one* backward pass, and
uses these central differences as the yardstick that checks them.
""",
    2: r"""
Every operation on `Value`s returns a **new** `Value` that remembers its inputs (`_prev`) and the
operation that made it (`_op`). Running an expression therefore records it as a **directed acyclic
graph** (DAG): values are nodes, an edge goes from each input to the result, and no path leads back.

For $L = (a \cdot b + c) \cdot f$ the graph is the expression itself, written as data, which is
exactly what the backward pass will walk later.

Plain numbers must be wrapped in a `Value` on the way in (`x * 2`), and Python only calls
`x.__rmul__(2)` for `2 * x` and `x.__rsub__(2)` for `2 - x`: the order of the operands matters
there ($2 - x$, not $x - 2$).

Numerics: $\tanh x = \frac{e^{2x} - 1}{e^{2x} + 1}$ overflows at $x = 1000$ although the answer is
just 1 (`math.tanh` does not), and $\sigma(x) = \frac{1}{1 + e^{-x}}$ overflows at $x = -1000$:
compute it as $\frac{e^{x}}{1 + e^{x}}$ when $x < 0$, so that `exp` only ever sees numbers $\le 0$.
""",
    3: r"""
The **chain rule**: if $L$ depends on $x$ only through $out = g(x)$, then
$\frac{\partial L}{\partial x} = \frac{\partial L}{\partial out} \cdot \frac{\partial out}{\partial x}$.
`out.grad` holds $\partial L / \partial out$; each operation only has to know its **local
derivative** $\partial out / \partial x$, and its `_backward` closure adds
`out.grad * local` to the input's `grad`.

| op | local derivatives |
|---|---|
| $a + b$ | $1, 1$ |
| $a \cdot b$ | $b, a$ |
| $x^n$ | $n x^{n-1}$ |
| $a / b$ | $1/b,\ -a/b^2$ |
| $e^x$ | $e^x$ (the output) |
| $\ln x$ | $1/x$ |
| $\tanh x$ | $1 - \tanh^2 x$ (from the output) |
| $\sigma(x)$ | $\sigma(1 - \sigma)$ (from the output) |
| $\mathrm{relu}(x)$ | $1$ if $x > 0$, else $0$ |

**Accumulate** with `+=`: a value used in several places receives a contribution from each path
(the multivariate chain rule sums over paths). With $b = a + a$ and $c = b + b$, $\partial c / \partial a = 4$;
assigning instead of adding gives 1.
""",
    4: r"""
A node's gradient is complete only when **every node that uses it** has passed its share down. So
the backward pass must visit the output first and a node only after all of its consumers: the
reverse of a **topological order** (an order in which every node comes after its inputs).

A depth-first search that appends a node only once all its inputs are appended (post-order), with a
*visited* set so that a shared node appears once, gives such an order. Python stops recursion at
about 1000 levels, so keep your own stack: a chain of 100,000 nodes must work.

`backward()` then seeds $\partial L / \partial L = 1$ and runs every `_backward` in reverse order.

This is **reverse-mode** automatic differentiation: one forward pass plus one backward pass give
the derivative of one output with respect to *every* input, at a cost of the same order as the
forward pass. Forward mode (the bonus step 8) needs one pass per input. Neural networks have one
loss and millions of inputs: reverse mode is the only sensible choice.
""",
    5: r"""
A **neuron** computes $\tanh(w \cdot x + b) = \tanh\left(\sum_i w_i x_i + b\right)$: a weighted vote
of its inputs, shifted by a bias and squashed. A **layer** is a list of neurons reading the same
inputs; a **multi-layer perceptron** chains layers, each reading the previous layer's outputs. The
last layer is linear (no $\tanh$), so the network can output any number.

Nothing new is needed for its gradient: the network is just a larger expression of `Value`s, and
`backward()` reaches every weight and bias. `MLP(2, [16, 16, 1])` has
$(2 \cdot 16 + 16) + (16 \cdot 16 + 16) + (16 + 1) = 337$ parameters.

Weights start random in $[-1, 1]$: with equal weights every neuron of a layer would compute the
same thing and receive the same gradient forever.
""",
    6: r"""
Learning is minimising a **loss**. The mean squared error
$L = \frac{1}{n}\sum_i (\hat y_i - y_i)^2$ is 0 only for perfect predictions. Its gradient
$\partial L / \partial \theta$ for every parameter $\theta$ comes from one `backward()`; it points
uphill, so **stochastic gradient descent** steps against it:
$\theta \leftarrow \theta - \eta\,\partial L/\partial\theta$.

One epoch: forward on the data, loss, **zero the gradients** (they accumulate with `+=`!),
backward, step. Stepping before `backward()` uses stale gradients; forgetting `zero_grad()` adds
this epoch's gradients to all earlier ones.
""",
    7: r"""
Plain SGD zig-zags in narrow valleys and crawls on plateaus. **Momentum** keeps a velocity
$v \leftarrow \mu v + g$ and steps $\theta \leftarrow \theta - \eta v$: directions the gradient
keeps pointing to build up speed; oscillations cancel.

**Adam** keeps running averages of the gradient and of its square,
$m \leftarrow \beta_1 m + (1-\beta_1) g$ and $v \leftarrow \beta_2 v + (1 - \beta_2) g^2$,
corrects them for starting at zero, $\hat m = m / (1 - \beta_1^t)$, $\hat v = v / (1 - \beta_2^t)$,
and steps $\theta \leftarrow \theta - \eta\, \hat m / (\sqrt{\hat v} + \epsilon)$: about $\eta$ per
step for every parameter, whatever the scale of its gradient.
""",
    8: r"""
**Dual numbers** $a + b\varepsilon$ with $\varepsilon^2 = 0$ carry a value and a derivative together:
$(a + b\varepsilon)(c + d\varepsilon) = ac + (ad + bc)\varepsilon$, the product rule for free, and
$f(a + b\varepsilon) = f(a) + f'(a)\, b\, \varepsilon$ for $\exp$, $\ln$, $\tanh$, ...

Seed the input with derivative 1 and the output's $\varepsilon$ part is the derivative: **forward
mode**, one pass, no graph, no backward. The price: one pass per input. For $f(x, y) = (x + y)\sin x$,
two passes give $\partial f/\partial x$ and $\partial f/\partial y$; reverse mode gives both in one.

| | forward mode | reverse mode |
|---|---|---|
| one pass gives | $\partial f/\partial x_i$ for one input | $\partial f/\partial x_i$ for every input |
| cost of a gradient | $n$ passes | 1 pass + 1 backward |
| memory | no graph | the whole graph |
""",
}

PICTURES = {2: "graph.png", 4: "graph.png", 6: "moons_boundary.png"}


def _cell_id(step: int, name: str) -> str:
    return f"step{step}-{name}".replace(".", "-").replace("_", "-")


def _nb(kind: str, source: str, step: int, name: str, **flags):
    import nbformat

    cell = nbformat.v4.new_markdown_cell(source) if kind == "markdown" else nbformat.v4.new_code_cell(source)
    cell.id = _cell_id(step, name)
    if flags:
        cell.metadata["nbgrader"] = {
            "schema_version": 3,
            "grade_id": _cell_id(step, name),
            "grade": False,
            "solution": False,
            "locked": False,
            "task": False,
            **flags,
        }
    return cell


def _module_cells(step: Step, manifest: Manifest) -> list:
    """The micrograd modules the step's checks run, as cells: locked when earlier steps wrote them."""
    files = {s.number: s.file for s in manifest.steps}
    needed = sorted(
        {files[d] for d in step.depends} | {step.file} | ({"data.py"} if step.number == 6 else set()),
        key=lambda f: min([s.number for s in manifest.steps if s.file == f] or [0]),
    )
    cells = []
    for file in needed:
        source = (SOLUTIONS / PACKAGE / file).read_text(encoding="utf-8")
        regions = generator.find_regions(file, source, manifest)
        module = file.removesuffix(".py")
        code = f"%%micrograd {module}\n" + generator.render_step(source, regions, step.number)
        if file == step.file:
            tasks = "\n".join(f"* `{f.name}`: {f.task}" for f in step.functions)
            cells.append(
                _nb(
                    "markdown",
                    f"## Your code: `micrograd/{file}`\n\nWrite, where this cell says so:\n\n"
                    f"{tasks}\n\nRun the cell after every change, then the checks below.",
                    step.number,
                    f"task-{module}",
                    locked=True,
                )
            )
            cells.append(_nb("code", code, step.number, f"solution-{module}", solution=True))
        else:
            cells.append(
                _nb(
                    "markdown",
                    f"`micrograd/{file}`, from the earlier steps (run it; nothing to change):",
                    step.number,
                    f"given-{module}-note",
                    locked=True,
                )
            )
            cells.append(_nb("code", code, step.number, f"given-{module}", locked=True))
    return cells


def _test_cells(step: Step, seed: int, reference: Implementation) -> list:
    public, hidden = cases(step.number, PUBLIC_SEED), cases(step.number, seed)
    keys = list(dict.fromkeys(case.check.key for case in hidden))
    weights = {
        key: sum(Fraction(c.check.weight).limit_denominator(1000) for c in hidden if c.check.key == key) for key in keys
    }
    total = sum(weights.values())
    cells = [
        _nb(
            "markdown",
            "## The checks\n\nEach cell below is one check of the kata's catalogue (the same as "
            f"`make test-step{step.number}`), worth the points it shows in nbgrader. Run them in order; a failing "
            "one says what it expected, what your code gave, and the classic bug it looks like.",
            step.number,
            "checks-note",
            locked=True,
        )
    ]

    def payload(chosen):
        return json.dumps(
            [
                {"args": c.args, "label": c.label, "expectation": expectation(c, PROBES[c.key](reference, c.args))}
                for c in chosen
            ],
            separators=(",", ":"),
        )

    for key in keys:
        name = key.split(".", 1)[1]
        code = (
            f"check({key!r}, json.loads({payload([c for c in public if c.check.key == key])!r}))\n"
            "### BEGIN HIDDEN TESTS\n"
            f"check({key!r}, json.loads({payload([c for c in hidden if c.check.key == key])!r}))\n"
            "### END HIDDEN TESTS\n"
        )
        points = float(round(step.points * weights[key] / total, 4))
        cells.append(_nb("code", code, step.number, f"check-{name}", grade=True, locked=True, points=points))
    return cells


def notebook(step: Step, manifest: Manifest, seed: int, reference: Implementation):
    import nbformat

    title = f"# Step {step.number}: {step.title}" + (" (bonus)" if step.bonus else "")
    lesson = _nb(
        "markdown", f"{title}\n\n*{step.teaches}.*\n{LESSONS[step.number]}", step.number, "lesson", locked=True
    )
    picture = PICTURES.get(step.number)
    if picture:
        data = base64.b64encode((ROOT / "docs" / "images" / picture).read_bytes()).decode()
        lesson.attachments = {picture: {"image/png": data}}
        lesson.source += f"\n![{picture}](attachment:{picture})\n"
    setup = _nb(
        "code",
        "import json\n\nfrom kata.notebook import check, setup\n\nsetup()  # %%micrograd NAME runs a "
        "cell as the module micrograd.NAME",
        step.number,
        "setup",
        locked=True,
    )
    cells = [lesson, setup, *_module_cells(step, manifest), *_test_cells(step, seed, reference)]
    book = nbformat.v4.new_notebook(cells=cells)
    book.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    book.metadata["language_info"] = {"name": "python"}
    book.metadata["kata"] = {"step": step.number}
    return book


def build(course: Path, seed: int, manifest: Manifest | None = None) -> list[Path]:
    """Write course/source/stepN/stepN.ipynb and its kata package for every step."""
    import nbformat

    manifest = manifest or load()
    reference = load_reference(REFERENCE)
    written = []
    for step in manifest.steps:
        folder = course / "source" / f"step{step.number}"
        if folder.exists():
            shutil.rmtree(folder)
        shutil.copytree(
            ROOT / "kata",
            folder / "kata",
            ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "oracle", *MAINTAINER_MODULES),
        )
        path = folder / f"step{step.number}.ipynb"
        nbformat.write(notebook(step, manifest, seed, reference), path)
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grader.notebooks", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["build"])
    parser.add_argument("--course", type=Path, default=COURSE)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="the hidden tests' seed: pick your own")
    args = parser.parse_args(argv)
    written = build(args.course, args.seed)
    print(f"wrote {len(written)} notebooks under {args.course / 'source'} (hidden tests: seed {args.seed})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
