"""Opening the store: engine, SQLite pragmas, backup, migrations, sessions.

SQLite (the embedded default) runs in WAL mode with foreign keys, FULL sync and a busy timeout, so
the recorder process and the window can share it. Any other SQLAlchemy URL (PostgreSQL with
psycopg 3) works through the same migrations. Before a migration changes an existing SQLite file, a
consistent copy is taken with SQLite's backup API (Vorta ``store/connection.py``).
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from examsite.clock import utc_now
from examsite.errors import StoreUnavailable

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).with_name("migrations")
BUSY_TIMEOUT_MS = 10_000


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy emit BEGIN itself (see _sqlite_begin) instead of pysqlite's implicit one.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.close()


def _sqlite_begin(conn: Any) -> None:
    # Take the write lock up front: two processes (window and recorder) that both read and then
    # write would otherwise fail with SQLITE_BUSY instead of waiting for the busy timeout.
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def alembic_config(connection: Any = None) -> Config:
    """An Alembic config pointing at the packaged migrations (no alembic.ini needed)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    """The newest migration this version of examsite knows."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def make_engine(url: str) -> Engine:
    """An engine for ``url`` with the SQLite settings applied on every connection."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True)


def current_revision(engine: Engine) -> str | None:
    """The store's migration revision, or None for an empty database."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def backup_sqlite(db_file: Path, backups: Path, label: str) -> Path:
    """Copy a live SQLite file consistently (backup API, WAL included) into ``backups``."""
    backups.mkdir(parents=True, exist_ok=True)
    stamp = utc_now().strftime("%Y%m%dT%H%M%SZ")
    target = backups / f"{db_file.stem}-{stamp}-{label}.sqlite3"
    src = sqlite3.connect(db_file)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()
    return target


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply migrations up to ``revision`` in one connection."""
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Revert migrations down to ``revision`` (used by tests and by an administrator)."""
    with engine.begin() as conn:
        command.downgrade(alembic_config(conn), revision)


class Store:
    """An opened, migrated store: hands out sessions that commit or roll back as a whole."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    @contextlib.contextmanager
    def session(self) -> Iterator[Session]:
        """A transaction: committed when the block ends, rolled back on any exception."""
        session = self._sessions()
        try:
            yield session
            session.commit()
        except OperationalError as exc:
            session.rollback()
            raise explain_operational_error(exc) from exc
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def close(self) -> None:
        self.engine.dispose()


def explain_operational_error(exc: DBAPIError) -> StoreUnavailable:
    """Turn database errors a user can act on into a clear message (qutebrowser ``misc/sql.py``)."""
    text = str(exc.orig).lower()
    if "locked" in text or "busy" in text:
        return StoreUnavailable(
            "the database is busy in another program", hint="close other examsite windows and try again"
        )
    if "readonly" in text or "read-only" in text:
        return StoreUnavailable("the database file is read-only", hint="check the folder's permissions")
    if "full" in text:
        return StoreUnavailable("the disk is full; nothing was saved", hint="free disk space and try again")
    if "unable to open" in text:
        return StoreUnavailable("the database file cannot be opened", hint="check the path and permissions")
    if "connection" in text or "could not connect" in text:
        return StoreUnavailable("the database server cannot be reached", hint="check the --db URL and server")
    return StoreUnavailable(f"database error: {exc.orig}")


def open_store(url: str, *, backups: Path | None = None, migrate: bool = True) -> Store:
    """Open the store at ``url``; back up an existing SQLite file, then migrate it to head."""
    engine = make_engine(url)
    try:
        if migrate:
            current = current_revision(engine)
            head = head_revision()
            if current != head:
                database = make_url(url).database
                is_file = engine.dialect.name == "sqlite" and database not in (None, "", ":memory:")
                if current is not None and is_file and backups is not None:
                    assert database is not None
                    saved = backup_sqlite(Path(database), backups, f"before-{head}")
                    log.info("database backed up to %s before migrating %s -> %s", saved, current, head)
                upgrade(engine)
    except OperationalError as exc:
        engine.dispose()
        raise explain_operational_error(exc) from exc
    return Store(engine)
