"""Where a camera's video comes from: RTSP main/sub streams, a USB device, a file, or the demo pattern.

Every source knows how to open its recording input (``recording_input``) and its preview input
(``preview_input``, the sub stream where there is one) as an :class:`InputSpec` for PyAV. Credentials
never leave this module in clear: ``str``/``repr`` of a source or spec and every error message carry
the URL with the password replaced by ``***`` (a user name is kept, it helps to tell cameras apart).
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal
from urllib.parse import SplitResult, urlsplit, urlunsplit

from examsite.errors import InvalidInput

#: Query parameters some cameras take credentials in (``...?user=admin&password=...``).
_SECRET_PARAMS = re.compile(r"(?i)\b(password|passwd|pwd|pass|token|key|auth)=([^&#\s]*)")
_URL_IN_TEXT = re.compile(r"(?i)\b(rtsps?|https?)://[^\s'\"]+")
_CAMERA_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")

SourceKind = Literal["rtsp", "usb", "file", "demo"]


def redact_url(url: str) -> str:
    """Return ``url`` with any password (userinfo or query parameter) replaced by ``***``."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparseable url>"
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, host = netloc.rsplit("@", 1)
        user = userinfo.split(":", 1)[0]
        netloc = f"{user}:***@{host}" if ":" in userinfo else f"{user}@{host}"
    query = _SECRET_PARAMS.sub(lambda m: f"{m.group(1)}=***", parts.query)
    return urlunsplit(SplitResult(parts.scheme, netloc, parts.path, query, parts.fragment))


def redact_text(text: str) -> str:
    """Redact every URL found inside free text (FFmpeg error messages quote the URL they failed on)."""
    return _URL_IN_TEXT.sub(lambda m: redact_url(m.group(0)), text)


def check_camera_id(camera_id: str) -> str:
    """Validate a camera id: it names a folder of recordings, so it must be a plain, short token."""
    if not _CAMERA_ID.match(camera_id):
        raise InvalidInput(
            f"camera id {camera_id!r} is not usable as a folder name",
            hint="use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit",
        )
    return camera_id


@dataclass(frozen=True, repr=False)
class InputSpec:
    """What ``av.open`` needs: a URL or device, an optional demuxer name and demuxer options."""

    url: str
    format: str | None = None
    options: dict[str, str] = field(default_factory=dict)
    #: True when the input delivers packets at their own pace (cameras); files are paced by the reader.
    live: bool = True

    def __repr__(self) -> str:
        return f"InputSpec({redact_url(self.url)!r}, format={self.format!r})"

    __str__ = __repr__


def _check_rtsp_url(url: str, what: str) -> None:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise InvalidInput(f"{what} is not a valid URL: {redact_url(url)}", hint=str(exc)) from None
    if parts.scheme.lower() not in ("rtsp", "rtsps") or not parts.hostname:
        raise InvalidInput(
            f"{what} must be an rtsp:// URL with a host, got {redact_url(url)}",
            hint="for example rtsp://user:password@192.168.1.64:554/Streaming/Channels/101",
        )
    if port == 0:
        raise InvalidInput(f"{what} has port 0: {redact_url(url)}")


@dataclass(frozen=True, repr=False)
class RtspSource:
    """An IP camera: the main stream is recorded, the sub stream (if any) feeds previews and tamper checks."""

    main_url: str
    sub_url: str | None = None
    #: RTSP over TCP by default: UDP loses packets on busy school networks and cannot cross NAT.
    transport: Literal["tcp", "udp"] = "tcp"
    kind: SourceKind = field(default="rtsp", init=False)

    def __post_init__(self) -> None:
        _check_rtsp_url(self.main_url, "main stream URL")
        if self.sub_url is not None:
            _check_rtsp_url(self.sub_url, "sub stream URL")
        if self.transport not in ("tcp", "udp"):
            raise InvalidInput(f"RTSP transport must be tcp or udp, got {self.transport!r}")

    def _spec(self, url: str) -> InputSpec:
        # A small probe opens a stream in ~0.07 s instead of ~1.1 s; the SDP already names the codecs.
        options = {
            "rtsp_transport": self.transport,
            "probesize": "65536",
            "analyzeduration": "0",
        }
        return InputSpec(url, None, options, live=True)

    def recording_input(self) -> InputSpec:
        """The main stream, recorded by stream copy."""
        return self._spec(self.main_url)

    def preview_input(self) -> InputSpec:
        """The sub stream where the camera has one, else the main stream."""
        return self._spec(self.sub_url or self.main_url)

    def __repr__(self) -> str:
        sub = f", sub={redact_url(self.sub_url)!r}" if self.sub_url else ""
        return f"RtspSource({redact_url(self.main_url)!r}{sub})"

    __str__ = __repr__


@dataclass(frozen=True)
class UsbSource:
    """A USB (UVC) camera. Its raw or MJPEG frames are encoded to H.264 before recording."""

    device: str
    width: int = 1280
    height: int = 720
    fps: int = 25
    kind: SourceKind = field(default="usb", init=False)

    def __post_init__(self) -> None:
        if not self.device.strip():
            raise InvalidInput("USB camera device is empty", hint="e.g. /dev/video0 or the DirectShow name")
        if not (16 <= self.width <= 7680 and 16 <= self.height <= 4320 and 1 <= self.fps <= 120):
            raise InvalidInput(f"USB camera mode {self.width}x{self.height}@{self.fps} is out of range")

    def recording_input(self) -> InputSpec:
        """The platform's capture demuxer for this device."""
        options = {"video_size": f"{self.width}x{self.height}", "framerate": str(self.fps)}
        if sys.platform.startswith("win"):
            return InputSpec(f"video={self.device}", "dshow", options)
        if sys.platform == "darwin":
            return InputSpec(self.device, "avfoundation", options)
        return InputSpec(self.device, "v4l2", options)

    def preview_input(self) -> InputSpec:
        """The same device (a USB camera has one stream)."""
        return self.recording_input()


@dataclass(frozen=True)
class FileSource:
    """A video file played as if it were a camera (paced at its own frame rate): tests and training."""

    path: Path
    kind: SourceKind = field(default="file", init=False)

    def __post_init__(self) -> None:
        if not Path(self.path).is_file():
            raise InvalidInput(f"video file {self.path} does not exist", hint="check the path")

    def recording_input(self) -> InputSpec:
        """The file itself, read at real-time pace by the recorder."""
        return InputSpec(str(self.path), None, {}, live=False)

    def preview_input(self) -> InputSpec:
        """The same file."""
        return self.recording_input()


@dataclass(frozen=True)
class DemoSource:
    """A generated test pattern with the laptop's clock burned in, so the app works with no camera."""

    width: int = 640
    height: int = 360
    fps: int = 10
    label: str = "DEMO"
    kind: SourceKind = field(default="demo", init=False)

    def __post_init__(self) -> None:
        if not (64 <= self.width <= 1920 and 64 <= self.height <= 1080 and 1 <= self.fps <= 30):
            raise InvalidInput(f"demo pattern {self.width}x{self.height}@{self.fps} is out of range")
        if self.width % 2 or self.height % 2:
            raise InvalidInput("demo pattern width and height must be even (4:2:0 video)")


CameraSource = RtspSource | UsbSource | FileSource | DemoSource


@dataclass(frozen=True)
class Camera:
    """One camera as the recorder sees it: a folder-safe id and where its video comes from."""

    camera_id: str
    source: CameraSource
    name: str = ""

    def __post_init__(self) -> None:
        check_camera_id(self.camera_id)

    def __str__(self) -> str:
        return f"{self.camera_id} ({self.source})"
