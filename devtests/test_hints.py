"""make hint STEP=N: one more level each time, remembered per step in a small local file."""

from kata import hints
from kata.manifest import load

STEP2, STEP3 = load().step(2), load().step(3)


def test_each_call_reveals_one_more_level_and_keeps_the_earlier_ones(tmp_path):
    state = tmp_path / "hints.json"
    level, text = hints.reveal(STEP2, state)
    assert level == 1 and STEP2.hints[0] in text and STEP2.hints[1] not in text
    level, text = hints.reveal(STEP2, state)
    assert level == 2 and STEP2.hints[0] in text and STEP2.hints[1] in text and STEP2.hints[2] not in text
    level, text = hints.reveal(STEP2, state)
    assert level == 3 and "That was the last hint" in text
    assert hints.reveal(STEP2, state)[0] == 3  # it stays at the last level


def test_levels_are_per_step_and_can_be_reset(tmp_path):
    state = tmp_path / "hints.json"
    hints.reveal(STEP2, state)
    hints.reveal(STEP2, state)
    assert hints.reveal(STEP3, state)[0] == 1
    hints.reset(STEP2, state)
    assert hints.reveal(STEP2, state)[0] == 1
    assert hints.reveal(STEP3, state)[0] == 2


def test_a_corrupt_state_file_starts_over(tmp_path):
    state = tmp_path / "hints.json"
    state.write_text("{not json")
    assert hints.reveal(STEP2, state)[0] == 1
