"""Render art. 18 notices and decisions to PDF with an embedded CJK font whose text extracts exactly.

The text of a served decision must be the text that was decided. Some CJK fonts map characters to
compatibility code points on extraction (Noto Sans CJK turns 行 into the Kangxi radical ⾏ and can
drop digits); WenQuanYi Micro Hei extracts exactly. The font is therefore chosen from a fixed list,
never by Qt's fallback, and the tests extract every rendered PDF and compare it with
:func:`examsite.adjudication.documents.document_text`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from examsite.adjudication.documents import Document, document_blocks
from examsite.errors import ExamsiteError
from examsite.fsutil import atomic_write_bytes
from examsite.gui.fonts import CANDIDATES, PACKAGED
from examsite.gui.qt import (
    QBuffer,
    QByteArray,
    QFont,
    QFontDatabase,
    QGuiApplication,
    QIODevice,
    QMarginsF,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QPointF,
    Qt,
    QTextLayout,
    QTextOption,
)

__all__ = ["FONT_DIR", "PdfFont", "cjk_font", "font_candidates", "render_pdf", "render_pdf_bytes"]

# The search order is examsite.gui.fonts's (package folder, WenQuanYi, then Windows' YaHei/SimSun);
# only WenQuanYi has been measured to extract exactly, and Noto Sans CJK is never a candidate.
FONT_DIR = PACKAGED
_FONT_SUFFIXES = (".ttf", ".ttc", ".otf")

# Page: A4 with margins close to GB/T 9704 (official documents: 37 mm top, 28 mm left).
_MARGINS_MM = QMarginsF(28, 30, 26, 28)
_BODY_PT = 12.0


@dataclass(frozen=True)
class PdfFont:
    """The CJK font used for a document: its family name and the file it was loaded from."""

    family: str
    path: Path


def font_candidates() -> list[Path]:
    """Font files to try, in order: the package's own ``fonts/`` folder, then known system fonts."""
    found: list[Path] = []
    if FONT_DIR.is_dir():
        found += sorted(p for p in FONT_DIR.iterdir() if p.suffix.lower() in _FONT_SUFFIXES)
    return found + [p for p in CANDIDATES if p.is_file()]


def _load(path: Path) -> str | None:
    """Register ``path`` with Qt and return its first family that covers Simplified Chinese."""
    font_id = QFontDatabase.addApplicationFont(str(path))
    if font_id < 0:
        return None
    for family in QFontDatabase.applicationFontFamilies(font_id):
        # A .ttc holds several families (WenQuanYi: proportional and Mono); prefer proportional.
        if "mono" in family.lower():
            continue
        if QFontDatabase.WritingSystem.SimplifiedChinese in QFontDatabase.writingSystems(family):
            return family
    return None


_loaded: PdfFont | None = None


def cjk_font(candidates: list[Path] | None = None) -> PdfFont:
    """Load the first usable CJK font of ``candidates`` (default :func:`font_candidates`).

    Raises ``ExamsiteError(code="cjk_font_missing")`` naming the places searched when none works.
    """
    global _loaded
    _require_gui_application()
    # The cache is only good while the application that registered the font still has it.
    if candidates is None and _loaded is not None and _loaded.family in QFontDatabase.families():
        return _loaded
    tried = font_candidates() if candidates is None else candidates
    for path in tried:
        family = _load(path)
        if family is not None:
            font = PdfFont(family, path)
            if candidates is None:
                _loaded = font
            return font
    searched = [str(FONT_DIR), *(str(p) for p in CANDIDATES)]
    raise ExamsiteError(
        "No Chinese font that extracts exactly was found, so the notice or decision cannot be made into a PDF"
        f" (searched {', '.join(searched)}"
        + (f"; tried {', '.join(str(p) for p in tried)}" if tried else "")
        + ").",
        code="cjk_font_missing",
        hint="install WenQuanYi Micro Hei (Debian: apt install fonts-wqy-microhei) or put its .ttc file in "
        f"{FONT_DIR}",
    )


def _require_gui_application() -> None:
    if QGuiApplication.instance() is None:
        raise ExamsiteError(
            "Rendering a PDF needs a running Qt application (fonts live in it).",
            code="qt_application_missing",
            hint="create a QGuiApplication first (QT_QPA_PLATFORM=offscreen works without a screen)",
        )


@dataclass(frozen=True)
class _Style:
    size_pt: float = _BODY_PT
    align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignLeft
    indent_em: float = 0.0  # first-line indent, in characters
    before_pt: float = 0.0
    after_pt: float = 4.0
    new_page: bool = False


_STYLES: dict[str, _Style] = {
    "title": _Style(size_pt=20.0, align=Qt.AlignmentFlag.AlignHCenter, after_pt=8.0),
    "reference": _Style(align=Qt.AlignmentFlag.AlignHCenter, after_pt=16.0),
    "addressee": _Style(after_pt=6.0),
    "field": _Style(after_pt=2.0),
    "heading": _Style(size_pt=14.0, before_pt=8.0),
    "body": _Style(indent_em=2.0),  # Chinese paragraphs open with a two-character indent
    "signature": _Style(align=Qt.AlignmentFlag.AlignRight, before_pt=28.0),
    "date": _Style(align=Qt.AlignmentFlag.AlignRight),
    "service_title": _Style(size_pt=16.0, align=Qt.AlignmentFlag.AlignHCenter, after_pt=16.0, new_page=True),
}
_LINE_SPACING = 1.5


def _paint(doc: Document, writer: QPdfWriter, family: str) -> None:
    """Lay every block out line by line and draw each line exactly once.

    QTextDocument.print_ clips a line that straddles a page boundary and so draws it on both pages:
    the text extracted from the PDF then repeats that line. Paginating here, per line, cannot.
    """
    px_per_pt = writer.resolution() / 72.0
    width, height = float(writer.width()), float(writer.height())
    painter = QPainter()
    if not painter.begin(writer):
        raise ExamsiteError("Qt could not start painting the PDF.", code="pdf_render_failed")
    try:
        y = 0.0
        for block in document_blocks(doc):
            style = _STYLES[block.style]
            if style.new_page and y > 0:
                writer.newPage()
                y = 0.0
            if y > 0:
                y += style.before_pt * px_per_pt
            layout = _layout(block.text, family, style, writer, width)
            # A heading keeps with the first lines that follow it rather than end a page alone.
            lines = [layout.lineAt(i) for i in range(layout.lineCount())]
            needed = lines[0].height() * (3 if block.style == "heading" else 1) if lines else 0.0
            if y > 0 and y + needed > height:
                writer.newPage()
                y = 0.0
            for line in lines:
                if y > 0 and y + line.height() > height:
                    writer.newPage()
                    y = 0.0
                line.draw(painter, QPointF(0.0, y))
                y += line.height() * _LINE_SPACING
            y += style.after_pt * px_per_pt
    finally:
        painter.end()


def _layout(text: str, family: str, style: _Style, device: QPdfWriter, width: float) -> QTextLayout:
    font = QFont(family)
    font.setPointSizeF(style.size_pt)
    # No fallback to other families: a glyph missing from the chosen font must show, not be swapped.
    font.setStyleStrategy(QFont.StyleStrategy.NoFontMerging)
    layout = QTextLayout(text, font, device)
    option = QTextOption(style.align)
    option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
    layout.setTextOption(option)
    indent = style.indent_em * style.size_pt * device.resolution() / 72.0
    layout.beginLayout()
    first = True
    while (line := layout.createLine()).isValid():
        # Every line sits at y = 0 of its own: _paint places it, so pages can break between lines.
        offset = indent if first else 0.0
        line.setLineWidth(width - offset)
        line.setPosition(QPointF(offset, 0.0))
        first = False
    layout.endLayout()
    return layout


def render_pdf_bytes(doc: Document, font: PdfFont | None = None) -> bytes:
    """The PDF of ``doc`` (A4, title centred, the CJK font embedded as a subset) as bytes."""
    font = font or cjk_font()
    buffer = QByteArray()
    device = QBuffer(buffer)
    device.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(device)
    writer.setTitle(doc.title)
    writer.setCreator("examsite")
    writer.setResolution(300)
    layout = QPageLayout(
        QPageSize(QPageSize.PageSizeId.A4),
        QPageLayout.Orientation.Portrait,
        _MARGINS_MM,
        QPageLayout.Unit.Millimeter,
    )
    writer.setPageLayout(layout)
    _paint(doc, writer, font.family)
    device.close()
    data = bytes(buffer.data())
    if not data.startswith(b"%PDF-"):
        raise ExamsiteError("Qt produced no PDF for the document.", code="pdf_render_failed")
    return data


def render_pdf(doc: Document, path: Path, font: PdfFont | None = None) -> Path:
    """Write the PDF of ``doc`` to ``path`` atomically (``examsite.fsutil``: ``*.part`` then rename)."""
    path = Path(path)
    data = render_pdf_bytes(doc, font)
    atomic_write_bytes(path, data, mode=0o644)
    return path
