"""Camera tamper detection on sampled frames: lens covered or black, defocused, view moved.

Art. 7(6) names damage to the surveillance itself as a violation; these checks raise the alert that
lets staff look at once. They run on the sub stream, decoding only keyframes (about one frame a second
at a fraction of a core), and compare each sample with a reference learnt from the first samples.

The checks are pure functions on numpy frames so they are tested with synthetic pictures;
:class:`TamperDetector` adds the state (reference, debouncing) and :func:`sample_frames` the video.
"""

from __future__ import annotations

import enum
import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

import av
import cv2
import numpy as np
import numpy.typing as npt

from examsite.clock import utc_now
from examsite.evidence.sources import InputSpec, redact_text

log = logging.getLogger(__name__)

Frame = npt.NDArray[np.uint8]
#: Frames are compared at this width: enough for the checks, cheap for any camera.
ANALYSIS_WIDTH = 320


class TamperKind(enum.StrEnum):
    """The tampering a detector reports (alert kinds are ``tamper_<kind>``)."""

    COVERED = "covered"
    DEFOCUSED = "defocused"
    MOVED = "moved"


@dataclass(frozen=True)
class FrameStats:
    """Brightness (mean), contrast (standard deviation) and sharpness (variance of the Laplacian)."""

    brightness: float
    contrast: float
    sharpness: float


@dataclass(frozen=True)
class TamperThresholds:
    """When a sample counts as tampered; defaults chosen on exam-room-like scenes."""

    #: A black or covered lens: dark and flat, or flat at any brightness (a hand or paper on the lens).
    dark_brightness: float = 40.0
    dark_contrast: float = 12.0
    flat_contrast: float = 6.0
    #: Defocused: sharpness below this fraction of the reference's.
    defocus_ratio: float = 0.3
    #: Below this reference sharpness the scene is too plain to judge focus.
    min_reference_sharpness: float = 20.0
    #: Moved: a global shift of more than this fraction of the width...
    move_fraction: float = 0.04
    #: ...or a scene that no longer correlates with the reference (pointed elsewhere).
    min_similarity: float = 0.35
    #: Consecutive tampered samples before an alert, and clean samples before it clears.
    confirm_samples: int = 2


def to_gray(frame: npt.NDArray[Any]) -> Frame:
    """A grey ``uint8`` image at :data:`ANALYSIS_WIDTH` from a BGR or grey frame."""
    if frame.ndim == 3:
        frame = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
    height, width = frame.shape[:2]
    if width > ANALYSIS_WIDTH:
        size = (ANALYSIS_WIDTH, max(1, round(height * ANALYSIS_WIDTH / width)))
        frame = cv2.resize(frame, size, interpolation=cv2.INTER_AREA)
    return np.asarray(frame, dtype=np.uint8)


def frame_stats(gray: Frame) -> FrameStats:
    """Brightness, contrast and sharpness of a grey frame."""
    mean, std = cv2.meanStdDev(gray)
    sharpness = float(cv2.Laplacian(gray, cv2.CV_64F).var())
    return FrameStats(float(mean[0][0]), float(std[0][0]), sharpness)


def is_covered(stats: FrameStats, th: TamperThresholds) -> bool:
    """Lens covered, sprayed or camera black: dark and flat, or flat whatever its brightness."""
    dark = stats.brightness < th.dark_brightness and stats.contrast < th.dark_contrast
    return dark or stats.contrast < th.flat_contrast


def is_defocused(stats: FrameStats, reference: FrameStats, th: TamperThresholds) -> bool:
    """Sharpness fell far below the reference (lens turned, smeared, or a translucent cover)."""
    if reference.sharpness < th.min_reference_sharpness:
        return False
    return stats.sharpness < th.defocus_ratio * reference.sharpness


def _same_size(reference: Frame, gray: Frame) -> Frame:
    if reference.shape == gray.shape:
        return gray
    size = (reference.shape[1], reference.shape[0])
    return np.asarray(cv2.resize(gray, size, interpolation=cv2.INTER_AREA), dtype=np.uint8)


def view_shift(reference: Frame, gray: Frame) -> tuple[float, float, float]:
    """Global (dx, dy) shift in pixels of ``gray`` against ``reference``, and the correlation peak (0-1)."""
    gray = _same_size(reference, gray)
    a = reference.astype(np.float32)
    b = gray.astype(np.float32)
    window = cv2.createHanningWindow((a.shape[1], a.shape[0]), cv2.CV_32F)
    (dx, dy), response = cv2.phaseCorrelate(a, b, window)
    return float(dx), float(dy), float(response)


def similarity(reference: Frame, gray: Frame) -> float:
    """Normalised cross-correlation of two grey frames of one size (1: same picture)."""
    gray = _same_size(reference, gray)
    result = cv2.matchTemplate(gray, reference, cv2.TM_CCOEFF_NORMED)
    return float(result[0][0])


def is_moved(reference: Frame, gray: Frame, th: TamperThresholds) -> bool:
    """The camera points elsewhere: shifted by more than a few per cent, or the scene is unlike before."""
    dx, dy, _ = view_shift(reference, gray)
    limit = th.move_fraction * reference.shape[1]
    return bool(np.hypot(dx, dy) > limit or similarity(reference, gray) < th.min_similarity)


@dataclass(frozen=True)
class TamperEvent:
    """A tamper state that started (``active``) or ended on a camera at ``at``."""

    kind: TamperKind
    active: bool
    at: datetime
    detail: str


@dataclass
class TamperDetector:
    """Stateful checks for one camera: learns a reference, then reports tampering that persists.

    The reference is the median of the first ``reference_samples`` clean samples. Call
    :meth:`reset_reference` after a deliberate change of the camera's view.
    """

    thresholds: TamperThresholds = field(default_factory=TamperThresholds)
    reference_samples: int = 3
    _learning: list[Frame] = field(default_factory=list)
    _reference: Frame | None = None
    _reference_stats: FrameStats | None = None
    _streak: dict[TamperKind, int] = field(default_factory=dict)
    _active: set[TamperKind] = field(default_factory=set)

    @property
    def reference(self) -> Frame | None:
        """The learnt reference frame (grey, analysis size), once there is one."""
        return self._reference

    def reset_reference(self) -> None:
        """Forget the reference and learn it again from the next samples."""
        self._learning.clear()
        self._reference = None
        self._reference_stats = None

    def update(self, frame: npt.NDArray[Any], at: datetime | None = None) -> list[TamperEvent]:
        """Check one sample; return the tamper states that started or ended with it."""
        at = at or utc_now()
        gray = to_gray(frame)
        stats = frame_stats(gray)
        th = self.thresholds
        found: dict[TamperKind, str] = {}
        if is_covered(stats, th):
            found[TamperKind.COVERED] = f"brightness {stats.brightness:.0f}, contrast {stats.contrast:.1f}"
        elif self._reference is None:
            self._learning.append(gray)
            if len(self._learning) >= self.reference_samples:
                self._reference = np.median(np.stack(self._learning), axis=0).astype(np.uint8)
                self._reference_stats = frame_stats(self._reference)
                self._learning.clear()
        else:
            assert self._reference_stats is not None
            if is_defocused(stats, self._reference_stats, th):
                ratio = stats.sharpness / max(self._reference_stats.sharpness, 1e-9)
                found[TamperKind.DEFOCUSED] = f"sharpness {ratio:.0%} of the reference"
            elif is_moved(self._reference, gray, th):
                dx, dy, _ = view_shift(self._reference, gray)
                score = similarity(self._reference, gray)
                found[TamperKind.MOVED] = f"view shifted ({dx:+.0f}, {dy:+.0f}) px, similarity {score:.2f}"
        return self._debounce(found, at)

    def _debounce(self, found: dict[TamperKind, str], at: datetime) -> list[TamperEvent]:
        events: list[TamperEvent] = []
        for kind in TamperKind:
            if kind in found:
                self._streak[kind] = max(0, self._streak.get(kind, 0)) + 1
                if kind not in self._active and self._streak[kind] >= self.thresholds.confirm_samples:
                    self._active.add(kind)
                    events.append(TamperEvent(kind, True, at, found[kind]))
            else:
                self._streak[kind] = min(0, self._streak.get(kind, 0)) - 1
                if kind in self._active and -self._streak[kind] >= self.thresholds.confirm_samples:
                    self._active.discard(kind)
                    events.append(TamperEvent(kind, False, at, "back to normal"))
        return events


def sample_frames(
    spec: InputSpec,
    interval: float,
    stop_event: threading.Event,
    timeout: tuple[float, float] = (5.0, 3.0),
) -> Iterator[tuple[datetime, Frame]]:
    """Decode one keyframe at most every ``interval`` seconds from ``spec`` (the sub stream), as BGR.

    Only keyframes are decoded (``skip_frame=NONKEY``): about one a second at a sliver of a core.
    Ends when the stream ends or ``stop_event`` is set; open and read errors propagate.
    """
    with av.open(spec.url, format=spec.format, options=dict(spec.options), timeout=timeout) as container:
        stream = container.streams.video[0]
        stream.codec_context.skip_frame = "NONKEY"
        last = -float("inf")
        for frame in container.decode(stream):
            if stop_event.is_set():
                return
            now = time.monotonic()
            if now - last < interval:
                continue
            last = now
            yield utc_now(), np.asarray(frame.to_ndarray(format="bgr24"), dtype=np.uint8)


class AlertSink(Protocol):
    """Where tamper alerts go (a :class:`~examsite.evidence.recorder.RecorderSink` is one)."""

    def alert(self, camera_id: str | None, kind: str, detail: str, at: datetime) -> None:
        """Report an alert."""


def alert_kind(event: TamperEvent) -> str:
    """Alert kind of a tamper event: ``tamper_covered`` when it starts, ``tamper_covered_cleared`` after."""
    return f"tamper_{event.kind.value}" if event.active else f"tamper_{event.kind.value}_cleared"


def monitor_tamper(
    camera_id: str,
    spec: InputSpec,
    sink: AlertSink,
    stop_event: threading.Event,
    interval: float = 2.0,
    detector: TamperDetector | None = None,
    retry: float = 5.0,
) -> None:
    """Check ``spec`` (the camera's sub stream) every ``interval`` s until ``stop_event``; alert on tampering.

    Each tamper start and end is one alert (``tamper_<kind>`` / ``tamper_<kind>_cleared``) carrying the
    time of the sample, so the coverage timeline can mark the span (art. 7(6)). Connection failures
    are retried quietly: the recorder reports the camera's gaps.
    """
    detector = detector or TamperDetector()
    while not stop_event.is_set():
        try:
            for at, frame in sample_frames(spec, interval, stop_event):
                for event in detector.update(frame, at):
                    try:
                        sink.alert(camera_id, alert_kind(event), event.detail, event.at)
                    except Exception:
                        log.exception("tamper alert for %s was not delivered", camera_id)
        except (av.error.FFmpegError, OSError) as exc:
            log.info("tamper check of %s paused: %s", camera_id, redact_text(str(exc)))
        stop_event.wait(retry)
