"""``examsite gui --smoke-test``: open the window and check that everything a bundle must carry loads.

Used by the package test on the PyInstaller bundle (and usable on any installation): the main
window opens on the given store with its overview loaded, the Chinese catalogue translates it, the
compiled resources (icons, style) are there, SVG icons render, the CJK font loads, QtMultimedia's
FFmpeg backend plays an H.264 MPEG-TS clip that PyAV encoded, every examsite module imports and the
migrations brought the store to the newest revision. Returns one ``smoke-test ok`` line, or raises
an ExamsiteError naming every problem.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import sys
import tempfile
import time
from pathlib import Path

import examsite
from examsite.cli.context import CliContext
from examsite.errors import ExamsiteError
from examsite.gui.qt import QFile, QImageReader, QTimer, multimedia

__all__ = ["run_smoke_test"]

# Overview and translations: what the window shows in Chinese when it opened properly.
EXPECTED_MENU = "文件(&F)"
EXPECTED_PAGE = "概览"


def _wait(condition, timeout_s: float) -> bool:  # type: ignore[no-untyped-def]
    """Run the event loop until ``condition()`` holds or the time is up."""
    from examsite.gui.qt import QEventLoop

    deadline = time.monotonic() + timeout_s
    loop = QEventLoop()
    timer = QTimer()
    timer.setInterval(20)
    timer.timeout.connect(lambda: (condition() or time.monotonic() > deadline) and loop.quit())
    timer.start()
    if not condition():
        loop.exec()
    timer.stop()
    return bool(condition())


def seconds_since_process_start() -> float | None:
    """Wall time since the process began (Linux /proc, 10 ms resolution); None elsewhere.

    For a bundle this includes the bootloader unpacking nothing and starting Python.
    """
    try:
        fields = Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()
        start_ticks = int(fields[19])  # field 22 of proc(5), counted after the command name
        uptime = float(Path("/proc/uptime").read_text().split()[0])
        return uptime - start_ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, AttributeError):
        return None


def _check_modules(problems: list[str]) -> int:
    count = 0
    for info in pkgutil.walk_packages(examsite.__path__, "examsite."):
        # Migration scripts are loaded by path by Alembic, never imported as modules.
        if ".migrations" in info.name:
            continue
        try:
            importlib.import_module(info.name)
        except Exception as exc:
            problems.append(f"module {info.name} does not import: {exc!r}")
        count += 1
    return count


# The platform plugins a desktop needs, by system: the file in plugins/platforms.
PLATFORM_PLUGINS = {
    "linux": {"xcb": "libqxcb.so", "wayland": "libqwayland.so"},
    "win32": {"windows": "qwindows.dll"},
    "darwin": {"cocoa": "libqcocoa.dylib"},
}


def _check_platform_plugins(problems: list[str]) -> int:
    """The desktop's platform plugins load with all their libraries (the offscreen run never uses them).

    A plugin that is there but cannot load is Qt's "could not load the Qt platform plugin" at the
    user's first start: on Linux usually a missing system package (libxcb-cursor0 and friends).
    """
    from examsite.gui.qt import QLibraryInfo, QPluginLoader

    folder = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath)) / "platforms"
    wanted = PLATFORM_PLUGINS.get(sys.platform, {})
    for name, filename in wanted.items():
        path = folder / filename
        if not path.is_file():
            problems.append(f"the {name} platform plugin is missing ({path})")
            continue
        loader = QPluginLoader(str(path))
        if not loader.load():
            problems.append(f"the {name} platform plugin does not load: {loader.errorString()}")
    return len(wanted)


def _h264_clip(folder: Path) -> Path:
    """A one-second H.264 MPEG-TS clip (the recording format), encoded with PyAV."""
    import av
    import numpy as np

    path = folder / "smoke.ts"
    with av.open(str(path), "w", format="mpegts") as out:
        stream = out.add_stream("libx264", rate=10)
        stream.width, stream.height, stream.pix_fmt = 160, 120, "yuv420p"
        for i in range(10):
            image = np.full((120, 160, 3), i * 20, dtype=np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


def _check_multimedia(problems: list[str], timeout_s: float) -> str:
    """Play an H.264 clip through QtMultimedia and count the decoded frames.

    QMediaFormat's codec list is no guide: it leaves H.264 out when no hardware decoder is found,
    yet the FFmpeg backend decodes it in software. Only decoding a real clip shows it works.
    """
    qtmm, _widgets = multimedia()
    from examsite.gui.qt import QUrl

    player = qtmm.QMediaPlayer()
    if not player.isAvailable():
        problems.append("QtMultimedia has no backend (plugins/multimedia missing)")
        return "none"
    frames: list[bool] = []
    errors: list[str] = []
    with tempfile.TemporaryDirectory(prefix="examsite-smoke-") as tmp:
        try:
            clip = _h264_clip(Path(tmp))
        except Exception as exc:
            problems.append(f"PyAV cannot encode an H.264 test clip: {exc!r}")
            return "not tried"
        sink = qtmm.QVideoSink()
        player.setVideoOutput(sink)
        sink.videoFrameChanged.connect(lambda frame: frames.append(frame.isValid()))
        player.errorOccurred.connect(lambda _error, text: errors.append(text))
        player.setSource(QUrl.fromLocalFile(str(clip)))
        player.play()
        _wait(lambda: any(frames) or bool(errors), timeout_s)
        player.stop()
        player.setSource(QUrl())
    player.deleteLater()
    if not any(frames):
        problems.append(
            f"QtMultimedia decoded no frame of an H.264 clip ({'; '.join(errors) or 'no error given'})"
        )
    return f"ffmpeg (h264 {'decoded' if any(frames) else 'NOT decoded'})"


def run_smoke_test(ctx: CliContext, timeout_s: float = 30.0) -> str:
    """Open the main window on ``ctx`` and check the bundle's parts; returns a one-line summary.

    Raises ExamsiteError(code="smoke_test_failed") listing every problem found.
    """
    started = time.monotonic()
    from examsite.gui.app import create_main_window, ensure_application
    from examsite.gui.crash import install_crash_handling
    from examsite.gui.fonts import PACKAGED, cjk_font_family
    from examsite.store.engine import MIGRATIONS, current_revision, head_revision

    problems: list[str] = []
    # As run_app does: Qt's messages into the log, crash reports and native crash recording.
    crash_handling = install_crash_handling(ctx.paths)
    app = ensure_application()
    try:
        window = create_main_window(ctx, lang="zh_CN", offer_demo=False)
    except Exception as exc:
        crash_handling.uninstall()
        raise ExamsiteError(
            f"smoke test failed: the main window cannot be created: {exc}",
            code="smoke_test_failed",
            hint="the installation or bundle is missing parts; rebuild it",
        ) from exc
    window.show()
    if not _wait(lambda: window.overview is not None, timeout_s):
        problems.append(f"the overview did not load within {timeout_s:.0f} s")
    opened = time.monotonic() - started
    since_start = seconds_since_process_start()
    if not window.isVisible():
        problems.append("the main window is not visible")
    menu, page = window.ui.menuFile.title(), window.ui.pageTitle.text()
    if (menu, page) != (EXPECTED_MENU, EXPECTED_PAGE):
        problems.append(f"the Chinese catalogue did not load: menu {menu!r}, page {page!r}")
    for resource in (":/icons/examsite.svg", ":/styles/examsite.qss"):
        if not QFile.exists(resource):
            problems.append(f"compiled resource {resource} is missing")
    if b"svg" not in [bytes(f.data()) for f in QImageReader.supportedImageFormats()]:
        problems.append("the SVG image plugin is missing (icons would not show)")
    if app.windowIcon().isNull() or app.windowIcon().pixmap(32, 32).isNull():
        problems.append("the window icon does not render")
    family = cjk_font_family()
    packaged = sorted(PACKAGED.glob("*.tt[cf]")) if PACKAGED.is_dir() else []
    if family is None:
        problems.append("no CJK font could be loaded")
    if getattr(sys, "frozen", False) and not packaged:
        # A bundle must not depend on the machine's fonts (Windows has no WenQuanYi).
        problems.append(f"the bundled CJK font is missing from {PACKAGED}")
    font = f"{family} ({'packaged' if packaged else 'system'})"
    backend = _check_multimedia(problems, timeout_s)
    platforms = _check_platform_plugins(problems)
    versions = sorted(p.name for p in (MIGRATIONS / "versions").glob("[0-9]*.py"))
    if not (MIGRATIONS / "env.py").is_file() or not versions:
        problems.append(f"migrations are missing from {MIGRATIONS}")
    elif current_revision(ctx.store.engine) != head_revision():
        problems.append("the store was not migrated to the newest revision")
    modules = _check_modules(problems)
    try:
        # The driver of a PostgreSQL store (a city centre), loaded as SQLAlchemy would.
        import psycopg

        postgres = f"libpq {psycopg.pq.version()}"
    except Exception as exc:
        problems.append(f"the PostgreSQL driver cannot be loaded: {exc!r}")
        postgres = "none"
    window.close()
    app.processEvents()
    crash_handling.uninstall()
    if problems:
        raise ExamsiteError(
            "smoke test failed: " + "; ".join(problems),
            code="smoke_test_failed",
            hint="the installation or bundle is missing parts; rebuild it",
        )
    process = f" ({since_start:.2f}s after the process started)" if since_start is not None else ""
    return (
        f"smoke-test ok: window {opened:.2f}s{process}, lang zh_CN, font {font}, multimedia {backend}, "
        f"migrations {len(versions)}, modules {modules}, postgres {postgres}, "
        f"platform {app.platformName()} (+{platforms} loadable)"
    )
