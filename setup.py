"""Build hook: compile Qt forms and translations so every wheel and editable install carries them."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent


def _build_qt():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("build_qt", ROOT / "tools" / "build_qt.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class BuildPyWithQt(build_py):
    """Compile into the source tree (editable installs see it), then copy into the build."""

    def run(self) -> None:
        qt = _build_qt()
        generated = [*qt.compile_forms(ROOT), *qt.compile_resources(ROOT), *qt.compile_translations(ROOT)]
        super().run()
        if not getattr(self, "editable_mode", False):
            for path in generated:
                target = Path(self.build_lib) / path.relative_to(ROOT)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, target)


setup(cmdclass={"build_py": BuildPyWithQt})
