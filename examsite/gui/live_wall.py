"""The live wall: a room's cameras in a grid, each with what the store says about its recording.

Status is polled every few seconds on the store worker (:func:`load_wall`), never on the GUI thread;
a poll is not queued while the previous one is still running, so a slow store cannot pile work up.
Previews run only while the page is visible (a hidden wall costs no CPU).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from examsite.clock import as_utc, utc_now
from examsite.config import Paths
from examsite.evidence.index import coverage
from examsite.evidence.sources import DemoSource, FileSource, RtspSource
from examsite.gui.coverage_text import alert_text, beijing
from examsite.gui.forms.ui_live_wall_page import Ui_LiveWallPage
from examsite.gui.qt import QEvent, QGridLayout, QHideEvent, QShowEvent, QTimer, QWidget
from examsite.gui.taskman import StoreOp, TaskManager
from examsite.gui.video_tile import ActiveAlert, PreviewSpec, TileStatus, VideoTile
from examsite.sites.cameras import list_cameras, source_of
from examsite.sites.sessions import current_session
from examsite.store.models import Camera, CameraAlert, CoverageGap, Segment

POLL_MS = 3000
#: Alerts older than this are not shown on the wall (the timeline keeps them all).
ALERT_WINDOW = timedelta(hours=12)
SITE_ALERT_KINDS = ("disk_low", "disk_full", "disk_ok")


@dataclass(frozen=True)
class WallCamera:
    camera_id: str
    name: str
    preview: PreviewSpec


@dataclass(frozen=True)
class WallStatus:
    """Everything the wall shows, loaded in one store transaction."""

    room: str
    cameras: tuple[WallCamera, ...]
    tiles: dict[str, TileStatus]
    session_code: str = ""
    session_start: datetime | None = None
    session_end: datetime | None = None
    site_alert: ActiveAlert | None = None
    now: datetime = field(default_factory=utc_now)


def preview_of(camera: Camera) -> PreviewSpec:
    """The tile's picture source: the sub stream for RTSP, the file, the demo pattern, none for USB."""
    try:
        source = source_of(camera)
    except Exception:  # a camera whose file vanished still gets a tile, without a picture
        return PreviewSpec("none")
    if isinstance(source, RtspSource):
        return PreviewSpec("rtsp", source.preview_input().url)
    if isinstance(source, FileSource):
        return PreviewSpec("file", str(source.path))
    if isinstance(source, DemoSource):
        return PreviewSpec("demo", source.label, source.width, source.height, source.fps)
    return PreviewSpec("none")


def _active_alerts(alerts: list[CameraAlert]) -> tuple[ActiveAlert, ...]:
    """Alerts still standing: offline until a later online; tamper and others until cleared."""
    active: dict[str, ActiveAlert] = {}
    for alert in sorted(alerts, key=lambda a: as_utc(a.at)):
        if alert.kind == "camera_online":
            active.pop("camera_offline", None)
        elif alert.kind == "camera_offline" or alert.kind.startswith("tamper_"):
            if alert.cleared_at is None:
                active.setdefault(alert.kind, ActiveAlert(alert.kind, as_utc(alert.at), alert.detail))
            else:
                active.pop(alert.kind, None)
    return tuple(sorted(active.values(), key=lambda a: a.at))


def load_wall(session: Session, room: str, now: datetime | None = None) -> WallStatus:
    """The room's cameras and, for each, recording state, coverage of the running session, alerts."""
    now = as_utc(now or utc_now())
    cameras = list_cameras(session, room)
    running = current_session(session, now)
    in_room = running is not None and any(r.name == room for r in running.rooms)
    since = now - ALERT_WINDOW
    tiles: dict[str, TileStatus] = {}
    for camera in cameras:
        last_end = session.execute(
            select(func.max(Segment.end_at)).where(Segment.camera_id == camera.id)
        ).scalar_one_or_none()
        gap = session.execute(
            select(CoverageGap)
            .where(CoverageGap.camera_id == camera.id, CoverageGap.end_at.is_(None))
            .order_by(CoverageGap.start_at.desc())
            .limit(1)
        ).scalar_one_or_none()
        alerts = list(
            session.execute(
                select(CameraAlert).where(CameraAlert.camera_id == camera.id, CameraAlert.at >= since)
            ).scalars()
        )
        fraction = None
        if in_room and running is not None:
            start, end = as_utc(running.starts_at), min(as_utc(running.ends_at), now)
            total = (end - start).total_seconds()
            if total > 0:
                spans = coverage(session, camera.id, start, end)
                fraction = sum(s.seconds for s in spans if s.kind == "recorded") / total
        tiles[camera.id] = TileStatus(
            camera_id=camera.id,
            name=camera.name,
            enabled=camera.enabled,
            last_segment_end=as_utc(last_end) if last_end else None,
            open_gap_reason=gap.reason if gap else "",
            open_gap_since=as_utc(gap.start_at) if gap else None,
            coverage=fraction,
            alerts=_active_alerts(alerts),
            now=now,
        )
    disk = session.execute(
        select(CameraAlert)
        .where(
            CameraAlert.camera_id.is_(None), CameraAlert.kind.in_(SITE_ALERT_KINDS), CameraAlert.at >= since
        )
        .order_by(CameraAlert.at.desc())
        .limit(1)
    ).scalar_one_or_none()
    site_alert = (
        ActiveAlert(disk.kind, as_utc(disk.at), disk.detail) if disk and disk.kind != "disk_ok" else None
    )
    return WallStatus(
        room=room,
        cameras=tuple(WallCamera(c.id, c.name, preview_of(c)) for c in cameras),
        tiles=tiles,
        session_code=running.code if in_room and running else "",
        session_start=as_utc(running.starts_at) if in_room and running else None,
        session_end=as_utc(running.ends_at) if in_room and running else None,
        site_alert=site_alert,
        now=now,
    )


class LiveWallPage(QWidget):
    """The room's cameras in a grid. Call :meth:`set_room`; optionally :meth:`set_supervisor`."""

    def __init__(self, store: Any, taskman: TaskManager, paths: Paths, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.taskman = taskman
        self.paths = paths
        self.room = ""
        self.status: WallStatus | None = None
        self.tiles: dict[str, VideoTile] = {}
        self.last_error = ""
        self._poll_pending = False
        self._supervisor: Any = None
        self.ui = Ui_LiveWallPage()
        self.ui.setupUi(self)
        self.ui.siteAlertValue.setProperty("state", "alert")
        self._grid = QGridLayout(self.ui.gridHost)
        self._grid.setSpacing(8)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self.refresh)
        self._render_header()

    # -- public -------------------------------------------------------------------------------
    def set_room(self, name: str) -> None:
        """Show this room's cameras (loads on the store worker)."""
        if name != self.room:
            self.room = name
            self._clear_tiles()
            self.status = None
        self._render_header()
        self.refresh()

    def set_supervisor(self, supervisor: Any) -> None:
        """Show the recorder supervisor's status in the header."""
        self._supervisor = supervisor
        supervisor.status_changed.connect(self._on_recorder_status)
        self._on_recorder_status(supervisor.status_text())

    def refresh(self) -> None:
        """Poll the store now (skipped while a poll is still running)."""
        if not self.room or self._poll_pending:
            return
        self._poll_pending = True
        room = self.room
        StoreOp(self.store, lambda s: load_wall(s, room)).success(self._on_loaded).failure(
            self._on_failed
        ).run(self.taskman)

    def stop(self) -> None:
        """Stop polling and every preview (the window is closing)."""
        self._timer.stop()
        for tile in self.tiles.values():
            tile.stop_preview()

    # -- loading ------------------------------------------------------------------------------
    def _on_loaded(self, status: WallStatus) -> None:
        self._poll_pending = False
        if status.room != self.room:
            return  # the room changed while this poll ran
        self.last_error = ""
        self.status = status
        if [(c.camera_id, c.preview) for c in status.cameras] != [
            (t.camera_id, t.preview) for t in self.tiles.values()
        ]:
            self._build_tiles(status.cameras)
        for camera_id, tile_status in status.tiles.items():
            self.tiles[camera_id].set_status(tile_status)
        self._render_header()

    def _on_failed(self, exc: BaseException) -> None:
        self._poll_pending = False
        self.last_error = str(exc)
        self.ui.siteAlertValue.setText(self.tr("Cannot read the recording state: %1").replace("%1", str(exc)))

    def _clear_tiles(self) -> None:
        for tile in self.tiles.values():
            tile.stop_preview()
            self._grid.removeWidget(tile)
            tile.deleteLater()
        self.tiles.clear()

    def _build_tiles(self, cameras: tuple[WallCamera, ...]) -> None:
        self._clear_tiles()
        columns = max(1, math.ceil(math.sqrt(len(cameras))))
        for index, camera in enumerate(cameras):
            tile = VideoTile(camera.camera_id, camera.name, camera.preview, self.ui.gridHost)
            self._grid.addWidget(tile, index // columns, index % columns)
            self.tiles[camera.camera_id] = tile
            if self.isVisible():
                tile.start_preview()
        self.ui.emptyLabel.setVisible(not cameras)

    # -- header -------------------------------------------------------------------------------
    def _render_header(self) -> None:
        self.ui.roomValue.setText(self.tr("Room %1").replace("%1", self.room) if self.room else "")
        status = self.status
        self.ui.emptyLabel.setVisible(status is not None and not status.cameras)
        if status is None:
            self.ui.sessionValue.setText("")
        elif status.session_code and status.session_start and status.session_end:
            text = self.tr("Session %1: %2 – %3 (Beijing time)")
            self.ui.sessionValue.setText(
                text.replace("%1", status.session_code)
                .replace("%2", beijing(status.session_start, True))
                .replace("%3", beijing(status.session_end))
            )
        else:
            self.ui.sessionValue.setText(self.tr("No exam session is running in this room now."))
        alert = status.site_alert if status else None
        if not self.last_error:
            self.ui.siteAlertValue.setText(
                self.tr("⚠ %1: %2").replace("%1", alert_text(alert.kind)).replace("%2", alert.detail)
                if alert
                else ""
            )

    def _on_recorder_status(self, text: str) -> None:
        self.ui.recorderValue.setText(text)
        state = getattr(self._supervisor, "state", "")
        self.ui.recorderValue.setProperty("state", "ok" if state == "recording" else "alert")
        self.ui.recorderValue.style().polish(self.ui.recorderValue)

    # -- visibility and language ----------------------------------------------------------------
    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._timer.start()
        for tile in self.tiles.values():
            tile.start_preview()
        self.refresh()

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        self.stop()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.ui.retranslateUi(self)
            for tile in self.tiles.values():
                tile.retranslate()
            self._render_header()
            if self._supervisor is not None:
                self._on_recorder_status(self._supervisor.status_text())
        super().changeEvent(event)
