"""Where things live: the data folder, the store URL, recordings and keys.

Precedence: command-line option, then environment (``EXAMSITE_DATA_DIR``, ``EXAMSITE_DB``), then
the user data folder from platformdirs. SQLite in that folder is the embedded default.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "examsite"


@dataclass(frozen=True)
class Paths:
    """The folders of one installation."""

    data_dir: Path

    @property
    def database(self) -> Path:
        return self.data_dir / "examsite.sqlite3"

    @property
    def recordings(self) -> Path:
        return self.data_dir / "recordings"

    @property
    def evidence(self) -> Path:
        return self.data_dir / "evidence"

    @property
    def keys(self) -> Path:
        return self.data_dir / "keys"

    @property
    def quarantine(self) -> Path:
        return self.data_dir / "quarantine"

    @property
    def exports(self) -> Path:
        return self.data_dir / "exports"

    @property
    def backups(self) -> Path:
        return self.data_dir / "backups"

    @property
    def logs(self) -> Path:
        return (
            Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))
            if not _env_dir()
            else self.data_dir / "logs"
        )


def _env_dir() -> str | None:
    return os.environ.get("EXAMSITE_DATA_DIR") or None


def resolve_paths(data_dir: str | os.PathLike[str] | None = None) -> Paths:
    """The installation's folders, created if missing."""
    chosen = data_dir or _env_dir() or platformdirs.user_data_dir(APP_NAME, appauthor=False)
    root = Path(chosen).expanduser().resolve()
    root.mkdir(parents=True, exist_ok=True)
    return Paths(root)


def resolve_db_url(db: str | None, paths: Paths) -> str:
    """A SQLAlchemy URL: ``db`` as given (a URL or a SQLite file path), else ``$EXAMSITE_DB``, else
    the SQLite file in the data folder."""
    chosen = db or os.environ.get("EXAMSITE_DB") or str(paths.database)
    if "://" in chosen:
        return chosen
    return f"sqlite:///{Path(chosen).expanduser().resolve()}"
