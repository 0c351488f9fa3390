"""
The store as the server runs it: adbapi pools of real connections to a real
PostgreSQL, driven by the reactor.  Two nodes' stores appending to the same
rooms at once never share a number, never leave one out, and a reader never
sees a number before a lower one; PostgreSQL restarted under a store makes
its operations fail meanwhile, and it works again once the server is back,
with the same pools.  The reactor is pumped until each answer comes.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Iterator

import psycopg
import pytest
from twisted.internet import reactor
from twisted.internet.defer import Deferred, gatherResults

from tests.engines import Postgres
from tests.store.postgresql.harness import fresh_database, settle
from twisted_chat.core import events
from twisted_chat.store.postgresql import schema
from twisted_chat.store.postgresql.store import PostgresStore
from twisted_chat.store.values import Sequenced

ROOMS = ("a", "b", "c")


class Reader(threading.Thread):
    """
    Reads every room's lines over and over while the stores write, as a node
    catching up does: what it sees of a room must always be 1, 2, ..., n, no
    number missing below the highest (nothing is forgotten here).
    """

    def __init__(self, conninfo: str) -> None:
        super().__init__()
        self.conninfo = conninfo
        self.done = threading.Event()
        self.holes: list[tuple[str, list[int]]] = []
        self.reads = 0

    def run(self) -> None:
        with psycopg.connect(self.conninfo, autocommit=True) as connection:
            while not self.done.is_set():
                for room in ROOMS:
                    seqs = [found.seq for found in schema.lines_after(
                        connection.cursor(), room, 0, 100_000)]
                    if seqs != list(range(1, len(seqs) + 1)):
                        self.holes.append((room, seqs))
                self.reads += 1


Open = Callable[[str], PostgresStore]


@pytest.fixture
def open_store() -> Iterator[Open]:
    """Opens stores as the server does (``PostgresStore.open``), started; closes them after."""
    opened: list[PostgresStore] = []

    def open_store(conninfo: str) -> PostgresStore:
        store = PostgresStore.open(conninfo, reactor)
        opened.append(store)
        settle(store.start())
        return store

    yield open_store
    for store in opened:
        settle(store.close())


def test_two_nodes_share_the_rooms_numbers(open_store: Open) -> None:
    conninfo = fresh_database()
    stores = [open_store(conninfo), open_store(conninfo)]
    reader = Reader(conninfo)
    reader.start()
    pick = random.Random(20)
    asked: list[tuple[int, str, Deferred[Sequenced]]] = []
    try:
        # In waves, so that both nodes start a transaction at once, many times over.
        for wave in range(100):
            for index in range(wave * 6, wave * 6 + 6):
                node, room = index % 2, pick.choice(ROOMS)
                message = events.Message(float(index), room, f"node{node}", f"line {index}")
                asked.append((node, room, stores[node].append_sequenced(message, room)))
                if pick.random() < 0.1:
                    # Something else between lines: a transaction with several runs of them.
                    stores[node].record_act(events.Act(float(index), "bob", "kick", "x", room))
            settle(gatherResults([answer for _, _, answer in asked[-6:]]))
        stored = settle(gatherResults([answer for _, _, answer in asked]))
    finally:
        reader.done.set()
        reader.join()
    assert all(store.transactions > 100 for store in stores)
    for room in ROOMS:
        seqs = sorted(answer.seq for (_, where, _), answer in zip(asked, stored, strict=True)
                      if where == room)
        assert seqs == list(range(1, len(seqs) + 1)), f"room {room}"
        for node in (0, 1):
            mine = [answer.seq for (who, where, _), answer in zip(asked, stored, strict=True)
                    if who == node and where == room]
            assert mine == sorted(mine), "a node's lines out of the order asked"
    assert reader.holes == []
    assert reader.reads > 0


def test_postgresql_restarted_under_the_store(open_store: Open) -> None:
    """
    While PostgreSQL is down, a line fails (the hub tells its sender it
    was not stored) and so does a search; once it is back, the same store,
    with the same pools, stores, numbers and finds lines again.
    """
    server = Postgres.shared()
    conninfo = fresh_database()
    store = open_store(conninfo)
    first = settle(store.append_sequenced(events.Message(1.0, "lobby", "bob", "oolong one"),
                                          "lobby"))
    settle(store.search("lobby", ["oolong"], 5))
    server.halt()
    try:
        with pytest.raises(psycopg.OperationalError):
            settle(store.append(events.Message(2.0, "lobby", "bob", "lost"), "lobby"))
        with pytest.raises(psycopg.OperationalError):
            settle(store.search("lobby", ["oolong"], 5))
    finally:
        server.start()
    again = settle(store.append_sequenced(events.Message(3.0, "lobby", "bob", "oolong two"),
                                          "lobby"))
    assert (first.seq, again.seq) == (1, 2)
    recent = settle(store.recent("lobby", 5))
    assert [line.text for line in recent] == ["oolong one", "oolong two"]
    found = settle(store.search("lobby", ["oolong"], 5))
    assert [line.text for line in found] == ["oolong one", "oolong two"]
