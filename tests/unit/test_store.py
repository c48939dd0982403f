"""The store: pragmas, migrations up and down, backup before migrating, errors a user can act on."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import inspect, select, text

from examsite.config import Paths, resolve_db_url
from examsite.errors import StoreUnavailable
from examsite.store import engine as store_engine
from examsite.store.engine import Store, current_revision, head_revision, make_engine, open_store
from examsite.store.models import Base, Institution


def test_sqlite_runs_in_wal_with_foreign_keys_and_busy_timeout(store: Store) -> None:
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == store_engine.BUSY_TIMEOUT_MS
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL


def test_every_model_table_exists_after_migration(store: Store) -> None:
    tables = set(inspect(store.engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    assert current_revision(store.engine) == head_revision()


def test_migrations_match_the_models(store: Store) -> None:
    """Autogenerate finds nothing to do: the migrations create exactly what the models declare."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_first_migration_upgrades_to_head_and_back(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.sqlite3'}"
    eng = make_engine(url)
    store_engine.upgrade(eng, "0001")
    assert current_revision(eng) == "0001"
    with eng.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO institution (id, code, name, city, kind, created_at) "
                "VALUES ('i1', 'C1', 'N', '', '', '2026-01-01 00:00:00')"
            )
        )
    store_engine.upgrade(eng, "head")
    assert current_revision(eng) == head_revision()
    store_engine.downgrade(eng, "0001")
    assert current_revision(eng) == "0001"
    store_engine.downgrade(eng, "base")
    assert current_revision(eng) is None
    assert "institution" not in inspect(eng).get_table_names()
    eng.dispose()


def test_existing_database_is_backed_up_before_migrating(tmp_path: Path) -> None:
    db = tmp_path / "old.sqlite3"
    eng = make_engine(f"sqlite:///{db}")
    store_engine.upgrade(eng, "0001")
    with eng.begin() as conn:
        conn.execute(text("INSERT INTO setting (key, value) VALUES ('marker', 'kept')"))
    eng.dispose()
    backups = tmp_path / "backups"
    opened = open_store(f"sqlite:///{db}", backups=backups)
    opened.close()
    saved = list(backups.glob("old-*-before-*.sqlite3"))
    assert len(saved) == 1
    with sqlite3.connect(saved[0]) as conn:
        assert conn.execute("SELECT value FROM setting WHERE key='marker'").fetchone() == ("kept",)


def test_backup_copies_a_live_wal_database(tmp_path: Path, store: Store, paths: Paths) -> None:
    with store.session() as session:
        session.add(Institution(code="X", name="机构"))
    saved = store_engine.backup_sqlite(paths.database, tmp_path / "b", "manual")
    with sqlite3.connect(saved) as conn:
        assert conn.execute("SELECT name FROM institution").fetchone() == ("机构",)


def test_times_come_back_aware_utc_and_naive_times_are_refused(store: Store) -> None:
    shanghai = timezone(timedelta(hours=8))
    with store.session() as session:
        inst = Institution(code="T", name="n", created_at=datetime(2026, 5, 1, 8, 0, tzinfo=shanghai))
        session.add(inst)
    with store.session() as session:
        got = session.execute(select(Institution).where(Institution.code == "T")).scalar_one()
        assert got.created_at == datetime(2026, 5, 1, 0, 0, tzinfo=UTC)
        assert got.created_at.tzinfo is not None
    with pytest.raises(Exception, match="naive datetime"), store.session() as session:
        session.add(Institution(code="U", name="n", created_at=datetime(2026, 5, 1)))


def _add_then_fail(store: Store) -> None:
    with store.session() as session:
        session.add(Institution(code="half", name="n"))
        session.flush()
        raise RuntimeError("boom")


def test_failed_transaction_leaves_nothing(store: Store) -> None:
    with pytest.raises(RuntimeError):
        _add_then_fail(store)
    with store.session() as session:
        assert session.execute(select(Institution)).scalars().all() == []


def test_read_only_database_gives_a_clear_error(tmp_path: Path) -> None:
    db = tmp_path / "ro.sqlite3"
    open_store(f"sqlite:///{db}").close()
    # A read-only open (as on a write-protected USB stick) works even as root, unlike chmod.
    ro = open_store(f"sqlite:///file:{db}?mode=ro&uri=true", migrate=False)
    with pytest.raises(StoreUnavailable, match="read-only"), ro.session() as session:
        session.add(Institution(code="x", name="y"))
    ro.close()


def test_unopenable_database_gives_a_clear_error(tmp_path: Path) -> None:
    target = tmp_path / "a-folder.sqlite3"
    target.mkdir()
    with pytest.raises(StoreUnavailable) as info:
        open_store(f"sqlite:///{target}")
    assert info.value.code == "store_unavailable"


def test_unreachable_server_gives_a_clear_error() -> None:
    with pytest.raises(StoreUnavailable, match="cannot be reached"):
        open_store("postgresql+psycopg://nobody:x@127.0.0.1:9/none?connect_timeout=2")


def test_db_url_resolution(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    paths = Paths(tmp_path)
    monkeypatch.delenv("EXAMSITE_DB", raising=False)
    assert resolve_db_url(None, paths) == f"sqlite:///{tmp_path / 'examsite.sqlite3'}"
    assert resolve_db_url("postgresql+psycopg://u@h/db", paths) == "postgresql+psycopg://u@h/db"
    monkeypatch.setenv("EXAMSITE_DB", str(tmp_path / "x.db"))
    assert resolve_db_url(None, paths) == f"sqlite:///{tmp_path / 'x.db'}"
