"""The one writer thread both recorders write their batches through."""

from __future__ import annotations

from concurrent import futures

import pytest

from kil_feed.ingest.batches import MAX_PENDING_BATCHES, BatchWriter


def test_batches_are_written_in_order_and_waited_for() -> None:
    writer = BatchWriter("test-store")
    written: list[int] = []
    try:
        for number in range(MAX_PENDING_BATCHES * 3):
            writer.submit(written.append, number)
        writer.wait()
        assert written == list(range(MAX_PENDING_BATCHES * 3))
        assert writer.pending == []
    finally:
        writer.shutdown()


def test_a_failed_write_is_raised_in_the_recorders_thread() -> None:
    writer = BatchWriter("test-store")

    def fail() -> None:
        raise OSError("database or disk is full")

    try:
        writer.submit(fail)
        futures.wait(writer.pending, timeout=30)
        for _ in range(2):  # the next hand-over raises it, and every later one: nothing more
            with pytest.raises(OSError, match="disk is full"):  # is queued behind a failure
                writer.submit(lambda: None)
        assert len(writer.pending) == 1
        with pytest.raises(OSError, match="disk is full"):
            writer.wait()
    finally:
        writer.shutdown()
