"""The main window in a real X server (Xvfb) with the CJK font: Chinese renders as text, not boxes.

Starts its own Xvfb on a free display, runs the window in a child process on the xcb platform,
grabs the screen to a PNG (kept in the test's folder; EXAMSITE_SHOTS=DIR copies it there), and
checks that the window's font has glyphs for the Chinese it shows.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [
    pytest.mark.xvfb,
    pytest.mark.skipif(shutil.which("Xvfb") is None, reason="Xvfb is installed by tools/test"),
]

CHILD = textwrap.dedent(
    """
    import sys
    from examsite.cli.context import CliContext
    from examsite.gui.app import create_main_window, ensure_application
    from examsite.gui.qt import QFontMetrics, QFontInfo, QImage, QPainter, QColor, QTimer, Qt
    from examsite.sites.setup import SiteSpec, init_site

    app = ensure_application()
    ctx = CliContext()
    with ctx.store.session() as session:
        spec = SiteSpec("HB-0427", "武汉市某职业技能评价机构", "武汉市", "S01", "第一考点", ("101", "102"))
        init_site(session, spec)
    window = create_main_window(ctx, lang="zh_CN", offer_demo=False)
    window.resize(1200, 760)
    window.show()

    def shoot():
        if window.overview is None:
            QTimer.singleShot(50, shoot)
            return
        text = window.ui.institutionValue.text() + window.ui.menuFile.title()
        metrics = QFontMetrics(window.ui.institutionValue.font())
        missing = [c for c in text if not c.isascii() and not metrics.inFontUcs4(ord(c))]
        # a box for a missing glyph looks the same for every character; real glyphs differ
        def draw(s):
            image = QImage(64, 32, QImage.Format.Format_RGB32)
            image.fill(QColor("white"))
            p = QPainter(image); p.setFont(window.ui.institutionValue.font()); p.setPen(QColor("black"))
            p.drawText(image.rect(), Qt.AlignmentFlag.AlignCenter, s); p.end()
            return image
        distinct = draw("评") != draw("价")
        window.screen().grabWindow(0, 0, 0, 1200, 760).save(sys.argv[1])
        print("FONT", QFontInfo(window.ui.institutionValue.font()).family())
        print("TEXT", text)
        print("MISSING", "".join(missing) or "-")
        print("DISTINCT", distinct)
        app.quit()

    QTimer.singleShot(500, shoot)
    app.exec()
    window.close()
    """
)


def _free_display() -> int:
    for number in range(90, 140):
        if not Path(f"/tmp/.X11-unix/X{number}").exists() and not Path(f"/tmp/.X{number}-lock").exists():
            return number
    raise RuntimeError("no free X display number")


@pytest.fixture
def display() -> str:
    number = _free_display()
    server = subprocess.Popen(
        ["Xvfb", f":{number}", "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 15
    while not Path(f"/tmp/.X11-unix/X{number}").exists():
        if time.monotonic() > deadline or server.poll() is not None:
            server.kill()
            raise RuntimeError("Xvfb did not start")
        time.sleep(0.05)
    yield f":{number}"
    server.terminate()
    server.wait(timeout=10)


def test_main_window_screenshot_renders_chinese(display: str, tmp_path: Path) -> None:
    shot = tmp_path / "main_window.png"
    env = {
        **os.environ,
        "DISPLAY": display,
        "QT_QPA_PLATFORM": "xcb",
        "EXAMSITE_DATA_DIR": str(tmp_path / "data"),
    }
    result = subprocess.run(
        [sys.executable, "-c", CHILD, str(shot)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    lines = dict(line.split(" ", 1) for line in result.stdout.splitlines() if " " in line)
    assert "武汉市某职业技能评价机构" in lines["TEXT"]
    assert lines["MISSING"] == "-", f"glyphs missing for {lines['MISSING']} in font {lines['FONT']}"
    assert lines["DISTINCT"] == "True"
    assert "WenQuanYi" in lines["FONT"] or "Micro Hei" in lines["FONT"]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) > 10_000  # a drawn window, not an empty screen
    if os.environ.get("EXAMSITE_SHOTS"):
        shutil.copy(shot, Path(os.environ["EXAMSITE_SHOTS"]) / shot.name)
