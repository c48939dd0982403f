"""Segments: UTC names, sealing, the hash chain, the journal and crash recovery, on real MPEG-TS files."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from fractions import Fraction
from pathlib import Path
from types import SimpleNamespace

import av
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from examsite.errors import ExamsiteError
from examsite.evidence.segments import (
    GENESIS,
    JOURNAL_NAME,
    RECORDED,
    RECORDING_SUFFIX,
    UNACCOUNTED,
    CoverageSpan,
    SegmentJournal,
    chain_hash,
    coverage,
    parse_segment_stem,
    probe_segment,
    recover_camera,
    seal_segment,
    segment_path,
    segment_stem,
    verify_segments,
)

T0 = datetime(2026, 5, 9, 1, 30, 0, 250000, tzinfo=UTC)


def write_ts(path: Path, seconds: float = 2.0, fps: int = 25) -> Path:
    """A real H.264 MPEG-TS file: a small moving pattern, a keyframe every second."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), "w", format="mpegts") as out:
        stream = out.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        stream.codec_context.gop_size = fps
        stream.codec_context.options = {"preset": "ultrafast", "bf": "0"}
        for i in range(round(seconds * fps)):
            image = np.full((48, 64, 3), (i * 7) % 255, np.uint8)
            image[:, i % 64] = 255
            frame = av.VideoFrame.from_ndarray(image, format="bgr24")
            frame.pts, frame.time_base = i, Fraction(1, fps)
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return path


def seal_one(camera_dir: Path, start: datetime, prev: str, seconds: float = 2.0):
    rec = write_ts(segment_path(camera_dir, start, RECORDING_SUFFIX), seconds)
    probe = probe_segment(rec)
    info = seal_segment(rec, "cam1", start, start + timedelta(seconds=probe.duration), prev, probe)
    SegmentJournal(camera_dir, "cam1").append(info)
    return info


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31), timezones=st.just(UTC)))
def test_stem_round_trips_to_the_millisecond(value: datetime) -> None:
    parsed = parse_segment_stem(segment_stem(value) + ".ts")
    assert parsed == value.replace(microsecond=value.microsecond // 1000 * 1000)


@pytest.mark.parametrize(
    "name", ["", "x.ts", "20261126T215211Z.ts", "20261326T215211.000Z.ts", "journal.jsonl"]
)
def test_parse_rejects_names_that_are_not_segments(name: str) -> None:
    with pytest.raises(ValueError, match="not a segment name"):
        parse_segment_stem(name)


def test_segment_path_is_by_utc_day(tmp_path: Path) -> None:
    late = datetime(2026, 5, 9, 23, 59, 59, 999000, tzinfo=UTC)
    assert segment_path(tmp_path, late) == tmp_path / "2026-05-09" / "20260509T235959.999Z.ts"


def test_chain_hash_binds_every_field() -> None:
    base = chain_hash(GENESIS, "a" * 64, "cam1", T0, T0 + timedelta(seconds=10))
    variants = [
        chain_hash("1" * 64, "a" * 64, "cam1", T0, T0 + timedelta(seconds=10)),
        chain_hash(GENESIS, "b" * 64, "cam1", T0, T0 + timedelta(seconds=10)),
        chain_hash(GENESIS, "a" * 64, "cam2", T0, T0 + timedelta(seconds=10)),
        chain_hash(GENESIS, "a" * 64, "cam1", T0 + timedelta(milliseconds=1), T0 + timedelta(seconds=10)),
        chain_hash(GENESIS, "a" * 64, "cam1", T0, T0 + timedelta(seconds=11)),
    ]
    assert len({base, *variants}) == 6


def test_sealing_renames_hashes_and_journals(tmp_path: Path) -> None:
    first = seal_one(tmp_path, T0, GENESIS)
    second = seal_one(tmp_path, first.end, first.chain)
    assert first.path.name == "20260509T013000.250Z.ts"
    assert first.path.exists()
    assert not list(tmp_path.rglob("*" + RECORDING_SUFFIX))
    assert first.video_codec == "h264"
    assert first.video_packets == 50
    assert first.width == 64
    assert first.duration == pytest.approx(2.0, abs=0.05)
    loaded = SegmentJournal(tmp_path, "cam1").load()
    assert loaded == [first, second]
    assert verify_segments(loaded) == []


def test_verify_finds_changed_missing_and_removed_segments(tmp_path: Path) -> None:
    infos = [seal_one(tmp_path, T0, GENESIS)]
    for _ in range(2):
        infos.append(seal_one(tmp_path, infos[-1].end, infos[-1].chain))
    data = bytearray(infos[0].path.read_bytes())
    data[1000] ^= 0xFF
    infos[0].path.chmod(0o600)
    infos[0].path.write_bytes(bytes(data))
    assert verify_segments(infos) == [f"{infos[0].path.name}: file content changed since it was sealed"]
    infos[2].path.unlink()
    assert f"{infos[2].path.name}: file is missing" in verify_segments(infos)
    # Dropping the middle segment from the list breaks the chain at the next one.
    problems = verify_segments([infos[0], infos[2]], rehash=False)
    assert problems == [f"{infos[2].path.name}: chain broken (previous hash does not match)"]


def test_verify_finds_an_edited_span(tmp_path: Path) -> None:
    info = seal_one(tmp_path, T0, GENESIS)
    from dataclasses import replace

    moved = replace(info, end=info.end + timedelta(seconds=5))
    assert verify_segments([moved]) == [f"{info.path.name}: chain hash does not match its content"]


def test_torn_journal_tail_is_cut_off(tmp_path: Path) -> None:
    info = seal_one(tmp_path, T0, GENESIS)
    journal = tmp_path / JOURNAL_NAME
    good = journal.read_bytes()
    journal.write_bytes(good + b'{"camera_id": "cam1", "pa')
    assert SegmentJournal(tmp_path, "cam1").load() == [info]
    assert journal.read_bytes() == good


def test_recovery_seals_a_file_cut_short_by_a_crash(tmp_path: Path) -> None:
    first = seal_one(tmp_path, T0, GENESIS)
    start = first.end
    rec = write_ts(segment_path(tmp_path, start, RECORDING_SUFFIX), seconds=4.0)
    size = rec.stat().st_size
    with open(rec, "r+b") as fh:  # kill -9 mid-write: the tail of the file never reached the disk
        fh.truncate(size * 6 // 10 + 77)
    sealed, broken = recover_camera(tmp_path, "cam1")
    assert broken == []
    assert len(sealed) == 1
    info = sealed[0]
    assert info.recovered
    assert info.prev_chain == first.chain
    assert info.start == start.replace(microsecond=start.microsecond // 1000 * 1000)
    assert 1.0 < info.duration < 3.5
    assert SegmentJournal(tmp_path, "cam1").load() == [first, info]
    assert verify_segments([first, info]) == []
    # Recovering again finds nothing more to do.
    assert recover_camera(tmp_path, "cam1") == ([], [])


def test_recovery_journals_a_sealed_file_whose_line_was_not_written(tmp_path: Path) -> None:
    rec = write_ts(segment_path(tmp_path, T0, RECORDING_SUFFIX))
    probe = probe_segment(rec)
    info = seal_segment(rec, "cam1", T0, T0 + timedelta(seconds=2), GENESIS, probe)  # crash before append
    sealed, _ = recover_camera(tmp_path, "cam1")
    assert [s.sha256 for s in sealed] == [info.sha256]
    assert [s.path for s in SegmentJournal(tmp_path, "cam1").load()] == [info.path]


def test_recovery_keeps_unreadable_files_aside(tmp_path: Path) -> None:
    junk = segment_path(tmp_path, T0, RECORDING_SUFFIX)
    junk.parent.mkdir(parents=True)
    junk.write_bytes(b"\x47" + b"\x00" * 100)
    sealed, broken = recover_camera(tmp_path, "cam1")
    assert sealed == []
    assert broken == [junk.with_name("20260509T013000.250Z.ts.broken")]
    assert broken[0].read_bytes() == b"\x47" + b"\x00" * 100


def test_probe_refuses_a_file_without_video(tmp_path: Path) -> None:
    path = tmp_path / "empty.ts"
    path.write_bytes(b"")
    with pytest.raises(ExamsiteError) as caught:
        probe_segment(path)
    assert caught.value.code == "segment_unreadable"


def span(info_start: float, info_end: float) -> SimpleNamespace:
    return SimpleNamespace(start=T0 + timedelta(seconds=info_start), end=T0 + timedelta(seconds=info_end))


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_coverage_accounts_for_every_instant() -> None:
    segments = [span(0, 10), span(10, 20), span(25, 35)]
    gaps = [(at(20), at(23), "camera_unreachable"), (at(23), at(25), "stream_stalled")]
    spans = coverage(segments, gaps, at(-5), at(40))
    assert [(s.start, s.end, s.state) for s in spans] == [
        (at(-5), at(0), UNACCOUNTED),
        (at(0), at(20), RECORDED),
        (at(20), at(23), "camera_unreachable"),
        (at(23), at(25), "stream_stalled"),
        (at(25), at(35), RECORDED),
        (at(35), at(40), UNACCOUNTED),
    ]
    assert sum(s.seconds for s in spans) == 45


def test_coverage_prefers_recording_and_clips_to_the_window() -> None:
    segments = [span(0, 10.0005), span(10.001, 20)]  # millisecond rounding between segments
    gaps = [(at(5), at(30), "recorder_stopped")]  # a gap reported wider than it was
    spans = coverage(segments, gaps, at(2), at(25))
    assert [(s.start, s.end, s.state) for s in spans] == [
        (at(2), at(20), RECORDED),
        (at(20), at(25), "recorder_stopped"),
    ]
    assert coverage([], [], at(0), at(1)) == [CoverageSpan(at(0), at(1), UNACCOUNTED)]
