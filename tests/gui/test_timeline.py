"""The timeline over a real recording: recorded spans and gaps with their reasons from coverage(),
tooltips in Beijing time, incident markers, and a click that plays the recording at that moment."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from examsite.clock import to_local
from examsite.gui.qt import QApplication, QHelpEvent, QPoint, Qt, QToolTip
from examsite.gui.timeline import TimelinePage, load_timeline
from examsite.incidents.marks import mark_moment
from examsite.store.engine import Store
from examsite.store.models import CameraAlert
from tests.gui.video_fixtures import *  # noqa: F403  (the recording fixtures)
from tests.gui.video_fixtures import Recorded

pytestmark = [
    pytest.mark.slow,
    pytest.mark.qt_log_ignore("pipewire", "No RHI backend", "No HW decoder", "does not support raise"),
    pytest.mark.usefixtures("no_stray_threads"),
]


@pytest.fixture
def page(qtbot, recorded: Recorded, recorded_store: Store, taskman) -> Iterator[TimelinePage]:  # type: ignore[no-untyped-def]
    view = TimelinePage(recorded_store, taskman, recorded.paths)
    qtbot.addWidget(view)
    view.resize(1100, 500)
    yield view
    if view.player is not None:
        view.player.close()
    view.hide()
    qtbot.waitUntil(lambda: not view.loading and not taskman.busy)


def test_load_timeline_explains_every_second(recorded: Recorded, recorded_store: Store) -> None:
    with recorded_store.session() as session:
        data = load_timeline(session, "2026A", now=recorded.recorder_stopped + timedelta(seconds=1))
    rows = {row.camera_id: row for row in data.rows}
    assert set(rows) == {recorded.demo, recorded.dead}
    demo, dead = rows[recorded.demo], rows[recorded.dead]
    # the spans tile [session start, now) without holes or overlaps
    for row in (demo, dead):
        assert row.spans[0].start == data.start
        assert row.spans[-1].end == data.covered_until
        assert all(a.end == b.start for a, b in zip(row.spans, row.spans[1:], strict=False))
    # before the recorder ran: a gap nobody reported, i.e. no recorder running
    assert demo.spans[0].kind == "gap"
    assert demo.spans[0].reason in ("unaccounted", "recorder_stopped")
    assert demo.spans[0].end >= recorded.recorder_started
    assert demo.recorded_seconds() >= 5
    # the unreachable camera recorded nothing and its gaps say why
    assert dead.recorded_seconds() == 0
    assert "camera_unreachable" in {s.reason for s in dead.spans}
    assert any(a.kind == "camera_offline" for a in dead.alerts)
    assert data.incidents == ()


def test_page_shows_gap_reason_tooltip_and_markers(
    qtbot, chinese, recorded: Recorded, recorded_store: Store, page: TimelinePage
) -> None:  # type: ignore[no-untyped-def]
    with recorded_store.session() as session:
        incident = mark_moment(
            session, marked_by="t", room="101", at=recorded.recorder_started + timedelta(seconds=2)
        )
        incident_id = incident.id
        session.add(CameraAlert(camera_id=recorded.demo, kind="tamper_covered", at=recorded.recorder_started))
    page.show()
    qtbot.waitUntil(lambda: page.data is not None, timeout=10000)
    data = page.data
    assert data is not None
    assert [m.incident_id for m in data.incidents] == [incident_id]
    assert "2026A" in page.ui.summaryValue.text()
    assert "1 起事件" in page.ui.summaryValue.text() or "1 incident" in page.ui.summaryValue.text()

    timeline = page.timeline
    dead = next(row for row in data.rows if row.camera_id == recorded.dead)
    gap = next(s for s in dead.spans if s.reason == "camera_unreachable")
    middle = gap.start + (gap.end - gap.start) / 2
    point = timeline.point_for(recorded.dead, middle).toPoint()
    QApplication.sendEvent(timeline, QHelpEvent(QHelpEvent.Type.ToolTip, point, timeline.mapToGlobal(point)))
    tip = QToolTip.text()
    assert "未录像" in tip
    assert "摄像机无法连接" in tip
    assert "北京时间" in tip
    assert to_local(gap.start).strftime("%H:%M:%S") in tip
    QToolTip.hideText()

    # the incident flag and the tamper alert describe themselves
    flag = timeline.point_for(recorded.demo, data.incidents[0].marked_at)
    assert "事件" in timeline.describe_at(flag)
    alert_point = timeline.point_for(recorded.demo, recorded.recorder_started)
    alert_point.setY(timeline.row_rect(0).top() + 2)
    assert "镜头被遮挡" in timeline.describe_at(alert_point)
    with qtbot.waitSignal(timeline.incident_clicked) as clicked:
        qtbot.mouseClick(
            timeline, Qt.MouseButton.LeftButton, pos=QPoint(int(flag.x()), timeline.AXIS_HEIGHT - 10)
        )
    assert clicked.args == [incident_id]


def test_click_plays_the_recording_at_that_moment(qtbot, recorded: Recorded, page: TimelinePage) -> None:  # type: ignore[no-untyped-def]
    page.show()
    qtbot.waitUntil(lambda: page.data is not None, timeout=10000)
    timeline = page.timeline
    moment = recorded.recorder_started + timedelta(seconds=4)
    pos = timeline.point_for(recorded.demo, moment).toPoint()
    with qtbot.waitSignal(page.position_clicked) as clicked:
        qtbot.mouseClick(timeline, Qt.MouseButton.LeftButton, pos=pos)
    camera_id, at = clicked.args
    assert camera_id == recorded.demo
    seconds_per_px = (page.data.end - page.data.start).total_seconds() / (
        timeline.width() - timeline.LABEL_WIDTH
    )
    assert abs((at - moment).total_seconds()) <= 2 * seconds_per_px
    player = page.player
    assert player is not None
    with qtbot.waitSignal(player.verified, timeout=20000) as verified:
        pass
    assert verified.args == ["verified"]
    assert "段录像" in player.ui.verifyValue.text() or "segment" in player.ui.verifyValue.text()
    cut = player.cut
    assert cut is not None
    assert cut.segments >= 5
    assert cut.clip.start <= at <= cut.clip.end
    # playback starts at the clicked moment: the wall clock shown is within a keyframe of it
    qtbot.waitUntil(lambda: player.player.position() > 0, timeout=10000)
    shown = player.wall_time_at(player.player.position())
    assert shown is not None
    assert abs((shown - at).total_seconds()) < 3
    tmp = cut.clip.path.parent
    player.close()
    assert not tmp.exists()  # the viewing copy is gone with the dialog


def test_click_on_a_gap_says_nothing_was_recorded(qtbot, recorded: Recorded, page: TimelinePage) -> None:  # type: ignore[no-untyped-def]
    page.show()
    qtbot.waitUntil(lambda: page.data is not None, timeout=10000)
    moment = page.data.start + timedelta(seconds=2)  # before the recorder ran
    player = page.play(recorded.dead, moment)
    qtbot.waitUntil(lambda: bool(player.error), timeout=10000)
    assert "Nothing was recorded" in player.error or "没有录像" in player.error
    assert player.ui.verifyValue.property("state") == "alert"
    assert not player.ui.playButton.isEnabled()


def test_the_unsealed_tail_is_shown_as_being_recorded_only_briefly() -> None:
    from datetime import UTC, datetime

    from examsite.evidence.index import Span
    from examsite.gui.timeline import _pending_tail

    t0 = datetime(2026, 6, 13, 1, 0, tzinfo=UTC)
    recorded_span = Span(t0, t0 + timedelta(seconds=60), "recorded")
    tail = Span(t0 + timedelta(seconds=60), t0 + timedelta(seconds=66), "gap", "unaccounted")
    assert _pending_tail([recorded_span, tail], t0 + timedelta(seconds=66))[-1].kind == "pending"
    # a tail longer than a few segments is the gap it is
    long_tail = Span(t0 + timedelta(seconds=60), t0 + timedelta(seconds=120), "gap", "unaccounted")
    assert _pending_tail([recorded_span, long_tail], t0 + timedelta(seconds=120))[-1].kind == "gap"
    # a reported reason (camera unreachable) is never relabelled, nor a tail after a gap
    unreachable = Span(t0 + timedelta(seconds=60), t0 + timedelta(seconds=62), "gap", "camera_unreachable")
    assert _pending_tail([recorded_span, unreachable], t0 + timedelta(seconds=62))[-1].kind == "gap"
    assert _pending_tail([unreachable, tail], t0 + timedelta(seconds=66))[-1].kind == "gap"
