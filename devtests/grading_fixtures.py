"""Submissions the grader's tests grade: each built from the reference with one small change."""

from __future__ import annotations

from pathlib import Path

from grader.zoo import reference_copy

# name -> (steps solved, file, old text, new text); file "": no change
FIXTURES: dict[str, tuple[int, str, str, str]] = {
    "complete": (99, "", "", ""),
    "partial": (3, "", "", ""),
    "stub": (0, "", "", ""),
    "syntax_error": (99, "nn.py", "class Module:", "class Module(:"),
    "import_error": (99, "engine.py", "import math\n", "import math\nimport numpy_is_not_part_of_the_kata\n"),
    "hanging": (99, "engine.py", "    while stack:\n", "    while True:\n        pass\n    while stack:\n"),
    "crashing": (
        99,
        "nn.py",
        "        self.b = Value(0.0)\n",
        "        self.b = Value(0.0)\n        import os\n        os._exit(3)\n",
    ),
}


def build(folder: Path, name: str) -> Path:
    upto, file, old, new = FIXTURES[name]
    package = reference_copy(folder / name, upto=upto)
    if file:
        path = package / file
        text = path.read_text()
        assert text.count(old) == 1, (name, old)
        path.write_text(text.replace(old, new))
    return folder / name
