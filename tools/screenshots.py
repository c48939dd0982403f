"""Screenshots of the exam-room window on demo data, for the issue notes and a look by eye.

    xvfb-run -a -s "-screen 0 1400x900x24" .venv/bin/python tools/screenshots.py --out /tmp/shots

Builds a throw-away installation (a site, room 101 with three demo cameras and one RTSP camera that
nobody answers, a session running now), runs the real recorder under the window's supervisor, kills
it once so the timeline shows a ``recorder_stopped`` gap, marks an incident, then saves
``live_wall.png``, ``timeline.png`` and ``player.png``. Runs in about a minute.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _wait(app, predicate: Callable[[], bool], timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    """Run the event loop until ``predicate`` holds (a script has no qtbot)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        app.processEvents()
        time.sleep(0.02)


def _settle(app, seconds: float) -> None:  # type: ignore[no-untyped-def]
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.02)


def _shoot(widget, path: Path) -> None:  # type: ignore[no-untyped-def]
    """Grab the window from the X server: widget.grab() would miss the video, drawn natively."""
    widget.raise_()
    widget.activateWindow()
    geometry = widget.frameGeometry()
    # The whole screen, cut to the window: video widgets render into their own native surface.
    widget.screen().grabWindow(0, geometry.x(), geometry.y(), geometry.width(), geometry.height()).save(
        str(path)
    )
    print(path)


def build_demo(data_dir: Path) -> None:
    """The demo installation: site, room 101, cameras, a session that started 30 s ago."""
    from examsite.clock import utc_now
    from examsite.sites.cameras import CameraSpec, add_camera
    from examsite.sites.sessions import SessionSpec, create_session
    from examsite.sites.setup import SiteSpec, init_site
    from examsite.store.engine import open_store
    from examsite.store.models import CameraKind, ExamSubject

    store = open_store(f"sqlite:///{data_dir / 'examsite.sqlite3'}")
    try:
        with store.session() as session:
            site = init_site(
                session,
                SiteSpec("HB-0427", "武汉市职业技能评价中心", "武汉", "S1", "第一考点", ("101", "102")),
            )
            for name in ("前门", "讲台", "后排"):
                add_camera(session, site, CameraSpec("101", name, CameraKind.DEMO), actor="demo")
            add_camera(
                session,
                site,
                CameraSpec("101", "走廊", CameraKind.RTSP, "rtsp://127.0.0.1:9/Streaming/Channels/102"),
                actor="demo",
            )
            now = utc_now()
            create_session(
                session,
                site,
                SessionSpec("2026-06-DG4", "电工", "四级/中级工", ExamSubject.SKILLS,
                            now - timedelta(seconds=30), now + timedelta(seconds=110), ("101",)),
                actor="demo",
            )  # fmt: skip
    finally:
        store.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("/tmp/shots"))
    parser.add_argument("--data-dir", type=Path, help="installation to create (default: a temporary folder)")
    parser.add_argument("--lang", default="zh_CN", choices=("zh_CN", "en"))
    args = parser.parse_args()
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="examsite-shots-"))
    data_dir.mkdir(parents=True, exist_ok=True)
    os.environ["EXAMSITE_DATA_DIR"] = str(data_dir)
    os.environ.pop("EXAMSITE_DB", None)
    args.out.mkdir(parents=True, exist_ok=True)
    build_demo(data_dir)

    from examsite.cli.context import CliContext
    from examsite.clock import utc_now
    from examsite.gui.app import create_main_window
    from examsite.gui.live_wall import LiveWallPage
    from examsite.gui.qt import QApplication, QSettings
    from examsite.gui.recorder_supervisor import RecorderSupervisor
    from examsite.gui.timeline import TimelinePage
    from examsite.incidents.marks import mark_moment

    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(data_dir / "settings"))
    ctx = CliContext()
    window = create_main_window(ctx, lang=args.lang, offer_demo=False)
    app = QApplication.instance()
    window.resize(1380, 860)
    window.show()
    supervisor = RecorderSupervisor(
        ctx.paths,
        f"sqlite:///{ctx.paths.database}",
        record_args=["--segment-seconds", "2", "--open-timeout", "1", "--read-timeout", "2"],
        backoff_initial=6.0,
    )
    wall = LiveWallPage(ctx.store, window.taskman, ctx.paths)
    window.ui.pages.addWidget(wall)
    window.ui.pages.setCurrentWidget(wall)
    wall.set_supervisor(supervisor)
    wall.set_room("101")
    try:
        supervisor.start()
        _wait(app, lambda: supervisor.state == "recording", 30, "the recorder")
        _settle(app, 18)
        os.kill(supervisor.pid or 0, signal.SIGKILL)  # a crash: the supervisor restarts it after 6 s
        _wait(app, lambda: supervisor.state == "restarting", 10, "the crash to be noticed")
        _wait(app, lambda: supervisor.state == "recording", 30, "the restart")
        with ctx.store.session() as session:
            mark_moment(session, marked_by="demo", room="101", at=utc_now() - timedelta(seconds=3))
        _settle(app, 14)
        _wait(app, lambda: all(t.status and t.status.recording for t in list(wall.tiles.values())[:3]), 20,
              "every demo tile recording")  # fmt: skip
        _settle(app, 1)
        _shoot(window, args.out / "live_wall.png")

        timeline = TimelinePage(ctx.store, window.taskman, ctx.paths)
        window.ui.pages.addWidget(timeline)
        window.ui.pages.setCurrentWidget(timeline)
        _wait(app, lambda: timeline.data is not None, 20, "the timeline")
        _settle(app, 0.5)
        _shoot(window, args.out / "timeline.png")

        data = timeline.data
        assert data is not None
        camera = data.rows[0].camera_id
        player = timeline.play(camera, utc_now() - timedelta(seconds=12))
        player.resize(900, 700)
        _wait(app, lambda: player.cut is not None or bool(player.error), 30, "the player")
        frames: list[object] = []
        player.video_widget.videoSink().videoFrameChanged.connect(frames.append)
        _wait(app, lambda: len(frames) >= 10 or bool(player.error), 20, "playback")
        _shoot(player, args.out / "player.png")
        player.close()
    finally:
        wall.stop()
        supervisor.stop(timeout=20)
        window.close()
        ctx.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
