"""The per-host gate: slots per receiver host, a short local line, and a bound on all lines."""

from __future__ import annotations

from forgehooks.engine.hosts import Admission, HostGate


def test_a_host_beyond_its_slots_waits_in_its_line_then_goes_back() -> None:
    gate: HostGate[int] = HostGate(cap=2, line=3)
    assert [gate.admit("a:80", n) for n in range(6)] == [
        Admission.START,
        Admission.START,
        Admission.WAIT,
        Admission.WAIT,
        Admission.WAIT,
        Admission.BACK,
    ]
    assert gate.release("a:80") == 2  # the slot passes to the first in line
    assert gate.waiting == 2


def test_all_lines_together_never_take_more_than_their_bound() -> None:
    # two dead receivers must not fill every waiting place: a third host still gets in line
    gate: HostGate[int] = HostGate(cap=1, line=4, all_lines=3)
    assert [gate.admit("dead-1:80", n) for n in range(4)] == [
        Admission.START,
        Admission.WAIT,
        Admission.WAIT,
        Admission.WAIT,
    ]
    assert gate.admit("dead-2:80", 10) is Admission.START
    assert gate.admit("dead-2:80", 11) is Admission.BACK  # all lines are full
    assert gate.waiting == 3
    assert gate.release("dead-1:80") == 1
    assert gate.admit("alive:80", 20) is Admission.START
    assert gate.admit("alive:80", 21) is Admission.WAIT  # a place came free
