"""Interface language: Simplified Chinese by default, English selectable, the choice remembered."""

from __future__ import annotations

from pathlib import Path

from examsite.gui.qt import QCoreApplication, QLocale, QSettings, QTranslator

LANGUAGES = ("zh_CN", "en")
DEFAULT_LANGUAGE = "zh_CN"
I18N_DIR = Path(__file__).with_name("i18n")
SETTINGS_KEY = "ui/language"


def saved_language(settings: QSettings) -> str:
    value = settings.value(SETTINGS_KEY, DEFAULT_LANGUAGE)
    return value if value in LANGUAGES else DEFAULT_LANGUAGE


def save_language(settings: QSettings, language: str) -> None:
    settings.setValue(SETTINGS_KEY, language)
    settings.sync()


class Translations:
    """Holds the installed translators so the language can change while the app runs."""

    def __init__(self) -> None:
        self._installed: list[QTranslator] = []
        self.language = "en"

    def apply(self, language: str) -> None:
        """Install ``language``'s catalogues (the app's and Qt's own dialogs); English needs none."""
        app = QCoreApplication.instance()
        for translator in self._installed:
            app.removeTranslator(translator)
        self._installed.clear()
        self.language = language
        if language == "en":
            QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
            return
        QLocale.setDefault(QLocale(QLocale.Language.Chinese, QLocale.Country.China))
        ours = QTranslator()
        if not ours.load(str(I18N_DIR / f"examsite_{language}.qm")):
            raise FileNotFoundError(f"translation examsite_{language}.qm is missing; rebuild the package")
        app.installTranslator(ours)
        self._installed.append(ours)
        qt_base = QTranslator()
        from examsite.gui.qt import QLibraryInfo

        if qt_base.load(
            QLocale(language), "qtbase", "_", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
        ):
            app.installTranslator(qt_base)
            self._installed.append(qt_base)
