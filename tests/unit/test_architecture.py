"""Habits the project keeps: Qt only in examsite.gui, a core that runs without Qt, strict types."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def test_import_contracts_hold() -> None:
    """import-linter: nothing outside examsite.gui imports PySide6; services never import front ends."""
    result = subprocess.run([str(BIN / "lint-imports")], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_core_imports_and_runs_with_qt_missing() -> None:
    """Every core module imports, and the command line answers, when PySide6 cannot be imported."""
    script = textwrap.dedent(
        """
        import importlib, pkgutil, sys
        sys.modules["PySide6"] = None  # any import of PySide6 now raises ImportError
        import examsite
        names = [m.name for m in pkgutil.walk_packages(examsite.__path__, "examsite.")
                 if not m.name.startswith(("examsite.gui", "examsite.store.migrations"))]
        for name in names:
            importlib.import_module(name)
        from examsite.cli.main import main
        code = main(["gui"])
        print("modules", len(names), "gui-exit", code)
        """
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "gui-exit 2" in result.stdout
    assert "error[qt_missing]" in result.stderr


@pytest.mark.slow
def test_core_is_mypy_strict_clean() -> None:
    result = subprocess.run([str(BIN / "mypy")], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-5000:]


def test_version_from_the_command_line() -> None:
    from examsite import __version__

    result = subprocess.run(
        [sys.executable, "-m", "examsite.cli.main", "--version"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.stdout.strip() == f"examsite {__version__}"


def test_gui_emits_signals_only_through_the_repairing_helper() -> None:
    """PySide6 6.12.0 drops a reference to True on every Python emit; a window left open for a day
    would abort. Every emit goes through examsite.gui.signals.emit, which gives it back."""
    import re

    raw = re.compile(r"(?<!def )\b[\w\.]+\.emit\(")
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in sorted((ROOT / "examsite" / "gui").glob("*.py"))
        if path.name != "signals.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if raw.search(line) and not line.lstrip().startswith("#")
    ]
    assert offenders == []
