"""make demo's bonus parts (kata/demo_bonus.py): the cost of a gradient (step 9) and checkpointing's
memory-time trade-off (step 10), on the reference, and what they say before the steps are written."""

import gc
from pathlib import Path

from kata import demo_bonus
from kata.harness.observe import Implementation


def test_the_costs_show_the_cheap_gradient_principle(reference: Implementation) -> None:
    rows = demo_bonus.cost_rows(reference)
    assert [row["inputs"] for row in rows] == list(demo_bonus.COST_INPUTS)
    for row in rows:
        assert row["backward"] <= 5 * row["forward"]  # a small constant times the forward pass
        assert row["forward mode"] == row["leaves"] * (row["forward"] + row["backward"])
    assert rows[-1]["leaves"] > 5 * rows[0]["leaves"]  # the networks grow
    assert "forward mode" in demo_bonus.cost_table(rows)[1]


def test_checkpoints_keep_fewer_values_for_the_same_gradient_and_restore_the_collector(
    reference: Implementation,
) -> None:
    assert gc.isenabled()
    rows = demo_bonus.trade_off(reference)
    assert gc.isenabled() and not gc.get_freeze_count()
    plain, *checkpointed = rows
    assert plain["every"] == 0 and plain["ran"] == demo_bonus.CHAIN
    assert plain["peak"] > 5 * demo_bonus.CHAIN  # the whole chain is alive until backward() is done
    for row in checkpointed:
        assert row["ran"] == 2 * demo_bonus.CHAIN  # every step runs twice
        assert row["peak"] < plain["peak"] / 1.9
        assert abs(row["grad"] - plain["grad"]) <= 1e-12 * abs(plain["grad"])
    assert min(row["peak"] for row in checkpointed) < plain["peak"] / 10
    assert "the least memory at k = " in "\n".join(demo_bonus.trade_off_table(rows))


def test_before_the_steps_are_written_each_part_says_what_it_needs(tmp_path: Path) -> None:
    from kata.cli import _load_impl

    parts = demo_bonus.run(_load_impl("exercises"), ["cost", "checkpoint"], tmp_path, plots=False)
    assert [part.name for part in parts] == ["cost", "checkpoint"]
    assert parts[0].lines[0].startswith("cost: not yet, it needs step 9")
    assert parts[1].lines[0].startswith("checkpoint: not yet, it needs step 10")
    assert not list(tmp_path.iterdir())
