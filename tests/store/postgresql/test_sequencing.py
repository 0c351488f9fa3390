"""
Two nodes' stores on one real database, their transactions run at the same
time on threads of their own: the rooms a transaction's lines go to are
locked in one order, so two transactions touching the same rooms in
opposite orders wait for each other instead of deadlocking.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import psycopg
from twisted.trial.unittest import SynchronousTestCase

from tests.processes import DEADLINE
from tests.store.postgresql.harness import PostgresTransactions, fresh_database
from twisted_chat.core import events
from twisted_chat.store.postgresql.store import PostgresStore


class Rendezvous:
    """
    Operations the two transactions run before their first run of lines and
    between their two: each goes on once the other transaction has reached
    the same point too, or is waiting for a lock (which it can only be
    waiting for if this one holds it).  So both start storing lines only
    once both have begun, and with the rooms locked run by run, both reach
    the second point holding one room each, and each then waits for the
    other's: a deadlock.
    """

    def __init__(self, conninfo: str, pids: dict[str, int]) -> None:
        self.conninfo = conninfo
        self.pids = pids
        self.arrived: set[tuple[str, str]] = set()

    def at(self, point: str, me: str, other: str) -> Any:
        def meet(cursor: Any) -> None:
            self.arrived.add((point, me))
            end = time.monotonic() + DEADLINE
            with psycopg.connect(self.conninfo, autocommit=True) as watcher:
                while (point, other) not in self.arrived and not watcher.execute(
                        "SELECT count(*) FROM pg_stat_activity WHERE pid = %s "
                        "AND wait_event_type = 'Lock'", (self.pids[other],)).fetchone()[0]:
                    assert time.monotonic() < end, "the other transaction never came"
                    time.sleep(0.01)

        return meet


class SortedLockTests(SynchronousTestCase):
    def test_opposite_orders_do_not_deadlock(self) -> None:
        """
        Node A's transaction stores a line in b, then (after something else)
        one in a; node B's, a then b, at the same moment.  Both commit, and
        each room's numbers are 1 and 2, once each.
        """
        self.opposite_orders(numbered=0)

    def test_opposite_orders_in_rooms_already_numbered(self) -> None:
        """The same where both rooms have lines: their rows are locked, not created."""
        self.opposite_orders(numbered=3)

    def opposite_orders(self, numbered: int) -> None:
        conninfo = fresh_database()
        runners = {name: PostgresTransactions(conninfo, immediate=False) for name in "AB"}
        stores = {name: PostgresStore(runner) for name, runner in runners.items()}
        for _ in range(numbered):
            for room in "ab":
                stores["A"].append(events.Message(1.0, room, "A", "before"), room)
                runners["A"].finish()
        meeting = Rendezvous(conninfo, {name: runner.connection.info.backend_pid
                                        for name, runner in runners.items()})
        answers: dict[str, list[Any]] = {"A": [], "B": []}
        for me, other, rooms in (("A", "B", "ba"), ("B", "A", "ab")):
            store = stores[me]
            store.start()  # Held, so that what follows goes in one transaction.
            store._commit.call(meeting.at("begun", me, other))
            store.append_sequenced(events.Message(1.0, rooms[0], me, "first"),
                                   rooms[0]).addBoth(answers[me].append)
            store._commit.call(meeting.at("between", me, other))
            store.append_sequenced(events.Message(1.0, rooms[1], me, "second"),
                                   rooms[1]).addBoth(answers[me].append)
            runners[me].finish()  # The start; the rest waits as one transaction.
            self.assertEqual(len(runners[me].pending), 1)

        threads = [threading.Thread(target=runner.finish) for runner in runners.values()]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        numbers = {(me, index): answer for me, found in answers.items()
                   for index, answer in enumerate(found)}
        refused = [answer for answer in numbers.values() if not hasattr(answer, "seq")]
        self.assertEqual(refused, [])
        by_room: dict[str, list[int]] = {}
        for me, rooms in (("A", "ba"), ("B", "ab")):
            for index, room in enumerate(rooms):
                by_room.setdefault(room, []).append(numbers[me, index].seq)
        self.assertEqual({room: sorted(seqs) for room, seqs in by_room.items()},
                         {"a": [numbered + 1, numbered + 2], "b": [numbered + 1, numbered + 2]})
        for runner in runners.values():
            runner.close()
