# The front door of the micrograd kata. Every target sets up what it needs: on first use it
# creates a virtual environment in .venv and installs the pinned requirements into it.
# Without make (Windows without WSL), every target has a `python -m kata ...` twin: see README.md.

SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV ?= .venv
IMPL ?= exercises
# The first Python >= 3.11 on the PATH, unless you say which: make PYTHON=/path/to/python3.12
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3 python; do \
	  command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null \
	  && { echo $$p; break; }; done)
PY := $(VENV)/bin/python

STUDENT_READY := $(VENV)/.ready-student
PLOTS_READY := $(VENV)/.ready-plots
INSTRUCTOR_READY := $(VENV)/.ready-instructor
DEV_READY := $(VENV)/.ready-dev

.PHONY: help test test-step hint progress watch shell reset compare graph demo check check-fast lint types docs \
        exercises exercises-check ladder zoo redteam bench student-release grade similarity gradescope notebooks nbgrader-release \
        nbgrader-autograde nbgrader-feedback clean

help:  ## list the commands
	@echo "micrograd kata. Students:"
	@echo "  make test-step1         run step 1's checks against your code in exercises/ (then step 2, ...)"
	@echo "  make test               run every step, then the progress table"
	@echo "  make progress           every step: passed / failing / todo, and what to do next"
	@echo "  make watch              your current step's result every time you save (Ctrl-C stops)"
	@echo "  make hint               a hint for the function you are at (ask again for the next level;"
	@echo "                          make hint STEP=3 for step 3)"
	@echo "  make shell              a Python prompt with your micrograd imported; draw(value) draws its graph"
	@echo "  make reset STEP=3       put step 3's stubs back (your file is backed up first)"
	@echo "  make graph              pictures: step 3's warm-up with your numbers; a Value graph by your engine"
	@echo "  make demo               XOR, moons and sine trained by your engine; depths compared on XOR and moons"
ifneq ($(wildcard solutions/micrograd/engine.py),)
	@echo "  make test-step3 IMPL=solutions   run a step against the reference instead"
endif
	@echo "  (make prints no error when a check fails: that is a verdict, not a crash. Scripts and CI:"
	@echo "   python -m kata test N exits 1 until step N passes; or add STRICT=1 to make)"
	@echo
	@echo "The steps (from kata.toml):"
	@sed -n -e 's/^number = \(.*\)/  step \1:/p' -e 's/^title = "\(.*\)"/\1/p' kata.toml | paste -d' ' - -
	@echo
ifneq ($(wildcard solutions/micrograd/engine.py),)
	@echo "Instructors: make grade SUBMISSIONS=\"alice/ bob.zip\" (with none: the bundled samples), make student-release,"
	@echo "  make similarity CLASS=folder/, make gradescope SEED=..., make notebooks SEED=...,"
	@echo "  make nbgrader-release / -autograde / -feedback (python -m grader --help: the grader's commands)"
	@echo "  (the nbgrader targets take COURSE=folder, default nbgrader)   Guide: docs/instructors.md"
	@echo "Maintainers: make check (the repository's own test, in stages), make check-fast, make lint, make types,"
	@echo "  make docs, make exercises, make zoo, make redteam, make bench   Guide: docs/maintainers.md"
endif

# ---- Environment ---------------------------------------------------------------------------

$(VENV)/bin/python:
	@if [ -z "$(PYTHON)" ]; then \
	  echo "error: the kata needs Python 3.11 or newer, and none is on your PATH."; \
	  echo "  Debian/Ubuntu/WSL: sudo apt install python3 python3-venv   macOS: brew install python@3.12"; \
	  echo "  Then run make again, or point at it: make test-step1 PYTHON=/path/to/python3.12"; exit 1; fi
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { \
	  echo "error: $(PYTHON) is Python $$($(PYTHON) -c 'import platform; print(platform.python_version())'); the kata needs 3.11 or newer."; exit 1; }
	@echo "creating the virtual environment $(VENV) with $$($(PYTHON) --version) ..."
	@$(PYTHON) -m venv $(VENV) || { echo "error: could not create a virtual environment. On Debian/Ubuntu/WSL: sudo apt install python3-venv"; exit 1; }

$(STUDENT_READY): requirements/student.txt | $(VENV)/bin/python
	@echo "installing pytest, pytest-timeout and hypothesis into $(VENV) ..."
	@$(PY) -m pip install --quiet --disable-pip-version-check -r requirements/student.txt
	@touch $@

$(PLOTS_READY): requirements/plots.txt $(STUDENT_READY)
	@echo "installing matplotlib and graphviz (for pictures) into $(VENV) ..."
	@$(PY) -m pip install --quiet --disable-pip-version-check -r requirements/plots.txt
	@touch $@

$(INSTRUCTOR_READY): requirements/instructor.txt $(STUDENT_READY)
	@echo "installing nbgrader (the instructors' extra, about 345 MB) into $(VENV) ..."
	@$(PY) -m pip install --quiet --disable-pip-version-check -r requirements/instructor.txt
	@touch $@

$(DEV_READY): requirements/dev.txt $(PLOTS_READY) $(INSTRUCTOR_READY)
	@$(PY) -m pip install --quiet --disable-pip-version-check -r requirements/dev.txt
	@touch $@

# ---- Students ------------------------------------------------------------------------------
# A step that is not done yet is a verdict, not a crash: `python -m kata test N` exits 1 for it (CI
# scripts such as GitHub Classroom rely on that), but make would add "*** [Makefile:..] Error 1"
# under the verdict, which reads like a crash to a beginner. So these recipes exit 0 after a
# verdict (status 1), and keep any other status (2: a usage or environment error). STRICT=1 keeps 1.

VERDICT_OK = || { status=$$?; [ $$status -eq 1 ] && [ -z "$(STRICT)" ] || exit $$status; }

test-step%: $(STUDENT_READY)
	@$(PY) -m kata test $* --impl $(IMPL) $(VERDICT_OK)

test-step:
	@echo "which step? make test-step1, make test-step2, ... (or make test for every step)"; exit 2

test: $(STUDENT_READY)
	@$(PY) -m kata test all --impl $(IMPL) $(VERDICT_OK)

hint: | $(VENV)/bin/python  ## the next hint where you are: make hint (or make hint STEP=3)
	@$(PY) -m kata hint $(STEP) --impl $(IMPL)

progress: $(STUDENT_READY)  ## every step's passed / failing / todo, and what to do next
	@$(PY) -m kata progress --impl $(IMPL)

watch: $(STUDENT_READY)  ## your current step's result every time you save a file (Ctrl-C stops)
	@$(PY) -m kata watch --impl $(IMPL)

shell: | $(VENV)/bin/python  ## a Python prompt with your micrograd imported (draw(value) draws its graph)
	@$(PY) -m kata shell --impl $(IMPL)

reset: | $(VENV)/bin/python  ## put a step's stubs back, after a backup: make reset STEP=3
	@$(PY) -m kata reset $(STEP) --impl $(IMPL)

compare: | $(VENV)/bin/python  ## the reference's annotated code of a step you passed (if your course ships it)
	@$(PY) -m kata compare $(STEP) --impl $(IMPL) $(VERDICT_OK)

# The pictures need matplotlib and graphviz (installed on first use), but only once the engine can
# do it: first a check that needs neither, so a student who is not there yet waits for nothing.
graph: | $(VENV)/bin/python  ## draw step 3's warm-up with your numbers and a Value graph with your engine (build/)
	@if $(PY) -m kata graph --impl $(IMPL) --check; then \
	  $(MAKE) --no-print-directory $(PLOTS_READY) && $(PY) -m kata graph --impl $(IMPL); fi

demo: | $(VENV)/bin/python  ## train XOR, two moons, a sine fit and three depths with your engine; plots in build/demo/
	@if $(PY) -m kata demo --impl $(IMPL) --check; then \
	  $(MAKE) --no-print-directory $(PLOTS_READY) && $(PY) -m kata demo --impl $(IMPL); fi

# ---- The repository's own test -------------------------------------------------------------
# A student release has no solutions/: there, `make check` is its self test (the stubs import and
# every step reports todo), and the maintainers' and instructors' targets do not exist.
# The stages, and the one-stage targets below, are defined once in tools/check.py.

ifneq ($(wildcard solutions/micrograd/engine.py),)

check: $(DEV_READY)  ## every stage: the fast ones first, then the slow ones in parallel; logs in build/check/
	@$(PY) -m tools.check

check-fast: $(DEV_READY)  ## only the fast stages: lint, types, docs, steps, exercises, ladder
	@$(PY) -m tools.check --fast

lint: $(DEV_READY)  ## ruff check and ruff format --check
	@$(PY) -m tools.check lint

types: $(DEV_READY)  ## mypy --strict on the modules listed in pyproject.toml
	@$(PY) -m tools.check types

docs: | $(VENV)/bin/python  ## regenerate docs/zoo.md, docs/redteam.md and README's steps table from their data
	@$(PY) -m tools.docs

exercises: | $(VENV)/bin/python  ## regenerate exercises/ from solutions/ (never edit exercises/ by hand)
	@$(PY) -m kata dev exercises

exercises-check: | $(VENV)/bin/python
	@$(PY) -m tools.check exercises

ladder: $(STUDENT_READY)
	@$(PY) -m tools.check ladder

zoo: $(STUDENT_READY)  ## prove every bug of grader/zoo.toml is detected, attributed and named
	@$(PY) -m tools.check zoo

redteam: $(STUDENT_READY)  ## grade the hostile submissions of devtests/redteam and prove the grader survived
	@$(PY) -m tools.check redteam

bench: $(DEV_READY)  ## print the figures: a student's wait, the grader's speed, the engine against micrograd
	@echo "== a student's make test-stepN" && $(PY) tools/bench.py
	@echo && echo "== the grader" && $(PY) tools/bench_grader.py
	@echo && echo "== the reference engine against micrograd" && $(PY) tools/bench_engines.py
	@echo && echo "== nbgrader's autograde against our grader, on the same notebooks" && \
	  $(PY) -m devtests.nbgrader_roundtrip

student-release: $(STUDENT_READY)  ## build/student-release/ and .zip: what students get (no solutions), self-tested
	@$(PY) -m kata dev student-release

else

check: $(STUDENT_READY)  ## the self test of this copy: the stubs import and every step reports todo
	@$(PY) -m kata selftest

endif

# ---- Instructors ---------------------------------------------------------------------------

SUBMISSIONS ?=
OUT ?= grades
GRADE_FLAGS ?=

ifneq ($(wildcard grader/cli.py),)

grade: $(STUDENT_READY)  ## grade submissions: make grade SUBMISSIONS="a/ b.zip" [OUT=grades] [GRADE_FLAGS="--seed 42"]
	@$(PY) -m grader grade --out $(OUT) $(GRADE_FLAGS) -- $(SUBMISSIONS)

similarity: $(STUDENT_READY)  ## which submissions are nearly the same code: make similarity CLASS=submissions/ [OUT=grades]
	@if [ -z "$(CLASS)" ]; then echo "which class? make similarity CLASS=folder/ (a folder whose entries are submissions)"; exit 2; fi
	@$(PY) -m grader similarity --out $(OUT) -- $(CLASS)

# SEED: the course's private grading seed, required by gradescope and notebooks (they refuse without one)
SEED ?=
# Gradescope: when students see each test (visible, hidden, after_due_date, after_published), and what a failing
# test shows (full: its case, expected and got; brief: only the likely bug)
VISIBILITY ?= visible
DETAILS ?= full
gradescope: | $(VENV)/bin/python  ## build/gradescope/autograder.zip for Gradescope: make gradescope SEED=your-seed
	@$(PY) -m grader gradescope $(if $(SEED),--seed $(SEED)) --visibility $(VISIBILITY) --details $(DETAILS)

# The Jupyter course: nbgrader/ is the course folder, or any other folder given as COURSE=path.
# nbgrader runs `alembic` from the venv, so the venv's bin/ goes first on PATH. Each target runs
# nbgrader once per step, from inside the course folder, and stops at the first step that fails,
# with a non-zero exit status.
COURSE ?= nbgrader
STEPS := $(shell sed -n 's/^number = //p' kata.toml)
NBGRADER := PATH="$(abspath $(VENV))/bin:$$PATH" nbgrader

notebooks: $(INSTRUCTOR_READY)  ## build COURSE/source/stepN/stepN.ipynb from the reference: make notebooks SEED=your-seed
	@if [ ! -f "$(COURSE)/nbgrader_config.py" ]; then mkdir -p "$(COURSE)" && \
	  cp nbgrader/nbgrader_config.py "$(COURSE)/nbgrader_config.py" && \
	  echo "copied nbgrader/nbgrader_config.py into $(COURSE)/"; fi
	@$(PY) -m grader notebooks $(if $(SEED),--seed $(SEED)) --course "$(COURSE)"

nbgrader-release: $(INSTRUCTOR_READY)  ## nbgrader generate_assignment for every step: COURSE/release/
	@cd "$(COURSE)" || exit 1; for n in $(STEPS); do \
	  echo "== nbgrader generate_assignment step$$n"; \
	  $(NBGRADER) generate_assignment step$$n --force || { \
	    echo "error: nbgrader generate_assignment step$$n failed in $(COURSE)/ (see above)"; exit 1; }; \
	done

nbgrader-autograde: $(INSTRUCTOR_READY)  ## nbgrader autograde every step found in COURSE/submitted/
	@cd "$(COURSE)" || exit 1; found=0; for n in $(STEPS); do \
	  ls -d submitted/*/step$$n >/dev/null 2>&1 || continue; found=1; \
	  echo "== nbgrader autograde step$$n"; \
	  $(NBGRADER) autograde step$$n || { echo "error: nbgrader autograde step$$n failed in $(COURSE)/ (see above)"; exit 1; }; \
	done; [ $$found = 1 ] || { echo "error: nothing to autograde: no $(COURSE)/submitted/<student>/stepN/"; exit 1; }

nbgrader-feedback: $(INSTRUCTOR_READY)  ## nbgrader generate_feedback for every autograded step: COURSE/feedback/
	@cd "$(COURSE)" || exit 1; found=0; for n in $(STEPS); do \
	  ls -d autograded/*/step$$n >/dev/null 2>&1 || continue; found=1; \
	  echo "== nbgrader generate_feedback step$$n"; \
	  $(NBGRADER) generate_feedback step$$n || { \
	    echo "error: nbgrader generate_feedback step$$n failed in $(COURSE)/ (see above)"; exit 1; }; \
	done; [ $$found = 1 ] || { echo "error: nothing autograded yet in $(COURSE)/autograded/: run make nbgrader-autograde"; exit 1; }

endif

clean:  ## remove the virtual environment and build outputs (never your code)
	rm -rf $(VENV) build
