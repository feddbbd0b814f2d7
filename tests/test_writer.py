"""The books writer: all or nothing, locked against a concurrent writer."""

from __future__ import annotations

import multiprocessing
import os
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from ledger import writer as writer_module
from ledger.books import load
from ledger.cli import main as cli
from ledger.writer import (
    JOURNAL_NAME,
    LOCK_NAME,
    BooksWriter,
    LockTimeout,
    UnfinishedWrite,
    complete_interrupted,
)


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


def test_an_interrupted_commit_is_finished_by_the_next_writer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_replace = os.replace
    renamed: list[str] = []

    def failing_after_two(src: str, dst: str | Path) -> None:
        if len(renamed) == 2:  # the journal and a.beancount are in place
            raise OSError("disk full")
        renamed.append(os.path.basename(dst))
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", failing_after_two)
    with pytest.raises(OSError, match="disk full"), BooksWriter(tmp_path) as writer:
        writer.write_text(tmp_path / "a.beancount", "A\n")
        writer.write_text(tmp_path / "b.beancount", "B\n")
    monkeypatch.undo()
    assert renamed == [JOURNAL_NAME, "a.beancount"]
    assert not (tmp_path / "b.beancount").exists()
    assert complete_interrupted(tmp_path) is True
    assert (tmp_path / "a.beancount").read_text() == "A\n"
    assert (tmp_path / "b.beancount").read_text() == "B\n"
    assert not (tmp_path / JOURNAL_NAME).exists()
    assert sorted(p.name for p in tmp_path.rglob("*.tmp")) == []
    assert complete_interrupted(tmp_path) is False


def _interrupted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Books whose last write died half done: the journal and one file are in place."""
    main = tmp_path / "main.beancount"
    main.write_text('include "a.beancount"\n')
    (tmp_path / "backoffice.toml").write_text('[firm]\nname = "Test"\n')
    real_replace = os.replace

    def dying_on_the_main_file(src: str, dst: str | Path) -> None:
        if str(dst).endswith("main.beancount"):
            raise KeyboardInterrupt
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", dying_on_the_main_file)
    with pytest.raises(KeyboardInterrupt), BooksWriter(tmp_path) as writer:
        writer.write_text(tmp_path / "a.beancount", "2026-01-01 open Assets:A\n")
        writer.append_text(main, 'include "b.beancount"\n')
        writer.write_text(tmp_path / "b.beancount", "2026-01-01 open Assets:B\n")
    monkeypatch.undo()
    return main


def test_books_load_finishes_an_interrupted_commit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    main = _interrupted(tmp_path, monkeypatch)
    books = load(main)
    assert [entry.account for entry in books.entries] == ["Assets:A", "Assets:B"]


@pytest.mark.parametrize("how", ["directory", "lock file"])
def test_a_user_who_cannot_finish_an_interrupted_write_gets_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    # CI runs as root, which may write anywhere: the missing permission is simulated,
    # either as the directory's (os.access) or as the lock file's (os.open).
    main = _interrupted(tmp_path, monkeypatch)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}
    if how == "directory":
        real_access = os.access
        monkeypatch.setattr(
            writer_module.os,
            "access",
            lambda path, mode: not mode & os.W_OK and real_access(path, mode),
        )
    else:
        real_open = os.open

        def no_lock(path: str | Path, *args: int) -> int:
            if str(path).endswith(LOCK_NAME):
                raise PermissionError(13, "Permission denied", str(path))
            return real_open(path, *args)

        monkeypatch.setattr(writer_module.os, "open", no_lock)
    with pytest.raises(UnfinishedWrite, match="a write to these books was interrupted"):
        load(main)
    result = CliRunner().invoke(cli, ["--books", str(main), "check"])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert f"{tmp_path / JOURNAL_NAME}: a write to these books was interrupted" in result.output
    assert "as a user who can write" in result.output
    after = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}
    assert after == before  # nothing touched
    monkeypatch.undo()
    finished = load(main)  # as a user who can write: the write is finished
    assert [entry.account for entry in finished.entries] == ["Assets:A", "Assets:B"]
