"""A real recording for the timeline and player tests, made once per module and copied per test.

The real `examsite record` process records the demo camera (an H.264 test pattern with a clock) and
an RTSP camera nobody answers at 127.0.0.1:9, in a session that began before the recorder started, so
the store holds recorded spans, a ``recorder_stopped`` gap and ``camera_unreachable`` gaps.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from examsite.clock import utc_now
from examsite.config import Paths
from examsite.sites.cameras import CameraSpec, add_camera
from examsite.sites.sessions import SessionSpec, create_session
from examsite.sites.setup import SiteSpec, init_site
from examsite.store.engine import Store, open_store
from examsite.store.models import CameraKind, CoverageGap, ExamSubject, Segment

FAST = ["--segment-seconds", "1", "--read-timeout", "2", "--open-timeout", "1"]


@dataclass(frozen=True)
class Recorded:
    paths: Paths
    demo: str
    dead: str
    session_code: str
    session_start: datetime
    recorder_started: datetime
    recorder_stopped: datetime

    @property
    def url(self) -> str:
        return f"sqlite:///{self.paths.database}"


def _count(store: Store, query) -> int:  # type: ignore[no-untyped-def]
    with store.session() as session:
        return int(session.execute(query).scalar_one())


def make_recording(root: Path, segments: int = 6) -> Recorded:
    """Record ``segments`` one-second demo segments into a fresh installation at ``root``."""
    paths = Paths(root)
    root.mkdir(parents=True, exist_ok=True)
    store = open_store(f"sqlite:///{paths.database}", backups=paths.backups)
    try:
        began = utc_now()
        with store.session() as session:
            site = init_site(session, SiteSpec("HB1", "武汉职业技能评价中心", "", "S1", "第一考点", ("101",)))
            demo = add_camera(session, site, CameraSpec("101", "前门", CameraKind.DEMO), actor="t").id
            dead = add_camera(
                session,
                site,
                CameraSpec("101", "后门", CameraKind.RTSP, "rtsp://127.0.0.1:9/main"),
                actor="t",
            ).id
            create_session(
                session,
                site,
                SessionSpec("2026A", "电工", "四级", ExamSubject.SKILLS, began - timedelta(seconds=20),
                            began + timedelta(minutes=2), ("101",)),
                actor="t",
            )  # fmt: skip
        errors = open(root / "recorder.stderr", "w+b")  # noqa: SIM115  (read back on failure)
        proc = subprocess.Popen(
            [sys.executable, "-m", "examsite.cli.main", "record", *FAST],
            env={**os.environ, "EXAMSITE_DATA_DIR": str(root), "EXAMSITE_DB": f"sqlite:///{paths.database}"},
            stdout=subprocess.DEVNULL,
            stderr=errors,
        )
        started = utc_now()
        try:
            deadline = time.monotonic() + 90
            segs = select(func.count()).select_from(Segment).where(Segment.camera_id == demo)
            gaps = select(func.count()).select_from(CoverageGap).where(CoverageGap.camera_id == dead)
            while _count(store, segs) < segments or _count(store, gaps) < 1:
                if time.monotonic() > deadline or proc.poll() is not None:
                    errors.seek(0)
                    raise AssertionError(
                        f"the recorder did not record in time: {_count(store, segs)} segment(s), "
                        f"{_count(store, gaps)} gap(s), exit {proc.poll()}: {errors.read()[-2000:]!r}"
                    )
                time.sleep(0.25)  # a child process: there is no signal to await
            proc.send_signal(signal.SIGTERM)
            code = proc.wait(timeout=30)
            errors.seek(0)
            assert code == 0, errors.read()[-2000:]
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=10)
            errors.close()
        return Recorded(paths, demo, dead, "2026A", began - timedelta(seconds=20), started, utc_now())
    finally:
        store.close()


@pytest.fixture(scope="module")
def recorded_template(tmp_path_factory: pytest.TempPathFactory) -> Recorded:
    return make_recording(tmp_path_factory.mktemp("recorded") / "data")


@pytest.fixture
def recorded(recorded_template: Recorded, tmp_path: Path) -> Recorded:
    """A private copy of the recording (tests may cut clips or damage files)."""
    target = tmp_path / "data"
    shutil.copytree(recorded_template.paths.data_dir, target)
    return Recorded(
        Paths(target),
        recorded_template.demo,
        recorded_template.dead,
        recorded_template.session_code,
        recorded_template.session_start,
        recorded_template.recorder_started,
        recorded_template.recorder_stopped,
    )


@pytest.fixture
def recorded_store(recorded: Recorded) -> Iterator[Store]:
    opened = open_store(recorded.url, backups=recorded.paths.backups)
    yield opened
    opened.close()
