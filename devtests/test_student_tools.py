"""The student's tools: progress, watch, reset, the graph picture and the demo's plots."""

import os
import re
import select
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from kata.dev import exercises as generator
from kata.harness.observe import Implementation
from kata.manifest import load
from kata.paths import PACKAGE, ROOT, SOLUTIONS
from kata.progress import render, run_all
from kata.reset import ResetError, reset_step
from kata.runner import run_step

MANIFEST = load()


def _solved_upto(folder: Path, upto: int) -> Path:
    generator.write(generator.build(SOLUTIONS / PACKAGE, MANIFEST, upto=upto), folder / PACKAGE)
    return folder


# ---- progress -----------------------------------------------------------------------------------------


def test_progress_counts_every_step_and_says_what_to_do_next(tmp_path: Path) -> None:
    impl = str(_solved_upto(tmp_path, 2))
    results = run_all(MANIFEST, impl)
    text = render(results, MANIFEST, impl)
    row = re.compile(r"^\s+(\d)\s.*?\s(done|todo|failing|started)$", re.M)
    rows = {int(m.group(1)): m.group(2) for m in row.finditer(text)}
    assert rows[1] == rows[2] == "done" and rows[3] == "todo"
    assert "2 of 6 steps done (30 of 100 points)" in text
    # the first stub step 3's spec runs into (its warm-up), named by file and function, with what to write
    assert re.search(r"Next: micrograd/engine\.py, backprop_by_hand\. Step 3: the warm-up", text), text
    assert "(make hint STEP=3)" in text


def test_progress_points_at_a_failing_check_before_any_todo(tmp_path: Path) -> None:
    impl = _solved_upto(tmp_path, 1)
    numeric = impl / PACKAGE / "numeric.py"
    numeric.write_text(numeric.read_text().replace("/ (2 * h)", "/ h"))
    results = run_all(MANIFEST, str(impl))
    text = render(results, MANIFEST, str(impl))
    assert "Next: fix the failing check test_" in text and "make test-step1" in text


def test_progress_names_the_file_and_line_python_cannot_read(tmp_path: Path) -> None:
    impl = _solved_upto(tmp_path, 5)
    nn = impl / PACKAGE / "nn.py"
    lines = nn.read_text().splitlines(keepends=True)
    line = next(i for i, text in enumerate(lines, start=1) if text.startswith("class Layer(Module):"))
    nn.write_text("".join(lines).replace("class Layer(Module):", "class Layer(Module)"))
    text = render(run_all(MANIFEST, str(impl)), MANIFEST, str(impl))
    assert f"Next: Python cannot load micrograd/nn.py: SyntaxError at line {line}" in text


def test_progress_never_says_every_step_passes_when_nothing_ran() -> None:
    from kata.progress import next_action
    from kata.runner import StepResult

    nothing = [StepResult(step, errors=1, returncode=1) for step in MANIFEST.steps]
    assert "Every step passes" not in next_action(nothing, MANIFEST)
    assert "Every step passes" not in next_action([], MANIFEST)


# ---- watch -------------------------------------------------------------------------------------------------


def _read_until(process: subprocess.Popen[bytes], pattern: str, seen: list[str], timeout: float = 60) -> str:
    """Read the process's output (raw, so nothing hides in a buffer) until a line matches pattern."""
    deadline = time.monotonic() + timeout
    assert process.stdout is not None
    fd = process.stdout.fileno()
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            chunk = os.read(fd, 65536).decode(errors="replace")
            if not chunk:
                break
            seen.append(chunk)
        lines = "".join(seen).splitlines()
        for i, line in enumerate(lines):
            if re.search(pattern, line):
                del seen[:]
                seen.append("\n".join(lines[i + 1 :]) + "\n")
                return line
    raise AssertionError(f"never saw {pattern!r}; the watch printed:\n{''.join(seen)}")


def _watch(impl: Path, tmp_path: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "kata", "watch", "--impl", str(impl), "--interval", "0.1", "--no-clear"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        env={**os.environ, "KATA_STATE": str(tmp_path / "state")},
    )


def test_watch_shows_the_full_result_says_passed_and_moves_on_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    impl = _solved_upto(tmp_path, 0)
    process = _watch(impl, tmp_path)
    seen: list[str] = []
    try:
        _read_until(process, r"TODO test_check\[gradient-calls", seen)  # the full result, every todo
        _read_until(process, r"Step 1 \(Finite differences\): 0 passed, 0 failing, \d+ todo", seen)
        solved = generator.build(SOLUTIONS / PACKAGE, MANIFEST, upto=1)["numeric.py"]
        (impl / PACKAGE / "numeric.py").write_text(solved)  # the student saves step 1
        _read_until(process, r"change seen, running step 1", seen)
        _read_until(process, r"^step 1 passed\.", seen)
        _read_until(process, r"moving on to step 2", seen)
        _read_until(process, r"Step 2 \(The Value graph\): 0 passed", seen)
        os.killpg(process.pid, signal.SIGINT)
        _read_until(process, r"stopped watching", seen)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)


def test_watch_starts_at_the_current_step_and_catches_a_regression_before_moving_on(tmp_path: Path) -> None:
    impl = _solved_upto(tmp_path, 2)
    process = _watch(impl, tmp_path)
    seen: list[str] = []
    try:
        first = _read_until(process, r"^Step \d \(", seen)  # the first verdict is step 3's, not step 1's
        assert first.startswith("Step 3 (Local derivatives)"), first
        solved = generator.build(SOLUTIONS / PACKAGE, MANIFEST, upto=3)
        numeric = impl / PACKAGE / "numeric.py"
        numeric.write_text(solved["numeric.py"].replace("/ (2 * h)", "/ h"))  # breaks step 1 ...
        (impl / PACKAGE / "engine.py").write_text(solved["engine.py"])  # ... while step 3 gets done
        _read_until(process, r"^step 3 passed\.", seen)
        _read_until(process, r"checking steps 1-2 for regressions", seen)
        _read_until(process, r"step 1 passed before but does not now .*back to step 1", seen)
        _read_until(process, r"Step 1 \(Finite differences\): \d+ passed, \d+ failing", seen)
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)


# ---- reset --------------------------------------------------------------------------------------------------


def test_reset_puts_back_only_the_steps_stubs_and_keeps_a_backup(tmp_path: Path) -> None:
    impl = _solved_upto(tmp_path / "work", 4)
    engine = impl / PACKAGE / "engine.py"
    before = engine.read_text() + "\n# my own notes\n"
    engine.write_text(before)
    report = reset_step(MANIFEST.step(3), MANIFEST, impl / PACKAGE, backups=tmp_path / "backups")
    assert report.backup.read_text() == before and report.backup.parent.parent == tmp_path / "backups"
    assert len(report.reset) == len(MANIFEST.step(3).functions) and not report.whole
    text = engine.read_text()
    assert "# my own notes" in text and "def topological_order" in text
    results = {n: run_step(MANIFEST.step(n), impl=str(impl), capture=True) for n in (2, 3, 4)}
    assert results[2].done
    assert results[3].todo and not results[3].failed and not results[3].passed
    # step 4 is checked on nodes of its own, so it keeps every check while step 3 waits
    assert results[4].done


def test_reset_twice_keeps_both_backups(tmp_path: Path) -> None:
    impl = _solved_upto(tmp_path / "work", 6)
    first = reset_step(MANIFEST.step(6), MANIFEST, impl / PACKAGE, backups=tmp_path / "b")
    second = reset_step(MANIFEST.step(6), MANIFEST, impl / PACKAGE, backups=tmp_path / "b")
    assert first.backup != second.backup and first.backup.exists() and second.backup.exists()


def test_a_broken_file_is_reset_only_when_asked_for_the_whole_file(tmp_path: Path) -> None:
    impl = _solved_upto(tmp_path / "work", 5)
    nn = impl / PACKAGE / "nn.py"
    nn.write_text(nn.read_text().replace("class Layer(Module):", "class Layer(Module)"))
    with pytest.raises(ResetError, match=r"line \d+ has a syntax error"):
        reset_step(MANIFEST.step(5), MANIFEST, impl / PACKAGE, backups=tmp_path / "b")
    report = reset_step(MANIFEST.step(5), MANIFEST, impl / PACKAGE, backups=tmp_path / "b", whole_file=True)
    assert "class Layer(Module)\n" in report.backup.read_text()
    assert nn.read_text() == generator.build(SOLUTIONS / PACKAGE, MANIFEST)["nn.py"]


# ---- pictures -------------------------------------------------------------------------------------------------


def _lecture_neuron(Value: Any) -> tuple[Any, Any]:
    x1, x2, w1, w2 = Value(2.0, label="x1"), Value(0.0, label="x2"), Value(-3.0, label="w1"), Value(1.0, label="w2")
    o = (x1 * w1 + x2 * w2 + Value(6.8813735870195432, label="b")).tanh()
    o.backward()
    return o, x1


def test_draw_dot_writes_svg_and_png_that_decode(tmp_path: Path, reference: Implementation) -> None:
    import xml.etree.ElementTree as ElementTree

    import matplotlib.image

    o, x1 = _lecture_neuron(reference.Value)
    assert abs(x1.grad + 1.5) < 1e-9  # the lecture's numbers
    svg = reference.viz.draw_dot(o, filename=str(tmp_path / "g"), format="svg")
    root = ElementTree.parse(svg).getroot()
    texts = " ".join(element.text or "" for element in root.iter() if element.tag.endswith("text"))
    assert root.tag.endswith("svg") and "grad -1.5000" in texts
    png = reference.viz.draw_dot(o, filename=str(tmp_path / "g"), format="png")
    image = matplotlib.image.imread(png)
    assert image.shape[0] > 50 and image.shape[1] > 300


def test_without_dot_it_prints_a_text_tree_and_how_to_install(
    tmp_path: Path, reference: Implementation, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import shutil

    o, _ = _lecture_neuron(reference.Value)
    monkeypatch.setattr(shutil, "which", lambda name: None)
    tree = reference.viz.draw_dot(o, filename=str(tmp_path / "g"))
    printed = capsys.readouterr().out
    assert "apt install graphviz" in printed and "brew install graphviz" in printed
    assert tree.splitlines()[0].startswith("#1 tanh data=0.7071 grad=1.0000")
    assert "x1 data=2.0000 grad=-1.5000" in tree and not (tmp_path / "g.svg").exists()


def test_the_warm_up_is_drawn_with_the_students_numbers_and_where_the_engine_disagrees(
    tmp_path: Path, reference: Implementation
) -> None:
    import xml.etree.ElementTree as ElementTree

    from kata import warmup_graph

    hand = warmup_graph.by_hand(reference.engine.backprop_by_hand)
    root, disagreements = warmup_graph.picture(hand, warmup_graph.by_engine(reference.Value))
    assert disagreements == [] and (root.label, root.data) == ("f", hand["f"][0])
    svg = reference.viz.draw_dot(root, filename=str(tmp_path / "w"), format="svg")
    texts = " ".join(e.text or "" for e in ElementTree.parse(svg).getroot().iter() if e.tag.endswith("text"))
    assert "grad -1.3679" in texts and "grad 3.3679" in texts  # d(f)/dx and d(f)/dz at the lecture's point

    one_path = {**hand, "x": (1.0, -1.0)}  # x's second path forgotten
    root, disagreements = warmup_graph.picture(one_path, warmup_graph.by_engine(reference.Value))
    assert len(disagreements) == 1 and disagreements[0].startswith("  x: by hand data 1.0000 grad -1.0000")
    with pytest.raises(warmup_graph.NotANumberPair, match="returned no 'y'"):
        warmup_graph.by_hand(lambda x, y, z: {"x": (x, 1.0)})


def test_the_depth_demo_says_what_it_measured_and_plots_it(tmp_path: Path) -> None:
    import matplotlib.image

    from kata.demo_depth import Measured, plot, verdict

    def runs(curves: dict[str, list[list[float]]], accuracy: str = "") -> dict[str, Measured]:
        costs = {"2-4-1": (17, 1.0), "2-8-8-1": (105, 3.0), "2-16-16-1": (337, 8.0)}
        return {n: Measured(n, costs[n][0], c, costs[n][1], 100, accuracy) for n, c in curves.items()}

    solved, stuck = [1.0, 0.05, 0.001], [1.0, 0.5, 0.3]
    xor = runs({"2-4-1": [solved, stuck, solved], "2-8-8-1": [solved] * 3, "2-16-16-1": [solved] * 3})
    moons = runs({"2-4-1": [[1.0, 0.3, 0.2]], "2-8-8-1": [[1.0, 0.3, 0.05]], "2-16-16-1": [[1.0, 0.05, 0.01]]}, "90%")
    words = "\n".join(verdict(xor, moons))
    assert "on XOR, depth bought reliability: below 0.01: 2-16-16-1 in 3 of 3 seeds" in words
    assert "2-4-1 in 2 of 3 seeds" in words
    assert "on two moons, depth bought the solution itself: below 0.1: 2-16-16-1 at step 2, 2-4-1 never" in words
    assert "took 8.0x as long as one of 2-4-1" in words
    same = runs({name: [solved] for name in ("2-4-1", "2-8-8-1", "2-16-16-1")})
    assert "depth bought little" in "\n".join(verdict(same, same))
    image = matplotlib.image.imread(plot(xor, moons, tmp_path / "depth.png"))
    assert image.shape[1] > 600 and image.std() > 0.05


def test_the_demo_writes_plots_that_decode_and_restores_the_collector(
    tmp_path: Path, reference: Implementation
) -> None:
    import gc

    import matplotlib.image

    from kata import demo

    assert gc.isenabled()
    runs = demo.run(reference, ["xor"], out=tmp_path)
    assert gc.isenabled()
    assert runs[0].history[-1] < 0.01
    for path in runs[0].files:
        image = matplotlib.image.imread(path)
        assert image.ndim == 3 and image.shape[0] > 200 and image.std() > 0.05  # not blank


# ---- make shell, make help, make graph, compare ----------------------------------------------------------


def _shell(lines: list[str], impl: str = "solutions") -> str:
    completed = subprocess.run(
        [sys.executable, "-m", "kata", "shell", "--impl", impl],
        cwd=ROOT,
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    return completed.stdout + completed.stderr


def test_the_shell_imports_the_students_micrograd_and_draws_its_graphs() -> None:
    printed = _shell(
        [
            "from micrograd.engine import Value as Imported",
            "print('same class:', Imported is Value)",
            "a = Value(2.0, label='a'); b = Value(-3.0, label='b'); c = a * b + a; c.label = 'c'; c.backward()",
            "print('grad of a:', a.grad)",
            "draw(c, 'devtest')",
        ]
    )
    assert "your micrograd is " + str(SOLUTIONS / PACKAGE) in printed
    assert "same class: True" in printed and "grad of a: -2.0" in printed
    assert "build/shell/devtest.svg" in printed or "data=2.0000 grad=-2.0000" in printed  # svg, or text without dot


def test_the_shell_on_the_stubs_shows_the_stub_message() -> None:
    printed = _shell(["Value(1.0)"], impl="exercises")
    assert "NotImplementedError: Step 2: store data" in printed and "left the kata shell" in printed


def test_help_of_a_copy_without_solutions_never_mentions_them(tmp_path: Path) -> None:
    for name in ("Makefile", "kata.toml"):
        shutil.copy(ROOT / name, tmp_path / name)
    text = subprocess.run(["make", "-s", "help"], cwd=tmp_path, capture_output=True, text=True).stdout
    assert "make test-step1" in text and "make shell" in text
    assert "solutions" not in text
    here = subprocess.run(["make", "-s", "help"], cwd=ROOT, capture_output=True, text=True).stdout
    assert "IMPL=solutions" in here


def test_graph_and_demo_check_the_engine_before_installing_anything(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from kata import cli
    from kata import paths as kata_paths

    dry = subprocess.run(["make", "-n", "graph"], cwd=ROOT, capture_output=True, text=True).stdout
    assert dry.index("--check") < dry.index("ready-plots")  # the check comes first
    assert cli.main(["graph", "--check"]) == 1 and cli.main(["demo", "--check"]) == 1
    said = capsys.readouterr().out
    assert "not ready for it yet" in said and "Step 2:" in said
    monkeypatch.setattr(kata_paths, "has_reference", lambda: False)  # as in a student's copy
    assert cli.main(["graph", "--check"]) == 1
    assert "solutions" not in capsys.readouterr().out
    assert cli.main(["graph", "--check", "--impl", "solutions"]) == 0


def test_a_passed_step_offers_the_reference_only_where_the_release_ships_it(tmp_path: Path) -> None:
    from kata import reference_notes

    step = MANIFEST.step(4)
    assert reference_notes.offer(step, tmp_path / "none") == ""
    written = reference_notes.write(tmp_path, MANIFEST)
    assert len(written) == len(MANIFEST.steps)
    notes = tmp_path / "kata" / "reference_notes"
    text = (notes / "step4.md").read_text()
    assert "## topological_order" in text and "visited.add(node)" in text and "# all of its inputs" in text
    assert "python -m kata compare 4" in reference_notes.offer(step, notes)
    assert "### BEGIN SOLUTION" not in text


def test_the_demo_says_how_long_before_it_starts(reference: Implementation) -> None:
    from kata import demo

    with pytest.raises(NotImplementedError):
        demo.ready(__import__("kata.cli", fromlist=["_load_impl"])._load_impl("exercises"))
    estimates = demo.estimate(reference, ["xor", "moons", "sine"])
    assert set(estimates) == {"xor", "moons", "sine"} and all(s > 0 for s in estimates.values())
    plan = demo.plan(estimates)
    assert "moons   100 steps" in plan and "about" in plan


def test_the_pictures_use_plain_floats_only_when_they_agree_with_the_engine(reference: Implementation) -> None:
    import random

    from kata import demo

    random.seed(3)
    model = reference.nn.MLP(2, [4, 4, 1])
    fast = demo.plain(model)
    assert fast is not None
    for x in ([0.3, -0.2], [1.5, 0.7]):
        assert abs(fast(x) - model(x).data) < 1e-12
    points = [[0.1, 0.2], [0.3, -0.4]]
    assert demo.evaluator(model, points, lambda out: None) is not None
    model.layers[-1].neurons[0].nonlin = True  # a model that is not the contract's shape any more
    slow = demo.evaluator(model, points, lambda out: None)
    assert abs(slow([0.5, 0.5]) - model([0.5, 0.5]).data) < 1e-12
