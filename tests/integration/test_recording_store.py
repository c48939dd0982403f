"""The recorder process on the store: segments indexed, gaps explained, SIGKILL survived, clips linked.

Runs the real `examsite record` process on the demo camera (a generated H.264 pattern with a clock)
and an unreachable RTSP camera, so no camera hardware is needed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import av
import pytest
from sqlalchemy import func, select

from examsite.clock import utc_now
from examsite.config import Paths
from examsite.evidence.index import coverage, sync_journal
from examsite.evidence.segments import SegmentJournal, verify_segments
from examsite.incidents.evidence import ClipRequest, cut_and_attach_clip, wait_for_post_roll
from examsite.incidents.marks import mark_moment
from examsite.sites.cameras import CameraSpec, add_camera
from examsite.sites.setup import SiteSpec, init_site
from examsite.store.engine import Store
from examsite.store.models import CameraKind, EvidenceItem, Segment

pytestmark = pytest.mark.slow


def _segments(store: Store, camera_id: str) -> int:
    with store.session() as session:
        return session.execute(
            select(func.count()).select_from(Segment).where(Segment.camera_id == camera_id)
        ).scalar_one()


def _wait(predicate, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


@pytest.fixture
def cameras(store: Store) -> tuple[str, str]:
    with store.session() as session:
        site = init_site(session, SiteSpec("HB1", "机构", "", "S1", "考点", ("101",)))
        demo = add_camera(session, site, CameraSpec("101", "前", CameraKind.DEMO), actor="t")
        dead = add_camera(
            session, site, CameraSpec("101", "后", CameraKind.RTSP, "rtsp://127.0.0.1:9/none"), actor="t"
        )
        return demo.id, dead.id


@pytest.fixture
def start_recorder(data_dir: Path) -> Iterator:  # type: ignore[type-arg]
    procs: list[subprocess.Popen[bytes]] = []

    def start() -> subprocess.Popen[bytes]:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "examsite.cli.main",
                "record",
                "--segment-seconds",
                "1",
                "--read-timeout",
                "2",
                "--open-timeout",
                "2",
            ],
            env={**os.environ, "EXAMSITE_DATA_DIR": str(data_dir)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        procs.append(proc)
        return proc

    yield start
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=30)


def test_record_kill_restart_and_clip(
    store: Store, paths: Paths, cameras: tuple[str, str], start_recorder
) -> None:  # type: ignore[no-untyped-def]
    demo, dead = cameras
    began = utc_now()
    proc = start_recorder()
    _wait(lambda: _segments(store, demo) >= 3, 60, "three demo segments")
    os.kill(proc.pid, signal.SIGKILL)  # the window's supervisor would restart it; we do it by hand
    proc.wait(timeout=10)
    killed_at = utc_now()

    journal = SegmentJournal(paths.recordings / demo, demo).load()
    assert verify_segments(journal) == []  # every sealed segment intact and chained
    # what the journal has but the index lacks (a kill between the two) is indexed at restart
    indexed_before = _segments(store, demo)
    assert sync_journal(store, paths.recordings, demo) == len(journal) - indexed_before

    proc = start_recorder()
    _wait(lambda: _segments(store, demo) >= len(journal) + 3, 60, "recording to resume")
    with store.session() as session:
        incident = mark_moment(session, marked_by="t", room="101", at=utc_now() - timedelta(seconds=2))
        incident_id, at = incident.id, incident.marked_at
    assert wait_for_post_roll(store, demo, at + timedelta(seconds=1), timeout=30)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 0

    item = cut_and_attach_clip(
        store,
        ClipRequest(incident_id, demo, at, before=timedelta(seconds=2), after=timedelta(seconds=1)),
        paths.recordings,
        paths.evidence,
        actor="t",
    )
    clip = paths.evidence / item.path
    assert clip.stat().st_mode & 0o777 == 0o400
    with av.open(str(clip)) as container:
        frames = sum(1 for _ in container.decode(video=0))
    assert frames >= 20  # 3 s at 10 fps, from the keyframe at or before the start
    with store.session() as session:
        assert session.execute(select(EvidenceItem)).scalar_one().sha256 == item.sha256
        pinned = session.execute(select(Segment).where(Segment.pinned.is_(True))).scalars().all()
        assert pinned
        assert all(p.camera_id == demo for p in pinned)

        spans = coverage(session, demo, began, utc_now())
        assert spans[0].kind == "recorded" or spans[0].seconds < 5  # start-up takes a moment
        holes = [s for s in spans if s.kind == "gap"]
        # the SIGKILL left a hole from the last sealed segment until the restart: no reason reported
        assert any(s.reason in ("recorder_stopped", "unaccounted") and s.start <= killed_at for s in holes)
        dead_spans = coverage(session, dead, began, utc_now())
        assert {s.reason for s in dead_spans} >= {"camera_unreachable"}
        assert all(s.kind == "gap" for s in dead_spans)
