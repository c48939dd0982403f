"""Camera sources: validation, and credentials kept out of every string a person or a log sees."""

from __future__ import annotations

from pathlib import Path

import pytest

from examsite.errors import InvalidInput
from examsite.evidence.sources import (
    Camera,
    DemoSource,
    FileSource,
    RtspSource,
    UsbSource,
    check_camera_id,
    redact_text,
    redact_url,
)

URL = "rtsp://admin:S3cret!@192.168.1.64:554/Streaming/Channels/101"


def test_redact_url_hides_the_password_and_keeps_the_rest() -> None:
    assert redact_url(URL) == "rtsp://admin:***@192.168.1.64:554/Streaming/Channels/101"
    assert redact_url("rtsp://10.0.0.5/live?user=a&password=xyz&ch=1") == (
        "rtsp://10.0.0.5/live?user=a&password=***&ch=1"
    )
    assert redact_url("rtsp://onlyuser@h/x") == "rtsp://onlyuser@h/x"
    assert redact_url("rtsp://h:554/x") == "rtsp://h:554/x"


def test_redact_text_cleans_ffmpeg_messages() -> None:
    text = f"[Errno 111] Connection refused: '{URL}'"
    assert "S3cret" not in redact_text(text)
    assert "admin:***@192.168.1.64" in redact_text(text)


def test_rtsp_source_never_shows_credentials() -> None:
    source = RtspSource(URL, sub_url=URL.replace("101", "102"))
    for text in (str(source), repr(source), repr(source.recording_input()), str(Camera("c1", source))):
        assert "S3cret" not in text
    spec = source.recording_input()
    assert spec.url == URL  # the real URL is only handed to FFmpeg
    assert spec.options["rtsp_transport"] == "tcp"
    assert source.preview_input().url.endswith("/102")
    assert RtspSource(URL).preview_input().url == URL


@pytest.mark.parametrize(
    "url",
    ["http://cam/x", "rtsp:///nohost", "192.168.1.64:554/stream", "rtsp://h:0/x", "rtsp://h:99999/x"],
)
def test_rtsp_source_rejects_bad_urls_without_echoing_secrets(url: str) -> None:
    with pytest.raises(InvalidInput):
        RtspSource(url.replace("//", "//u:pw@", 1) if "//" in url else url)


def test_bad_url_message_is_redacted() -> None:
    with pytest.raises(InvalidInput) as caught:
        RtspSource("http://admin:S3cret@cam/x")
    assert "S3cret" not in str(caught.value)


@pytest.mark.parametrize("camera_id", ["", "-x", "a/b", "..", "a b", "x" * 65, "摄像头1"])
def test_camera_ids_must_be_folder_safe(camera_id: str) -> None:
    with pytest.raises(InvalidInput, match="camera id"):
        check_camera_id(camera_id)


def test_other_sources_validate_their_parameters(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="does not exist"):
        FileSource(tmp_path / "nope.ts")
    with pytest.raises(InvalidInput, match="even"):
        DemoSource(width=641)
    with pytest.raises(InvalidInput, match="out of range"):
        UsbSource("/dev/video0", fps=0)
    with pytest.raises(InvalidInput, match="empty"):
        UsbSource(" ")
    assert UsbSource("/dev/video0").recording_input().options["video_size"] == "1280x720"
    clip = tmp_path / "a.ts"
    clip.write_bytes(b"x")
    assert FileSource(clip).recording_input().live is False
