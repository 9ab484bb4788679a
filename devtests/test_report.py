"""DIR/report.html: the class at a glance, escaped, and really rendered by a browser."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from grader.zoo import bug, reference_copy, with_bugs
from kata.paths import ROOT

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("class")
    reference_copy(folder / "alice", upto=99)
    with_bugs(folder / "bob", [bug("tanh-grad-from-input")])
    with_bugs(folder / "carol", [bug("tanh-grad-from-input"), bug("sgd-climbs")])
    evil = reference_copy(folder / "dave", upto=99) / "engine.py"
    hostile = "import math\n\nraise ValueError('<script>alert(1)</script>')\n"
    evil.write_text(evil.read_text().replace("import math\n", hostile))
    out = folder / "grades"
    names = [str(folder / n) for n in ("alice", "bob", "carol", "dave")]
    done = subprocess.run(
        [sys.executable, "-m", "grader", "grade", *names, "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    return out / "report.html"


def test_it_lists_every_submission_and_the_bugs_to_reteach(report: Path) -> None:
    text = report.read_text()
    for name in ("alice", "bob", "carol", "dave"):
        assert f'<tr><td>{name}</td><td><a href="{name}/feedback.html">html</a> <a href="{name}/feedback.md">md' in text
    row = text[text.index("the derivative of tanh is computed from the input") :]
    assert row.split("</tr>")[0].count("bob") == 1 and "carol" in row.split("</tr>")[0]
    assert "<svg" in text and "<script" not in text.replace("&lt;script", "")


def test_it_ranks_the_checks_that_fail_most(report: Path) -> None:
    text = report.read_text()
    table = text[text.index("Which checks fail most") :].split("</table>")[0]
    first = table.split("<tr>")[2]  # the header, then the check that fails most
    assert "3/4" in first or "2/4" in first, first  # tanh's check fails for bob and carol (and dave's import)
    assert "alice" not in table


def test_the_html_feedback_is_inert(report: Path) -> None:
    page = (report.parent / "dave" / "feedback.html").read_text()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script" not in page
    assert "Content-Security-Policy" in page and "default-src 'none'" in page


def test_a_browser_renders_it(report: Path, tmp_path: Path) -> None:
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("CI must render the report: install chromium (.ci/run does)")
        pytest.skip("chromium is not installed here")
    import matplotlib.image

    shot = tmp_path / "report.png"
    subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--window-size=1280,1400",
            f"--screenshot={shot}",
            report.as_uri(),
        ],
        capture_output=True,
        timeout=120,
    )
    image = matplotlib.image.imread(shot)
    inked = (image[:, :, :3].mean(axis=2) < 0.9).mean()
    assert image.shape[:2] == (1400, 1280) and image.std() > 0.05 and inked > 0.02, "the screenshot is blank"
