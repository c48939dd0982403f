"""Fixtures shared by every test: a fresh data folder and store per test (Vorta ``conftest.py``)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from examsite.config import Paths
from examsite.store.engine import Store, open_store

# Qt runs offscreen in every test unless a test starts its own Xvfb.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty installation folder, also exported as EXAMSITE_DATA_DIR for the command line."""
    root = tmp_path / "data"
    root.mkdir()
    monkeypatch.setenv("EXAMSITE_DATA_DIR", str(root))
    monkeypatch.delenv("EXAMSITE_DB", raising=False)
    return root


@pytest.fixture
def paths(data_dir: Path) -> Paths:
    return Paths(data_dir)


@pytest.fixture
def store(paths: Paths) -> Iterator[Store]:
    """A migrated SQLite store in the test's own data folder."""
    opened = open_store(f"sqlite:///{paths.database}", backups=paths.backups)
    yield opened
    opened.close()
