"""Playing evidence clips and recordings, with the file's hash checked on every open.

Art. 15 asks for evidence to be collected and preserved; whoever looks at a clip must be able to see
that it is the one the record names. The dialog re-hashes the file when it opens (on a worker
thread, never the GUI thread) and says "verified" or shows a red warning when the bytes differ from
the SHA-256 stored for it.

Recordings (from the timeline) are played by cutting a temporary MP4 from the indexed segments with
:func:`examsite.evidence.clips.cut_clip` (stream copy, about 0.3 s) into a temporary folder removed
when the dialog closes; every segment used is re-hashed against the index first. The temporary cut
is a viewing copy, not evidence: the title says so.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from examsite.clock import as_utc
from examsite.config import Paths
from examsite.errors import ExamsiteError, NotFound
from examsite.evidence.clips import ClipInfo, ClipSegment, cut_clip
from examsite.evidence.index import segments_between
from examsite.fsutil import sha256_file
from examsite.gui.coverage_text import beijing, beijing_span
from examsite.gui.forms.ui_clip_player import Ui_ClipPlayerDialog
from examsite.gui.qt import (
    QCloseEvent,
    QDialog,
    QEvent,
    QFont,
    QKeySequence,
    QShortcut,
    Qt,
    QTimer,
    QUrl,
    QVBoxLayout,
    QWidget,
    Signal,
    multimedia,
)
from examsite.gui.signals import emit
from examsite.gui.taskman import StoreOp, TaskManager
from examsite.gui.video_tile import quiet_qt_ffmpeg
from examsite.store.models import Camera, EvidenceItem

#: What a timeline click plays: a little before the moment, more after it.
PLAY_BEFORE = timedelta(seconds=30)
PLAY_AFTER = timedelta(seconds=60)


@dataclass(frozen=True)
class FileToPlay:
    """A file and what it must be: its stored hash and size, its wall-clock span."""

    path: Path
    expected_sha256: str
    expected_size: int | None
    span_start: datetime | None
    span_end: datetime | None
    title: str


@dataclass(frozen=True)
class Verification:
    ok: bool
    actual_sha256: str
    actual_size: int
    problem: str = ""


@dataclass(frozen=True)
class RecordingCut:
    """A temporary cut of a recording, with the check of every segment it was cut from."""

    clip: ClipInfo
    title: str
    segments: int
    bad_segments: tuple[str, ...]
    seek_to: datetime


def _human_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.1f} {unit}" if unit != "B" else f"{size} B"
        value /= 1024
    return f"{size} B"


def _clock(ms: int) -> str:
    return f"{ms // 60000:02d}:{ms // 1000 % 60:02d}"


def load_evidence(session: Session, evidence_id: str, evidence_dir: Path) -> FileToPlay:
    """The evidence item to play, by id or SHA-256."""
    item = session.get(EvidenceItem, evidence_id)
    if item is None:
        item = session.query(EvidenceItem).filter(EvidenceItem.sha256 == evidence_id).one_or_none()
    if item is None:
        raise NotFound(f"no evidence item {evidence_id}")
    camera = session.get(Camera, item.camera_id) if item.camera_id else None
    where = f"{camera.room.name}/{camera.name}" if camera else ""
    title = " · ".join(part for part in (where, item.description or item.kind) if part)
    return FileToPlay(
        evidence_dir / item.path,
        item.sha256,
        item.size,
        as_utc(item.span_start) if item.span_start else None,
        as_utc(item.span_end) if item.span_end else None,
        title,
    )


def verify_file(path: Path, expected_sha256: str, expected_size: int | None) -> Verification:
    """Hash the file now and compare it with what was stored (runs on a worker)."""
    if not path.is_file():
        return Verification(False, "", 0, "missing")
    actual = sha256_file(path)
    size = path.stat().st_size
    if actual != expected_sha256 or (expected_size is not None and size != expected_size):
        return Verification(False, actual, size, "mismatch")
    return Verification(True, actual, size)


def cut_recording(
    segments: list[tuple[ClipSegment, str]],
    start: datetime,
    end: datetime,
    at: datetime,
    out: Path,
    title: str,
) -> RecordingCut:
    """Check each segment's hash against the index, then cut [start, end) to ``out`` (on a worker)."""
    bad = tuple(
        seg.path.name for seg, sha in segments if not seg.path.is_file() or sha256_file(seg.path) != sha
    )
    clip = cut_clip([seg for seg, _ in segments], start, end, out)
    return RecordingCut(clip, title, len(segments), bad, at)


class ClipPlayerDialog(QDialog):
    """Plays an evidence clip or a stretch of recording, showing hash, size, span and verification."""

    #: "Record an incident seen at this moment" (art. 15 ¶2): camera id, aware UTC datetime.
    mark_requested = Signal(str, object)
    #: The file's check finished: "verified", "mismatch", "missing" or "segments_mismatch".
    #: (A string, not a bool: PySide6 6.12 loses a reference to True/False on every Python emit of a
    #: bool, which aborts the interpreter after a few hundred emits.)
    verified = Signal(str)

    def __init__(self, store: Any, taskman: TaskManager, paths: Paths, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.taskman = taskman
        self.paths = paths
        # Hashing and cutting get their own worker, so they never hold up the store queue.
        self.worker = TaskManager(self)
        self.ui = Ui_ClipPlayerDialog()
        self.ui.setupUi(self)
        mono = QFont("monospace")
        mono.setStyleHint(QFont.StyleHint.Monospace)
        self.ui.sha256Value.setFont(mono)
        quiet_qt_ffmpeg()  # its stream summaries are noise on stderr
        media, widgets = multimedia()
        self.video_widget = widgets.QVideoWidget(self.ui.videoHost)
        host = QVBoxLayout(self.ui.videoHost)
        host.setContentsMargins(0, 0, 0, 0)
        host.addWidget(self.video_widget)
        self.player = media.QMediaPlayer(self)
        self.player.setVideoOutput(self.video_widget)
        self.player.durationChanged.connect(self._on_duration)
        self.player.positionChanged.connect(self._on_position)
        self.player.playbackStateChanged.connect(self._on_playback_state)
        self.player.mediaStatusChanged.connect(self._on_media_status)
        self.player.errorOccurred.connect(self._on_player_error)
        self.ui.playButton.clicked.connect(self.toggle_play)
        self.ui.positionSlider.sliderMoved.connect(self.player.setPosition)
        self.ui.markButton.clicked.connect(self._on_mark_clicked)
        self.ui.buttons.rejected.connect(self.close)
        # Keyboard: Space plays or pauses, Left/Right step five seconds back or forward.
        QShortcut(QKeySequence(Qt.Key.Key_Space), self, self.toggle_play)
        QShortcut(QKeySequence(Qt.Key.Key_Left), self, lambda: self.step(-5000))
        QShortcut(QKeySequence(Qt.Key.Key_Right), self, lambda: self.step(5000))
        self.file: FileToPlay | None = None
        self.verification: Verification | None = None
        self.cut: RecordingCut | None = None
        self.camera_id = ""
        self.error = ""
        self._pending_seek_ms: int | None = None
        #: Holes inside the playing clip, as (start ms, end ms) of media time: QtMultimedia stalls on
        #: a jump in timestamps, so playback is moved over them (the recording has nothing there).
        self.holes_ms: list[tuple[int, int]] = []
        self.skipped_holes = 0
        self._hole_timer = QTimer(self)
        self._hole_timer.setInterval(200)
        self._hole_timer.timeout.connect(self._skip_hole)
        self._tmpdir: Path | None = None
        #: Set when the dialog is closing: results that arrive later are dropped.
        self.closed = False
        self._set_verify(self.tr("Loading…"), "warn")

    # -- opening ------------------------------------------------------------------------------
    def open_evidence(self, evidence_id: str) -> None:
        """Play an evidence item (by id or SHA-256) from the evidence folder."""
        evidence_dir = self.paths.evidence
        StoreOp(self.store, lambda s: load_evidence(s, evidence_id, evidence_dir)).success(
            self.open_file
        ).failure(self._on_failed).run(self.taskman)

    def open_file(self, file: FileToPlay) -> None:
        """Play a file and check it against its stored hash and size."""
        if self.closed:
            return
        self.file = file
        self.setWindowTitle(self.tr("Evidence playback"))
        self.ui.titleValue.setText(file.title)
        self.ui.sha256Value.setText(file.expected_sha256)
        self.ui.sizeValue.setText(
            f"{_human_size(file.expected_size)} ({file.expected_size} B)"
            if file.expected_size is not None
            else "—"
        )
        self.ui.spanValue.setText(
            beijing_span(file.span_start, file.span_end) if file.span_start and file.span_end else "—"
        )
        self.ui.pathValue.setText(str(file.path))
        self._set_verify(self.tr("Checking the file's SHA-256…"), "warn")
        self.worker.run(
            lambda: verify_file(file.path, file.expected_sha256, file.expected_size),
            lambda future: self._on_verified(future),
        )

    def open_recording(
        self, camera_id: str, at: datetime, before: timedelta = PLAY_BEFORE, after: timedelta = PLAY_AFTER
    ) -> None:
        """Play the recording of a camera around ``at`` (cut into a temporary file on a worker)."""
        self.camera_id = camera_id
        at = as_utc(at)
        start, end = at - before, at + after
        recordings = self.paths.recordings
        self.setWindowTitle(self.tr("Recording playback"))
        self._set_verify(
            self.tr("Preparing the recording around %1…").replace("%1", beijing(at, True)), "warn"
        )

        def segments(session: Session) -> tuple[list[tuple[ClipSegment, str]], str]:
            camera = session.get(Camera, camera_id)
            if camera is None:
                raise NotFound(f"no camera {camera_id}")
            rows = segments_between(session, camera_id, start, end)
            found = [(ClipSegment(recordings / r.path, r.start_at, r.end_at), r.sha256) for r in rows]
            return found, f"{camera.room.name}/{camera.name}"

        def cut(found: tuple[list[tuple[ClipSegment, str]], str]) -> None:
            if self.closed:
                return
            rows, label = found
            if not rows:
                self._on_failed(
                    ExamsiteError(
                        self.tr("Nothing was recorded by %1 around %2.")
                        .replace("%1", label)
                        .replace("%2", beijing(at, True)),
                        code="no_recording",
                    )
                )
                return
            self._tmpdir = Path(tempfile.mkdtemp(prefix="examsite-play-"))
            out = self._tmpdir / "recording.mp4"
            self.worker.run(lambda: cut_recording(rows, start, end, at, out, label), self._on_cut)

        StoreOp(self.store, segments).success(cut).failure(self._on_failed).run(self.taskman)

    # -- results ------------------------------------------------------------------------------
    def _on_verified(self, future: Any) -> None:
        if self.closed:
            return
        exc = future.exception()
        if exc is not None:
            self._on_failed(exc)
            return
        result: Verification = future.result()
        self.verification = result
        assert self.file is not None
        if result.ok:
            self._set_verify(self.tr("✔ Verified: the file matches its recorded SHA-256."), "ok")
        elif result.problem == "missing":
            self._set_verify(
                self.tr("✘ The evidence file is MISSING from %1. Report this before going on.").replace(
                    "%1", str(self.file.path.parent)
                ),
                "alert",
            )
        else:
            text = self.tr(
                "✘ WARNING: this file does NOT match its recorded SHA-256. It was changed or replaced "
                "after it was stored; do not rely on it and report it. Its hash now: %1 (%2 B)."
            )
            self._set_verify(
                text.replace("%1", result.actual_sha256).replace("%2", str(result.actual_size)), "alert"
            )
        emit(self.verified, "verified" if result.ok else result.problem)
        if result.problem != "missing":
            self._load_media(self.file.path, None)

    def _on_cut(self, future: Any) -> None:
        if self.closed:
            return
        exc = future.exception()
        if exc is not None:
            self._on_failed(exc)
            return
        cut: RecordingCut = future.result()
        self.cut = cut
        clip = cut.clip
        self.file = FileToPlay(clip.path, clip.sha256, clip.size, clip.start, clip.end, cut.title)
        self.ui.titleValue.setText(
            self.tr("%1 — temporary viewing copy cut from the recording (not evidence)").replace(
                "%1", cut.title
            )
        )
        self.ui.sha256Value.setText(clip.sha256)
        self.ui.sizeValue.setText(f"{_human_size(clip.size)} ({clip.size} B)")
        self.ui.spanValue.setText(beijing_span(clip.start, clip.end))
        self.ui.pathValue.setText(str(clip.path))
        if cut.bad_segments:
            text = self.tr("✘ WARNING: %1 of %2 recording segment(s) do NOT match their indexed SHA-256: %3")
            self._set_verify(
                text.replace("%1", str(len(cut.bad_segments)))
                .replace("%2", str(cut.segments))
                .replace("%3", ", ".join(cut.bad_segments)),
                "alert",
            )
        else:
            text = self.tr("✔ Verified: all %1 recording segment(s) match their indexed SHA-256.")
            self._set_verify(text.replace("%1", str(cut.segments)), "ok")
        # Holes inside what was cut; the stretch after the last segment is simply not recorded yet.
        inside = [(a, b) for a, b in clip.missing if a >= clip.start and b <= clip.end]
        self.holes_ms = [
            (int((a - clip.start).total_seconds() * 1000), int((b - clip.start).total_seconds() * 1000))
            for a, b in inside
        ]
        if inside:
            gaps = "; ".join(beijing_span(a, b) for a, b in inside)
            self.ui.verifyValue.setText(
                self.ui.verifyValue.text()
                + "\n"
                + self.tr("Not recorded inside this span: %1").replace("%1", gaps)
            )
        emit(self.verified, "segments_mismatch" if cut.bad_segments else "verified")
        offset = max(0, int((cut.seek_to - clip.start).total_seconds() * 1000))
        self.ui.markButton.setVisible(True)
        self._load_media(clip.path, offset)

    def _on_failed(self, exc: BaseException) -> None:
        if self.closed:
            return
        self.error = str(exc)
        self._set_verify(self.tr("✘ %1").replace("%1", str(exc)), "alert")

    # -- playback -----------------------------------------------------------------------------
    def _load_media(self, path: Path, seek_ms: int | None) -> None:
        self._pending_seek_ms = seek_ms
        self.player.setSource(QUrl.fromLocalFile(str(path)))
        if self.holes_ms:
            self._hole_timer.start()
        self.ui.playButton.setEnabled(True)
        self.ui.positionSlider.setEnabled(True)
        self.player.play()

    def _out_of_hole(self, position: int) -> int:
        """The position itself, or the end of the hole it falls in."""
        for start, end in self.holes_ms:
            if start <= position < end:
                return end
        return position

    def _skip_hole(self) -> None:
        position = self.player.position()
        target = self._out_of_hole(position)
        if target != position:
            self.skipped_holes += 1
            self.player.setPosition(target)

    def step(self, milliseconds: int) -> None:
        """Move the playback position, keeping inside the clip and out of holes."""
        duration = max(0, self.player.duration())
        target = min(max(0, self.player.position() + milliseconds), duration)
        self.player.setPosition(self._out_of_hole(target))

    def toggle_play(self) -> None:
        media, _ = multimedia()
        if self.player.playbackState() == media.QMediaPlayer.PlaybackState.PlayingState:
            self.player.pause()
        else:
            self.player.play()

    def wall_time_at(self, position_ms: int) -> datetime | None:
        """The wall-clock moment shown at a playback position (None when the span is unknown)."""
        if self.file is None or self.file.span_start is None:
            return None
        return self.file.span_start + timedelta(milliseconds=position_ms)

    def _on_media_status(self, status: Any) -> None:
        media, _ = multimedia()
        loaded = (media.QMediaPlayer.MediaStatus.LoadedMedia, media.QMediaPlayer.MediaStatus.BufferedMedia)
        if status in loaded and self._pending_seek_ms is not None:
            self.player.setPosition(self._out_of_hole(self._pending_seek_ms))
            self._pending_seek_ms = None

    def _on_duration(self, duration: int) -> None:
        self.ui.positionSlider.setRange(0, max(0, duration))

    def _on_position(self, position: int) -> None:
        if not self.ui.positionSlider.isSliderDown():
            self.ui.positionSlider.setValue(position)
        duration = self.player.duration()
        text = f"{_clock(position)} / {_clock(duration)}"
        wall = self.wall_time_at(position)
        if wall is not None:
            text += " · " + self.tr("%1 Beijing time").replace("%1", beijing(wall))
        self.ui.timeValue.setText(text)

    def _on_playback_state(self, state: Any) -> None:
        media, _ = multimedia()
        playing = state == media.QMediaPlayer.PlaybackState.PlayingState
        self.ui.playButton.setText(self.tr("Pause") if playing else self.tr("Play"))

    def _on_player_error(self, _error: Any, text: str) -> None:
        self.error = text
        self._set_verify(
            self.ui.verifyValue.text() + "\n" + self.tr("Cannot play: %1").replace("%1", text), "alert"
        )

    def _on_mark_clicked(self) -> None:
        wall = self.wall_time_at(self.player.position())
        if wall is not None and self.camera_id:
            emit(self.mark_requested, self.camera_id, wall)

    def _set_verify(self, text: str, state: str) -> None:
        self.ui.verifyValue.setText(text)
        self.ui.verifyValue.setProperty("state", state)
        self.ui.verifyValue.style().polish(self.ui.verifyValue)

    # -- closing ------------------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:
        self.release()
        super().closeEvent(event)

    def done(self, result: int) -> None:
        # Escape and the Close button end the dialog without a close event.
        self.release()
        super().done(result)

    def release(self) -> None:
        """Stop playback, wait for the worker, remove the temporary cut (idempotent)."""
        self.closed = True
        self._hole_timer.stop()
        self.player.stop()
        self.player.setSource(QUrl())
        self.worker.shutdown()
        if self._tmpdir is not None:
            shutil.rmtree(self._tmpdir, ignore_errors=True)
            self._tmpdir = None

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.ui.retranslateUi(self)
        super().changeEvent(event)
