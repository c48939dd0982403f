"""A real PostgreSQL server for tests, from Debian's packages, on a free port of 127.0.0.1.

Import the fixtures into a test module::

    from tests.support.postgres import postgres_server, postgres_url  # noqa: F401

``postgres_server`` (session scope) runs ``initdb`` and ``pg_ctl start -w`` in a temporary folder and
stops the server when the session ends. PostgreSQL refuses to run as root, so under root both run as
the ``postgres`` system user (``runuser``) in a folder that user owns. Only TCP on 127.0.0.1 is
opened (no Unix socket), with trust authentication for 127.0.0.1 alone. ``postgres_url`` creates a
fresh database per test and drops it afterwards.

Without the server binaries the tests are skipped, unless ``EXAMSITE_REQUIRE_POSTGRES=1`` (CI), where
a missing server is a failure.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

START_TIMEOUT_S = 60


@dataclass(frozen=True)
class PostgresServer:
    """A running server: where it listens and as whom to connect."""

    host: str
    port: int
    user: str
    version: str

    def url(self, database: str) -> str:
        """A SQLAlchemy URL for psycopg 3."""
        return f"postgresql+psycopg://{self.user}@{self.host}:{self.port}/{database}"


def _bin_dir() -> Path | None:
    # Debian installs versioned server binaries outside PATH: /usr/lib/postgresql/<major>/bin.
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[4]))
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _runner() -> tuple[list[str], int | None, int | None]:
    """The command prefix, uid and gid to run the server as (root cannot run PostgreSQL)."""
    if os.geteuid() != 0:
        return [], None, None
    entry = pwd.getpwnam("postgres")
    return ["runuser", "-u", "postgres", "--"], entry.pw_uid, entry.pw_gid


def _run(cmd: list[str], what: str) -> str:
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=START_TIMEOUT_S, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"{what} failed ({result.returncode}): {result.stdout}\n{result.stderr}")
    return result.stdout


def _unavailable(reason: str) -> None:
    if os.environ.get("EXAMSITE_REQUIRE_POSTGRES") == "1":
        pytest.fail(f"PostgreSQL is required here but {reason}")
    pytest.skip(f"PostgreSQL tests need the Debian postgresql package: {reason}")


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """Start PostgreSQL for the test session and stop it at the end."""
    bin_dir = _bin_dir()
    if bin_dir is None:
        _unavailable("no /usr/lib/postgresql/*/bin/initdb")
    assert bin_dir is not None
    prefix, uid, gid = _runner()
    root = Path(tempfile.mkdtemp(prefix="examsite-pg-"))
    data, log = root / "data", root / "server.log"
    if uid is not None and gid is not None:
        os.chown(root, uid, gid)
    port = _free_port()
    started = False
    try:
        _run(
            [*prefix, str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
             "--no-locale", "--no-sync"],
            "initdb",
        )  # fmt: skip
        # Only TCP on the loopback address, trusted there and nowhere else.
        (data / "pg_hba.conf").write_text("host all all 127.0.0.1/32 trust\n", encoding="utf-8")
        if uid is not None and gid is not None:
            os.chown(data / "pg_hba.conf", uid, gid)
        options = (
            f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories='' "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=50"
        )
        # -w waits until the server accepts connections (pg_ctl polls it), so no sleep is needed.
        _run(
            [*prefix, str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options, "-w",
             "-t", str(START_TIMEOUT_S), "start"],
            "pg_ctl start",
        )  # fmt: skip
        started = True
        version = _run([str(bin_dir / "postgres"), "--version"], "postgres --version").strip()
        yield PostgresServer("127.0.0.1", port, "postgres", version)
    except RuntimeError as exc:
        log_text = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
        raise RuntimeError(f"{exc}\nserver log:\n{log_text}") from None
    finally:
        if started:
            subprocess.run(
                [*prefix, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"],
                capture_output=True,
                timeout=START_TIMEOUT_S,
                check=False,
            )
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    """A SQLAlchemy URL of a new, empty database on the test server, dropped after the test."""
    import psycopg

    name = f"t_{uuid.uuid4().hex[:16]}"
    admin = (
        f"host={postgres_server.host} port={postgres_server.port} user={postgres_server.user} dbname=postgres"
    )
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' TEMPLATE template0")
    try:
        yield postgres_server.url(name)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn, contextlib.suppress(psycopg.Error):
            # FORCE ends connections a failed test left open (PostgreSQL 13+).
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
