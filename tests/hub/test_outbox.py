"""The order output leaves in: held behind lines being stored, batched where it may be."""

from __future__ import annotations

from functools import partial
from typing import Any

from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from twisted_chat.hub.outbox import Outbox


class OutboxTests(SynchronousTestCase):
    def setUp(self) -> None:
        self.done: list[Any] = []
        self.outbox = Outbox(batches={self.say: self.say_many})

    def say(self, *args: Any) -> None:
        self.done.append(("say", args))

    def say_many(self, runs: list[tuple[Any, ...]]) -> None:
        self.done.append(("say_many", runs))

    def note(self, what: str) -> None:
        self.done.append(what)

    def test_nothing_held_goes_at_once(self) -> None:
        self.outbox.call(self.note, "now")
        self.assertEqual(self.done, ["now"])
        self.assertFalse(self.outbox.busy)

    def test_held_in_order(self) -> None:
        first = self.outbox.hold()
        self.outbox.call(self.note, "after first")
        second = self.outbox.hold()
        self.outbox.call(self.note, "after second")
        self.outbox.release(second, self.note, "second")
        self.assertEqual(self.done, [])
        self.outbox.release(first, self.note, "first")
        self.assertEqual(self.done, ["first", "after first", "second", "after second"])
        self.assertFalse(self.outbox.busy)

    def test_released_empty(self) -> None:
        slot = self.outbox.hold()
        self.outbox.call(self.note, "after")
        self.outbox.release(slot)
        self.assertEqual(self.done, ["after"])

    def test_batched_runs(self) -> None:
        """Consecutive outputs with a batched action go as one call; anything else splits them."""
        slots = [self.outbox.hold() for _ in range(4)]
        self.outbox.release(slots[1], self.say, "b")
        self.outbox.release(slots[2], self.note, "between")
        self.outbox.release(slots[3], self.say, "c")
        self.outbox.release(slots[0], self.say, "a")
        self.assertEqual(self.done, [("say_many", [("a",), ("b",)]), "between",
                                     ("say_many", [("c",)])])

    def test_a_slot_that_waits_too_long_gives_up(self) -> None:
        """
        Past the wait, an unfilled slot sends what it was given for that case,
        what waited behind it goes, and what it is filled with later is dropped.
        """
        clock = Clock()
        outbox = Outbox(clock=clock.seconds, wait=2)
        slow = outbox.hold(self.note, "too late")
        outbox.call(self.note, "behind it")
        clock.advance(1)
        later = outbox.hold(self.note, "later too late")
        outbox.call(self.note, "behind the later one")
        outbox.expire()
        self.assertEqual(self.done, [])
        clock.advance(1)
        outbox.expire()
        self.assertEqual(self.done, ["too late", "behind it"])
        outbox.release(slow, self.note, "stored after all")
        outbox.release(later, self.note, "in time")
        self.assertEqual(self.done, ["too late", "behind it", "in time", "behind the later one"])
        self.assertFalse(outbox.busy)

    def test_a_failing_output_does_not_stop_the_rest(self) -> None:
        slot = self.outbox.hold()
        self.outbox.call(self.note, "after")
        self.outbox.release(slot, lambda: 1 / 0)
        self.assertEqual(self.done, ["after"])
        self.assertEqual(len(self.flushLoggedErrors(ZeroDivisionError)), 1)


class ScheduledOutboxTests(SynchronousTestCase):
    """With ``schedule``, what is released in one pass of the reactor goes out together."""

    def setUp(self) -> None:
        self.clock = Clock()
        self.done: list[Any] = []
        self.outbox = Outbox(batches={self.say: self.say_many},
                             schedule=partial(self.clock.callLater, 0))

    def say(self, *args: Any) -> None:
        self.done.append(("say", args))

    def say_many(self, runs: list[tuple[Any, ...]]) -> None:
        self.done.append(("say_many", runs))

    def test_one_pass_one_batch(self) -> None:
        """Lines stored together (released one by one, in one pass) are one batch."""
        slots = [self.outbox.hold() for _ in range(3)]
        for slot, text in zip(slots, "abc", strict=True):
            self.outbox.release(slot, self.say, text)
        self.assertEqual(self.done, [], "not before the pass ends")
        self.assertEqual(len(self.clock.getDelayedCalls()), 1, "one flush for the pass")
        self.clock.advance(0)
        self.assertEqual(self.done, [("say_many", [("a",), ("b",), ("c",)])])
        self.assertFalse(self.outbox.busy)

    def test_output_decided_meanwhile_waits_its_turn(self) -> None:
        slot = self.outbox.hold()
        self.outbox.release(slot, self.say, "line")
        self.outbox.call(self.done.append, "after")
        self.clock.advance(0)
        self.assertEqual(self.done, [("say_many", [("line",)]), "after"])
        self.outbox.call(self.done.append, "at once")
        self.assertEqual(self.done[-1], "at once", "with nothing held, output goes at once")

    def test_a_delay_lets_later_lines_join(self) -> None:
        """With a delay (``--coalesce``), lines stored a moment later share the write."""
        outbox = Outbox(batches={self.say: self.say_many},
                        schedule=partial(self.clock.callLater, 0.001))
        first, second = outbox.hold(), outbox.hold()
        outbox.release(first, self.say, "first")
        self.clock.advance(0.0005)
        outbox.release(second, self.say, "second")
        self.assertEqual(self.done, [])
        self.clock.advance(0.0005)
        self.assertEqual(self.done, [("say_many", [("first",), ("second",)])])

    def test_nothing_scheduled_while_the_head_is_held(self) -> None:
        first, second = self.outbox.hold(), self.outbox.hold()
        self.outbox.release(second, self.say, "second")
        self.assertEqual(self.clock.getDelayedCalls(), [])
        self.outbox.release(first, self.say, "first")
        self.clock.advance(0)
        self.assertEqual(self.done, [("say_many", [("first",), ("second",)])])
