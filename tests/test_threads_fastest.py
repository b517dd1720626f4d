"""``threads.FastestWay``: the way of running steps that the timings say is fastest, cheap
trials of a way that starves, and new trials when the machine gets busier or quieter."""

from __future__ import annotations

import pytest

from textseq.threads import FastestWay


def drive(chooser: FastestWay, cost: dict[str, float], steps: int) -> list[str]:
    """Run ``steps`` steps whose times are ``cost[way]``; the ways run, in order."""
    ran = []
    for _ in range(steps):
        way = chooser.next()
        ran.append(way)
        chooser.took(cost[way])
    return ran


def test_the_fastest_way_runs_after_a_round_of_trials():
    chooser = FastestWay(("one", "shared", "blas"), trial=3)
    ran = drive(chooser, {"one": 1.0, "shared": 0.9, "blas": 0.5}, 30)
    # each way once untimed, then three timed steps; then the fastest
    assert ran[:12] == ["one"] * 4 + ["shared"] * 4 + ["blas"] * 4
    assert set(ran[12:]) == {"blas"} and chooser.best == "blas"


def test_a_starving_way_costs_one_step_of_its_trial():
    chooser = FastestWay(("one", "shared", "blas"), trial=3)
    ran = drive(chooser, {"one": 1.0, "shared": 1.5, "blas": 20.0}, 40)
    assert ran.count("blas") == 1 and chooser.best == "one"


def test_a_way_that_becomes_slow_is_dropped_within_a_few_steps():
    chooser = FastestWay(("one", "blas"), trial=3, every=1000, strikes=3)
    cost = {"one": 1.0, "blas": 0.5}
    drive(chooser, cost, 20)
    assert chooser.best == "blas"
    cost["blas"] = 20.0  # another program starts spinning on the cores
    ran = drive(chooser, cost, 20)
    assert ran[:3] == ["blas"] * 3  # three strikes
    assert chooser.best == "one" and ran.count("blas") <= 4


def test_quiet_stretches_retry_the_other_ways_less_and_less_often():
    chooser = FastestWay(("one", "blas"), trial=2, every=10, most=40)
    ran = drive(chooser, {"one": 1.0, "blas": 0.5}, 400)
    # rounds after 10, 20, 40, 40, ... steps of the winner: the loser's share shrinks
    assert chooser.best == "blas" and ran.count("one") < 0.06 * len(ran)
    assert chooser.rounds >= 5


def test_a_way_that_gets_faster_wins_at_the_next_round():
    chooser = FastestWay(("one", "blas"), trial=2, every=10, most=10)
    cost = {"one": 1.0, "blas": 20.0}
    drive(chooser, cost, 30)
    assert chooser.best == "one"
    cost["blas"] = 0.5  # the other program stopped
    drive(chooser, cost, 40)
    assert chooser.best == "blas"


def test_took_before_next_is_an_error():
    with pytest.raises(RuntimeError):
        FastestWay(("a",)).took(1.0)
    with pytest.raises(ValueError):
        FastestWay(())


def test_a_way_whose_gate_says_no_is_not_tried_and_a_cut_way_sits_out_rounds():
    checks = []

    def gate():
        checks.append(1)
        return False

    chooser = FastestWay(("one", "blas"), trial=2, every=5, most=5, gates={"blas": gate})
    ran = drive(chooser, {"one": 1.0, "blas": 0.1}, 40)
    assert "blas" not in ran and chooser.best == "one" and len(checks) == chooser.rounds

    # without a gate, a way cut short as starving sits out 1, 2, 4, ... rounds
    chooser = FastestWay(("one", "blas"), trial=2, every=5, most=5)
    ran = drive(chooser, {"one": 1.0, "blas": 50.0}, 200)
    tried = ran.count("blas")
    assert chooser.rounds > 15 and tried <= 5


def test_blas_waits_answers_and_leaves_the_thread_count_as_it_was():
    from textseq.threads import blas_threads, blas_waits, set_blas_threads

    set_blas_threads(1)
    assert blas_waits(2, 8, 16, 32) in (True, False)
    assert blas_threads() == 1


def test_a_way_that_lost_its_last_round_costs_one_step_of_the_next():
    """A way clearly slower (not starving) gets its full trial once; in later rounds one
    timed step shows it still loses."""
    chooser = FastestWay(("one", "blas"), trial=3, every=10, most=10)
    ran = drive(chooser, {"one": 1.9, "blas": 1.0}, 14 + 5 * 12)
    assert chooser.best == "blas" and chooser.rounds >= 6
    # round 1: "one" warm + 3 timed; each later round (the last may not have reached it
    # yet): one step of "one"
    assert chooser.rounds - 2 <= ran.count("one") - 4 <= chooser.rounds - 1
