"""Starting the window: Qt application, language, font, style, store, main window."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from examsite import __version__
from examsite.gui.fonts import cjk_font_family
from examsite.gui.forms import examsite_rc  # noqa: F401  (registers icons and styles)
from examsite.gui.i18n import Translations, save_language, saved_language
from examsite.gui.qt import QApplication, QFile, QFont, QIcon, QIODevice, QSettings

if TYPE_CHECKING:
    from examsite.cli.context import CliContext
    from examsite.gui.main_window import MainWindow


def ensure_application() -> QApplication:
    """The QApplication, created once with the names QSettings uses."""
    app = QApplication.instance()
    if app is None:
        app = QApplication(sys.argv[:1])
    app.setOrganizationName("examsite")
    app.setApplicationName("examsite")
    app.setApplicationVersion(__version__)
    app.setWindowIcon(QIcon(":/icons/examsite.svg"))
    family = cjk_font_family()
    if family:
        app.setFont(QFont(family, 10))
    style = QFile(":/styles/examsite.qss")
    if style.open(QIODevice.OpenModeFlag.ReadOnly):
        app.setStyleSheet(bytes(style.readAll()).decode("utf-8"))
        style.close()
    return app


def create_main_window(
    ctx: CliContext, lang: str | None = None, offer_demo: bool = True, record: bool = False
) -> MainWindow:
    """Build the main window on ``ctx``'s store, in the saved (or given) language."""
    from examsite.gui.main_window import MainWindow

    ensure_application()
    settings = QSettings()
    if lang:
        save_language(settings, lang)
    translations = Translations()
    translations.apply(lang or saved_language(settings))
    return MainWindow(ctx, translations, settings, offer_demo=offer_demo, record=record)


def run_app(ctx: CliContext, lang: str | None = None, offer_demo: bool = True) -> int:
    """Open the window and run until it closes; returns the exit code."""
    from examsite.gui.crash import install_crash_handling, offer_pending_reports

    # Before the QApplication, so that Qt's start-up messages reach the log too.
    crash_handling = install_crash_handling(ctx.paths)
    try:
        app = ensure_application()
        window = create_main_window(ctx, lang, offer_demo, record=True)
        window.show()
        # The report of a crash of the last run, if any (non-blocking, over the window).
        offer_pending_reports(window, ctx.paths)
        return int(app.exec())
    finally:
        crash_handling.uninstall()
