"""A session's per-camera timeline: recorded spans, gaps with their reasons, alerts and incidents.

管理办法 art. 8(3) asks for surveillance that makes the whole assessment traceable: the timeline shows
at a glance which seconds of each camera are recorded and, for every gap, why not. Clicking a row
plays the recording around that moment (and lets staff record an incident found later on video,
art. 15 ¶2). Data is loaded on the store worker (:func:`load_timeline`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from examsite.clock import as_utc, to_local, utc_now
from examsite.config import Paths
from examsite.evidence.index import Span, coverage
from examsite.gui.coverage_text import alert_text, beijing, beijing_span, gap_reason_text, incident_state_text
from examsite.gui.forms.ui_timeline_page import Ui_TimelinePage
from examsite.gui.qt import (
    QBrush,
    QColor,
    QEvent,
    QFont,
    QHelpEvent,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QPointF,
    QPolygonF,
    QRectF,
    QSize,
    QSizePolicy,
    Qt,
    QTimer,
    QToolTip,
    QVBoxLayout,
    QWheelEvent,
    QWidget,
    Signal,
)
from examsite.gui.signals import emit
from examsite.gui.taskman import StoreOp, TaskManager
from examsite.gui.video_tile import RECORDING_FRESH_SECONDS
from examsite.sites.cameras import list_cameras
from examsite.sites.sessions import SUBJECT_LABELS_ZH, find_session, list_sessions
from examsite.store.models import CameraAlert, CoverageGap, ExamSubject, Incident

RECORDED_COLOUR = "#2e9d5b"
GAP_COLOURS = {
    "camera_unreachable": "#d64541",
    "stream_stalled": "#f39c12",
    "disk_full": "#8e44ad",
    "recorder_stopped": "#7f8c8d",
    "unaccounted": "#4a5560",
}
FUTURE_COLOUR = "#e9edf2"
PENDING_COLOUR = "#9fd8b4"
INCIDENT_COLOUR = "#c0392b"
NOW_COLOUR = "#1f6fd1"
#: Alert kinds drawn on the timeline (the others are bookkeeping: online again, disk ok...).
DRAWN_ALERTS = ("camera_offline", "clock_skew", "segment_broken", "recorder_error", "audio_not_recorded")
REFRESH_MS = 10000


@dataclass(frozen=True)
class GapNote:
    start: datetime
    end: datetime | None
    reason: str
    detail: str


@dataclass(frozen=True)
class TimelineAlert:
    kind: str
    at: datetime
    detail: str


@dataclass(frozen=True)
class TimelineRow:
    camera_id: str
    label: str
    spans: tuple[Span, ...]
    alerts: tuple[TimelineAlert, ...] = ()
    gaps: tuple[GapNote, ...] = ()

    def recorded_seconds(self) -> float:
        return sum(s.seconds for s in self.spans if s.kind == "recorded")

    def gap_detail(self, span: Span) -> str:
        """The recorder's own words for a gap span (from the overlapping gap of the same reason)."""
        for gap in self.gaps:
            end = gap.end or span.end
            if gap.reason == span.reason and gap.start < span.end and end > span.start and gap.detail:
                return gap.detail
        return ""


@dataclass(frozen=True)
class IncidentMark:
    incident_id: str
    marked_at: datetime
    room: str
    state: str


@dataclass(frozen=True)
class TimelineData:
    session_code: str
    title: str
    start: datetime
    end: datetime
    now: datetime
    rows: tuple[TimelineRow, ...]
    incidents: tuple[IncidentMark, ...] = field(default=())

    @property
    def covered_until(self) -> datetime:
        """Coverage is known up to now (a running session) or the session's end."""
        return max(self.start, min(self.end, self.now))


def _pending_tail(spans: list[Span], now: datetime) -> list[Span]:
    """Mark the stretch between the last sealed segment and now as being recorded.

    A segment is indexed only once sealed (every few seconds), so right after a recorded span the
    last seconds up to now are in the segment being written, not a gap. Longer than
    :data:`~examsite.gui.video_tile.RECORDING_FRESH_SECONDS` it is shown as the gap it is.
    """
    if len(spans) < 2:
        return spans
    last, before = spans[-1], spans[-2]
    fresh = last.kind == "gap" and last.reason in ("unaccounted", "recorder_stopped")
    if fresh and before.kind == "recorded" and last.end >= now and last.seconds <= RECORDING_FRESH_SECONDS:
        return [*spans[:-1], Span(last.start, last.end, "pending")]
    return spans


def session_choices(session: Session) -> list[tuple[str, str]]:
    """(code, label) of every session, newest first, for the picker."""
    out = []
    for exam in list_sessions(session):
        subject = SUBJECT_LABELS_ZH.get(ExamSubject(exam.subject), exam.subject)
        when = beijing(exam.starts_at, True)[:16]
        out.append((exam.code, f"{exam.code} · {exam.occupation} {exam.level} {subject} · {when}"))
    return out


def load_timeline(session: Session, session_code: str, now: datetime | None = None) -> TimelineData:
    """Coverage, gaps, alerts and incidents of every camera in the session's rooms."""
    now = as_utc(now or utc_now())
    exam = find_session(session, session_code)
    start, end = as_utc(exam.starts_at), as_utc(exam.ends_at)
    until = max(start, min(end, now))
    rooms = {room.id: room.name for room in exam.rooms}
    rows = []
    for camera in list_cameras(session):
        if camera.room_id not in rooms:
            continue
        spans = tuple(_pending_tail(coverage(session, camera.id, start, until), now)) if until > start else ()
        gaps = tuple(
            GapNote(as_utc(g.start_at), as_utc(g.end_at) if g.end_at else None, g.reason, g.detail)
            for g in session.execute(
                select(CoverageGap).where(CoverageGap.camera_id == camera.id, CoverageGap.start_at < until)
            ).scalars()
            if g.end_at is None or as_utc(g.end_at) > start
        )
        alerts = tuple(
            TimelineAlert(a.kind, as_utc(a.at), a.detail)
            for a in session.execute(
                select(CameraAlert)
                .where(CameraAlert.camera_id == camera.id, CameraAlert.at >= start, CameraAlert.at <= until)
                .order_by(CameraAlert.at)
            ).scalars()
            if a.kind in DRAWN_ALERTS or a.kind.startswith("tamper_")
        )
        rows.append(TimelineRow(camera.id, f"{camera.room.name}/{camera.name}", spans, alerts, gaps))
    incidents = tuple(
        IncidentMark(i.id, as_utc(i.marked_at), rooms.get(i.room_id or "", ""), i.state)
        for i in session.execute(
            select(Incident)
            .where(Incident.marked_at >= start, Incident.marked_at <= end)
            .order_by(Incident.marked_at)
        ).scalars()
        if i.session_id == exam.id or (i.room_id in rooms)
    )
    subject = SUBJECT_LABELS_ZH.get(ExamSubject(exam.subject), exam.subject)
    title = f"{exam.code} · {exam.occupation} {exam.level} {subject}"
    return TimelineData(exam.code, title, start, end, now, tuple(rows), incidents)


def share_text(recorded: float, total: float) -> str:
    """The share of the session so far that a camera recorded, never rounded up to 100 %: a camera
    with a gap of a few seconds in three hours must not look complete."""
    if total <= 0:
        return "—"
    if recorded >= total:
        return "100%"
    return f"{min(recorded / total, 0.999):.1%}"


class TimelineWidget(QWidget):
    """Paints one row per camera over the session's span; click a row for ``position_clicked``.

    The view shows the whole session, or a part of it after zooming in (Ctrl+wheel around the
    pointer, the + and - keys, :meth:`zoom`), moved with Shift+wheel, a horizontal wheel or the arrow
    keys; 0 shows the whole session again. A refresh of the same session keeps the view.
    """

    position_clicked = Signal(str, object)  # camera id, aware UTC datetime
    incident_clicked = Signal(str)
    view_changed = Signal()

    LABEL_WIDTH = 150
    AXIS_HEIGHT = 30
    ROW_HEIGHT = 34
    ROW_GAP = 10
    RIGHT_MARGIN = 16
    INCIDENT_HIT_PX = 4
    #: the narrowest view: one minute across the track (seconds apart on a laptop screen)
    MIN_VIEW = timedelta(minutes=1)
    #: one wheel notch or key press zooms by this factor, or moves by this share of the view
    ZOOM_STEP = 1.5
    PAN_STEP = 0.2

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.data: TimelineData | None = None
        self._view: tuple[datetime, datetime] | None = None  # None: the whole session
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setMinimumHeight(self.AXIS_HEIGHT + self.ROW_HEIGHT)

    def set_data(self, data: TimelineData | None) -> None:
        """Show ``data``; the same session refreshed keeps its view, another shows whole."""
        same = data is not None and self.data is not None and data.session_code == self.data.session_code
        self.data = data
        view, self._view = self._view, None
        if same and view is not None:
            self.set_view(*view)
        self.updateGeometry()
        self.update()

    # -- the view -----------------------------------------------------------------------------
    def view(self) -> tuple[datetime, datetime]:
        """The stretch of the session shown across the track."""
        assert self.data is not None
        return self._view or (self.data.start, self.data.end)

    @property
    def zoomed(self) -> bool:
        return self._view is not None

    def set_view(self, start: datetime, end: datetime) -> None:
        """Show ``start``-``end``, kept inside the session and at least :attr:`MIN_VIEW` wide; a view
        as wide as the session is the whole session."""
        data = self.data
        if data is None:
            return
        session = data.end - data.start
        width = min(max(end - start, self.MIN_VIEW), session)
        if width >= session:
            view = None
        else:
            start = min(max(start, data.start), data.end - width)
            view = (start, start + width)
        if view != self._view:
            self._view = view
            self.update()
            emit(self.view_changed)

    def zoom(self, factor: float, around: datetime | None = None) -> None:
        """Zoom in (``factor`` > 1) or out, keeping ``around`` (default: the middle) in its place."""
        if self.data is None:
            return
        start, end = self.view()
        width = end - start
        around = start + width / 2 if around is None else min(max(as_utc(around), start), end)
        share = (around - start) / width
        session = self.data.end - self.data.start
        new_width = min(max(width / factor, self.MIN_VIEW), session)
        self.set_view(around - new_width * share, around - new_width * share + new_width)

    def pan(self, share: float) -> None:
        """Move the view by ``share`` of its width (negative: earlier)."""
        if self.data is None:
            return
        start, end = self.view()
        shift = (end - start) * share
        self.set_view(start + shift, end + shift)

    def show_whole(self) -> None:
        """Show the whole session again."""
        if self.data is not None:
            self.set_view(self.data.start, self.data.end)

    def sizeHint(self) -> QSize:
        rows = len(self.data.rows) if self.data else 1
        return QSize(800, self.AXIS_HEIGHT + rows * (self.ROW_HEIGHT + self.ROW_GAP) + 10)

    def minimumSizeHint(self) -> QSize:
        return QSize(400, self.sizeHint().height())

    # -- geometry -----------------------------------------------------------------------------
    def _track(self) -> tuple[float, float]:
        left = float(self.LABEL_WIDTH)
        return left, max(1.0, self.width() - left - self.RIGHT_MARGIN)

    def x_of(self, moment: datetime) -> float:
        """The x coordinate of a moment (outside the track when it is outside the view)."""
        start, end = self.view()
        left, width = self._track()
        total = (end - start).total_seconds() or 1.0
        return left + (as_utc(moment) - start).total_seconds() / total * width

    def time_at(self, x: float) -> datetime:
        """The moment under an x coordinate (clamped to the view)."""
        start, end = self.view()
        left, width = self._track()
        fraction = min(1.0, max(0.0, (x - left) / width))
        return start + (end - start) * fraction

    def row_rect(self, index: int) -> QRectF:
        left, width = self._track()
        top = self.AXIS_HEIGHT + index * (self.ROW_HEIGHT + self.ROW_GAP)
        return QRectF(left, top, width, self.ROW_HEIGHT)

    def row_at(self, y: float) -> int | None:
        if self.data is None:
            return None
        for index in range(len(self.data.rows)):
            rect = self.row_rect(index)
            if rect.top() <= y <= rect.bottom():
                return index
        return None

    def point_for(self, camera_id: str, moment: datetime) -> QPointF:
        """Where to click to hit ``moment`` on a camera's row (tests and keyboard use it)."""
        assert self.data is not None
        index = [r.camera_id for r in self.data.rows].index(camera_id)
        return QPointF(self.x_of(moment), self.row_rect(index).center().y())

    # -- painting -----------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        painter.fillRect(self.rect(), QColor("#ffffff"))
        data = self.data
        if data is None:
            painter.setPen(QColor("#5b6573"))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.tr("No session chosen"))
            return
        self._paint_axis(painter, data)
        for index, row in enumerate(data.rows):
            self._paint_row(painter, data, index, row)
        bottom = self.AXIS_HEIGHT + len(data.rows) * (self.ROW_HEIGHT + self.ROW_GAP)
        left, width = self._track()
        # what lies outside the view is not drawn over the camera names (a flag may stick out right)
        painter.setClipRect(QRectF(left, 0, width + self.RIGHT_MARGIN, self.height()))
        if data.start <= data.now <= data.end:
            x = self.x_of(data.now)
            painter.setPen(QPen(QColor(NOW_COLOUR), 1, Qt.PenStyle.DashLine))
            painter.drawLine(QPointF(x, self.AXIS_HEIGHT - 6), QPointF(x, bottom))
        for mark in data.incidents:
            x = self.x_of(mark.marked_at)
            painter.setPen(QPen(QColor(INCIDENT_COLOUR), 2))
            painter.drawLine(QPointF(x, self.AXIS_HEIGHT - 8), QPointF(x, bottom))
            flag = QPolygonF(
                [
                    QPointF(x, self.AXIS_HEIGHT - 14),
                    QPointF(x + 10, self.AXIS_HEIGHT - 10),
                    QPointF(x, self.AXIS_HEIGHT - 6),
                ]
            )
            painter.setBrush(QBrush(QColor(INCIDENT_COLOUR)))
            painter.drawPolygon(flag)
        painter.end()

    def _paint_axis(self, painter: QPainter, data: TimelineData) -> None:
        left, width = self._track()
        start, end = self.view()
        total = (end - start).total_seconds() or 1.0
        steps = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400]
        step = next((s for s in steps if width * s / total >= 70), steps[-1])
        fmt = "%H:%M:%S" if step < 60 else "%H:%M"
        local_start = to_local(start)
        first = local_start.replace(microsecond=0)
        first += timedelta(seconds=(-(first.hour * 3600 + first.minute * 60 + first.second)) % step)
        if first < local_start:
            first += timedelta(seconds=step)
        painter.setPen(QColor("#5b6573"))
        font = QFont(self.font())
        font.setPointSizeF(max(7.0, font.pointSizeF() - 1))
        painter.setFont(font)
        tick = first
        while tick <= to_local(end):
            x = self.x_of(tick)
            painter.drawLine(QPointF(x, self.AXIS_HEIGHT - 6), QPointF(x, self.AXIS_HEIGHT - 1))
            painter.drawText(QRectF(x - 30, 0, 60, self.AXIS_HEIGHT - 8), Qt.AlignmentFlag.AlignCenter,
                             tick.strftime(fmt))  # fmt: skip
            tick += timedelta(seconds=step)
        painter.drawLine(QPointF(left, self.AXIS_HEIGHT - 1), QPointF(left + width, self.AXIS_HEIGHT - 1))

    def _paint_row(self, painter: QPainter, data: TimelineData, index: int, row: TimelineRow) -> None:
        rect = self.row_rect(index)
        painter.setPen(QColor("#1f2933"))
        painter.setFont(self.font())
        label_rect = QRectF(4, rect.top(), self.LABEL_WIDTH - 10, rect.height())
        total = (data.covered_until - data.start).total_seconds()
        share = share_text(row.recorded_seconds(), total)
        painter.drawText(label_rect, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                         f"{row.label}  {share}")  # fmt: skip
        painter.fillRect(rect, QColor(FUTURE_COLOUR))
        painter.save()
        painter.setClipRect(rect)
        for span in row.spans:
            x0, x1 = self.x_of(span.start), self.x_of(span.end)
            colour = (
                RECORDED_COLOUR
                if span.kind == "recorded"
                else PENDING_COLOUR
                if span.kind == "pending"
                else GAP_COLOURS.get(span.reason, "#555555")
            )
            # a short gap still gets a visible pixel or two
            painter.fillRect(QRectF(x0, rect.top(), max(x1 - x0, 2.0), rect.height()), QColor(colour))
        for alert in row.alerts:
            x = self.x_of(alert.at)
            colour = QColor("#b3261e" if alert.kind.startswith("tamper_") else "#f5b700")
            painter.setPen(QPen(QColor("#1f2933"), 1))
            painter.setBrush(QBrush(colour))
            painter.drawPolygon(
                QPolygonF(
                    [
                        QPointF(x - 5, rect.top()),
                        QPointF(x + 5, rect.top()),
                        QPointF(x, rect.top() + 8),
                    ]
                )
            )
        painter.restore()

    # -- interaction --------------------------------------------------------------------------
    def describe_at(self, pos: QPointF) -> str:
        """The tooltip text for a point: incident, alert, recorded span or gap with its reason."""
        data = self.data
        if data is None:
            return ""
        for mark in data.incidents:
            if abs(self.x_of(mark.marked_at) - pos.x()) <= self.INCIDENT_HIT_PX and pos.y() >= 0:
                return (
                    self.tr("Incident marked at %1 (%2), room %3")
                    .replace("%1", beijing(mark.marked_at, True))
                    .replace("%2", incident_state_text(mark.state))
                    .replace("%3", mark.room or "—")
                )
        index = self.row_at(pos.y())
        if index is None:
            return ""
        row = data.rows[index]
        for alert in row.alerts:
            if abs(self.x_of(alert.at) - pos.x()) <= 5 and pos.y() <= self.row_rect(index).top() + 10:
                text = (
                    self.tr("%1 at %2").replace("%1", alert_text(alert.kind)).replace("%2", beijing(alert.at))
                )
                return text + (f"\n{alert.detail}" if alert.detail else "")
        moment = self.time_at(pos.x())
        for span in row.spans:
            if span.start <= moment <= span.end:
                if span.kind == "pending":
                    return self.tr("%1: being recorded now (the segment is not sealed yet)").replace(
                        "%1", row.label
                    )
                if span.kind == "recorded":
                    return (
                        self.tr("%1: recorded %2")
                        .replace("%1", row.label)
                        .replace("%2", beijing_span(span.start, span.end))
                    )
                text = self.tr("%1: NOT RECORDED — %2\n%3").replace("%1", row.label)
                text = text.replace("%2", gap_reason_text(span.reason)).replace(
                    "%3", beijing_span(span.start, span.end)
                )
                detail = row.gap_detail(span)
                return text + (f"\n{detail}" if detail else "")
        if moment > data.covered_until:
            return (
                self.tr("%1: not yet (the session runs until %2)")
                .replace("%1", row.label)
                .replace("%2", beijing(data.end))
            )
        return row.label

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            help_event: QHelpEvent = event  # type: ignore[assignment]
            text = self.describe_at(QPointF(help_event.pos()))
            if text:
                QToolTip.showText(help_event.globalPos(), text, self)
            else:
                QToolTip.hideText()
            return True
        return super().event(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        data = self.data
        if data is None or event.button() != Qt.MouseButton.LeftButton:
            super().mousePressEvent(event)
            return
        pos = event.position()
        if pos.y() < self.AXIS_HEIGHT:
            for mark in data.incidents:
                if abs(self.x_of(mark.marked_at) - pos.x()) <= self.INCIDENT_HIT_PX + 4:
                    emit(self.incident_clicked, mark.incident_id)
                    return
        index = self.row_at(pos.y())
        if index is None or pos.x() < self.LABEL_WIDTH:
            return
        moment = self.time_at(pos.x())
        if moment > data.covered_until:
            return  # nothing recorded in the future
        emit(self.position_clicked, data.rows[index].camera_id, moment)

    def wheelEvent(self, event: QWheelEvent) -> None:
        """Ctrl+wheel zooms around the pointer; Shift+wheel or a horizontal wheel moves a zoomed view;
        a plain wheel scrolls the page as usual."""
        delta = event.angleDelta()
        modifiers = event.modifiers()
        if self.data is None:
            super().wheelEvent(event)
            return
        if modifiers & Qt.KeyboardModifier.ControlModifier and delta.y():
            x = event.position().x()
            around = self.time_at(x) if x >= self.LABEL_WIDTH else None
            self.zoom(self.ZOOM_STEP ** (delta.y() / 120), around)
            event.accept()
            return
        sideways = delta.x() or (delta.y() if modifiers & Qt.KeyboardModifier.ShiftModifier else 0)
        if sideways and self.zoomed:
            self.pan(-self.PAN_STEP * sideways / 120)
            event.accept()
            return
        super().wheelEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """+ and - zoom, 0 shows the whole session, the left and right arrows move the view."""
        key = event.key()
        actions = {
            Qt.Key.Key_Plus: lambda: self.zoom(self.ZOOM_STEP),
            Qt.Key.Key_Equal: lambda: self.zoom(self.ZOOM_STEP),
            Qt.Key.Key_Minus: lambda: self.zoom(1 / self.ZOOM_STEP),
            Qt.Key.Key_0: self.show_whole,
            Qt.Key.Key_Left: lambda: self.pan(-self.PAN_STEP),
            Qt.Key.Key_Right: lambda: self.pan(self.PAN_STEP),
        }
        action = actions.get(Qt.Key(key))
        if action is None or self.data is None:
            super().keyPressEvent(event)
            return
        action()
        event.accept()


class TimelinePage(QWidget):
    """The session picker and the timeline; a click opens the clip player at that moment."""

    #: Forwarded from the timeline (the lead may offer "record an incident found on video" here).
    position_clicked = Signal(str, object)
    incident_clicked = Signal(str)
    #: The player asked to record an incident seen on the recording: camera id, aware UTC datetime.
    mark_requested = Signal(str, object)

    def __init__(self, store: Any, taskman: TaskManager, paths: Paths, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.taskman = taskman
        self.paths = paths
        self.player: Any = None
        self.last_error = ""
        self._loading = False
        self.ui = Ui_TimelinePage()
        self.ui.setupUi(self)
        self.timeline = TimelineWidget(self.ui.timelineHost)
        host_layout = QVBoxLayout(self.ui.timelineHost)
        host_layout.setContentsMargins(0, 0, 0, 0)
        host_layout.addWidget(self.timeline)
        host_layout.addStretch(1)
        self.ui.timelineHost.setStyleSheet("QWidget#timelineHost { background: #ffffff; }")
        self.timeline.position_clicked.connect(self._on_position_clicked)
        self.timeline.incident_clicked.connect(self.incident_clicked)
        self.timeline.view_changed.connect(self._show_view)
        self.ui.zoomInButton.clicked.connect(lambda: self.timeline.zoom(TimelineWidget.ZOOM_STEP))
        self.ui.zoomOutButton.clicked.connect(lambda: self.timeline.zoom(1 / TimelineWidget.ZOOM_STEP))
        self.ui.wholeButton.clicked.connect(self.timeline.show_whole)
        self.ui.sessionCombo.currentIndexChanged.connect(lambda _i: self.load())
        self.ui.refreshButton.clicked.connect(self.reload_sessions)
        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self._on_tick)
        self._render_legend()
        self._show_view()

    @property
    def data(self) -> TimelineData | None:
        return self.timeline.data

    def reload_sessions(self) -> None:
        """Fill the session picker (on the store worker), keeping the chosen session."""
        StoreOp(self.store, session_choices).success(self._on_sessions).failure(self._on_failed).run(
            self.taskman
        )

    def set_session(self, code: str) -> None:
        """Choose a session (it must be in the picker: call after :meth:`reload_sessions` finished)."""
        index = self.ui.sessionCombo.findData(code)
        if index >= 0:
            if index == self.ui.sessionCombo.currentIndex():
                self.load()
            self.ui.sessionCombo.setCurrentIndex(index)

    def load(self) -> None:
        """Load the chosen session's timeline on the store worker."""
        code = self.ui.sessionCombo.currentData()
        if not code or self._loading:
            return
        self._loading = True
        StoreOp(self.store, lambda s: load_timeline(s, code)).success(self._on_loaded).failure(
            self._on_failed
        ).run(self.taskman)

    @property
    def loading(self) -> bool:
        return self._loading

    def _on_sessions(self, choices: list[tuple[str, str]]) -> None:
        combo = self.ui.sessionCombo
        current = combo.currentData()
        combo.blockSignals(True)
        combo.clear()
        for code, label in choices:
            combo.addItem(label, code)
        index = combo.findData(current) if current else 0
        combo.setCurrentIndex(max(0, index))
        combo.blockSignals(False)
        if choices:
            self.load()
        else:
            self.timeline.set_data(None)
            self._show_view()
            self.ui.summaryValue.setText(self.tr("No exam session yet: create one in the session setup."))

    def _on_loaded(self, data: TimelineData) -> None:
        self._loading = False
        self.last_error = ""
        self.timeline.set_data(data)
        self.timeline.setMinimumHeight(self.timeline.sizeHint().height())
        self._show_view()
        gaps = sum(1 for row in data.rows for s in row.spans if s.kind == "gap")
        text = self.tr("%1 — %2; %3 camera(s), %4 gap(s), %5 incident(s)")
        self.ui.summaryValue.setText(
            text.replace("%1", data.title)
            .replace("%2", beijing_span(data.start, data.end))
            .replace("%3", str(len(data.rows)))
            .replace("%4", str(gaps))
            .replace("%5", str(len(data.incidents)))
        )

    def _show_view(self) -> None:
        """What the view shows, and which zoom buttons can do something."""
        data = self.data
        zoomed = data is not None and self.timeline.zoomed
        self.ui.wholeButton.setEnabled(zoomed)
        self.ui.zoomOutButton.setEnabled(zoomed)
        if data is None:
            self.ui.zoomInButton.setEnabled(False)
            self.ui.viewValue.clear()
            return
        start, end = self.timeline.view()
        self.ui.zoomInButton.setEnabled(end - start > TimelineWidget.MIN_VIEW)
        if zoomed:
            self.ui.viewValue.setText(self.tr("Showing %1").replace("%1", beijing_span(start, end)))
        else:
            self.ui.viewValue.setText(self.tr("Showing the whole session"))

    def _on_failed(self, exc: BaseException) -> None:
        self._loading = False
        self.last_error = str(exc)
        self.ui.summaryValue.setText(self.tr("Cannot load the timeline: %1").replace("%1", str(exc)))

    def _on_tick(self) -> None:
        data = self.data
        if data is not None and data.now < data.end:  # a running session grows
            self.load()

    def _on_position_clicked(self, camera_id: str, moment: datetime) -> None:
        emit(self.position_clicked, camera_id, moment)
        self.play(camera_id, moment)

    def play(self, camera_id: str, moment: datetime) -> Any:
        """Open the clip player on the recording of ``camera_id`` around ``moment``."""
        from examsite.gui.player import ClipPlayerDialog

        if self.player is not None:
            self.player.close()
        self.player = ClipPlayerDialog(self.store, self.taskman, self.paths, self)
        # "record an incident seen at this moment" (art. 15 ¶2) goes to whoever records incidents
        self.player.mark_requested.connect(self.mark_requested)
        self.player.open_recording(camera_id, moment)
        self.player.show()
        return self.player

    def _render_legend(self) -> None:
        items = [(RECORDED_COLOUR, self.tr("recorded")), (PENDING_COLOUR, self.tr("being recorded"))]
        items += [(colour, gap_reason_text(reason)) for reason, colour in GAP_COLOURS.items()]
        items += [
            (FUTURE_COLOUR, self.tr("not yet")),
            (INCIDENT_COLOUR, self.tr("incident")),
            ("#f5b700", self.tr("alert")),
        ]
        self.ui.legendValue.setText(
            "&nbsp;&nbsp;".join(f'<span style="color:{c}">■</span>&nbsp;{label}' for c, label in items)
        )

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self._timer.start()
        self.reload_sessions()

    def hideEvent(self, event: Any) -> None:
        super().hideEvent(event)
        self._timer.stop()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.ui.retranslateUi(self)
            self._render_legend()
            if self.data is not None:
                self._on_loaded(self.data)
        super().changeEvent(event)
