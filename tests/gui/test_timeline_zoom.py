"""Zooming the timeline: a three-hour session on a laptop screen is about ten seconds a pixel, so a
five-second gap needs zooming to be seen and clicked. Zoom keeps the moment under the pointer where
it is, a refresh of the session keeps the view, another session shows whole. The data are built here
(the timeline over a real recording is tests/gui/test_timeline.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from examsite.evidence.index import Span
from examsite.gui.qt import QApplication, QPoint, QPointF, Qt, QWheelEvent
from examsite.gui.timeline import TimelineData, TimelineRow, TimelineWidget, share_text

T0 = datetime(2026, 6, 13, 1, 0, tzinfo=UTC)  # 09:00 Beijing time
END = T0 + timedelta(hours=3)
GAP = (T0 + timedelta(minutes=70), T0 + timedelta(minutes=70, seconds=5))


def data(code: str = "2026A") -> TimelineData:
    spans = (
        Span(T0, GAP[0], "recorded"),
        Span(GAP[0], GAP[1], "gap", "camera_unreachable"),
        Span(GAP[1], END, "recorded"),
    )
    row = TimelineRow("cam-1", "101 前", spans)
    return TimelineData(code, f"{code} 电工四级", T0, END, END, (row,))


@pytest.fixture
def timeline(qtbot) -> TimelineWidget:  # type: ignore[no-untyped-def]
    widget = TimelineWidget()
    qtbot.addWidget(widget)
    widget.resize(1100, 200)
    widget.set_data(data())
    return widget


def wheel(widget: TimelineWidget, x: float, notches: int, modifiers: Qt.KeyboardModifier) -> None:
    position = QPointF(x, widget.row_rect(0).center().y())
    event = QWheelEvent(
        position,
        widget.mapToGlobal(position),
        QPoint(),
        QPoint(0, 120 * notches),
        Qt.MouseButton.NoButton,
        modifiers,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(widget, event)


def test_a_short_gap_is_a_pixel_whole_and_wide_zoomed(timeline: TimelineWidget) -> None:
    assert not timeline.zoomed
    assert timeline.x_of(GAP[1]) - timeline.x_of(GAP[0]) < 1
    middle = GAP[0] + (GAP[1] - GAP[0]) / 2
    for _ in range(20):  # far past the narrowest view
        timeline.zoom(TimelineWidget.ZOOM_STEP, around=middle)
    start, end = timeline.view()
    assert end - start == TimelineWidget.MIN_VIEW
    assert start <= GAP[0]
    assert GAP[1] <= end
    assert timeline.x_of(GAP[1]) - timeline.x_of(GAP[0]) > 60  # 5 s of 60 s on ~930 px
    # the gap is described where the pointer is, and a click there asks for that very moment
    point = QPointF(timeline.x_of(middle), timeline.row_rect(0).center().y())
    assert "NOT RECORDED" in timeline.describe_at(point)
    assert abs((timeline.time_at(point.x()) - middle).total_seconds()) < 0.2
    timeline.show_whole()
    assert not timeline.zoomed
    assert timeline.view() == (T0, END)


def test_ctrl_wheel_zooms_around_the_pointer_and_shift_wheel_moves(qtbot, timeline: TimelineWidget) -> None:  # type: ignore[no-untyped-def]
    x = timeline.x_of(T0 + timedelta(minutes=45))
    under = timeline.time_at(x)
    with qtbot.waitSignal(timeline.view_changed):
        wheel(timeline, x, 2, Qt.KeyboardModifier.ControlModifier)
    start, end = timeline.view()
    assert (end - start).total_seconds() == pytest.approx(3 * 3600 / 1.5**2, abs=1)
    assert abs((timeline.time_at(x) - under).total_seconds()) < 2  # the pointer stays on its moment
    wheel(timeline, x, -1, Qt.KeyboardModifier.ShiftModifier)  # one notch towards the end
    moved = timeline.view()
    assert moved[0] - start == (end - start) * TimelineWidget.PAN_STEP
    wheel(timeline, x, 1, Qt.KeyboardModifier.NoModifier)  # a plain wheel scrolls the page
    assert timeline.view() == moved
    for _ in range(50):  # moving stops at the session's end
        wheel(timeline, x, -1, Qt.KeyboardModifier.ShiftModifier)
    assert timeline.view()[1] == END
    wheel(timeline, x, -10, Qt.KeyboardModifier.ControlModifier)  # zoomed out past the session
    assert not timeline.zoomed


def test_keys_zoom_move_and_show_the_whole_session(qtbot, timeline: TimelineWidget) -> None:  # type: ignore[no-untyped-def]
    timeline.setFocus()
    qtbot.keyClick(timeline, Qt.Key.Key_Plus)
    first = timeline.view()
    assert first[1] - first[0] == timedelta(hours=2)
    assert first[0] - T0 == END - first[1]  # around the middle
    qtbot.keyClick(timeline, Qt.Key.Key_Left)  # 0.2 of the two hours shown: 24 minutes earlier
    assert timeline.view()[0] == T0 + timedelta(minutes=6)
    qtbot.keyClick(timeline, Qt.Key.Key_Left)  # no further than the session's start
    assert timeline.view()[0] == T0
    qtbot.keyClick(timeline, Qt.Key.Key_Right)
    assert timeline.view()[0] == T0 + timedelta(minutes=24)
    qtbot.keyClick(timeline, Qt.Key.Key_Minus)
    assert not timeline.zoomed
    qtbot.keyClick(timeline, Qt.Key.Key_Equal)
    qtbot.keyClick(timeline, Qt.Key.Key_0)
    assert not timeline.zoomed


def test_a_refresh_keeps_the_view_and_another_session_shows_whole(timeline: TimelineWidget) -> None:
    timeline.set_view(T0 + timedelta(minutes=60), T0 + timedelta(minutes=80))
    timeline.set_data(data())  # the 10 s refresh of a running session
    assert timeline.view() == (T0 + timedelta(minutes=60), T0 + timedelta(minutes=80))
    timeline.set_data(data("2026B"))
    assert not timeline.zoomed
    timeline.set_view(T0 - timedelta(hours=1), T0 + timedelta(minutes=10))  # before the session
    assert timeline.view() == (T0, T0 + timedelta(minutes=70))
    timeline.set_data(None)
    timeline.zoom(2.0)
    timeline.pan(0.5)
    timeline.show_whole()
    timeline.set_view(T0, END)
    assert timeline.data is None


def test_the_page_offers_the_zoom_buttons_and_says_what_is_shown(  # type: ignore[no-untyped-def]
    qtbot, chinese, store, taskman, paths
) -> None:
    from examsite.gui.timeline import TimelinePage

    page = TimelinePage(store, taskman, paths)
    qtbot.addWidget(page)
    page.resize(1100, 500)
    assert not page.ui.zoomInButton.isEnabled()
    page._on_loaded(data())
    assert page.ui.zoomInButton.isEnabled()
    assert not page.ui.wholeButton.isEnabled()
    assert page.ui.viewValue.text() == "显示整场"
    qtbot.mouseClick(page.ui.zoomInButton, Qt.MouseButton.LeftButton)
    assert page.timeline.zoomed
    assert page.ui.viewValue.text().startswith("显示 2026-06-13 09:30:00")
    assert page.ui.wholeButton.isEnabled()
    qtbot.mouseClick(page.ui.wholeButton, Qt.MouseButton.LeftButton)
    assert not page.timeline.zoomed
    assert not page.ui.zoomOutButton.isEnabled()


def test_a_camera_with_a_gap_never_shows_100_percent() -> None:
    assert share_text(10795, 10800) == "99.9%"
    assert share_text(10799.9, 10800) == "99.9%"
    assert share_text(5400, 10800) == "50.0%"
    assert share_text(10800, 10800) == "100%"
    assert share_text(0, 0) == "—"
