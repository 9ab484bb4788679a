"""Looking at a student's code from the outside: load its modules, read its numbers, describe
its exceptions, as plain data.

This module runs in two places: inside pytest (in-process, for the student's own runs) and
inside the grader's sandboxed child, next to untrusted code. So it uses the standard library
only, and keeps its own references to the builtins it relies on, taken when it is imported
(before any student code runs). Turning a described exception into words for a student is
kata/observe.py's job (trusted code).
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import re
import sys
import types

TYPE_CHECKING = False  # typing is not imported at run time: every child would pay for it
if TYPE_CHECKING:
    from typing import Any

_type = type
_float = float
_int = int
_str = str
_len = len
_isinstance = isinstance
_repr = repr
_float_repr = float.__repr__

STUB_PATTERN = re.compile(r"^Step (\d+): ")


class MissingName(AttributeError):
    """A name of the contract is missing from a student's module."""


def number(x: object) -> object:
    """A student's number as plain data: a float for an int or float, else a description.

    Only the exact types int and float count: bool, float subclasses (which can lie in
    __eq__ or __sub__), None, strings and other objects become {"not_a_number": ..., "repr": ...}
    and are judged wrong by the parent.
    """
    kind = _type(x)
    if kind is _float or kind is _int:
        return _float(x)
    return {"not_a_number": kind.__name__, "repr": safe_repr(x)}


def numbers(xs: object) -> object:
    """number() of every element of a list or tuple; a description if xs is not one."""
    if _type(xs) not in (list, tuple):
        return {"not_a_number": _type(xs).__name__, "repr": safe_repr(xs)}
    return [number(x) for x in xs]


def safe_repr(x: object, limit: int = 80) -> str:
    """repr() that never raises and never grows long."""
    try:
        if _type(x) is _float:
            text = _float_repr(x)
        else:
            text = _repr(x)
        if _type(text) is not _str:
            text = f"<{_type(x).__name__}>"
    except BaseException:  # noqa: BLE001 - a student's __repr__ may raise anything
        text = f"<unprintable {_type(x).__name__}>"
    return text if _len(text) <= limit else text[: limit - 3] + "..."


class Module:
    """One module of a student's package, imported on first use."""

    def __init__(self, impl: Implementation, name: str) -> None:
        self._impl = impl
        self._name = name

    def __getattr__(self, attr: str) -> Any:  # the student's object: anything at all
        module = self._impl.load(self._name)
        try:
            return getattr(module, attr)
        except AttributeError:
            raise MissingName(
                f"{self._name}.py has no {attr}: did you rename or delete it? The checks call it by that name"
            ) from None


class Implementation:
    """A micrograd package as the checks see it: `mg.engine.Value`, `mg.nn.MLP`, ...

    `package` is the name it is imported under ("micrograd" for a student; another name for the
    reference when both live in one process).
    """

    MODULES = ("numeric", "engine", "nn", "train", "data", "optim", "forward", "cost", "checkpoint", "viz")

    def __init__(self, package: str, directory: str | os.PathLike[str]) -> None:
        self.package = package
        self.directory = os.fspath(directory)

    def load(self, name: str) -> types.ModuleType:
        return importlib.import_module(f"{self.package}.{name}")

    def __getattr__(self, name: str) -> Module:
        if name in Implementation.MODULES:
            return Module(self, name)
        raise AttributeError(name)

    @property
    def Value(self) -> type:  # noqa: N802 - it is the student's class
        return self.engine.Value  # type: ignore[no-any-return]


def register_package(package: str, directory: str | os.PathLike[str], run_init: bool = True) -> types.ModuleType:
    """Import the package in `directory` (which holds __init__.py) under the name `package`.

    With run_init=False the package's __init__.py is not executed: its modules can still be
    imported one by one, so a broken __init__ (or a broken module it imports) does not hide the
    modules that are fine.
    """
    directory = os.fspath(directory)
    init = os.path.join(directory, "__init__.py")
    if run_init and os.path.isfile(init):
        spec = importlib.util.spec_from_file_location(package, init, submodule_search_locations=[directory])
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[package] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            del sys.modules[package]
            raise
        return module
    module = types.ModuleType(package)
    module.__path__ = [directory]
    module.__file__ = None
    sys.modules[package] = module
    return module


def run_package_init(package: str, directory: str | os.PathLike[str]) -> None:
    """Run the package's __init__.py (if it has one) in the package module register_package made with
    run_init=False: after the kata has put what it needs in place (the kata's engine, for steps 5-7)."""
    init = os.path.join(os.fspath(directory), "__init__.py")
    if not os.path.isfile(init):
        return
    module = sys.modules[package]
    module.__file__ = init
    with open(init, "rb") as source:
        code = compile(source.read(), init, "exec")
    exec(code, module.__dict__)  # the student's own package code, in the sandboxed child


def _relative(filename: str, directory: str | os.PathLike[str] | None) -> str | None:
    """filename relative to the package directory, or None if it is not inside it."""
    if not filename or directory is None:
        return None
    try:
        relative = os.path.relpath(os.path.realpath(filename), os.path.realpath(directory))
    except (ValueError, OSError):
        return None
    return None if relative == os.pardir or relative.startswith(os.pardir + os.sep) else relative


def _leaves(error: BaseException) -> list[BaseException]:
    if isinstance(error, BaseExceptionGroup):
        return [leaf for inner in error.exceptions for leaf in _leaves(inner)]
    return [error]


def representative(error: BaseException) -> BaseException:
    """The exception to explain: for a group (Hypothesis raises one when several examples fail in
    different ways), its first member that is not a stub, or else its first stub."""
    leaves = _leaves(error)
    real = [e for e in leaves if not (_type(e) is NotImplementedError and STUB_PATTERN.match(_str(e)))]
    return (real or leaves)[0]


def describe_exception(error: BaseException, directory: str | os.PathLike[str] | None) -> dict:
    """An exception as plain data a student can act on.

    type, message, and where it happened in the student's own files (file, line, function,
    source text): the innermost frame inside the package directory, or the syntax error's
    location. `stub_step` is set when it is a kata stub's NotImplementedError.
    """
    error = representative(error)
    kind = _type(error).__name__
    try:
        message = _str(error)
    except BaseException:  # noqa: BLE001 - a student's __str__ may raise anything
        message = f"<unprintable {kind}>"
    if _len(message) > 500:
        message = message[:497] + "..."
    info: dict = {"type": kind, "message": message}
    match = STUB_PATTERN.match(message) if kind == "NotImplementedError" else None
    if match:
        info["stub_step"] = _int(match.group(1))
    if _isinstance(error, SyntaxError):
        where = _relative(error.filename or "", directory)
        if where is not None or directory is None:
            info["file"] = where or os.path.basename(error.filename or "?")
            info["line"] = error.lineno or 0
            info["source"] = (error.text or "").strip()[:200]
            info["message"] = error.msg or message
            return info
    import linecache  # only when there is an error to describe: most children never need them
    import traceback

    frames = traceback.extract_tb(error.__traceback__)
    inside = [f for f in frames if _relative(f.filename, directory) is not None]
    if inside:
        frame = inside[-1]
        info["file"] = _relative(frame.filename, directory)
        info["line"] = frame.lineno or 0
        info["function"] = frame.name
        text = frame.line or linecache.getline(frame.filename, frame.lineno or 0)
        info["source"] = (text or "").strip()[:200]
    return info
