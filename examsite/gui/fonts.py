"""A CJK font that renders Chinese on screen and in PDFs, and extracts back exactly.

Order: a font shipped in the package (examsite/gui/fonts/), then WenQuanYi Micro Hei from the system,
then Windows' Microsoft YaHei/SimSun. Noto Sans CJK is avoided for PDFs: its glyph mapping turns 行
into the Kangxi radical ⾏ when text is extracted (shared NOTES).
"""

from __future__ import annotations

from pathlib import Path

from examsite.gui.qt import QFontDatabase

PACKAGED = Path(__file__).with_name("fonts")
CANDIDATES = (
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/wqy-microhei/wqy-microhei.ttc"),
    Path("C:/Windows/Fonts/msyh.ttc"),
    Path("C:/Windows/Fonts/simsun.ttc"),
)

_loaded: str | None = None


def cjk_font_family() -> str | None:
    """Load the first available CJK font file once and return its family name (None if none)."""
    global _loaded
    if _loaded is not None:
        return _loaded
    files = sorted(PACKAGED.glob("*.tt[cf]")) if PACKAGED.exists() else []
    for path in [*files, *CANDIDATES]:
        if not path.exists():
            continue
        font_id = QFontDatabase.addApplicationFont(str(path))
        if font_id < 0:
            continue
        families = QFontDatabase.applicationFontFamilies(font_id)
        if families:
            _loaded = families[0]
            return _loaded
    return None
