"""The grader: grade a class of micrograd submissions in isolation, reference against student."""
