"""Screenshots of the exam-room window on demo data, for the issue notes and a look by eye.

    xvfb-run -a -s "-screen 0 1400x900x24" .venv/bin/python tools/screenshots.py --out /tmp/shots

Builds a throw-away installation (a site, room 101 with three demo cameras and one RTSP camera that
nobody answers, a session running now), runs the real recorder under the window's supervisor, kills
it once so the timeline shows a ``recorder_stopped`` gap, marks an incident, then saves
``live_wall.png``, ``timeline.png`` and ``player.png``. Runs in about a minute.

``--bundles`` instead shoots the case-bundle dialogs on a site with two confirmed incidents:
``bundle_export.png``, ``bundle_export_progress.png``, ``bundle_export_done.png``,
``bundle_verify.png``, ``bundle_verify_damaged.png`` and the slip ``bundle_slip.pdf`` (seconds).
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


def build_bundle_site(data_dir: Path) -> None:
    """Staff S1, S2, H1 and the site device key S01 (test-cost keystores, passphrase "<no> passphrase"),
    and two incidents co-signed and confirmed (art. 15), each with a 24 MB clip."""
    import hashlib

    from examsite.config import Paths
    from examsite.identity.staff import KdfChoice, enrol_staff, init_issuer, unlock_staff_key
    from examsite.incidents.workflow import confirm_incident, create_draft, sign_incident
    from examsite.sites.idnumber import check_character
    from examsite.sites.setup import SiteSpec, init_site
    from examsite.store.engine import open_store
    from examsite.store.models import EvidenceItem

    kdf = KdfChoice(memory_kib=256, time_cost=1, allow_weak=True)
    paths = Paths(data_dir)
    store = open_store(f"sqlite:///{paths.database}")
    try:
        with store.session() as session:
            init_site(
                session, SiteSpec("HB-0427", "武汉市职业技能评价中心", "武汉", "S01", "第一考点", ("101",))
            )
        init_issuer(
            store,
            paths,
            code="HB-0427",
            name="武汉市职业技能评价中心",
            passphrase="issuer passphrase",
            kdf=kdf,
        )
        people = {
            "S1": ("李四", "invigilator"),
            "S2": ("王五", "examiner"),
            "H1": ("陈主任", "room_head"),
            "S01": ("第一考点设备", "site_device"),
        }
        for no, (name, role) in people.items():
            passphrase = f"{no} passphrase"
            enrol_staff(
                store,
                paths,
                staff_no=no,
                name=name,
                roles=[role],
                passphrase=passphrase,
                issuer_passphrase="issuer passphrase",
                kdf=kdf,
            )
        keys = {no: unlock_staff_key(store, paths, no, f"{no} passphrase", kdf) for no in ("S1", "S2", "H1")}
        paths.evidence.mkdir(parents=True, exist_ok=True)
        id_stem = "42010619900307123"
        for n, name in enumerate(("张三", "赵六")):
            data = os.urandom(24_000_000 + n)
            digest = hashlib.sha256(data).hexdigest()
            (paths.evidence / f"clip{n}.mp4").write_bytes(data)
            with store.session() as session:
                item = EvidenceItem(
                    sha256=digest,
                    size=len(data),
                    media_type="video/mp4",
                    kind="video_clip",
                    path=f"clip{n}.mp4",
                )
                session.add(item)
            clip = {
                "sha256": digest,
                "size": len(data),
                "media_type": "video/mp4",
                "kind": "video_clip",
                "camera": "101-前门",
                "description": "",
                "receipt_number": "",
                "span": {"start": "2026-06-13T01:13:00.000Z", "end": "2026-06-13T01:16:00.000Z"},
            }
            subject = {
                "kind": "candidate",
                "name": name,
                "id_number": id_stem + check_character(id_stem),
                "admission_number": f"A00{n + 1}",
                "seat": str(12 + n),
            }
            fields = {
                "room": "101",
                "article": "6.1",
                "facts": "考生在座位上使用手机拍摄试题。",
                "subject": subject,
                "on_site_handling": "监考人员当场收缴手机，开具暂扣收据。",
                "occurred_at": "2026-06-13T01:14:00.000Z",
                "acknowledgement": {"kind": "refused", "note": "考生拒绝签字"},
                "witnesses": [{"name": "李四", "role": "invigilator", "staff_id": "S1"}],
                "evidence": [clip],
            }
            with store.session() as session:
                incident_id = create_draft(session, fields, actor="S1").incident_id
            for who in ("S1", "S2"):
                with store.session() as session:
                    sign_incident(session, incident_id, keys[who], version=1)
            with store.session() as session:
                confirm_incident(session, incident_id, keys["H1"], version=1)
    finally:
        store.close()


def shoot_bundles(data_dir: Path, out: Path, lang: str) -> None:
    """The export dialog filled in, its progress, the result; verify of the bundle and of a damaged copy."""
    os.environ["EXAMSITE_TEST_WEAK_KDF"] = "1"  # the keystores above use the test cost
    build_bundle_site(data_dir)
    from examsite.bundle.recipients import generate_identity, identity_recipient, write_identity
    from examsite.cli.context import CliContext
    from examsite.gui.app import create_main_window
    from examsite.gui.qt import QApplication, QSettings

    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(data_dir / "settings"))
    ctx = CliContext()
    window = create_main_window(ctx, lang=lang, offer_demo=False)
    app = QApplication.instance()
    window.show()
    try:
        centre, institution = generate_identity(), generate_identity()
        window.open_bundle_export()
        export = window.bundle_dialog
        _wait(app, lambda: export.context is not None, 20, "the export dialog")
        export.ui.recipients.setPlainText(f"{identity_recipient(centre)}\n{identity_recipient(institution)}")
        export.ui.exporter.setText("李四")
        export.ui.passphrase.setText("S01 passphrase")
        _settle(app, 0.3)
        _shoot(export, out / "bundle_export.png")
        export.export_button.click()

        def moving() -> bool:
            return export.result is not None or (export.progress is not None and export.progress.value() > 50)

        _wait(app, moving, 60, "export progress")
        if export.progress is not None:  # a fast disk may finish before the bar is seen
            _shoot(export.progress, out / "bundle_export_progress.png")
        _wait(app, lambda: export.job is None, 60, "the export")
        if export.result is None:
            raise SystemExit(f"export failed: {export.ui.errorLabel.text()}")
        _settle(app, 0.3)
        _shoot(export, out / "bundle_export_done.png")
        bundle = export.result.bundle.path
        export.save_slip(out / "bundle_slip.pdf")
        _wait(app, lambda: (out / "bundle_slip.pdf").exists(), 20, "the slip")
        print(out / "bundle_slip.pdf")
        export.reject()

        identity = data_dir / "centre.key"
        write_identity(identity, centre)
        window.open_bundle_import()
        check = window.bundle_dialog
        check.ui.identityFile.setText(str(identity))
        check.ui.receiver.setText("王科长")
        damaged = data_dir / "damaged.age"
        data = bytearray(bundle.read_bytes())
        data[len(data) // 2] ^= 1
        damaged.write_bytes(bytes(data))
        for path, name in ((bundle, "bundle_verify.png"), (damaged, "bundle_verify_damaged.png")):
            check.ui.bundleFile.setText(str(path))
            check.ui.verifyButton.click()
            _wait(app, lambda: check.job is None and (check.outcome or check.error) is not None, 60, "verify")
            _settle(app, 0.3)
            _shoot(check, out / name)
        check.reject()
    finally:
        window.close()
        ctx.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("/tmp/shots"))
    parser.add_argument("--data-dir", type=Path, help="installation to create (default: a temporary folder)")
    parser.add_argument("--lang", default="zh_CN", choices=("zh_CN", "en"))
    parser.add_argument("--bundles", action="store_true", help="shoot the case-bundle dialogs instead")
    args = parser.parse_args()
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="examsite-shots-"))
    data_dir.mkdir(parents=True, exist_ok=True)
    os.environ["EXAMSITE_DATA_DIR"] = str(data_dir)
    os.environ.pop("EXAMSITE_DB", None)
    args.out.mkdir(parents=True, exist_ok=True)
    if args.bundles:
        shoot_bundles(data_dir, args.out, args.lang)
        return 0
    build_demo(data_dir)

    from examsite.cli.context import CliContext
    from examsite.clock import utc_now
    from examsite.gui.app import create_main_window
    from examsite.gui.qt import QApplication, QSettings
    from examsite.incidents.marks import mark_moment

    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(data_dir / "settings"))
    ctx = CliContext()
    # The window's own recorder supervisor and pages, as a user gets them.
    window = create_main_window(ctx, lang=args.lang, offer_demo=False, record=True)
    app = QApplication.instance()
    window.resize(1380, 860)
    window.show()
    supervisor = window.supervisor
    assert supervisor is not None
    # Set before the window starts it (on its first overview): short segments, a visible crash gap.
    supervisor.record_args = ["--segment-seconds", "2", "--open-timeout", "1", "--read-timeout", "2"]
    supervisor.backoff_initial = 6.0
    wall = window.live_wall
    window.show_live_wall()
    _wait(app, lambda: window.room_combo.currentText() == "101", 20, "the rooms")
    wall.set_room("101")
    try:
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

        timeline = window.timeline
        window.show_timeline()
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
