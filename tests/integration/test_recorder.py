"""The recording engine against a real RTSP server (GStreamer, 127.0.0.1): segments, gaps, crashes.

Every test starts its own server and recorder and stops both; conditions are awaited on the sink's
events, never slept for. Segments are 2 s long to keep the whole file near a minute.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

import av
import numpy as np
import pytest

from examsite.clock import utc_now
from examsite.evidence.clips import cut_clip
from examsite.evidence.recorder import (
    CollectingSink,
    DiskGuard,
    GapReason,
    RecorderConfig,
    SinkEvent,
    next_backoff,
    record_cameras,
    run_recorder,
)
from examsite.evidence.segments import (
    RECORDING_SUFFIX,
    SegmentInfo,
    SegmentJournal,
    parse_segment_stem,
    verify_segments,
)
from examsite.evidence.sources import Camera, DemoSource, FileSource, InputSpec, RtspSource
from examsite.evidence.tamper import TamperDetector, monitor_tamper, sample_frames
from tests.support import rtsp
from tests.support.rtsp import RtspServer, free_port

# Fixtures are looked up by name in the test module (pytest_plugins only works in the root conftest).
rtsp_server = rtsp.rtsp_server
rtsp_server_h265 = rtsp.rtsp_server_h265
rtsp_server_audio = rtsp.rtsp_server_audio

REPO = Path(__file__).resolve().parents[2]


def config(**overrides: float) -> RecorderConfig:
    values: dict[str, float] = {
        "segment_seconds": 2.0,
        "open_timeout": 2.0,
        "read_timeout": 2.0,
        "backoff_initial": 0.25,
        "backoff_max": 1.0,
        "skew_after": 3.0,
        "disk_check_interval": 0.5,
    }
    values.update(overrides)
    return RecorderConfig(**values)  # type: ignore[arg-type]


@contextlib.contextmanager
def recording(
    cameras: list[Camera],
    out: Path,
    sink: CollectingSink,
    cfg: RecorderConfig,
    guard: DiskGuard | None = None,
    tamper: float | None = None,
) -> Iterator[threading.Event]:
    """Run record_cameras in a thread; always stop it and wait for it."""
    stop = threading.Event()
    thread = threading.Thread(target=record_cameras, args=(cameras, out, sink, stop, cfg, guard, tamper))
    thread.start()
    try:
        yield stop
    finally:
        stop.set()
        thread.join(timeout=30)
        assert not thread.is_alive(), "recorder did not stop"


def count(
    kind: str, n: int, where: Callable[[SinkEvent], bool] = lambda e: True
) -> Callable[[list[SinkEvent]], bool]:
    return lambda events: sum(1 for e in events if e.kind == kind and where(e)) >= n


def decode_video(path: Path) -> tuple[str, int, int, list[float]]:
    """Decode every video frame: codec, width, height and each frame's time in seconds."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        times = [float(frame.pts * frame.time_base) for frame in container.decode(stream)]
        return stream.codec_context.name, stream.codec_context.width, stream.codec_context.height, times


def check_segments(
    infos: list[SegmentInfo],
    codec: str,
    size: tuple[int, int],
    gaps: set[tuple[datetime, datetime]] | frozenset[tuple[datetime, datetime]] = frozenset(),
    fps: int = 25,
) -> None:
    """Chain intact, files as sealed, every frame decodable, segments back to back except at ``gaps``,
    and each segment's wall-clock span as long as its video."""
    assert verify_segments(infos) == []
    for info in infos:
        name, width, height, times = decode_video(info.path)
        assert (name, width, height) == (codec, *size)
        assert len(times) == info.video_packets
        if not info.recovered:
            assert info.duration == pytest.approx(info.video_packets / fps, abs=1.5 / fps)
        assert times == sorted(times)
        assert parse_segment_stem(info.path.name) == info.start.replace(
            microsecond=info.start.microsecond // 1000 * 1000
        )
        assert info.path.stat().st_mode & 0o222 == 0  # sealed read-only
    for before, after in itertools.pairwise(infos):
        assert after.start == before.end or (before.end, after.start) in gaps


@pytest.mark.rtsp
def test_records_sealed_chained_decodable_segments(rtsp_server: RtspServer, tmp_path: Path) -> None:
    sink = CollectingSink()
    began = utc_now()
    camera = Camera("cam1", RtspSource(rtsp_server.url))
    with recording([camera], tmp_path, sink, config(), tamper=0.5):
        assert sink.wait_for(count("segment", 3), 30)
        assert sink.wait_for(count("skew", 1), 10)
    ended = utc_now()
    infos = sink.segments()
    journal = SegmentJournal(tmp_path / "cam1", "cam1").load()
    assert [(i.path, i.sha256, i.chain) for i in journal] == [(i.path, i.sha256, i.chain) for i in infos]
    check_segments(journal, "h264", (1920, 1080))
    # Cut at the first keyframe after 2 s: full segments hold 2 s of 25 fps video.
    for info in journal[:-1]:
        assert info.duration == pytest.approx(2.0, abs=0.05)
        assert info.video_packets == 50
    assert began - timedelta(seconds=1.5) < journal[0].start < began + timedelta(seconds=5)
    assert journal[-1].end <= ended + timedelta(seconds=0.5)
    assert not list((tmp_path / "cam1").rglob("*" + RECORDING_SUFFIX)), "stop must seal the last segment"
    # The server's RTCP clock is this machine's clock: the measured skew is network latency only.
    assert abs(sink.of("skew")[0].data["seconds"]) < 1.0
    assert sink.of("gap_opened") == []
    assert sink.of("alert") == []  # neither offline nor tamper alerts from a working camera


@pytest.mark.rtsp
def test_server_restart_gives_a_gap_with_its_span_then_resumes(
    rtsp_server: RtspServer, tmp_path: Path
) -> None:
    sink = CollectingSink()
    with recording([Camera("cam1", RtspSource(rtsp_server.url))], tmp_path, sink, config()):
        assert sink.wait_for(count("segment", 1), 30)
        killed = utc_now()
        rtsp_server.stop()
        assert sink.wait_for(count("gap_opened", 1), 10)
        time.sleep(2.0)  # the outage itself: the camera is off for two seconds
        restarted = utc_now()
        rtsp_server.start()
        assert sink.wait_for(count("gap_closed", 1), 15)
        closed_at = utc_now()
        gap = sink.of("gap_closed")[0].data
        assert sink.wait_for(count("segment", 1, lambda e: e.data["info"].start >= gap["end"]), 15)
    assert gap["reason"] is GapReason.CAMERA_UNREACHABLE
    # The gap starts where the recording stopped: at the last packet before the server went away.
    assert killed - timedelta(seconds=0.5) < gap["start"] <= killed + timedelta(seconds=0.3)
    assert restarted < gap["end"] < restarted + timedelta(seconds=5)
    assert closed_at - restarted < timedelta(seconds=5), "recording must resume within seconds"
    infos = SegmentJournal(tmp_path / "cam1", "cam1").load()
    before = [i for i in infos if i.end <= gap["start"]]
    after = [i for i in infos if i.start >= gap["end"]]
    assert before[-1].end == gap["start"]
    assert after[0].start == gap["end"]
    assert len(before) + len(after) == len(infos)
    check_segments(infos, "h264", (1920, 1080), gaps={(gap["start"], gap["end"])})
    kinds = [e.data["kind"] for e in sink.of("alert")]
    assert kinds == ["camera_offline", "camera_online"]


@pytest.mark.rtsp
def test_frozen_server_is_noticed_as_a_stalled_stream(rtsp_server: RtspServer, tmp_path: Path) -> None:
    cfg = config(read_timeout=1.5)
    sink = CollectingSink()
    with recording([Camera("cam1", RtspSource(rtsp_server.url))], tmp_path, sink, cfg):
        assert sink.wait_for(count("segment", 1), 30)
        frozen = utc_now()
        rtsp_server.freeze()
        assert sink.wait_for(count("gap_opened", 1), 2 * cfg.read_timeout + 3)
        noticed = utc_now()
        rtsp_server.thaw()
        assert sink.wait_for(count("segment", 1, lambda e: e.data["info"].start > noticed), 20)
    opened = sink.of("gap_opened")[0].data
    assert opened["reason"] is GapReason.STREAM_STALLED
    # FFmpeg's RTSP reader retries once after its timeout, so a stall shows after at most twice it.
    assert noticed - frozen < timedelta(seconds=2 * cfg.read_timeout + 1.5)
    gap_start = sink.of("gap_opened")[0].at
    assert frozen - timedelta(seconds=0.5) < gap_start <= frozen + timedelta(seconds=0.3)
    closed = sink.of("gap_closed")
    assert closed[0].data["start"] == gap_start
    assert closed[-1].data["end"] > noticed
    outage = (closed[0].data["start"], closed[-1].data["end"])
    check_segments(SegmentJournal(tmp_path / "cam1", "cam1").load(), "h264", (1920, 1080), gaps={outage})


def read_events(
    proc: subprocess.Popen[bytes], until: Callable[[list[dict]], bool], timeout: float
) -> list[dict]:
    """Read the recorder process's JSON lines until ``until`` holds."""
    assert proc.stdout is not None
    events: list[dict] = []
    deadline = time.monotonic() + timeout
    while not until(events):
        left = deadline - time.monotonic()
        ready, _, _ = select.select([proc.stdout], [], [], max(0.0, left))
        if not ready:
            raise AssertionError(f"recorder events not seen in {timeout} s: {events}")
        line = proc.stdout.readline()
        if not line:
            raise AssertionError(f"recorder exited: {proc.wait()}")
        events.append(json.loads(line))
    return events


@pytest.mark.rtsp
def test_sigkill_leaves_sealed_segments_intact_and_recovery_seals_the_rest(
    rtsp_server: RtspServer,
    tmp_path: Path,
) -> None:
    cmd = [sys.executable, "-m", "examsite.evidence.recorder", "--out", str(tmp_path)]
    cmd += ["--camera", f"cam1={rtsp_server.url}", "--segment-seconds", "2"]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, env=env, cwd=REPO)
    try:
        events = read_events(proc, lambda ev: sum(e["event"] == "segment" for e in ev) >= 2, 30)
        time.sleep(1.0)  # into the third segment, so the kill cuts a file being written
        proc.send_signal(signal.SIGKILL)
        assert proc.wait(timeout=10) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        assert proc.stdout is not None
        proc.stdout.close()
    camera_dir = tmp_path / "cam1"
    journal = SegmentJournal(camera_dir, "cam1").load()
    reported = [e["sha256"] for e in events if e["event"] == "segment"]
    assert [i.sha256 for i in journal[: len(reported)]] == reported
    check_segments(journal, "h264", (1920, 1080))
    partial = list(camera_dir.rglob("*" + RECORDING_SUFFIX))
    assert len(partial) == 1

    # Starting again seals the cut file, records the time it was down as a gap, and carries on.
    sink = CollectingSink()
    with recording([Camera("cam1", RtspSource(rtsp_server.url))], tmp_path, sink, config()):
        assert sink.wait_for(count("gap_closed", 1), 20)
        assert sink.wait_for(count("segment", 2), 20)
    recovered = [i for i in sink.segments() if i.recovered]
    assert len(recovered) == 1
    assert recovered[0].path == partial[0].with_name(partial[0].name.removesuffix(".rec"))
    assert recovered[0].prev_chain == journal[-1].chain
    assert recovered[0].video_packets > 0
    gap = sink.of("gap_closed")[0].data
    assert gap["reason"] is GapReason.RECORDER_STOPPED
    assert gap["start"] == recovered[0].end
    assert "segment_recovered" in [e.data["kind"] for e in sink.of("alert")]
    after = SegmentJournal(camera_dir, "cam1").load()
    check_segments(after, "h264", (1920, 1080), gaps={(gap["start"], gap["end"])})


@pytest.mark.rtsp
def test_h265_is_recorded_and_clipped(rtsp_server_h265: RtspServer, tmp_path: Path) -> None:
    sink = CollectingSink()
    with recording([Camera("cam1", RtspSource(rtsp_server_h265.url))], tmp_path, sink, config()):
        assert sink.wait_for(count("segment", 2), 30)
    infos = SegmentJournal(tmp_path / "cam1", "cam1").load()
    check_segments(infos, "hevc", (1280, 720))
    start = infos[0].start + timedelta(seconds=1.5)
    clip = cut_clip(infos, start, start + timedelta(seconds=2), tmp_path / "clip.mp4", frame_accurate=True)
    codec, _, _, times = decode_video(clip.path)
    assert codec == "hevc"
    # Frame-accurate: the edit list hides the frames before the start, 2 s of 25 fps remain.
    assert abs(len(times) - 50) <= 1
    assert times[0] == 0
    assert clip.video_frames >= len(times)


@pytest.mark.rtsp
def test_audio_track_is_kept_in_segments_and_clips(rtsp_server_audio: RtspServer, tmp_path: Path) -> None:
    sink = CollectingSink()
    with recording([Camera("cam1", RtspSource(rtsp_server_audio.url))], tmp_path, sink, config()):
        assert sink.wait_for(count("segment", 2), 30)
    infos = SegmentJournal(tmp_path / "cam1", "cam1").load()
    check_segments(infos, "h264", (640, 360))
    for info in infos[:2]:
        assert info.audio_codec == "aac"
        with av.open(str(info.path)) as container:
            audio = container.streams.audio[0]
            samples = sum(frame.samples for frame in container.decode(audio))
        assert samples / audio.codec_context.sample_rate == pytest.approx(info.duration, abs=0.3)
    clip = cut_clip(infos, infos[0].start, infos[1].end, tmp_path / "clip.mp4")
    assert clip.audio_codec == "aac"
    with av.open(str(clip.path)) as container:
        audio = container.streams.audio[0]
        samples = sum(frame.samples for frame in container.decode(audio))
    assert samples / 48000 == pytest.approx(clip.duration, abs=0.3)


@pytest.mark.rtsp
def test_unreachable_camera_opens_a_gap_at_once(tmp_path: Path) -> None:
    sink = CollectingSink()
    url = f"rtsp://admin:S3cret@127.0.0.1:{free_port()}/cam"
    with recording([Camera("cam1", RtspSource(url))], tmp_path, sink, config()):
        assert sink.wait_for(count("gap_opened", 1), 5)
        assert sink.wait_for(lambda ev: sum(e.kind == "alert" for e in ev) >= 1, 5)
    opened = sink.of("gap_opened")[0].data
    assert opened["reason"] is GapReason.CAMERA_UNREACHABLE
    assert "S3cret" not in opened["detail"]
    assert "refused" in opened["detail"].lower()
    closed = sink.of("gap_closed")
    assert len(closed) == 1  # closed at stop, without a camera_online alert
    assert [e.data["kind"] for e in sink.of("alert")] == ["camera_offline"]
    assert sink.segments() == []


def test_disk_guard_stops_and_resumes_recording_of_the_demo_camera(tmp_path: Path) -> None:
    sink = CollectingSink()
    free = shutil.disk_usage(tmp_path).free
    cfg = config()
    guard = DiskGuard(tmp_path, sink, warn_bytes=free + 2 * 1024**4, min_free_bytes=free + 1024**4)
    with recording([Camera("demo", DemoSource(width=320, height=180, fps=10))], tmp_path, sink, cfg, guard):
        assert sink.wait_for(count("gap_opened", 1), 5)
        guard.min_free_bytes = 0  # space was freed
        assert sink.wait_for(count("segment", 2), 20)
    assert sink.of("gap_opened")[0].data["reason"] is GapReason.DISK_FULL
    assert sink.of("gap_closed")[0].data["reason"] is GapReason.DISK_FULL
    kinds = [e.data["kind"] for e in sink.of("alert")]
    assert kinds[:2] == ["disk_full", "disk_low"]
    infos = SegmentJournal(tmp_path / "demo", "demo").load()
    check_segments(infos, "h264", (320, 180), fps=10)
    for info in infos[:-1]:
        assert info.duration == pytest.approx(2.0, abs=0.15)


def test_backoff_doubles_up_to_its_cap() -> None:
    cfg = RecorderConfig(backoff_initial=0.5, backoff_max=4.0)
    waits = [0.5]
    for _ in range(5):
        waits.append(next_backoff(waits[-1], cfg))
    assert waits == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]


def test_recorder_process_refuses_bad_arguments(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_recorder(["--out", str(tmp_path), "--camera", "bad id=demo"]) == 2
    assert "camera id" in capsys.readouterr().err
    assert run_recorder(["--out", str(tmp_path), "--camera", "c1=http://x:pw@h/"]) == 2
    assert "pw" not in capsys.readouterr().err
    with pytest.raises(SystemExit):
        run_recorder(["--out", str(tmp_path), "--camera", "c1=demo", "--segment-seconds", "abc"])


def write_scene_then_black(path: Path, fps: int = 10) -> Path:
    """An H.264 file: 2 s of a textured scene, then 3 s of a capped lens; a keyframe every 0.5 s."""
    import cv2

    rng = np.random.default_rng(3)
    scene = np.zeros((180, 320, 3), np.uint8)
    for _ in range(40):
        x, y = int(rng.integers(0, 300)), int(rng.integers(0, 160))
        colour = tuple(int(c) for c in rng.integers(0, 255, 3))
        cv2.rectangle(
            scene, (x, y), (x + int(rng.integers(10, 60)), y + int(rng.integers(10, 40))), colour, -1
        )
    with av.open(str(path), "w", format="mpegts") as out:
        stream = out.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = 320, 180, "yuv420p"
        stream.codec_context.gop_size = fps // 2
        stream.codec_context.options = {"preset": "ultrafast", "bf": "0", "sc_threshold": "0"}
        for i in range(5 * fps):
            image = scene if i < 2 * fps else np.full_like(scene, 5)
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="bgr24")):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return path


def test_tamper_monitor_alerts_when_the_lens_is_covered(tmp_path: Path) -> None:
    media = write_scene_then_black(tmp_path / "capped.ts")
    sink = CollectingSink()
    stop = threading.Event()
    spec = InputSpec(str(media), live=False)
    thread = threading.Thread(target=monitor_tamper, args=("cam1", spec, sink, stop, 0.0, None, 60.0))
    thread.start()
    try:
        assert sink.wait_for(count("alert", 1), 10)
    finally:
        stop.set()
        thread.join(timeout=10)
    assert not thread.is_alive()
    alert = sink.of("alert")[0]
    assert alert.camera_id == "cam1"
    assert alert.data["kind"] == "tamper_covered"
    assert "brightness" in alert.data["detail"]


@pytest.mark.rtsp
def test_tamper_sampler_reads_keyframes_of_a_live_camera(rtsp_server: RtspServer) -> None:
    stop = threading.Event()
    detector = TamperDetector()
    samples = []
    began = time.monotonic()
    for at, frame in sample_frames(RtspSource(rtsp_server.url).preview_input(), 0.5, stop):
        samples.append((time.monotonic(), at))
        assert frame.shape == (1080, 1920, 3)
        assert detector.update(frame, at) == []  # a working camera raises nothing
        if len(samples) == 4:
            break
    assert detector.reference is not None
    gaps = [b[0] - a[0] for a, b in itertools.pairwise(samples)]
    assert all(g >= 0.5 for g in gaps)
    assert time.monotonic() - began < 8


@pytest.mark.rtsp
def test_wall_clock_anchor_survives_an_opening_burst(tmp_path: Path) -> None:
    """A camera that flushes its cached GOP on PLAY: the first frames arrive 0.8 s late, in a burst.

    Anchoring on the first packet's receive time would put every segment 0.8 s late, which the RTCP
    clock would show as a -0.8 s skew; the minimum of (receive time - pts) does not.
    """
    rtsp.need_gstreamer()
    server = RtspServer(rtsp.ensure_media(rtsp.MAIN), rtsp.MAIN, burst=0.8)
    server.start()
    sink = CollectingSink()
    try:
        with recording([Camera("cam1", RtspSource(server.url))], tmp_path, sink, config()):
            assert sink.wait_for(count("skew", 1), 20)
            assert sink.wait_for(count("segment", 2), 20)
    finally:
        server.stop()
    assert abs(sink.of("skew")[0].data["seconds"]) < 0.3
    infos = SegmentJournal(tmp_path / "cam1", "cam1").load()
    check_segments(infos, "h264", (1920, 1080))


@pytest.mark.rtsp
def test_g711_audio_is_kept_as_aac(tmp_path: Path) -> None:
    """Cheap cameras send G.711, which MPEG-TS cannot carry: it is encoded to AAC, the video copied."""
    rtsp.need_gstreamer()
    server = RtspServer(
        rtsp.ensure_media(rtsp.AUDIO), rtsp.MediaSpec(**{**vars(rtsp.AUDIO), "audio": False}), pcmu=True
    )
    server.start()
    sink = CollectingSink()
    try:
        with recording([Camera("cam1", RtspSource(server.url))], tmp_path, sink, config()):
            assert sink.wait_for(count("segment", 2), 20)
    finally:
        server.stop()
    assert [e.data["kind"] for e in sink.of("alert")] == []
    infos = SegmentJournal(tmp_path / "cam1", "cam1").load()
    check_segments(infos, "h264", (640, 360))
    info = infos[1]
    assert info.duration == pytest.approx(2.0, abs=0.05)
    assert info.audio_codec == "aac"
    with av.open(str(info.path)) as container:
        audio = container.streams.audio[0]
        assert audio.codec_context.sample_rate == 8000
        samples = sum(frame.samples for frame in container.decode(audio))
    assert samples / 8000 == pytest.approx(info.duration, abs=0.3)


def test_a_camera_without_h264_is_encoded_once_and_recorded(tmp_path: Path) -> None:
    """USB cameras deliver MJPEG or raw frames; a file in MJPEG takes the same path here."""
    media = tmp_path / "mjpeg.avi"
    with av.open(str(media), "w") as out:
        stream = out.add_stream("mjpeg", rate=10)
        stream.width, stream.height, stream.pix_fmt = 320, 240, "yuvj420p"
        for i in range(40):  # 4 s
            image = np.full((240, 320, 3), (i * 6) % 255, np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="bgr24")):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    sink = CollectingSink()
    began = time.monotonic()
    with recording([Camera("usb", FileSource(media))], tmp_path / "rec", sink, config()):
        assert sink.wait_for(count("segment", 1), 10)
    infos = SegmentJournal(tmp_path / "rec" / "usb", "usb").load()
    check_segments(infos, "h264", (320, 240), fps=10)
    assert infos[0].duration == pytest.approx(2.0, abs=0.15)
    # Played at its own pace: two seconds of video took about two seconds to record.
    assert time.monotonic() - began >= 1.9


def test_restart_with_the_camera_down_splits_the_gap_by_reason(tmp_path: Path) -> None:
    first = CollectingSink()
    with recording([Camera("cam1", DemoSource(width=160, height=90, fps=10))], tmp_path, first, config()):
        assert first.wait_for(count("segment", 1), 10)
    last_end = SegmentJournal(tmp_path / "cam1", "cam1").load()[-1].end
    restarted = utc_now()
    second = CollectingSink()
    down = Camera("cam1", RtspSource(f"rtsp://127.0.0.1:{free_port()}/cam"))
    with recording([down], tmp_path, second, config()):
        assert second.wait_for(count("gap_opened", 2), 10)
    closed = [e.data for e in second.of("gap_closed")]
    assert [c["reason"] for c in closed] == [GapReason.RECORDER_STOPPED, GapReason.CAMERA_UNREACHABLE]
    assert closed[0]["start"] == last_end
    assert closed[0]["end"] == closed[1]["start"]
    assert restarted - timedelta(milliseconds=1) <= closed[1]["start"] < restarted + timedelta(seconds=2)
    assert closed[1]["end"] >= closed[1]["start"]


def test_a_timestamp_jump_reconnects_instead_of_breaking_segments(tmp_path: Path) -> None:
    """Two copies of one file back to back: the second starts again at time zero, like a camera reset."""
    from tests.unit.test_segments import write_ts

    part = write_ts(tmp_path / "part.ts", seconds=2.0)
    looped = tmp_path / "looped.ts"
    looped.write_bytes(part.read_bytes() * 2)
    sink = CollectingSink()
    with recording([Camera("cam1", FileSource(looped))], tmp_path / "rec", sink, config()):
        assert sink.wait_for(count("gap_opened", 1), 10)
        assert sink.wait_for(count("segment", 2), 10)
    opened = sink.of("gap_opened")[0].data
    assert opened["reason"] is GapReason.CAMERA_UNREACHABLE
    assert "jumped by -2.0 s" in opened["detail"]
    infos = SegmentJournal(tmp_path / "rec" / "cam1", "cam1").load()
    gaps = {(e.data["start"], e.data["end"]) for e in sink.of("gap_closed")}
    check_segments(infos, "h264", (64, 48), gaps=gaps)
