"""The books writer: all or nothing, locked against a concurrent writer."""

from __future__ import annotations

import multiprocessing
import time
from pathlib import Path

import pytest

from ledger.writer import LOCK_NAME, BooksWriter, LockTimeout


def test_commit_writes_every_file(tmp_path: Path) -> None:
    with BooksWriter(tmp_path) as writer:
        writer.write_text(tmp_path / "a.beancount", "A\n")
        writer.append_text(tmp_path / "a.beancount", "B\n")
        writer.write_text(tmp_path / "sub" / "b.beancount", "C\n")
        assert not (tmp_path / "a.beancount").exists()  # nothing visible before commit
    assert (tmp_path / "a.beancount").read_text() == "A\nB\n"
    assert (tmp_path / "sub" / "b.beancount").read_text() == "C\n"
    assert sorted(p.name for p in tmp_path.rglob("*.tmp")) == []


def test_failure_leaves_books_untouched(tmp_path: Path) -> None:
    (tmp_path / "a.beancount").write_text("old\n")
    with pytest.raises(RuntimeError), BooksWriter(tmp_path) as writer:
        writer.write_text(tmp_path / "a.beancount", "new\n")
        writer.write_text(tmp_path / "b.beancount", "new\n")
        raise RuntimeError("parse error in the second document")
    assert (tmp_path / "a.beancount").read_text() == "old\n"
    assert not (tmp_path / "b.beancount").exists()
    assert list(tmp_path.glob(".*.tmp")) == []


def _hold_lock(directory: str, ready: multiprocessing.synchronize.Event) -> None:
    with BooksWriter(Path(directory)):
        ready.set()
        time.sleep(3)


def test_second_writer_fails_with_clear_message(tmp_path: Path) -> None:
    ready = multiprocessing.Event()
    holder = multiprocessing.Process(target=_hold_lock, args=(str(tmp_path), ready))
    holder.start()
    try:
        assert ready.wait(10)
        with (
            pytest.raises(LockTimeout, match="another backoffice process is writing"),
            BooksWriter(tmp_path, timeout=0.2),
        ):
            pass
    finally:
        holder.join()
    # Once released, the next writer gets the lock.
    with BooksWriter(tmp_path, timeout=1) as writer:
        writer.write_text(tmp_path / "x", "ok")
    assert (tmp_path / LOCK_NAME).exists()
