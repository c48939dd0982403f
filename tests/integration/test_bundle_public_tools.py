"""A bundle opens with the public tools alone: Debian's ``age -d -i``, ``tar -x`` and ``sha256sum -c``.

These are exactly the commands of docs/bundle-format.md ("Opening a bundle by hand"). The evidence is
a real H.264 clip made with PyAV, so the file that comes out plays in any player.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import subprocess
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from examsite.bundle.recipients import write_identity
from examsite.bundle.writer import write_bundle
from tests.support.bundle_factory import Keys, confirmed_record, evidence_file, request

pytestmark = pytest.mark.skipif(
    not all(shutil.which(tool) for tool in ("age", "tar", "sha256sum")),
    reason="needs Debian's age and coreutils",
)


def tiny_clip(path: Path, frames: int = 12) -> bytes:
    """A real 64x48 H.264 MP4 of a moving bar, a few kilobytes."""
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=12)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        stream.time_base = Fraction(1, 12)
        for index in range(frames):
            image = np.zeros((48, 64, 3), dtype=np.uint8)
            image[:, (index * 5) % 64 : (index * 5) % 64 + 8] = 255
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            frame.pts = index
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path.read_bytes()


def run(command: str, cwd: Path) -> str:
    done = subprocess.run(
        command, shell=True, cwd=cwd, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"
    return done.stdout


def test_open_and_check_a_bundle_with_age_tar_and_sha256sum(tmp_path: Path) -> None:
    keys = Keys()
    clip = evidence_file(tmp_path / "site" / "evidence", tiny_clip(tmp_path / "clip.mp4"))
    base = request(keys, tmp_path / "site", records=2)
    extra = confirmed_record(keys, "inc-clip", [clip])
    from dataclasses import replace

    req = replace(base, records=(*base.records, extra), evidence=(*base.evidence, clip))
    written = write_bundle(tmp_path / "case-bundle.age", req)
    write_identity(tmp_path / "institution.key", keys.recipient)
    out = tmp_path / "opened"
    out.mkdir()

    # the commands of docs/bundle-format.md, verbatim
    run("age -d -i institution.key -o case-bundle.tar case-bundle.age", tmp_path)
    run("tar -x -f case-bundle.tar -C opened", tmp_path)
    checked = run("sha256sum -c --strict SHA256SUMS", out)
    assert checked.count(": OK") == len(written.manifest.members) - 1  # all but SHA256SUMS itself
    shown = run(
        "python3 -c 'import base64,json; print(json.dumps(json.loads(base64.b64decode(json.load("
        'open("manifest.dsse.json"))["payload"])), ensure_ascii=False, indent=1))\'',
        out,
    )
    assert json.loads(shown)["bundle_id"] == written.bundle_id
    manifest = json.loads(base64.b64decode(json.loads((out / "manifest.dsse.json").read_bytes())["payload"]))
    sums_entry = manifest["members"][0]
    assert sums_entry["path"] == "SHA256SUMS"
    assert run("sha256sum SHA256SUMS", out).split()[0] == sums_entry["sha256"]
    # tar sees plain regular files, and the clip comes out as the same playable video
    listing = run("tar -t -v -f case-bundle.tar", tmp_path).splitlines()
    assert all(line.startswith("-rw-r--r-- 0/0") for line in listing)
    assert (out / "evidence" / clip.sha256).read_bytes() == clip.path.read_bytes()
    with av.open(str(out / "evidence" / clip.sha256)) as container:
        assert container.streams.video[0].codec_context.name == "h264"
    assert hashlib.sha256((tmp_path / "case-bundle.age").read_bytes()).hexdigest() == written.sha256

    # a changed file is what sha256sum -c reports
    victim = out / "evidence" / clip.sha256
    victim.chmod(0o644)
    victim.write_bytes(victim.read_bytes() + b"\x00")
    failed = subprocess.run(
        ["sha256sum", "-c", "--strict", "SHA256SUMS"], cwd=out, capture_output=True, text=True
    )
    assert failed.returncode == 1
    assert f"evidence/{clip.sha256}: FAILED" in failed.stdout


def test_age_refuses_the_wrong_identity(tmp_path: Path) -> None:
    keys = Keys()
    written = write_bundle(tmp_path / "b.age", request(keys, tmp_path / "site", records=1))
    write_identity(tmp_path / "other.key", Keys().recipient)
    done = subprocess.run(
        ["age", "-d", "-i", "other.key", str(written.path)], cwd=tmp_path, capture_output=True, timeout=60
    )
    assert done.returncode != 0
    assert b"no identity matched" in done.stderr.lower()
