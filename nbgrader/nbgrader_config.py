# nbgrader's configuration for the micrograd kata course (this folder is the course root).
# Build the notebooks with `make notebooks`; see docs/instructors.md, "Two ways to run a course".

c = get_config()  # noqa: F821 - nbgrader provides it

c.CourseDirectory.course_id = "micrograd-kata"

# The released files of an assignment are the notebook and the kata package its checks run on:
# never compiled files, checkpoints, or anything of the build.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", ".hypothesis"]

# A cell that runs longer than this fails (and the autograde moves on) instead of hanging forever.
c.Execute.timeout = 60

# A student who deletes a test cell does not escape it: the missing graded cells are put back
# from the source notebook at autograde time (otherwise they would silently score 0 and ask for
# manual grading).
c.OverwriteCells.add_missing_cells = True

# Anything on stderr normally zeroes a test cell; a Python warning must not cost points.
c.IgnorePattern.pattern = r"Warning"

# The stub that replaces every ### BEGIN SOLUTION region in the release.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE (see the task above this cell)\nraise NotImplementedError()"}

# At autograde, nbgrader copies every non-notebook file of source/stepN over the submission's copy.
# Here those files are the kata package the checks run on, so a student cannot change the checks;
# students write only inside their notebook, so nothing of theirs is overwritten. Should you ever
# hand out a .py file for students to edit, list it here to keep their version, e.g.
# {"step3": ["helpers.py"]}.
c.Autograde.exclude_overwriting = {}
