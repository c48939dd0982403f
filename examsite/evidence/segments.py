"""Recorded segments: UTC names, sealing (SHA-256 and a hash chain), the per-camera journal, recovery.

A segment is an MPEG-TS file of a few seconds of one camera, stream-copied from the camera. While it
is being written it is called ``<start>.ts.rec``; sealing fsyncs it, hashes it, renames it to
``<start>.ts`` and appends one JSON line to the camera's ``journal.jsonl`` (fsynced). Each line carries
a chain hash over the previous line's chain hash, so a removed, reordered or altered segment shows up
(art. 15: evidence is collected and kept; art. 8(3): the whole process is traceable). The journal
makes the recorder's on-disk state consistent without the store: after a crash, :func:`recover_camera`
seals what the crash left (``.rec`` files and renamed files whose journal line was not written yet).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from pathlib import Path
from typing import Any, Protocol

import av

from examsite.clock import as_utc, iso_utc, parse_iso_utc
from examsite.errors import ExamsiteError
from examsite.fsutil import fsync_dir, sha256_file

GENESIS = "0" * 64
SEGMENT_SUFFIX = ".ts"
RECORDING_SUFFIX = ".ts.rec"
BROKEN_SUFFIX = ".ts.broken"
JOURNAL_NAME = "journal.jsonl"
_NAME_FORMAT = "%Y%m%dT%H%M%S"


def segment_stem(start: datetime) -> str:
    """The UTC file stem of a segment starting at ``start``: ``20261126T215211.123Z``."""
    start = as_utc(start)
    return start.strftime(_NAME_FORMAT) + f".{start.microsecond // 1000:03d}Z"


def parse_segment_stem(name: str) -> datetime:
    """Inverse of :func:`segment_stem`; accepts a bare stem or a file name with any suffix."""
    head, zulu, _ = name.partition("Z")
    try:
        if not zulu:
            raise ValueError(name)
        base, millis = head.split(".")
        value = datetime.strptime(base, _NAME_FORMAT).replace(tzinfo=UTC)
        return value + timedelta(milliseconds=int(millis))
    except ValueError:
        raise ValueError(f"not a segment name: {name!r}") from None


def segment_path(camera_dir: Path, start: datetime, suffix: str = SEGMENT_SUFFIX) -> Path:
    """Where a segment lives: ``<camera_dir>/<UTC date>/<stem><suffix>`` (a folder a day)."""
    start = as_utc(start)
    return camera_dir / start.strftime("%Y-%m-%d") / (segment_stem(start) + suffix)


def to_millis(value: datetime) -> datetime:
    """``value`` in UTC truncated to the millisecond: the precision names, journal and chain carry."""
    value = as_utc(value)
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


def chain_hash(prev_chain: str, sha256: str, camera_id: str, start: datetime, end: datetime) -> str:
    """SHA-256 linking a segment to its predecessor; it binds the content hash, camera and span."""
    text = "\n".join(["examsite-segment-v1", prev_chain, sha256, camera_id, iso_utc(start), iso_utc(end)])
    return hashlib.sha256(text.encode("ascii")).hexdigest()


@dataclass(frozen=True)
class SegmentInfo:
    """A sealed segment, as the journal and the store index it."""

    camera_id: str
    path: Path
    start: datetime
    end: datetime
    sha256: str
    size: int
    prev_chain: str
    chain: str
    video_codec: str
    audio_codec: str | None = None
    width: int = 0
    height: int = 0
    video_packets: int = 0
    #: True when the segment was sealed by crash recovery (its end comes from reading the file back).
    recovered: bool = False

    @property
    def duration(self) -> float:
        """Length in seconds."""
        return (self.end - self.start).total_seconds()

    def to_json(self, base: Path) -> dict[str, Any]:
        """The journal line (the path is stored relative to the camera folder, so folders can move)."""
        data = asdict(self)
        data["path"] = self.path.relative_to(base).as_posix()
        data["start"] = iso_utc(self.start)
        data["end"] = iso_utc(self.end)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any], base: Path) -> SegmentInfo:
        """Read a journal line back."""
        fields = dict(data)
        fields["path"] = base / fields["path"]
        fields["start"] = parse_iso_utc(fields["start"])
        fields["end"] = parse_iso_utc(fields["end"])
        return cls(**fields)


@dataclass(frozen=True)
class ProbeResult:
    """What reading a segment back tells: codecs, size, packets and the span of its video."""

    video_codec: str
    audio_codec: str | None
    width: int
    height: int
    video_packets: int
    #: Seconds from the first video packet to the end of the last one.
    duration: float


def probe_segment(path: Path) -> ProbeResult:
    """Read every packet of a segment (no decoding); a file cut short by a crash is read up to the cut."""
    try:
        container = av.open(str(path), format="mpegts")
    except (av.error.FFmpegError, OSError) as exc:
        raise ExamsiteError(f"segment {path.name} cannot be read: {exc}", code="segment_unreadable") from None
    with container:
        if not container.streams.video:
            raise ExamsiteError(f"segment {path.name} has no video stream", code="segment_unreadable")
        video = container.streams.video[0]
        audio = container.streams.audio[0] if container.streams.audio else None
        tb = video.time_base or Fraction(1, 90000)
        first: int | None = None
        last_end: int | None = None
        count = 0
        frame = int(1 / (tb * 25))
        with contextlib.suppress(av.error.FFmpegError):
            # A torn last packet raises; everything before it counts.
            for packet in container.demux(video):
                if packet.pts is None or packet.size == 0:
                    continue
                count += 1
                first = packet.pts if first is None else min(first, packet.pts)
                end = packet.pts + (packet.duration or frame)
                last_end = end if last_end is None else max(last_end, end)
        if first is None or last_end is None:
            raise ExamsiteError(f"segment {path.name} holds no video packets", code="segment_unreadable")
        return ProbeResult(
            video_codec=video.codec_context.name,
            audio_codec=audio.codec_context.name if audio is not None else None,
            width=video.codec_context.width,
            height=video.codec_context.height,
            video_packets=count,
            duration=float((last_end - first) * tb),
        )


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def seal_segment(
    rec_path: Path,
    camera_id: str,
    start: datetime,
    end: datetime,
    prev_chain: str,
    probe: ProbeResult,
    *,
    recovered: bool = False,
    final_path: Path | None = None,
) -> SegmentInfo:
    """Make a finished ``.ts.rec`` file durable, hash it and rename it to its sealed name.

    The file is renamed (to ``final_path`` when given: the name of its final start time) before its
    journal line is written; a crash in between leaves a ``.ts`` file without a line, which
    :func:`recover_camera` seals again (same hash; the start then comes from the name).
    """
    # Read-only from here on: a sealed segment is evidence (art. 15).
    os.chmod(rec_path, 0o440)
    _fsync_file(rec_path)
    digest = sha256_file(rec_path)
    size = rec_path.stat().st_size
    sealed = final_path or rec_path.with_name(rec_path.name.removesuffix(".rec"))
    if sealed != rec_path:
        os.replace(rec_path, sealed)
        fsync_dir(sealed.parent)
    start, end = to_millis(start), to_millis(end)
    return SegmentInfo(
        camera_id=camera_id,
        path=sealed,
        start=start,
        end=end,
        sha256=digest,
        size=size,
        prev_chain=prev_chain,
        chain=chain_hash(prev_chain, digest, camera_id, start, end),
        video_codec=probe.video_codec,
        audio_codec=probe.audio_codec,
        width=probe.width,
        height=probe.height,
        video_packets=probe.video_packets,
        recovered=recovered,
    )


class SegmentJournal:
    """The append-only list of sealed segments of one camera (``<camera_dir>/journal.jsonl``)."""

    def __init__(self, camera_dir: Path, camera_id: str) -> None:
        self.camera_dir = camera_dir
        self.camera_id = camera_id
        self.path = camera_dir / JOURNAL_NAME

    def load(self) -> list[SegmentInfo]:
        """All sealed segments in order. A torn last line (a crash mid-append) is cut off the file."""
        if not self.path.exists():
            return []
        raw = self.path.read_bytes()
        infos: list[SegmentInfo] = []
        good = 0
        for line in raw.splitlines(keepends=True):
            if not line.endswith(b"\n"):
                break
            try:
                infos.append(SegmentInfo.from_json(json.loads(line), self.camera_dir))
            except (ValueError, KeyError, TypeError):
                break
            good += len(line)
        if good != len(raw):
            # Only the tail can be torn (appends are fsynced one by one); keep the file parseable.
            with open(self.path, "r+b") as fh:
                fh.truncate(good)
                os.fsync(fh.fileno())
        return infos

    def last(self) -> SegmentInfo | None:
        """The most recent sealed segment, or None."""
        infos = self.load()
        return infos[-1] if infos else None

    def append(self, info: SegmentInfo) -> None:
        """Append one line and fsync it before anyone is told about the segment."""
        self.camera_dir.mkdir(parents=True, exist_ok=True)
        line = json.dumps(info.to_json(self.camera_dir), sort_keys=True, separators=(",", ":")) + "\n"
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line.encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)


def verify_segments(infos: Iterable[SegmentInfo], *, rehash: bool = True) -> list[str]:
    """Check the chain (and with ``rehash`` every file's SHA-256); return one line per problem found."""
    problems: list[str] = []
    prev = GENESIS
    for info in infos:
        if info.prev_chain != prev:
            problems.append(f"{info.path.name}: chain broken (previous hash does not match)")
        expected = chain_hash(info.prev_chain, info.sha256, info.camera_id, info.start, info.end)
        if info.chain != expected:
            problems.append(f"{info.path.name}: chain hash does not match its content")
        if rehash:
            if not info.path.exists():
                problems.append(f"{info.path.name}: file is missing")
            elif sha256_file(info.path) != info.sha256:
                problems.append(f"{info.path.name}: file content changed since it was sealed")
        prev = info.chain
    return problems


def _unsealed_files(camera_dir: Path, journaled: set[Path]) -> Iterator[Path]:
    for path in sorted(camera_dir.glob("*/*")):
        if path.name.endswith(RECORDING_SUFFIX) or (path.suffix == SEGMENT_SUFFIX and path not in journaled):
            yield path


def recover_camera(camera_dir: Path, camera_id: str) -> tuple[list[SegmentInfo], list[Path]]:
    """Seal what a crash left in ``camera_dir``; return (segments sealed now, files set aside as broken).

    A ``.ts.rec`` cut short by ``kill -9`` keeps all but its last second or two (MPEG-TS is written
    packet by packet); its end is taken from reading it back. A file with no readable video is renamed
    ``.ts.broken`` and kept: nothing recorded is ever deleted here.
    """
    journal = SegmentJournal(camera_dir, camera_id)
    infos = journal.load()
    journaled = {info.path for info in infos}
    prev = infos[-1].chain if infos else GENESIS
    sealed: list[SegmentInfo] = []
    broken: list[Path] = []
    for path in sorted(_unsealed_files(camera_dir, journaled), key=lambda p: p.name):
        try:
            start = parse_segment_stem(path.name)
            probe = probe_segment(path)
        except (ValueError, ExamsiteError):
            target = path.with_name(path.name.split(".ts")[0] + BROKEN_SUFFIX)
            os.replace(path, target)
            broken.append(target)
            continue
        info = seal_segment(
            path, camera_id, start, start + timedelta(seconds=probe.duration), prev, probe, recovered=True
        )
        journal.append(info)
        sealed.append(info)
        prev = info.chain
    if broken:
        fsync_dir(camera_dir)
    return sealed, broken


RECORDED = "recorded"
UNACCOUNTED = "unaccounted"


@dataclass(frozen=True)
class CoverageSpan:
    """A stretch of a camera's timeline: ``recorded``, a gap reason, or ``unaccounted``."""

    start: datetime
    end: datetime
    state: str

    @property
    def seconds(self) -> float:
        """Length in seconds."""
        return (self.end - self.start).total_seconds()


def _merge(
    intervals: Iterable[tuple[datetime, datetime]], tolerance: timedelta
) -> list[tuple[datetime, datetime]]:
    merged: list[tuple[datetime, datetime]] = []
    for start, end in sorted(intervals):
        if merged and start - merged[-1][1] <= tolerance:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


class TimeSpan(Protocol):
    """Anything with a wall-clock span (a :class:`SegmentInfo`, a store row)."""

    @property
    def start(self) -> datetime: ...

    @property
    def end(self) -> datetime: ...


def coverage(
    segments: Iterable[TimeSpan],
    gaps: Iterable[tuple[datetime, datetime, str]],
    start: datetime,
    end: datetime,
    tolerance: timedelta = timedelta(milliseconds=2),
) -> list[CoverageSpan]:
    """Every instant of [start, end) as recorded, a gap with its reason, or unaccounted, in order.

    Recording wins over a gap that overlaps it. ``unaccounted`` means neither a segment nor a gap
    covers the time (the recorder was never told to record then, or an index was lost): the
    coverage report shows it rather than hiding it. Holes shorter than ``tolerance`` are ignored.
    """
    start, end = as_utc(start), as_utc(end)

    def clip(a: datetime, b: datetime) -> tuple[datetime, datetime]:
        return max(as_utc(a), start), min(as_utc(b), end)

    recorded = _merge((clip(s.start, s.end) for s in segments), tolerance)
    recorded = [(a, b) for a, b in recorded if a < b]
    gap_list = sorted((*clip(a, b), reason) for a, b, reason in gaps)
    spans: list[CoverageSpan] = []

    def add(a: datetime, b: datetime, state: str) -> None:
        if b - a <= timedelta(0):
            return
        if spans and spans[-1].state == state and a - spans[-1].end <= tolerance:
            spans[-1] = CoverageSpan(spans[-1].start, b, state)
        else:
            spans.append(CoverageSpan(a, b, state))

    def fill(a: datetime, b: datetime) -> None:
        """[a, b) has no recording: gaps where there are some, unaccounted elsewhere."""
        cursor = a
        for g_start, g_end, reason in gap_list:
            if g_end <= cursor or g_start >= b:
                continue
            if g_start - cursor > tolerance:
                add(cursor, g_start, UNACCOUNTED)
            add(max(cursor, g_start), min(g_end, b), reason)
            cursor = max(cursor, min(g_end, b))
        if b - cursor > tolerance:
            add(cursor, b, UNACCOUNTED)

    cursor = start
    for r_start, r_end in recorded:
        if r_start > cursor:
            fill(cursor, r_start)
        add(max(cursor, r_start), r_end, RECORDED)
        cursor = max(cursor, r_end)
    if cursor < end:
        fill(cursor, end)
    return spans
