"""PDF rendering for the command line: a Qt application offscreen, created only when needed.

The command line must run where there is no screen (a server at the city centre) and must not import
Qt unless a PDF is asked for, so ``examsite.cli`` imports this module inside the function that
renders. Fonts live in the Qt application, which is why one must exist (see :mod:`examsite.gui.pdf`).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from examsite.adjudication.documents import Document

__all__ = ["render_documents_offscreen"]

_app: object | None = None  # kept alive for the process: Qt allows one application per process


def render_documents_offscreen(items: Sequence[tuple[Document, Path]]) -> list[Path]:
    """Render each document to its path (atomically) with the embedded CJK font; returns the paths."""
    global _app
    # Before the application exists: the offscreen platform needs no display.
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from examsite.gui.pdf import render_pdf
    from examsite.gui.qt import QGuiApplication

    if QGuiApplication.instance() is None:
        _app = QGuiApplication(["examsite"])
    return [render_pdf(doc, path) for doc, path in items]
