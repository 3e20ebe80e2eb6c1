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


def test_a_line_is_full_at_half_of_what_the_other_lines_leave_it() -> None:
    # a dead receiver's line took most of the shared room: the healthy host's line is full
    # (not worth claiming for) at half of what it can still reach, not at half its own size
    gate: HostGate[int] = HostGate(cap=1, line=8, all_lines=10)
    for n in range(8):
        gate.admit("dead:80", n)  # 1 sending, 7 waiting
    gate.admit("alive:80", 100)  # sending
    assert [gate.admit("alive:80", 101 + n) for n in range(3)] == [Admission.WAIT] * 3
    assert gate.shared_room() == 0 and gate.is_full("alive:80")
    gate.release("alive:80")  # one of its line starts sending: 2 wait, 1 place free
    assert gate.shared_room() == 1 and gate.is_full("alive:80")  # 2 >= (2 + 1) // 2
    alone: HostGate[int] = HostGate(cap=1, line=8, all_lines=10)
    alone.admit("alive:80", 0)
    for n in range(3):
        alone.admit("alive:80", 1 + n)
    assert not alone.is_full("alive:80")  # 3 of the 8 it can reach


def test_room_counts_the_shared_line_places_and_the_free_send_slots() -> None:
    gate: HostGate[int] = HostGate(cap=4, line=8, all_lines=6)
    assert gate.room() == 6
    for n in range(6):
        gate.admit("a:80", n)  # 4 sending, 2 waiting
    gate.admit("b:80", 10)  # 1 sending
    assert gate.room() == (6 - 2) + (4 - 4) + (4 - 1)
    assert HostGate[int](cap=0).room() >= 1 << 20  # no cap: nothing ever goes back
