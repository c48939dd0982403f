"""The camera registry of each room: RTSP main/sub streams, USB devices, files, the demo pattern.

Passwords are stored apart from the URLs and only joined into the URL handed to FFmpeg, so a URL that
reaches a log, a screen or an error message never carries them (see ``evidence.sources.redact_url``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from examsite import audit
from examsite.canonical import canonical_bytes
from examsite.errors import InvalidInput, NotFound
from examsite.evidence.sources import Camera as SourceCamera
from examsite.evidence.sources import CameraSource, DemoSource, FileSource, RtspSource, UsbSource, redact_url
from examsite.store.models import Camera, CameraKind, Room, Site


@dataclass(frozen=True)
class CameraSpec:
    room: str
    name: str
    kind: CameraKind
    main_url: str = ""
    sub_url: str = ""
    username: str = ""
    password: str = ""


def _with_credentials(url: str, username: str, password: str) -> str:
    if not url or not username:
        return url
    parts = urlsplit(url)
    host = parts.netloc.rsplit("@", 1)[-1]
    userinfo = quote(username, safe="") + (":" + quote(password, safe="") if password else "")
    return urlunsplit(parts._replace(netloc=f"{userinfo}@{host}"))


def source_of(camera: Camera) -> CameraSource:
    """The recorder's description of a registered camera (credentials joined in here only)."""
    kind = CameraKind(camera.kind)
    if kind is CameraKind.RTSP:
        sub = _with_credentials(camera.sub_url, camera.username, camera.password) or None
        return RtspSource(_with_credentials(camera.main_url, camera.username, camera.password), sub)
    if kind is CameraKind.USB:
        return UsbSource(camera.main_url)
    if kind is CameraKind.FILE:
        return FileSource(Path(camera.main_url))
    return DemoSource(label=camera.name[:20] or "DEMO")


def recorder_camera(camera: Camera) -> SourceCamera:
    """The camera as the recording engine takes it: its store id names its recordings folder."""
    return SourceCamera(camera.id, source_of(camera), camera.name)


def add_camera(session: Session, site: Site, spec: CameraSpec, actor: str) -> Camera:
    """Register a camera in a room; the source is checked before anything is stored."""
    room = session.execute(
        select(Room).where(Room.site_id == site.id, Room.name == spec.room)
    ).scalar_one_or_none()
    if room is None:
        raise NotFound(f"no room {spec.room!r}", hint="add the room first with `examsite init --room`")
    name = spec.name.strip()
    if not name:
        raise InvalidInput("a camera needs a name", hint="e.g. 前 or 后, as staff call it")
    if any(c.name == name for c in room.cameras):
        raise InvalidInput(f"room {room.name} has a camera named {name} already", hint="choose another name")
    if spec.username and "@" in urlsplit(spec.main_url).netloc:
        raise InvalidInput("give the user name either in the URL or separately, not both")
    camera = Camera(
        room_id=room.id,
        name=name,
        kind=CameraKind(spec.kind).value,
        main_url=spec.main_url.strip(),
        sub_url=spec.sub_url.strip(),
        username=spec.username,
        password=spec.password,
    )
    source_of(camera)  # raises InvalidInput for a bad URL, a missing file, ...
    session.add(camera)
    session.flush()
    audit.append(
        session,
        actor=actor,
        action="camera.added",
        object_type="camera",
        object_id=camera.id,
        content=canonical_bytes(
            {"room": room.name, "name": name, "kind": camera.kind, "main": redact_url(camera.main_url)}
        ),
    )
    return camera


def set_camera_enabled(session: Session, camera: Camera, enabled: bool, actor: str) -> bool:
    """Enable or disable a camera (a disabled one is kept with its recordings but not recorded).

    Returns whether anything changed; a change is an audit entry, a repeated request is not.
    """
    if camera.enabled == enabled:
        return False
    camera.enabled = enabled
    session.flush()
    audit.append(
        session,
        actor=actor,
        action="camera.enabled" if enabled else "camera.disabled",
        object_type="camera",
        object_id=camera.id,
        content=canonical_bytes({"room": camera.room.name, "name": camera.name}),
    )
    return True


def list_cameras(session: Session, room: str | None = None, enabled_only: bool = False) -> list[Camera]:
    query = select(Camera).join(Room).order_by(Room.name, Camera.name)
    if room:
        query = query.where(Room.name == room)
    if enabled_only:
        query = query.where(Camera.enabled.is_(True))
    return list(session.execute(query).scalars())


def find_camera(session: Session, name: str, room: str | None = None) -> Camera:
    """A camera by id, by name, or by ``room/name``."""
    by_id = session.get(Camera, name)
    if by_id is not None:
        return by_id
    if "/" in name and room is None:
        room, name = name.split("/", 1)
    matches = [c for c in list_cameras(session, room) if c.name == name]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise NotFound(f"no camera {name!r}", hint="see `examsite camera list`")
    raise InvalidInput(f"camera name {name!r} is used in several rooms", hint="write it as ROOM/NAME")


def describe(camera: Camera) -> str:
    """A one-line description without credentials."""
    where = redact_url(camera.main_url) if camera.kind == CameraKind.RTSP.value else camera.main_url or "demo"
    return f"{camera.room.name}/{camera.name} [{camera.kind}] {where}"


@dataclass(frozen=True)
class CameraCheck:
    ok: bool
    detail: str


def check_camera(camera: Camera, timeout: float = 5.0) -> CameraCheck:
    """Open the camera's recording stream once and read one video packet (the connection test)."""
    import av  # imported here: PyAV loads FFmpeg, which the registry itself does not need

    source = source_of(camera)
    if isinstance(source, DemoSource):
        return CameraCheck(True, f"demo pattern {source.width}x{source.height}@{source.fps}")
    spec = source.recording_input()
    try:
        with av.open(
            spec.url, format=spec.format, options=spec.options, timeout=(timeout, timeout)
        ) as container:
            if not container.streams.video:
                return CameraCheck(False, "the stream has no video")
            stream = container.streams.video[0]
            for packet in container.demux(stream):
                if packet.size:
                    break
            codec = stream.codec_context.name
            return CameraCheck(True, f"{codec} {stream.codec_context.width}x{stream.codec_context.height}")
    except (av.FFmpegError, OSError) as exc:
        from examsite.evidence.sources import redact_text

        return CameraCheck(False, redact_text(str(exc)))
