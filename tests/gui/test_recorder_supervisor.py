"""The recorder supervisor runs the real `examsite record` child: segments reach the store, a killed
recorder comes back, quitting stops it, a recorder that cannot start is retried with a growing delay,
and one left running by a killed app is adopted rather than doubled."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from examsite.config import Paths
from examsite.gui.recorder_supervisor import RecorderState, RecorderSupervisor, _pid_alive_recorder
from examsite.sites.cameras import CameraSpec, add_camera
from examsite.sites.setup import SiteSpec, init_site
from examsite.store.engine import Store
from examsite.store.models import CameraKind, CoverageGap, Segment

pytestmark = pytest.mark.slow

FAST = ["--segment-seconds", "1", "--read-timeout", "2", "--open-timeout", "2"]


def _segments(store: Store, camera_id: str) -> int:
    with store.session() as session:
        return int(
            session.execute(
                select(func.count()).select_from(Segment).where(Segment.camera_id == camera_id)
            ).scalar_one()
        )


@pytest.fixture
def demo_camera(store: Store) -> str:
    with store.session() as session:
        site = init_site(session, SiteSpec("HB1", "机构", "", "S1", "考点", ("101",)))
        return add_camera(session, site, CameraSpec("101", "前", CameraKind.DEMO), actor="t").id


@pytest.fixture
def supervisor(qtbot, paths: Paths) -> Iterator[RecorderSupervisor]:  # type: ignore[no-untyped-def]
    sup = RecorderSupervisor(
        paths, f"sqlite:///{paths.database}", record_args=FAST, backoff_initial=0.2, backoff_max=0.8
    )
    yield sup
    sup.stop(timeout=20)
    assert sup.pid is None


def test_records_restarts_after_kill_and_stops_on_quit(
    qtbot, store: Store, demo_camera: str, supervisor: RecorderSupervisor
) -> None:  # type: ignore[no-untyped-def]
    states: list[str] = []
    supervisor.state_changed.connect(states.append)
    with qtbot.waitSignal(
        supervisor.state_changed, timeout=30000, check_params_cb=lambda s: s == "recording"
    ):
        supervisor.start()
    assert states[0] == RecorderState.STARTING
    first_pid = supervisor.pid
    assert first_pid is not None
    assert supervisor.pid_file.read_text().strip() == str(first_pid)
    qtbot.waitUntil(lambda: _segments(store, demo_camera) >= 2, timeout=30000)

    with qtbot.waitSignal(supervisor.crashed, timeout=10000) as crashed:
        os.kill(first_pid, signal.SIGKILL)
    assert crashed.args[0] < 0  # killed by a signal, not a clean exit
    assert supervisor.state == RecorderState.RESTARTING
    assert "restarting" in supervisor.status_text().lower() or "重启" in supervisor.status_text()
    qtbot.waitUntil(lambda: supervisor.state == RecorderState.RECORDING, timeout=30000)
    second_pid = supervisor.pid
    assert second_pid not in (None, first_pid)
    assert supervisor.restarts == 1
    before = _segments(store, demo_camera)
    qtbot.waitUntil(lambda: _segments(store, demo_camera) >= before + 2, timeout=30000)
    # the restarted recorder explained the hole the kill left
    with store.session() as session:
        reasons = set(session.execute(select(CoverageGap.reason)).scalars())
    assert "recorder_stopped" in reasons

    assert supervisor.stop(timeout=20) is True  # SIGTERM: it sealed its segment and exited by itself
    assert supervisor.state == RecorderState.STOPPED
    assert supervisor.last_exit == 0
    assert not _pid_alive_recorder(second_pid)
    assert not supervisor.pid_file.exists()
    assert states[-1] == RecorderState.STOPPED


def test_a_recorder_that_cannot_start_is_retried_with_growing_delay(
    qtbot, store: Store, supervisor: RecorderSupervisor
) -> None:  # type: ignore[no-untyped-def]
    # No camera is registered: `examsite record` exits 2 with a one-line error each time.
    codes: list[int] = []
    supervisor.crashed.connect(codes.append)
    supervisor.start()
    qtbot.waitUntil(lambda: len(codes) >= 3, timeout=60000)
    assert set(codes) == {2}
    assert "no enabled camera" in supervisor.last_error
    assert "no enabled camera" in supervisor.status_text()
    # 0.2 s, 0.4 s, then capped at 0.8 s
    assert supervisor._backoff == pytest.approx(0.8)
    assert supervisor.state in (RecorderState.RESTARTING, RecorderState.STARTING)


def test_adopts_a_recorder_left_by_a_killed_app(
    qtbot, store: Store, paths: Paths, demo_camera: str, supervisor: RecorderSupervisor
) -> None:  # type: ignore[no-untyped-def]
    orphan = subprocess.Popen(
        [sys.executable, "-m", "examsite.cli.main", "record", *FAST],
        env={**os.environ, "EXAMSITE_DATA_DIR": str(paths.data_dir)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        Path(supervisor.pid_file).write_text(f"{orphan.pid}\n")
        qtbot.waitUntil(lambda: _pid_alive_recorder(orphan.pid), timeout=10000)
        supervisor.start()
        assert supervisor.state == RecorderState.RECORDING
        assert supervisor.pid == orphan.pid  # no second recorder on the same folders
        qtbot.waitUntil(lambda: _segments(store, demo_camera) >= 1, timeout=30000)
        # the orphan dies: the supervisor notices and starts its own
        with qtbot.waitSignal(supervisor.crashed, timeout=10000):
            orphan.kill()
            orphan.wait(timeout=10)
        qtbot.waitUntil(lambda: supervisor.state == RecorderState.RECORDING, timeout=30000)
        assert supervisor.pid not in (None, orphan.pid)
    finally:
        if orphan.poll() is None:
            orphan.kill()
        orphan.wait(timeout=10)
