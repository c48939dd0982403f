"""Compile Qt Designer forms (ui/*.ui) and translations (resources/translations/*.ts) into the package.

Run by setup.py's build step (so wheels and editable installs carry them) and callable by hand:
``python tools/build_qt.py``. Forms go to examsite/gui/forms/ui_<name>.py, translations to
examsite/gui/i18n/<name>.qm. Uses PySide6's own uic and lrelease (Anki ``qt/tools/build_ui.py``).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _tool(name: str) -> list[str]:
    """The PySide6 tool as a command, preferring the one beside this Python."""
    beside = Path(sys.executable).parent / f"pyside6-{name}"
    if beside.exists():
        return [str(beside)]
    found = shutil.which(f"pyside6-{name}")
    if found:
        return [found]
    return [
        sys.executable,
        "-c",
        f"import sys; from PySide6.scripts.pyside_tool import {name}; sys.exit({name}())",
    ]


def _stale(target: Path, source: Path) -> bool:
    return not target.exists() or target.stat().st_mtime < source.stat().st_mtime


def compile_forms(root: Path = ROOT) -> list[Path]:
    out_dir = root / "examsite" / "gui" / "forms"
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "__init__.py").touch()
    written = []
    for form in sorted((root / "ui").glob("*.ui")):
        target = out_dir / f"ui_{form.stem}.py"
        if _stale(target, form):
            subprocess.run([*_tool("uic"), "--from-imports", "-o", str(target), str(form)], check=True)
        written.append(target)
    return written


def compile_resources(root: Path = ROOT) -> list[Path]:
    """Icons and style sheets, compiled into a Python module by rcc."""
    out_dir = root / "examsite" / "gui" / "forms"
    out_dir.mkdir(parents=True, exist_ok=True)
    qrc = root / "resources" / "examsite.qrc"
    target = out_dir / "examsite_rc.py"  # the name uic imports for examsite.qrc
    sources = [qrc, *(root / "resources").glob("*/*.*")]
    if not target.exists() or any(_stale(target, src) for src in sources):
        subprocess.run([*_tool("rcc"), "-g", "python", "-o", str(target), str(qrc)], check=True)
    return [target]


def compile_translations(root: Path = ROOT) -> list[Path]:
    out_dir = root / "examsite" / "gui" / "i18n"
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for ts in sorted((root / "resources" / "translations").glob("*.ts")):
        target = out_dir / f"{ts.stem}.qm"
        if _stale(target, ts):
            subprocess.run([*_tool("lrelease"), "-silent", str(ts), "-qm", str(target)], check=True)
        written.append(target)
    return written


def main() -> int:
    for path in [*compile_forms(), *compile_resources(), *compile_translations()]:
        print(path.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
