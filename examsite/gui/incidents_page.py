"""The incident list: filter by state and subject, open the record, sign, confirm, verify."""

from __future__ import annotations

from typing import Any

from examsite.clock import to_local
from examsite.gui.coverage_text import incident_state_text
from examsite.gui.qt import (
    QT_TRANSLATE_NOOP,
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    Qt,
    QTableView,
    QVBoxLayout,
    QWidget,
    Signal,
)
from examsite.gui.signals import emit
from examsite.gui.table_model import RowsTableModel
from examsite.gui.taskman import StoreOp, TaskManager
from examsite.incidents.queries import IncidentSummary, list_incidents
from examsite.store.models import IncidentState


class IncidentTableModel(RowsTableModel[IncidentSummary]):
    """Rows of :class:`IncidentSummary`."""

    COLUMNS = (
        QT_TRANSLATE_NOOP("IncidentTableModel", "Marked at"),
        QT_TRANSLATE_NOOP("IncidentTableModel", "Room"),
        QT_TRANSLATE_NOOP("IncidentTableModel", "Subject"),
        QT_TRANSLATE_NOOP("IncidentTableModel", "Article"),
        QT_TRANSLATE_NOOP("IncidentTableModel", "State"),
        QT_TRANSLATE_NOOP("IncidentTableModel", "Signatures"),
    )

    def display(self, row: IncidentSummary, column: int) -> Any:
        if column == 0:
            return f"{to_local(row.marked_at):%m-%d %H:%M:%S}"
        if column == 1:
            return row.room
        if column == 2:
            return row.subject or self.tr("(not recorded yet)")
        if column == 3:
            return row.article + (f" {row.severity}" if row.severity else "")
        if column == 4:
            return incident_state_text(row.state) + (f" v{row.version}" if row.version > 1 else "")
        return f"{row.cosignatures}/2" + (" ✔" if row.confirmed else "")


class IncidentsPage(QWidget):
    """The list of incidents with filters and the actions on the selected one."""

    open_requested = Signal(str)
    sign_requested = Signal(str)
    confirm_requested = Signal(str)

    def __init__(self, store: Any, taskman: TaskManager, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.taskman = taskman
        self.model = IncidentTableModel(self)
        self.title = QLabel(objectName="pageTitle")
        self.state_filter = QComboBox()
        self.subject_filter = QComboBox()
        self.search = QLineEdit()
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().hide()
        self.open_button = QPushButton()
        self.sign_button = QPushButton()
        self.confirm_button = QPushButton()
        filters = QHBoxLayout()
        for widget in (self.state_filter, self.subject_filter, self.search):
            filters.addWidget(widget)
        actions = QHBoxLayout()
        actions.addStretch(1)
        for button in (self.open_button, self.sign_button, self.confirm_button):
            actions.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addLayout(actions)
        self.retranslate()
        self.state_filter.currentIndexChanged.connect(self.refresh)
        self.subject_filter.currentIndexChanged.connect(self.refresh)
        self.search.textChanged.connect(self.refresh)
        self.table.doubleClicked.connect(
            lambda index: emit(self.open_requested, self.model.data(index, Qt.ItemDataRole.UserRole))
        )
        self.open_button.clicked.connect(lambda: self._emit_selected(self.open_requested))
        self.sign_button.clicked.connect(lambda: self._emit_selected(self.sign_requested))
        self.confirm_button.clicked.connect(lambda: self._emit_selected(self.confirm_requested))

    def retranslate(self) -> None:
        self.title.setText(self.tr("Incidents"))
        for combo, items in (
            (
                self.state_filter,
                [("", self.tr("All states"))]
                + [(s.value, incident_state_text(s.value)) for s in IncidentState],
            ),
            (
                self.subject_filter,
                [
                    ("", self.tr("All subjects")),
                    ("candidate", self.tr("Candidates")),
                    ("staff", self.tr("Staff")),
                    ("institution", self.tr("Institution")),
                ],
            ),
        ):
            current = combo.currentData()
            combo.blockSignals(True)
            combo.clear()
            for value, text in items:
                combo.addItem(text, value)
            combo.setCurrentIndex(max(0, combo.findData(current)))
            combo.blockSignals(False)
        self.search.setPlaceholderText(self.tr("search subject or article"))
        self.open_button.setText(self.tr("Open record…"))
        self.sign_button.setText(self.tr("Co-sign…"))
        self.confirm_button.setText(self.tr("Confirm (room head)…"))
        emit(self.model.headerDataChanged, Qt.Orientation.Horizontal, 0, len(self.model.COLUMNS) - 1)

    def selected_id(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.data(rows[0], Qt.ItemDataRole.UserRole) if rows else None

    def _emit_selected(self, signal: Any) -> None:
        incident_id = self.selected_id()
        if incident_id:
            emit(signal, incident_id)

    def refresh(self) -> None:
        state = self.state_filter.currentData() or None
        subject = self.subject_filter.currentData() or None
        text = self.search.text().strip()
        StoreOp(
            self.store, lambda s: list_incidents(s, state=state, subject_kind=subject, text=text)
        ).success(self.model.set_rows).run(self.taskman)
