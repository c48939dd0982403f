"""Real RTSP cameras for tests: test media made once with Debian's ffmpeg, served by GStreamer.

Import the fixtures into a test module (``pytest_plugins`` only works in the root conftest)::

    from tests.support.rtsp import rtsp_server  # noqa: F401

Media is cached in ``~/.cache/examsite-test-media`` (``EXAMSITE_TEST_MEDIA`` overrides), keyed by its
parameters, so only the first run pays for encoding. The server runs under ``/usr/bin/python3`` (the
GStreamer bindings are Debian packages), on a free port of 127.0.0.1, and is stopped by the fixture.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import select
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import pytest

SERVER_SCRIPT = Path(__file__).with_name("rtsp_server.py")
SYSTEM_PYTHON = "/usr/bin/python3"
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"


@dataclass(frozen=True)
class MediaSpec:
    """Parameters of a test clip: a testsrc2 pattern with the media time and frame number burned in."""

    codec: str = "h264"  # or "h265"
    width: int = 1920
    height: int = 1080
    fps: int = 25
    seconds: int = 60
    bitrate: str = "4M"
    gop_seconds: int = 1
    audio: bool = False

    @property
    def key(self) -> str:
        text = repr(self) + "v2"
        return hashlib.sha256(text.encode()).hexdigest()[:16]


MAIN = MediaSpec()
HEVC = MediaSpec(codec="h265", width=1280, height=720, seconds=30, bitrate="2M")
AUDIO = MediaSpec(width=640, height=360, seconds=30, bitrate="1M", audio=True)


def media_cache() -> Path:
    """The folder test media is cached in."""
    root = os.environ.get("EXAMSITE_TEST_MEDIA") or Path.home() / ".cache" / "examsite-test-media"
    path = Path(root)
    path.mkdir(parents=True, exist_ok=True)
    return path


def ensure_media(spec: MediaSpec) -> Path:
    """Return the MPEG-TS file for ``spec``, encoding it with ffmpeg on first use."""
    target = media_cache() / f"{spec.codec}-{spec.width}x{spec.height}-{spec.key}.ts"
    if target.exists():
        return target
    if shutil.which("ffmpeg") is None:
        pytest.skip("Debian's ffmpeg is needed to make the test media")
    clock = (
        f"drawtext=fontfile={FONT}:fontsize={spec.height // 15}:fontcolor=white:box=1:boxcolor=black"
        r":x=20:y=20:text='%{pts\:hms} f%{n}'"
    )
    cmd = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y"]
    cmd += ["-f", "lavfi", "-i", f"testsrc2=size={spec.width}x{spec.height}:rate={spec.fps},{clock}"]
    if spec.audio:
        cmd += ["-f", "lavfi", "-i", "sine=frequency=1000:sample_rate=48000"]
    cmd += ["-t", str(spec.seconds), "-pix_fmt", "yuv420p"]
    gop = spec.fps * spec.gop_seconds
    # Like a camera: fixed GOP, no B-frames, constant-ish bitrate, one slice per frame.
    common = ["-b:v", spec.bitrate, "-maxrate", spec.bitrate, "-bufsize", spec.bitrate, "-g", str(gop)]
    if spec.codec == "h264":
        cmd += ["-c:v", "libx264", "-preset", "veryfast", "-bf", "0", "-sc_threshold", "0", *common]
        cmd += ["-x264-params", f"keyint={gop}:min-keyint={gop}"]
    else:
        cmd += ["-c:v", "libx265", "-preset", "ultrafast", *common]
        cmd += ["-x265-params", f"keyint={gop}:min-keyint={gop}:bframes=0:scenecut=0:log-level=error"]
    if spec.audio:
        cmd += ["-c:a", "aac", "-b:a", "64k"]
    part = target.with_name(target.name + f".{os.getpid()}.part")
    subprocess.run([*cmd, "-f", "mpegts", str(part)], check=True, timeout=600)
    os.replace(part, target)
    return target


def free_port() -> int:
    """A TCP port of 127.0.0.1 that is free right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RtspServer:
    """One GStreamer RTSP server process serving a file at ``rtsp://127.0.0.1:<port>/cam``."""

    def __init__(
        self, media: Path, spec: MediaSpec, port: int | None = None, burst: float = 0.0, pcmu: bool = False
    ) -> None:
        self.media = media
        self.spec = spec
        self.burst = burst
        self.pcmu = pcmu
        self.port = port or free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self.log: IO[bytes] | None = None
        self.frozen = False

    @property
    def url(self) -> str:
        return f"rtsp://127.0.0.1:{self.port}/cam"

    def start(self, timeout: float = 15.0) -> None:
        """Start the server and wait until it accepts connections."""
        assert self.proc is None, "already running"
        cmd = [SYSTEM_PYTHON, str(SERVER_SCRIPT), "--port", str(self.port), "--media", str(self.media)]
        cmd += ["--codec", self.spec.codec, "--burst", str(self.burst)]
        cmd += (["--audio"] if self.spec.audio else []) + (["--pcmu"] if self.pcmu else [])
        # stderr goes to a file: a pipe nobody reads would block the server once it fills.
        self.log = tempfile.NamedTemporaryFile(prefix="rtsp-server-", suffix=".log", delete=False)  # noqa: SIM115
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=self.log)
        deadline = time.monotonic() + timeout
        assert self.proc.stdout is not None
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        line = self.proc.stdout.readline() if ready else b""
        if not line.startswith(b"READY"):
            self.stop()
            raise RuntimeError(f"RTSP server did not start: {line!r} {self.log_text()}")
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), timeout=1):
                return
            time.sleep(0.05)
        self.stop()
        raise RuntimeError("RTSP server does not accept connections")

    def stop(self) -> None:
        """Stop the server (thawing it first if frozen) and reap the process."""
        proc, self.proc = self.proc, None
        if proc is None:
            return
        if self.frozen:
            self.thaw(proc)
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
        if proc.stdout is not None:
            proc.stdout.close()
        if self.log is not None:
            self.log.close()
            Path(self.log.name).unlink(missing_ok=True)
            self.log = None

    def log_text(self) -> str:
        """What the server wrote on stderr so far (for failure messages)."""
        if self.log is None:
            return ""
        return Path(self.log.name).read_text(errors="replace")[-2000:]

    def restart(self) -> None:
        """Start again on the same port, as a rebooted camera does."""
        self.stop()
        self.start()

    def freeze(self) -> None:
        """SIGSTOP: the server keeps its sockets open but sends nothing (a hung camera)."""
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGSTOP)
        self.frozen = True

    def thaw(self, proc: subprocess.Popen[bytes] | None = None) -> None:
        """SIGCONT after :meth:`freeze`."""
        target = proc or self.proc
        assert target is not None
        os.kill(target.pid, signal.SIGCONT)
        self.frozen = False


@functools.cache
def _gstreamer_missing() -> str | None:
    if not Path(SYSTEM_PYTHON).exists():
        return "Debian's /usr/bin/python3 with python3-gi is needed for the RTSP server"
    probe = subprocess.run(
        [SYSTEM_PYTHON, "-c", "import gi; gi.require_version('GstRtspServer', '1.0')"],
        capture_output=True,
        check=False,
    )
    if probe.returncode != 0:
        return "gir1.2-gst-rtsp-server-1.0 and python3-gi are needed for the RTSP server"
    return None


def need_gstreamer() -> None:
    """Skip the test when the Debian GStreamer RTSP server is not installed."""
    missing = _gstreamer_missing()
    if missing:
        pytest.skip(missing)


def _server(spec: MediaSpec) -> Iterator[RtspServer]:
    need_gstreamer()
    server = RtspServer(ensure_media(spec), spec)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def rtsp_server() -> Iterator[RtspServer]:
    """A running RTSP server with 1080p25 H.264 at 4 Mbit/s, GOP 1 s, burned-in clock."""
    yield from _server(MAIN)


@pytest.fixture
def rtsp_server_h265() -> Iterator[RtspServer]:
    """A running RTSP server with 720p25 H.265."""
    yield from _server(HEVC)


@pytest.fixture
def rtsp_server_audio() -> Iterator[RtspServer]:
    """A running RTSP server with 360p25 H.264 and AAC audio (a 1 kHz tone)."""
    yield from _server(AUDIO)
