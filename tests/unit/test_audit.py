"""The audit log: chained entries, append-only at the database, hand edits found and named."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from examsite import audit
from examsite.config import Paths
from examsite.store.engine import Store


def _fill(store: Store, n: int) -> None:
    with store.session() as session:
        for i in range(n):
            audit.append(
                session,
                actor="tester",
                action="thing.done",
                object_type="thing",
                object_id=str(i),
                content=f"{i}",
            )


def _raw(paths: Paths) -> sqlite3.Connection:
    """A plain sqlite3 connection, as someone editing the file by hand would use."""
    conn = sqlite3.connect(paths.database)
    conn.execute("DROP TRIGGER audit_entry_no_update")
    conn.execute("DROP TRIGGER audit_entry_no_delete")
    return conn


def test_entries_chain_and_verify(store: Store) -> None:
    _fill(store, 5)
    with store.session() as session:
        report = audit.verify(session)
    assert report.ok
    assert report.entries == 5


def test_database_refuses_update_and_delete(store: Store) -> None:
    _fill(store, 2)
    for statement in (
        "UPDATE audit_entry SET actor = 'mallory' WHERE seq = 1",
        "DELETE FROM audit_entry WHERE seq = 2",
    ):
        with pytest.raises(IntegrityError, match="append-only"), store.session() as session:
            session.execute(text(statement))
    with store.session() as session:
        assert audit.verify(session).ok


def test_hand_edit_is_named(store: Store, paths: Paths) -> None:
    _fill(store, 5)
    store.close()
    with _raw(paths) as conn:
        conn.execute("UPDATE audit_entry SET actor = 'mallory' WHERE seq = 3")
    with store.session() as session:
        report = audit.verify(session)
    assert [(p.seq, p.kind) for p in report.problems] == [(3, "edited")]


def test_hand_delete_in_the_middle_is_named(store: Store, paths: Paths) -> None:
    _fill(store, 5)
    with _raw(paths) as conn:
        conn.execute("DELETE FROM audit_entry WHERE seq = 2")
    with store.session() as session:
        report = audit.verify(session)
    assert [(p.seq, p.kind) for p in report.problems] == [(3, "removed")]
    assert "entries 2 before entry 3" in report.problems[0].message


def test_deleted_and_renumbered_entries_are_found(store: Store, paths: Paths) -> None:
    _fill(store, 5)
    with _raw(paths) as conn:
        conn.execute("DELETE FROM audit_entry WHERE seq = 2")
        conn.execute("UPDATE audit_entry SET seq = seq - 1 WHERE seq > 2")
    with store.session() as session:
        report = audit.verify(session)
    kinds = {(p.seq, p.kind) for p in report.problems}
    # renumbered rows no longer match their own hash, and entry 2 no longer links to entry 1
    assert (2, "edited") in kinds
    assert (2, "removed") in kinds


def test_reordered_entries_are_named(store: Store, paths: Paths) -> None:
    _fill(store, 4)
    with _raw(paths) as conn:
        conn.execute("UPDATE audit_entry SET seq = 100 WHERE seq = 2")
        conn.execute("UPDATE audit_entry SET seq = 2 WHERE seq = 3")
        conn.execute("UPDATE audit_entry SET seq = 3 WHERE seq = 100")
    with store.session() as session:
        report = audit.verify(session)
    kinds = {(p.seq, p.kind) for p in report.problems}
    assert (3, "reordered") in kinds or (2, "removed") in kinds
    assert {2, 3} <= {p.seq for p in report.problems}


def test_truncated_tail_is_found_by_the_checkpoint(store: Store, paths: Paths) -> None:
    _fill(store, 6)
    with store.session() as session:
        point = audit.checkpoint(session)
    assert point.tree_size == 6
    with _raw(paths) as conn:
        conn.execute("DELETE FROM audit_entry WHERE seq >= 5")
    with store.session() as session:
        report = audit.verify(session)
    assert [(p.seq, p.kind) for p in report.problems] == [(5, "truncated")]


def test_checkpoint_is_idempotent_and_rejects_a_changed_prefix(store: Store, paths: Paths) -> None:
    _fill(store, 3)
    with store.session() as session:
        first = audit.checkpoint(session)
        again = audit.checkpoint(session)
    assert first.root_hash == again.root_hash
    with _raw(paths) as conn:
        # an edit that also recomputes the row's own hash still breaks the next link and the root
        conn.execute("UPDATE audit_entry SET entry_hash = 'ff' || substr(entry_hash, 3) WHERE seq = 3")
    with store.session() as session:
        kinds = {p.kind for p in audit.verify(session).problems}
    assert "checkpoint_mismatch" in kinds


def test_content_digest_of_text_bytes_and_nothing() -> None:
    assert audit.content_digest("a") == audit.content_digest(b"a")
    assert audit.content_digest(None) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def test_cli_audit_verify_names_the_edited_entry(
    store: Store, paths: Paths, capsys: pytest.CaptureFixture[str]
) -> None:
    from examsite.cli.main import main

    _fill(store, 4)
    assert main(["audit", "verify"]) == 0
    assert "intact: 4 entries" in capsys.readouterr().out
    with _raw(paths) as conn:
        conn.execute("UPDATE audit_entry SET detail = 'changed' WHERE seq = 2")
    assert main(["audit", "verify"]) == 1
    out = capsys.readouterr().out
    assert "entry 2: edited" in out
    assert "BROKEN" in out


def test_a_second_writer_waits_instead_of_failing(paths: Paths, store: Store) -> None:
    """Two stores on one file (window and recorder) append without SQLITE_BUSY errors."""
    import threading

    from examsite.store.engine import open_store

    other = open_store(f"sqlite:///{paths.database}")
    errors: list[BaseException] = []

    def writer(target: Store) -> None:
        try:
            _fill(target, 30)
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(s,)) for s in (store, other)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    other.close()
    assert not errors
    with store.session() as session:
        report = audit.verify(session)
    assert report.ok
    assert report.entries == 60


def test_fixture_uses_its_own_file(paths: Paths) -> None:
    assert Path(paths.database).parent == paths.data_dir
