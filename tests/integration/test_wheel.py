"""A built wheel carries the compiled forms and translations: install it in a fresh venv, open the window."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.wheel, pytest.mark.slow]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(out), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("examsite-*.whl")
    return built


def test_wheel_contains_compiled_forms_translations_and_migrations(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "examsite/gui/forms/ui_main_window.py" in names
    assert "examsite/gui/forms/examsite_rc.py" in names
    assert "examsite/gui/i18n/examsite_zh_CN.qm" in names
    assert "examsite/store/migrations/env.py" in names
    assert any(n.startswith("examsite/store/migrations/versions/0001_") for n in names)
    assert "examsite/rules/articles.json" in names
    assert not any(n.startswith("tests/") for n in names)


def test_wheel_installs_in_a_fresh_venv_and_opens_the_window(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    py = venv / "bin" / "python"
    subprocess.run([str(py), "-m", "pip", "install", "-q", str(wheel)], check=True, capture_output=True)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "EXAMSITE_DATA_DIR": str(tmp_path / "data")}
    env.pop("PYTHONPATH", None)
    version = subprocess.run(
        [str(venv / "bin" / "examsite"), "--version"], env=env, capture_output=True, text=True
    )
    assert version.returncode == 0, version.stderr
    script = textwrap.dedent(
        """
        import examsite, sys
        assert "site-packages" in examsite.__file__, examsite.__file__
        from examsite.cli.context import CliContext
        from examsite.gui.app import create_main_window, ensure_application
        from examsite.gui.qt import QTimer
        app = ensure_application()
        window = create_main_window(CliContext(), lang="zh_CN")
        window.show()
        QTimer.singleShot(300, app.quit)
        app.exec()
        print("TITLE", window.ui.menuFile.title(), window.ui.pageTitle.text())
        window.close()
        """
    )
    result = subprocess.run([str(py), "-c", script], env=env, cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "TITLE 文件(&F) 概览" in result.stdout
