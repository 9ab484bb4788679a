"""make shell: a Python prompt where YOUR micrograd is imported, to play with it as the lecture does.

    >>> a = Value(2.0, label="a"); b = Value(-3.0, label="b")
    >>> c = a * b + a; c.label = "c"
    >>> c.backward()
    >>> a.grad                      # by hand: dc/da = b + 1 = -2
    >>> draw(c)                     # build/shell/graph.svg (or the graph as text, without graphviz)
    >>> numerical_derivative(lambda x: x * -3.0 + x, 2.0)   # step 1 agrees?

The folder holding your `micrograd` is put first on sys.path, so `from micrograd.engine import
Value` works at the prompt as in your own scripts. `--notebook` writes build/playground.ipynb with
the same start, for those who have Jupyter (the kata never needs it).
"""

from __future__ import annotations

import code
import importlib
import importlib.util
import json
import sys
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kata.paths import PACKAGE, ROOT, implementation_dir

OUT = ROOT / "build" / "shell"
NOTEBOOK = ROOT / "build" / "playground.ipynb"


def namespace(impl: str) -> dict[str, Any]:
    """The prompt's names: your modules, Value and friends, and draw()."""
    folder = implementation_dir(impl)
    sys.path.insert(0, str(folder))
    for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
        del sys.modules[name]
    names: dict[str, Any] = {"__name__": "__console__"}
    loaded = []
    for module in ("engine", "numeric", "nn", "train", "forward", "optim", "cost", "checkpoint", "data", "viz"):
        try:
            names[module] = importlib.import_module(f"{PACKAGE}.{module}")
            loaded.append(module)
        except Exception as error:  # noqa: BLE001 - a broken file must not stop the prompt
            print(f"note: micrograd.{module} does not import ({type(error).__name__}: {error})")
    for module, symbols in (
        ("engine", ("Value", "topological_order")),
        ("numeric", ("numerical_derivative", "numerical_gradient")),
        ("nn", ("Neuron", "Layer", "MLP")),
        ("forward", ("Dual",)),
    ):
        for symbol in symbols:
            if module in names and hasattr(names[module], symbol):
                names[symbol] = getattr(names[module], symbol)
    names["draw"] = _drawer(names.get("viz"))
    names["_loaded"] = loaded
    return names


def _drawer(viz: types.ModuleType | None) -> Callable[..., None]:
    def draw(root: Any, name: str = "graph", format: str = "svg") -> None:
        """Draw the graph of a Value with its data and grad: build/shell/<name>.svg (needs graphviz),
        else print it as text."""
        if viz is None:
            print("micrograd.viz does not import, so there is nothing to draw with.")
            return None
        OUT.mkdir(parents=True, exist_ok=True)
        drawn = viz.draw_dot(root, filename=str(OUT / name), format=format)
        if isinstance(drawn, str) and drawn.endswith(format):
            print(f"drawn: {drawn}  (open it in a browser or an image viewer)")
        return None

    return draw


def banner(impl: str, names: dict[str, Any]) -> str:
    folder = implementation_dir(impl) / PACKAGE
    ready = [n for n in ("Value", "topological_order", "numerical_derivative", "MLP", "Dual") if n in names]
    return "\n".join(
        [
            f"micrograd kata shell: your micrograd is {folder}",
            f"  imported: {', '.join(ready)}; modules {', '.join(names.get('_loaded', []))}",
            "  try:  a = Value(2.0, label='a'); b = Value(-3.0, label='b'); c = a * b + a; c.backward(); a.grad",
            "        draw(c)   -> build/shell/graph.svg (or the graph as text)",
            "  A stub you have not written yet raises NotImplementedError, as in the checks.",
            "  Saved a change? Leave (Ctrl-D, or exit()) and run make shell again: Python does not reload it.",
        ]
    )


def write_notebook(impl: str) -> Path:
    """build/playground.ipynb: the same start as the shell, in cells."""
    folder = implementation_dir(impl)
    cells = [
        (
            "markdown",
            "# Playground: your micrograd\nThe first cell makes `import micrograd` find YOUR package. "
            "Restart the kernel after you change a file.",
        ),
        ("code", f"import sys\nsys.path.insert(0, {str(folder)!r})\nfrom micrograd.engine import Value"),
        (
            "code",
            "a = Value(2.0, label='a'); b = Value(-3.0, label='b')\nc = a * b + a; c.label = 'c'\n"
            "c.backward()\nprint(a.grad, b.grad)  # by hand: dc/da = b + 1, dc/db = a",
        ),
        ("code", "from micrograd.viz import draw_dot\ndraw_dot(c)  # needs the graphviz package"),
    ]
    document = {
        "cells": [
            {
                "cell_type": kind,
                "metadata": {},
                "source": text,
                **({"outputs": [], "execution_count": None} if kind == "code" else {}),
            }
            for kind, text in cells
        ],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    NOTEBOOK.parent.mkdir(parents=True, exist_ok=True)
    NOTEBOOK.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
    return NOTEBOOK


def main(impl: str = "exercises", notebook: bool = False) -> int:
    if notebook:
        path = write_notebook(impl)
        if importlib.util.find_spec("notebook") or importlib.util.find_spec("jupyterlab"):
            print(f"wrote {path}: open it with  jupyter notebook {path}")
        else:
            print(
                f"wrote {path}. Jupyter is not installed here, and the kata does not need it: "
                "make shell gives you the same at a Python prompt."
            )
        return 0
    names = namespace(impl)
    code.interact(banner=banner(impl, names), local=names, exitmsg="left the kata shell.")
    return 0
