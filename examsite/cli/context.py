"""What every command handler gets: resolved paths and a lazily opened store."""

from __future__ import annotations

from typing import TYPE_CHECKING

from examsite.config import Paths, resolve_db_url, resolve_paths

if TYPE_CHECKING:
    from examsite.store.engine import Store


class CliContext:
    """Resolved paths, and the store opened (and migrated) on first use."""

    def __init__(self, db: str | None = None, data_dir: str | None = None) -> None:
        self._db = db
        self._data_dir = data_dir
        self._paths: Paths | None = None
        self._store: Store | None = None

    @property
    def paths(self) -> Paths:
        if self._paths is None:
            self._paths = resolve_paths(self._data_dir)
        return self._paths

    @property
    def db_url(self) -> str:
        return resolve_db_url(self._db, self.paths)

    @property
    def store(self) -> Store:
        if self._store is None:
            from examsite.store.engine import open_store

            self._store = open_store(self.db_url, backups=self.paths.backups)
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None
