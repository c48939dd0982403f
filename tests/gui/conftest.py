"""GUI fixtures: settings isolated per test, a main window on the test's own store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from examsite.cli.context import CliContext


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path: Path, qapp) -> Path:  # type: ignore[no-untyped-def]
    """QSettings write to the test's folder, never to the real user's configuration."""
    from examsite.gui.qt import QSettings

    folder = tmp_path / "settings"
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))
    qapp.setOrganizationName("examsite")
    qapp.setApplicationName("examsite")
    QSettings().clear()
    return folder


@pytest.fixture
def cli_context(data_dir: Path) -> Iterator[CliContext]:
    ctx = CliContext()
    yield ctx
    ctx.close()


@pytest.fixture
def main_window(qtbot, cli_context: CliContext):  # type: ignore[no-untyped-def]
    from examsite.gui.app import create_main_window

    window = create_main_window(cli_context, offer_demo=False)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.overview is not None)
    yield window
    window.close()


@pytest.fixture
def chinese(qapp) -> Iterator[object]:  # type: ignore[no-untyped-def]
    """The interface in Simplified Chinese, as a proctor sees it."""
    from examsite.gui.i18n import Translations

    translations = Translations()
    translations.apply("zh_CN")
    yield translations
    translations.apply("en")


@pytest.fixture
def taskman(qapp) -> Iterator[object]:  # type: ignore[no-untyped-def]
    """The window's task manager (store worker and long jobs), shut down after the test."""
    from examsite.gui.taskman import TaskManager

    manager = TaskManager()
    yield manager
    manager.shutdown()


@pytest.fixture
def no_stray_threads() -> Iterator[None]:
    """Every worker a test started (store, hashing, demo preview, connection test) has ended when it
    is over; the video and camera test modules use it for every test."""
    import threading

    before = set(threading.enumerate())
    yield
    left = [t.name for t in set(threading.enumerate()) - before if t.is_alive()]
    assert left == [], f"threads left running: {left}"
