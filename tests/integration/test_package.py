"""The Linux application bundle: built by the documented command, started offscreen, used headless.

``examsite bundle verify`` of a small case bundle runs through the frozen application too.
The bundle is built once per test session with ``bash packaging/build_linux.sh`` (about 1.5 minutes
here with PyInstaller's cache warm). ``EXAMSITE_BUNDLE=dist/examsite`` tests an existing build instead.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from examsite import __version__
from examsite.cli.main import main
from examsite.config import Paths
from examsite.identity.staff import enrol_staff, issuer_info
from examsite.store.engine import Store
from tests.support.bundle_factory import SITE_KEY_PASS, confirmed
from tests.support.postgres import postgres_server, postgres_url  # noqa: F401
from tests.support.signing import ISSUER_PASS, WEAK, full_site

ROOT = Path(__file__).resolve().parents[2]
MIGRATIONS = sorted(p.name for p in (ROOT / "examsite/store/migrations/versions").glob("[0-9]*.py"))

# The first test also waits for the build (its fixture): up to a few minutes on a cold cache.
pytestmark = [pytest.mark.package, pytest.mark.slow, pytest.mark.timeout(900)]

# Qt modules examsite never imports, and GTK/Tk: none may be in the bundle.
UNUSED = re.compile(
    r"Qt6WebEngine|Qt63D|Qt6Quick3D|Qt6Charts|Qt6DataVisualization|Qt6Graphs|Qt6Pdf|Qt6Designer|"
    r"Qt6Location|Qt6Bluetooth|Qt6Nfc|Qt6Sensors|Qt6Serial|Qt6TextToSpeech|Qt6VirtualKeyboard|Qt6Help|"
    r"Qt6Sql|Qt6Test|Qt6WebView|Qt6WebSockets|Qt6Positioning|Qt6RemoteObjects|Qt6Scxml|Qt6Lottie|"
    r"Qt6QuickControls2|Qt6QuickWidgets|libgtk-3|_tkinter|libtk8|libtcl8|Qt(WebEngine|3D|Charts|Pdf)\w*\.abi3"
)


@pytest.fixture(scope="session")
def bundle() -> Path:
    """dist/examsite built by the documented command, once per session (or $EXAMSITE_BUNDLE)."""
    given = os.environ.get("EXAMSITE_BUNDLE")
    if given:
        return Path(given).resolve()
    started = time.monotonic()
    result = subprocess.run(
        ["bash", "packaging/build_linux.sh"], cwd=ROOT, capture_output=True, text=True, timeout=900
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    print(f"\nbundle built in {time.monotonic() - started:.0f} s: {result.stdout.strip().splitlines()[-2]}")
    return ROOT / "dist" / "examsite"


def _run(bundle: Path, *args: str, data: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "EXAMSITE_DATA_DIR": str(data)}
    # The bundle must not lean on the developer's environment.
    for name in ("PYTHONPATH", "PYTHONHOME", "EXAMSITE_DB", "QT_PLUGIN_PATH", "VIRTUAL_ENV"):
        env.pop(name, None)
    return subprocess.run(
        [str(bundle / "examsite"), *args],
        env=env,
        cwd=data.parent,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_the_bundle_is_a_onedir_with_its_resources_plugins_and_nothing_unused(bundle: Path) -> None:
    internal = bundle / "_internal"
    assert (bundle / "examsite").is_file()
    assert os.access(bundle / "examsite", os.X_OK)
    expected = [
        "examsite/gui/i18n/examsite_zh_CN.qm",
        "examsite/rules/articles.json",
        "examsite/adjudication/calendar_overrides.json",
        "examsite/store/migrations/env.py",
        "examsite/store/migrations/script.py.mako",
        *(f"examsite/store/migrations/versions/{name}" for name in MIGRATIONS),
        "examsite/gui/fonts/wqy-microhei.ttc",
        "PySide6/Qt/plugins/multimedia/libffmpegmediaplugin.so",
        "PySide6/Qt/plugins/platforms/libqxcb.so",
        "PySide6/Qt/plugins/platforms/libqwayland.so",
        "PySide6/Qt/plugins/platforms/libqoffscreen.so",
        "PySide6/Qt/plugins/imageformats/libqsvg.so",
        "PySide6/Qt/plugins/iconengines/libqsvgicon.so",
        "PySide6/Qt/translations/qtbase_zh_CN.qm",
    ]
    missing = [name for name in expected if not (internal / name).is_file()]
    assert missing == []
    assert (bundle / "examsite.desktop").is_file()
    assert (bundle / "examsite.svg").is_file()
    assert (bundle / "install.sh").is_file()
    names = [p.name for p in bundle.rglob("*")]
    assert [n for n in names if UNUSED.search(n)] == []
    # Qt's own catalogues: Simplified Chinese only.
    qt_translations = [p.name for p in (internal / "PySide6/Qt/translations").glob("*.qm")]
    assert qt_translations
    assert all(n.endswith("_zh_CN.qm") for n in qt_translations)
    assert [p for p in bundle.rglob("*") if p.is_symlink() and not p.exists()] == []
    # The font is copied in at build time, never committed.
    tracked = subprocess.run(["git", "ls-files", "*.ttc", "*.ttf"], cwd=ROOT, capture_output=True, text=True)
    assert tracked.stdout == ""


def test_version(bundle: Path, tmp_path: Path) -> None:
    result = _run(bundle, "--version", data=tmp_path / "data")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"examsite {__version__}"


def test_the_window_opens_offscreen_with_every_part(bundle: Path, tmp_path: Path) -> None:
    started = time.monotonic()
    result = _run(bundle, "gui", "--smoke-test", data=tmp_path / "data")
    wall = time.monotonic() - started
    assert result.returncode == 0, result.stderr
    line = result.stdout.strip()
    assert line.startswith("smoke-test ok: window "), line
    assert "lang zh_CN" in line
    assert "font WenQuanYi Micro Hei (packaged)" in line
    assert "multimedia ffmpeg (h264 decoded)" in line
    assert f"migrations {len(MIGRATIONS)}," in line
    assert "platform offscreen (+2 loadable)" in line
    print(f"\n{line}; whole smoke test {wall:.2f} s")
    # Qt's messages went into the log of the data folder, nothing was reported as a crash.
    log_text = (tmp_path / "data" / "logs" / "examsite.log").read_text(encoding="utf-8")
    assert "window starting" in log_text
    assert not list((tmp_path / "data" / "logs" / "crashes").glob("crash-*"))


def _broken_copy(bundle: Path, tmp_path: Path) -> Path:
    """A hard-linked copy of the bundle (no space, a second or so) whose parts can be removed."""
    broken = tmp_path / "broken"
    subprocess.run(["cp", "-al", str(bundle), str(broken)], check=True)
    return broken


def test_the_smoke_test_names_each_missing_plugin_and_resource(bundle: Path, tmp_path: Path) -> None:
    broken = _broken_copy(bundle, tmp_path)
    internal = broken / "_internal"
    shutil.rmtree(internal / "PySide6/Qt/plugins/multimedia")
    shutil.rmtree(internal / "examsite/gui/fonts")
    (internal / "PySide6/Qt/plugins/imageformats/libqsvg.so").unlink()
    (internal / "PySide6/Qt/plugins/platforms/libqxcb.so").unlink()
    result = _run(broken, "gui", "--smoke-test", data=tmp_path / "data")
    assert result.returncode == 2
    assert "examsite: error[smoke_test_failed]" in result.stderr
    assert "QtMultimedia has no backend" in result.stderr
    assert "the bundled CJK font is missing" in result.stderr
    assert "the SVG image plugin is missing" in result.stderr
    assert "the xcb platform plugin is missing" in result.stderr
    # Removing from the copy left the real bundle whole.
    assert (bundle / "_internal/PySide6/Qt/plugins/multimedia/libffmpegmediaplugin.so").is_file()


def test_the_smoke_test_fails_without_the_translations(bundle: Path, tmp_path: Path) -> None:
    broken = _broken_copy(bundle, tmp_path)
    (broken / "_internal/examsite/gui/i18n/examsite_zh_CN.qm").unlink()
    result = _run(broken, "gui", "--smoke-test", data=tmp_path / "data")
    assert result.returncode == 2
    assert "the main window cannot be created" in result.stderr
    assert "examsite_zh_CN.qm is missing" in result.stderr


def test_the_command_line_works_headless_through_the_bundle(bundle: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    rules = _run(bundle, "rules", "list", data=data)
    assert rules.returncode == 0, rules.stderr
    assert len(rules.stdout.splitlines()) == 53
    assert "携带禁携物品" in rules.stdout
    unknown = _run(bundle, "rules", "show", "99.9", data=data)
    assert unknown.returncode == 2
    assert unknown.stderr.startswith("examsite: error[")
    assert "Traceback" not in unknown.stderr
    init = _run(
        bundle,
        "init",
        "--institution-code",
        "HB-0427",
        "--institution-name",
        "武汉市某职业技能评价机构",
        "--city",
        "武汉市",
        "--site-code",
        "S01",
        "--site-name",
        "第一考点",
        "--room",
        "101",
        data=data,
    )
    assert init.returncode == 0, init.stderr
    verify = _run(bundle, "audit", "verify", data=data)
    assert verify.returncode == 0, verify.stderr
    assert re.match(r"audit log intact: [1-9]\d* entries", verify.stdout), verify.stdout
    # The migrations ran from the bundle's files, and said so in the log.
    assert (data / "examsite.sqlite3").is_file()
    assert "Running upgrade" in (data / "logs" / "examsite.log").read_text(encoding="utf-8")


def test_the_bundle_installs_for_a_user_with_its_menu_entry_and_uninstalls(
    bundle: Path, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    env = {**os.environ, "HOME": str(home)}
    env.pop("XDG_DATA_HOME", None)
    installed = subprocess.run(
        ["bash", str(bundle / "install.sh"), "--user"], env=env, capture_output=True, text=True, timeout=300
    )
    assert installed.returncode == 0, installed.stderr
    app = home / ".local/opt/examsite"
    launcher = home / ".local/bin/examsite"
    entry = home / ".local/share/applications/examsite.desktop"
    assert launcher.resolve() == app / "examsite"
    assert f"Exec={app}/examsite gui\n" in entry.read_text(encoding="utf-8")
    assert "Icon=examsite\n" in entry.read_text(encoding="utf-8")
    assert (home / ".local/share/icons/hicolor/scalable/apps/examsite.svg").is_file()
    version = subprocess.run(
        [str(launcher), "--version"], env=env, capture_output=True, text=True, timeout=60
    )
    assert version.stdout.strip() == f"examsite {__version__}"
    # A data folder of the user's, which uninstalling must keep.
    data = home / ".local/share/examsite"
    data.mkdir(parents=True)
    (data / "examsite.sqlite3").write_bytes(b"evidence")
    removed = subprocess.run(
        ["bash", str(bundle / "install.sh"), "--user", "--uninstall"], env=env, capture_output=True, text=True
    )
    assert removed.returncode == 0, removed.stderr
    assert not app.exists()
    assert not launcher.exists()
    assert not entry.exists()
    assert (data / "examsite.sqlite3").read_bytes() == b"evidence"
    # An unknown option is refused before anything is copied.
    wrong = subprocess.run(
        ["bash", str(bundle / "install.sh"), "--everywhere"], env=env, capture_output=True, text=True
    )
    assert wrong.returncode == 2
    assert "unknown option --everywhere" in wrong.stderr


@pytest.mark.postgres
def test_the_bundle_migrates_and_checks_a_postgresql_store(
    bundle: Path, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """A city centre's store: the bundled psycopg and libpq, and the migrations, against a real server."""
    url = str(request.getfixturevalue("postgres_url"))
    verify = _run(bundle, "--db", url, "audit", "verify", data=tmp_path / "data")
    assert verify.returncode == 0, verify.stderr
    assert verify.stdout.startswith("audit log intact: ")
    assert "Running upgrade" in (tmp_path / "data" / "logs" / "examsite.log").read_text(encoding="utf-8")


def test_the_bundle_verifies_a_case_bundle_headless(
    bundle: Path,
    store: Store,
    paths: Paths,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A small real case bundle (signed roster, confirmed record, clip), exported by this checkout's
    command line, verified by the frozen application; a wrong identity and a flipped byte refused."""
    monkeypatch.setenv("EXAMSITE_TEST_WEAK_KDF", "1")
    site = full_site(store, paths, people=("S1", "S2", "H1"))
    enrol_staff(
        store,
        paths,
        staff_no="S01",
        name="第一考点设备",
        roles=["site_device"],
        passphrase=SITE_KEY_PASS,
        issuer_passphrase=ISSUER_PASS,
        kdf=WEAK,
    )
    incident = confirmed(site, os.urandom(20_000), "a.mp4")
    with store.session() as session:
        info = issuer_info(session)
    assert info is not None
    identity = tmp_path / "centre.key"
    assert main(["bundle", "keygen", "--out", str(identity)]) == 0
    recipient = next(
        line.split(": ")[1] for line in capsys.readouterr().out.splitlines() if line.startswith("public key")
    )
    read, write = os.pipe()
    os.write(write, SITE_KEY_PASS.encode() + b"\n")
    os.close(write)
    case = tmp_path / "case.age"
    try:
        export = [
            "bundle",
            "export",
            "--recipient",
            recipient,
            "--incident",
            incident[:8],
            "--out",
            str(case),
        ]
        assert main([*export, "--passphrase-fd", str(read), "--actor", "S1"]) == 0
    finally:
        os.close(read)
    capsys.readouterr()

    trust = ["--trust", info.fingerprint]
    ok = _run(bundle, "bundle", "verify", str(case), "--identity", str(identity), *trust, data=paths.data_dir)
    assert ok.returncode == 0, ok.stderr
    assert "bundle OK" in ok.stdout

    other = tmp_path / "other.key"
    assert main(["bundle", "keygen", "--out", str(other)]) == 0
    wrong = _run(bundle, "bundle", "verify", str(case), "--identity", str(other), *trust, data=paths.data_dir)
    assert wrong.returncode == 2
    assert "error[wrong_recipient]" in wrong.stderr

    flipped = tmp_path / "flipped.age"
    data = bytearray(case.read_bytes())
    data[len(data) // 2] ^= 0x01
    flipped.write_bytes(bytes(data))
    bad = _run(
        bundle, "bundle", "verify", str(flipped), "--identity", str(identity), *trust, data=paths.data_dir
    )
    assert bad.returncode == 2
    assert bad.stderr.startswith("examsite: error[")
    assert "Traceback" not in bad.stderr
    assert "bundle OK" not in bad.stdout
