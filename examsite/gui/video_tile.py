"""One camera on the live wall: its picture, recording state, session coverage and alerts.

The picture comes from the camera's sub stream (RTSP) through QtMultimedia, or, for the demo camera,
from the same test pattern the recorder encodes, generated in a worker thread and pushed into the
tile's ``QVideoSink``. The status lines come from the store (see :mod:`examsite.gui.live_wall`), so
they show what was *recorded*, not what the preview happens to display.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from examsite.evidence.sources import redact_text
from examsite.gui.coverage_text import alert_text, beijing, gap_reason_text
from examsite.gui.qt import (
    QFrame,
    QHBoxLayout,
    QImage,
    QLabel,
    QObject,
    QSizePolicy,
    Qt,
    QTimer,
    QUrl,
    QVBoxLayout,
    QWidget,
    Signal,
    multimedia,
)
from examsite.gui.signals import emit

log = logging.getLogger(__name__)

#: How long after the last sealed segment a camera still counts as recording (segments are ~10 s).
RECORDING_FRESH_SECONDS = 30.0
#: Seconds before a failed RTSP preview is tried again.
PREVIEW_RETRY_MS = 5000
#: A stream that sends no picture for this long is treated as failed (a hung camera keeps its
#: connection open, and its last frame must not look live).
STALE_SECONDS = 6.0


@dataclass(frozen=True)
class PreviewSpec:
    """Where a tile's picture comes from: ``rtsp`` (url), ``file`` (path), ``demo`` (label) or ``none``."""

    kind: str
    target: str = ""
    width: int = 640
    height: int = 360
    fps: int = 10

    def __repr__(self) -> str:  # the RTSP URL may carry a password
        return f"PreviewSpec({self.kind!r}, {redact_text(self.target)!r})"


@dataclass(frozen=True)
class ActiveAlert:
    kind: str
    at: datetime
    detail: str = ""


@dataclass(frozen=True)
class TileStatus:
    """What the store says about one camera right now (loaded on the store worker)."""

    camera_id: str
    name: str
    enabled: bool = True
    last_segment_end: datetime | None = None
    open_gap_reason: str = ""
    open_gap_since: datetime | None = None
    #: Fraction of the running session recorded so far; None when no session is running in the room.
    coverage: float | None = None
    alerts: tuple[ActiveAlert, ...] = field(default=())
    now: datetime | None = None

    @property
    def recording(self) -> bool:
        if not self.enabled or self.last_segment_end is None or self.now is None:
            return False
        fresh = (self.now - self.last_segment_end).total_seconds() <= RECORDING_FRESH_SECONDS
        return fresh and not self.open_gap_reason


#: FFmpeg's AV_LOG_WARNING: information messages (which quote the stream URL) are not printed.
_AV_LOG_WARNING = 24
_quiet_done = False


def quiet_qt_ffmpeg() -> bool:
    """Stop QtMultimedia's FFmpeg from printing stream URLs (with camera passwords) on stderr.

    QtMultimedia ships its own FFmpeg, logging at INFO to stderr; its stream summary quotes the URL
    with the password, which would land in terminals and log files. Its level is lowered to warnings
    through the library's ``av_log_set_level``. Returns False when the library was not found.
    """
    global _quiet_done
    if _quiet_done:
        return True
    import ctypes
    import glob

    from examsite.gui.qt import QtCore

    base = Path(QtCore.__file__).parent  # the PySide6 package folder
    patterns = ("Qt/lib/libavutil.so.*", "Qt/lib/libavutil.*.dylib", "avutil-*.dll", "Qt/bin/avutil-*.dll")
    for pattern in patterns:
        for candidate in sorted(glob.glob(str(base / pattern))):
            try:
                ctypes.CDLL(candidate).av_log_set_level(_AV_LOG_WARNING)
            except (OSError, AttributeError):
                continue
            _quiet_done = True
            return True
    log.warning("QtMultimedia's FFmpeg library was not found; its log level is unchanged")
    return False


class DemoFrameSource(QObject):
    """Generates the demo pattern (640x360 at 10 fps by default) in a worker thread.

    Frames are converted to ``QImage`` in the worker and delivered to the GUI thread through a queued
    signal; the GUI thread only hands them to the video sink.
    """

    frame_ready = Signal(QImage)

    def __init__(self, label: str, width: int = 640, height: int = 360, fps: int = 10, parent: Any = None):
        super().__init__(parent)
        self.label, self.width, self.height, self.fps = label, width, height, fps
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        if self.running:
            return
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(self._stop,), name="demo-preview", daemon=True
        )
        self._thread.start()

    def _run(self, stop: threading.Event) -> None:
        # The recorder's own generator, so the preview shows the pattern that is being recorded.
        from examsite.evidence.recorder import _demo_frames
        from examsite.evidence.sources import DemoSource

        source = DemoSource(self.width, self.height, self.fps, self.label[:20] or "DEMO")
        try:
            for image in _demo_frames(source, source.label)(stop):
                h, w = image.shape[:2]
                qimage = QImage(image.data, w, h, int(image.strides[0]), QImage.Format.Format_BGR888).copy()
                emit(self.frame_ready, qimage)
        except Exception:
            log.exception("demo preview generator failed")

    def stop(self) -> None:
        """Stop the worker and wait for it (at most one frame period)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None


class VideoTile(QFrame):
    """A camera's tile: header (name, state), picture, coverage and alert lines."""

    def __init__(self, camera_id: str, name: str, preview: PreviewSpec, parent: QWidget | None = None):
        super().__init__(parent)
        self.camera_id = camera_id
        self.name = name
        self.preview = preview
        self.status: TileStatus | None = None
        self.preview_error = ""
        self.setObjectName("videoTile")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet(
            "QFrame#videoTile { background: #1d232b; border-radius: 6px; }"
            "QFrame#videoTile QLabel { color: #e8edf3; }"
            "QLabel#tileName { font-weight: bold; font-size: 14px; }"
            "QLabel#tileState[state='ok'] { color: #5fd38d; font-weight: bold; }"
            "QLabel#tileState[state='alert'] { color: #ff6b5e; font-weight: bold; }"
            "QLabel#tileState[state='warn'] { color: #ffb347; font-weight: bold; }"
            "QLabel#tileAlerts { color: #ff8a80; font-weight: bold; }"
        )
        self._name_label = QLabel(name)
        self._name_label.setObjectName("tileName")
        self._state_label = QLabel()
        self._state_label.setObjectName("tileState")
        self._coverage_label = QLabel()
        self._coverage_label.setObjectName("tileCoverage")
        self._alerts_label = QLabel()
        self._alerts_label.setObjectName("tileAlerts")
        self._alerts_label.setWordWrap(True)
        header = QHBoxLayout()
        header.addWidget(self._name_label)
        header.addStretch(1)
        header.addWidget(self._state_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(header)
        self._player: Any = None
        self._demo: DemoFrameSource | None = None
        self._retry = QTimer(self)
        self._retry.setSingleShot(True)
        self._retry.timeout.connect(self._start_player)
        self._last_frame = 0.0
        self._watchdog = QTimer(self)
        self._watchdog.setInterval(1000)
        self._watchdog.timeout.connect(self._check_stale)
        if preview.kind == "none":
            self.video_widget = None
            self._placeholder = QLabel(self.tr("No live picture: the recorder holds this USB camera."))
            self._placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self._placeholder.setWordWrap(True)
            self._placeholder.setMinimumSize(240, 135)
            layout.addWidget(self._placeholder, 1)
        else:
            _, widgets = multimedia()
            self.video_widget = widgets.QVideoWidget(self)
            self.video_widget.setMinimumSize(240, 135)
            self.video_widget.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
            layout.addWidget(self.video_widget, 1)
            if preview.kind in ("rtsp", "file"):
                self.video_widget.videoSink().videoFrameChanged.connect(self._on_player_frame)
        layout.addWidget(self._coverage_label)
        layout.addWidget(self._alerts_label)
        self._render_status()

    # -- picture ------------------------------------------------------------------------------
    @property
    def video_sink(self) -> Any:
        """The sink frames arrive in (tests await ``videoFrameChanged`` on it)."""
        return self.video_widget.videoSink() if self.video_widget is not None else None

    @property
    def previewing(self) -> bool:
        return (self._demo is not None and self._demo.running) or self._player is not None

    def start_preview(self) -> None:
        """Start the live picture (idempotent)."""
        if self.preview.kind == "demo":
            if self._demo is None:
                self._demo = DemoFrameSource(
                    self.preview.target or self.name,
                    self.preview.width,
                    self.preview.height,
                    self.preview.fps,
                )
                self._demo.frame_ready.connect(self._on_demo_frame)
            self._demo.start()
        elif self.preview.kind in ("rtsp", "file") and self._player is None:
            self._start_player()

    def stop_preview(self) -> None:
        """Stop the live picture and release its thread or player."""
        self._retry.stop()
        self._watchdog.stop()
        if self._demo is not None:
            self._demo.stop()
        if self._player is not None:
            self._player.stop()
            self._player.setVideoOutput(None)
            self._player.deleteLater()
            self._player = None

    def _on_demo_frame(self, image: QImage) -> None:
        media, _ = multimedia()
        if self.video_widget is not None and self._demo is not None and self._demo.running:
            self.video_sink.setVideoFrame(media.QVideoFrame(image))

    def _start_player(self) -> None:
        quiet_qt_ffmpeg()
        media, _ = multimedia()
        player = media.QMediaPlayer(self)
        player.setVideoOutput(self.video_widget)
        player.errorOccurred.connect(self._on_player_error)
        player.mediaStatusChanged.connect(self._on_media_status)
        if self.preview.kind == "file":
            player.setSource(QUrl.fromLocalFile(str(Path(self.preview.target))))
            player.setLoops(media.QMediaPlayer.Loops.Infinite)
        else:
            player.setSource(QUrl(self.preview.target))
        self._player = player
        self._last_frame = time.monotonic()
        self._watchdog.start()
        player.play()

    def _on_player_frame(self, _frame: Any) -> None:
        self._last_frame = time.monotonic()

    def _check_stale(self) -> None:
        silent = time.monotonic() - self._last_frame
        if self._player is not None and silent > STALE_SECONDS:
            self._on_player_error(None, self.tr("no picture for %1 s").replace("%1", f"{silent:.0f}"))

    def _on_media_status(self, status: Any) -> None:
        media, _ = multimedia()
        states = media.QMediaPlayer.MediaStatus
        if status == states.BufferedMedia and self.preview_error:
            self.preview_error = ""
            self._render_status()
        elif status == states.EndOfMedia and self.preview.kind == "rtsp":
            # A camera that closes its stream must not leave its last picture looking live.
            self._on_player_error(None, self.tr("the camera ended the stream"))
        elif status == states.InvalidMedia:
            self._on_player_error(None, self.tr("the stream cannot be played"))

    def _on_player_error(self, _error: Any, text: str) -> None:
        # FFmpeg quotes the URL it failed on: never show or log a password.
        self.preview_error = redact_text(text)
        log.info("preview of %s failed: %s", self.camera_id, self.preview_error)
        self.stop_preview()
        self._retry.start(PREVIEW_RETRY_MS)
        self._render_status()

    # -- status -------------------------------------------------------------------------------
    def set_status(self, status: TileStatus) -> None:
        """Show what the store reported for this camera."""
        self.status = status
        self._render_status()

    def state_text(self) -> tuple[str, str]:
        """(text, style state) of the header badge."""
        status = self.status
        if status is None:
            return self.tr("…"), "warn"
        if not status.enabled:
            return self.tr("Disabled"), "warn"
        if status.recording:
            return self.tr("● Recording"), "ok"
        if status.open_gap_reason:
            return self.tr("Not recording: %1").replace(
                "%1", gap_reason_text(status.open_gap_reason)
            ), "alert"
        if status.last_segment_end is None:
            return self.tr("Not recorded yet"), "alert"
        return self.tr("Not recording since %1").replace("%1", beijing(status.last_segment_end)), "alert"

    def coverage_text(self) -> str:
        status = self.status
        if status is None or status.coverage is None:
            return self.tr("No session running in this room")
        return self.tr("Session recorded so far: %1 %").replace("%1", f"{status.coverage * 100:.1f}")

    def alerts_text(self) -> str:
        if self.status is None:
            return ""
        lines = [
            self.tr("⚠ %1 since %2").replace("%1", alert_text(a.kind)).replace("%2", beijing(a.at))
            for a in self.status.alerts
        ]
        if self.preview_error:
            lines.append(self.tr("Live picture unavailable: %1").replace("%1", self.preview_error))
        return "\n".join(lines)

    def _render_status(self) -> None:
        text, state = self.state_text()
        self._state_label.setText(text)
        self._state_label.setProperty("state", state)
        self._state_label.style().polish(self._state_label)
        self._coverage_label.setText(self.coverage_text())
        alerts = self.alerts_text()
        self._alerts_label.setText(alerts)
        self._alerts_label.setVisible(bool(alerts))
        self.setToolTip(self.name)

    def retranslate(self) -> None:
        self._render_status()
