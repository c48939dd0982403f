"""Evidence clips cut from segments recorded off a real RTSP server, every frame decoded and checked."""

from __future__ import annotations

import itertools
import math
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from examsite.errors import ExamsiteError, InvalidInput
from examsite.evidence.clips import ClipSegment, cut_clip, cut_incident_clip, import_clip, missing_ranges
from examsite.evidence.recorder import CollectingSink, RecorderConfig, record_cameras
from examsite.evidence.segments import SegmentInfo, SegmentJournal
from examsite.evidence.sources import Camera, RtspSource
from examsite.fsutil import sha256_file
from tests.support.rtsp import MAIN, RtspServer, ensure_media, need_gstreamer

pytestmark = pytest.mark.rtsp
FPS = 25
FRAME = Fraction(1, FPS)


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[SegmentInfo]]:
    """About 9 s of the 1080p25 camera in 2 s segments (GOP 1 s)."""
    need_gstreamer()
    out = tmp_path_factory.mktemp("recorded")
    server = RtspServer(ensure_media(MAIN), MAIN)
    server.start()
    sink = CollectingSink()
    stop = threading.Event()
    cfg = RecorderConfig(segment_seconds=2.0, open_timeout=2.0, read_timeout=2.0)
    thread = threading.Thread(
        target=record_cameras, args=([Camera("cam1", RtspSource(server.url))], out, sink, stop, cfg)
    )
    thread.start()
    try:
        assert sink.wait_for(lambda ev: sum(e.kind == "segment" for e in ev) >= 4, 40)
    finally:
        stop.set()
        thread.join(timeout=30)
        server.stop()
    assert not thread.is_alive()
    return SegmentJournal(out / "cam1", "cam1").load()


def decode(path: Path) -> list[tuple[Fraction, np.ndarray]]:
    """Every video frame of a file: presentation time (s) and pixels (grey, for comparison)."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        return [
            (frame.pts * frame.time_base, frame.to_ndarray(format="gray"))
            for frame in container.decode(stream)
        ]


def wall_frames(info: SegmentInfo) -> list[tuple[datetime, np.ndarray]]:
    """Every frame of a segment with its wall-clock time."""
    frames = decode(info.path)
    origin = frames[0][0]
    return [(info.start + timedelta(seconds=float(t - origin)), image) for t, image in frames]


def assert_steady(times: list[Fraction]) -> None:
    """No frame dropped, doubled or out of order: one frame every 1/25 s from time zero."""
    assert times[0] == 0
    assert all(b - a == FRAME for a, b in itertools.pairwise(times))


def test_clip_starts_at_the_keyframe_before_the_start(recorded: list[SegmentInfo], tmp_path: Path) -> None:
    start = recorded[0].start + timedelta(seconds=2.3)
    end = start + timedelta(seconds=3.8)  # crosses two segment boundaries
    clip = cut_clip(recorded, start, end, tmp_path / "clip.mp4")
    assert start - timedelta(seconds=1) < clip.first_keyframe <= start
    assert clip.first_keyframe == recorded[1].start  # segments start with a keyframe, one a second
    assert clip.start == clip.first_keyframe
    frames = decode(clip.path)
    # Frames at or after the keyframe and before the end, one every 40 ms.
    assert len(frames) == clip.video_frames == math.ceil((end - clip.first_keyframe).total_seconds() * FPS)
    assert_steady([t for t, _ in frames])
    assert clip.end == end
    assert clip.missing == ()
    assert list(clip.segments) == [recorded[1].path, recorded[2].path, recorded[3].path]
    # Stream copy: the clip's pixels are the recording's pixels, frame for frame.
    source = [image for seg in recorded[1:4] for _, image in wall_frames(seg)]
    for (_, image), original in zip(frames, source, strict=False):
        assert np.array_equal(image, original)
    # Hashed, written whole, read-only, nothing left behind.
    assert clip.sha256 == sha256_file(clip.path)
    assert clip.size == clip.path.stat().st_size
    assert clip.media_type == "video/mp4"
    assert clip.path.stat().st_mode & 0o777 == 0o400
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clip.mp4"]


def test_frame_accurate_clip_shows_exactly_the_span(recorded: list[SegmentInfo], tmp_path: Path) -> None:
    start = recorded[0].start + timedelta(seconds=1.5)
    end = start + timedelta(seconds=3)
    clip = cut_clip(recorded, start, end, tmp_path / "exact.mp4", frame_accurate=True)
    assert clip.start == start
    assert clip.first_keyframe == recorded[0].start + timedelta(seconds=1)
    frames = decode(clip.path)
    assert abs(len(frames) - 3 * FPS) <= 1
    assert_steady([t for t, _ in frames])
    # The first frame shown is the recording's first frame at or after the start.
    source = [(w, image) for seg in recorded[:3] for w, image in wall_frames(seg)]
    expected = next(image for wall, image in source if wall >= start - timedelta(milliseconds=1))
    assert np.array_equal(frames[0][1], expected)


def test_clip_over_a_hole_lists_it_and_jumps(recorded: list[SegmentInfo], tmp_path: Path) -> None:
    holed = [recorded[0], recorded[1], recorded[3]]
    start, end = recorded[0].start, recorded[3].end
    clip = cut_clip(holed, start, end, tmp_path / "holed.mp4")
    assert clip.missing == ((recorded[2].start, recorded[2].end),)
    times = [t for t, _ in decode(clip.path)]
    steps = [b - a for a, b in itertools.pairwise(times)]
    assert sorted(set(steps)) == [FRAME, FRAME + Fraction(2)]  # one jump of the hole's length
    assert len(times) == clip.video_frames == sum(s.video_packets for s in holed)


def test_incident_clip_uses_before_and_after(recorded: list[SegmentInfo], tmp_path: Path) -> None:
    at = recorded[1].start + timedelta(seconds=1)
    clip = cut_incident_clip(
        recorded, at, tmp_path / "incident.mp4", before=timedelta(seconds=1), after=timedelta(seconds=2)
    )
    assert clip.requested_start == at - timedelta(seconds=1)
    assert clip.requested_end == at + timedelta(seconds=2)
    assert len(decode(clip.path)) == 3 * FPS


def test_missing_ranges_tell_the_caller_to_wait_for_the_post_roll(recorded: list[SegmentInfo]) -> None:
    last = recorded[-1]
    assert missing_ranges(recorded, recorded[0].start, last.end) == []
    assert missing_ranges(recorded, last.start, last.end + timedelta(seconds=5)) == [
        (last.end, last.end + timedelta(seconds=5))
    ]
    early = recorded[0].start - timedelta(seconds=3)
    assert missing_ranges(recorded, early, recorded[0].end) == [(early, recorded[0].start)]
    # Plain path/span records work as well as SegmentInfo.
    plain = [ClipSegment(s.path, s.start, s.end) for s in recorded]
    assert missing_ranges(plain, early, recorded[0].end) == [(early, recorded[0].start)]


def test_bad_requests_are_refused_and_leave_nothing(recorded: list[SegmentInfo], tmp_path: Path) -> None:
    t = recorded[0].start
    with pytest.raises(InvalidInput, match="not after its start"):
        cut_clip(recorded, t, t, tmp_path / "a.mp4")
    with pytest.raises(InvalidInput, match=r"\.mp4"):
        cut_clip(recorded, t, t + timedelta(seconds=1), tmp_path / "a.avi")
    with pytest.raises(ExamsiteError) as none:
        cut_clip(recorded, t - timedelta(hours=2), t - timedelta(hours=1), tmp_path / "a.mp4")
    assert none.value.code == "no_recording"
    gone = replace(recorded[0], path=tmp_path / "gone.ts")
    with pytest.raises(ExamsiteError) as missing:
        cut_clip([gone], t, t + timedelta(seconds=1), tmp_path / "a.mp4")
    assert missing.value.code == "segment_missing"
    junk = tmp_path / "junk.ts"
    junk.write_bytes(b"\x47" * 4096)
    with pytest.raises(ExamsiteError) as unreadable:
        cut_clip(
            [ClipSegment(junk, t, t + timedelta(seconds=2))], t, t + timedelta(seconds=1), tmp_path / "a.mp4"
        )
    assert unreadable.value.code == "segment_unreadable"
    with pytest.raises(InvalidInput, match="pre-roll"):
        cut_incident_clip(recorded, t, tmp_path / "a.mp4", before=timedelta(seconds=-1))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["junk.ts"]


def test_nvr_clip_is_imported_byte_for_byte_with_its_declared_start(
    recorded: list[SegmentInfo], tmp_path: Path
) -> None:
    exported = cut_clip(recorded, recorded[0].start, recorded[1].end, tmp_path / "nvr-export.mp4")
    declared = datetime.fromisoformat("2026-05-09T09:30:00+08:00")
    info = import_clip(exported.path, declared, tmp_path / "evidence.mp4")
    assert info.sha256 == exported.sha256 == sha256_file(info.path)
    assert info.media_type == "video/mp4"
    assert info.start == declared
    assert info.start.utcoffset() == timedelta(0)
    assert info.duration == pytest.approx(exported.duration, abs=0.05)
    assert info.video_frames == exported.video_frames
    segment = import_clip(recorded[0].path, declared, tmp_path / "segment.ts")
    assert segment.media_type == "video/mp2t"
    assert segment.video_frames == recorded[0].video_packets


def test_nvr_import_refuses_naive_times_and_non_video(recorded: list[SegmentInfo], tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="time zone"):
        import_clip(recorded[0].path, datetime(2026, 5, 9, 9, 30), tmp_path / "a.ts")
    text = tmp_path / "notes.txt"
    text.write_text("not a video")
    with pytest.raises(ExamsiteError) as caught:
        import_clip(text, datetime.fromisoformat("2026-05-09T09:30:00+08:00"), tmp_path / "b.mp4")
    assert caught.value.code == "clip_unreadable"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]
