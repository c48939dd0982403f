"""The adjudication page: the archive list, a case's history, and the 认定 dialog with its refusals."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from examsite.adjudication.cases import get_case
from examsite.adjudication.determination import current_determination
from examsite.gui.cases_page import CasesPage
from examsite.gui.qt import QDate, Qt
from examsite.gui.taskman import TaskManager
from examsite.store.engine import Store
from tests.support.cases import CANDIDATE_ID, OTHER_ID, candidate, make_record, open_case


@pytest.fixture
def page(qtbot, store: Store) -> Iterator[CasesPage]:  # type: ignore[no-untyped-def]
    with store.session() as s:
        open_case(s, make_record())
        open_case(s, make_record(subject=candidate("李某", OTHER_ID), article="6.2"))
    taskman = TaskManager()
    widget = CasesPage(store, taskman)
    qtbot.addWidget(widget)
    widget.refresh()
    qtbot.waitUntil(lambda: len(widget.model.rows) == 2)
    yield widget
    taskman.shutdown()


def test_search_by_name_and_id_number(qtbot, page: CasesPage) -> None:  # type: ignore[no-untyped-def]
    page.search.setText(CANDIDATE_ID)
    qtbot.waitUntil(lambda: [r.name for r in page.model.rows] == ["张行"])
    page.search.setText("李")
    qtbot.waitUntil(lambda: [r.name for r in page.model.rows] == ["李某"])
    page.state_filter.setCurrentIndex(page.state_filter.findData("determined"))
    qtbot.waitUntil(lambda: page.model.rows == [])


def _open_dialog(qtbot, page: CasesPage, name: str):  # type: ignore[no-untyped-def]
    row = next(i for i, r in enumerate(page.model.rows) if r.name == name)
    page.table.selectRow(row)
    qtbot.waitUntil(lambda: name in page.detail.toPlainText())
    assert page.determine_button.isEnabled()
    qtbot.mouseClick(page.determine_button, Qt.MouseButton.LeftButton)
    dialog = page.dialog
    assert dialog is not None
    dialog.on.setDate(QDate(2026, 9, 21))
    return dialog


def test_determine_from_the_dialog(qtbot, page: CasesPage, store: Store) -> None:  # type: ignore[no-untyped-def]
    dialog = _open_dialog(qtbot, page, "张行")
    assert dialog.article.text() == "6.1"
    dialog.decider_id.setText("staff-9")
    dialog.decider_name.setText("王决")
    with qtbot.waitSignal(page.case_determined, timeout=10_000) as signal:
        dialog.buttons.accepted.emit()
    qtbot.waitUntil(lambda: "determination #1" in page.detail.toPlainText())
    assert "取消你当次电工四级评价全部科目的评价成绩。" in page.detail.toPlainText()
    with store.session() as s:
        det = current_determination(s, get_case(s, signal.args[0]))
        assert det is not None
        assert (det.article_key, det.determined_on, det.decider_staff_id) == (
            "6.1",
            date(2026, 9, 21),
            "staff-9",
        )


def test_refusals_stay_in_the_dialog_and_store_nothing(qtbot, page: CasesPage, store: Store) -> None:  # type: ignore[no-untyped-def]
    dialog = _open_dialog(qtbot, page, "张行")
    dialog.decider_id.setText("staff-2")  # the witness (art. 18)
    dialog.decider_name.setText("李四")
    dialog.buttons.accepted.emit()
    qtbot.waitUntil(lambda: "witnessed the incident" in dialog.error.text())
    assert dialog.isVisible()
    dialog.decider_id.setText("staff-9")
    dialog.article.setText("10")
    assert len(dialog.condition_checks) == 2  # art. 10: legal and criminal liability
    dialog.buttons.accepted.emit()
    qtbot.waitUntil(lambda: "concerns a staff" in dialog.error.text())
    dialog.article.setText("7.4")
    dialog.severity.setCurrentIndex(dialog.severity.findData("minor"))
    dialog.buttons.accepted.emit()
    qtbot.waitUntil(lambda: "needs a reason" in dialog.error.text())
    dialog.article.setText("99")
    dialog.buttons.accepted.emit()
    assert "not in the catalogue" in dialog.error.text()
    with store.session() as s:
        case_id = next(r.id for r in page.model.rows if r.name == "张行")
        assert current_determination(s, get_case(s, case_id)) is None
    dialog.reject()
