"""CPU cost of recording one 1080p25 H.264 RTSP stream: our recorder against ffmpeg and OpenCV.

Three recorders read the same real RTSP camera (GStreamer test server on 127.0.0.1, 4 Mbit/s, GOP 1 s)
one after another for the same time, in the same run:

* ``examsite``: ``python -m examsite.evidence.recorder`` (PyAV stream copy into 10 s MPEG-TS segments);
* ``ffmpeg -c copy``: Debian's ffmpeg doing the same segmenting, the baseline;
* ``opencv``: ``cv2.VideoCapture`` decoding and ``cv2.VideoWriter`` (mp4v) re-encoding.

CPU is read from /proc in steady state (after the first packet is written, so start-up is excluded)
and given as CPU-seconds per minute of video. Target (issue 4): examsite within 1.5x of ffmpeg.

    .venv/bin/python bench/record_cpu.py [--seconds 30] [--skip-opencv]
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.support.rtsp import MAIN, RtspServer, ensure_media  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")

OPENCV_SCRIPT = r"""
import os, sys, time
os.environ["OPENCV_FFMPEG_CAPTURE_OPTIONS"] = "rtsp_transport;tcp"
import cv2
cap = cv2.VideoCapture(sys.argv[1], cv2.CAP_FFMPEG)
writer = None
while True:
    ok, frame = cap.read()
    if not ok:
        break
    if writer is None:
        h, w = frame.shape[:2]
        writer = cv2.VideoWriter(sys.argv[2], cv2.VideoWriter_fourcc(*"mp4v"), 25, (w, h))
    writer.write(frame)
"""


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process (all its threads) so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def wait_for_output(folder: Path, proc: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(p.is_file() and p.stat().st_size > 0 for p in folder.rglob("*")):
            return
        if proc.poll() is not None:
            raise RuntimeError(f"recorder exited early with {proc.returncode}")
        time.sleep(0.05)
    raise RuntimeError("no output within 30 s")


def measure(name: str, cmd: list[str], folder: Path, seconds: float) -> float:
    """CPU-seconds per minute of video for ``cmd`` writing into ``folder``."""
    folder.mkdir(parents=True)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(cmd, cwd=folder, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_output(folder, proc)
        start_cpu, start = cpu_seconds(proc.pid), time.monotonic()
        time.sleep(seconds)
        used, elapsed = cpu_seconds(proc.pid) - start_cpu, time.monotonic() - start
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    per_minute = used / elapsed * 60
    detail = f"({used:.2f} s over {elapsed:.1f} s, {size / 1e6:.0f} MB)"
    print(f"{name:16s} {per_minute:6.2f} CPU-s per minute  {detail}")
    return per_minute


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0, help="steady-state time per recorder")
    parser.add_argument("--skip-opencv", action="store_true")
    args = parser.parse_args()
    server = RtspServer(ensure_media(MAIN), MAIN)
    server.start()
    work = Path(tempfile.mkdtemp(prefix="examsite-bench-"))
    try:
        ours = measure(
            "examsite",
            [sys.executable, "-m", "examsite.evidence.recorder", "--out", str(work / "ours"), "--camera",
             f"cam1={server.url}"],
            work / "ours",
            args.seconds,
        )  # fmt: skip
        ffmpeg_cmd = ["ffmpeg", "-nostdin", "-loglevel", "error", "-rtsp_transport", "tcp", "-i", server.url]
        ffmpeg_cmd += ["-c", "copy", "-f", "segment", "-segment_time", "10", "-segment_format", "mpegts"]
        ffmpeg = measure("ffmpeg -c copy", [*ffmpeg_cmd, "seg%05d.ts"], work / "ffmpeg", args.seconds)
        opencv = None
        if not args.skip_opencv:
            opencv = measure(
                "opencv re-encode",
                [sys.executable, "-c", OPENCV_SCRIPT, server.url, "out.mp4"],
                work / "opencv",
                args.seconds,
            )
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)
    print(f"examsite / ffmpeg CPU ratio: {ours / ffmpeg:.2f}  (target <= 1.5)")
    if opencv is not None:
        print(f"opencv / examsite CPU ratio: {opencv / ours:.1f}")
    print(f"1080p25 cameras one core can hold: examsite {60 / ours:.0f}, ffmpeg {60 / ffmpeg:.0f}", end="")
    print(f", opencv {60 / opencv:.1f}" if opencv else "")
    return 0


if __name__ == "__main__":
    sys.exit(main())
