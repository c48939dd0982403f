"""A read-only table of plain rows (dataclasses loaded on the store worker), shared by the lists."""

from __future__ import annotations

from typing import Any, ClassVar, Generic, TypeVar

from examsite.gui.qt import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, QWidget

Row = TypeVar("Row")


class RowsTableModel(QAbstractTableModel, Generic[Row]):
    """Subclasses name their ``COLUMNS`` (with ``QT_TRANSLATE_NOOP`` under their own class name) and
    render a cell in :meth:`display`; ``UserRole`` gives the row's ``id``."""

    COLUMNS: ClassVar[tuple[str, ...]] = ()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[Row] = []

    def set_rows(self, rows: list[Row]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def display(self, row: Row, column: int) -> Any:
        raise NotImplementedError

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return len(self.COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.tr(self.COLUMNS[section])
        return None

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        if role == Qt.ItemDataRole.UserRole:
            return row.id  # type: ignore[attr-defined]
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        return self.display(row, index.column())
