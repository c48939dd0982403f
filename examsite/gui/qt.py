"""The one place that imports the Qt binding (Anki ``aqt/qt``): the rest of the GUI imports from here."""

# ruff: noqa: F401, F403
from PySide6 import QtCore, QtGui, QtWidgets
from PySide6.QtCore import *
from PySide6.QtGui import *
from PySide6.QtWidgets import *

PYSIDE_VERSION = QtCore.qVersion()


def multimedia():  # type: ignore[no-untyped-def]
    """QtMultimedia and its widgets, imported on first use (they load FFmpeg and are slower to start)."""
    from PySide6 import QtMultimedia, QtMultimediaWidgets

    return QtMultimedia, QtMultimediaWidgets
