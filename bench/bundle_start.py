"""Start of the frozen application (PyInstaller onedir) against the same code from the virtualenv.

Each figure is the median of N fresh processes running ``examsite gui --smoke-test`` offscreen on
an empty data folder: "window" is the time from process start until the main window is shown with
its overview loaded (read from /proc by the smoke test), "whole" the wall time of the whole smoke
test (window, then the plugin, font, multimedia and module checks). The baseline is the virtualenv's
``python -m examsite.cli.main`` in the same run. Also prints the bundle's size on disk.

    bash packaging/build_linux.sh && .venv/bin/python bench/bundle_start.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
WINDOW = re.compile(r"\(([\d.]+)s after the process started\)")


def measure(command: list[str], runs: int) -> tuple[float, float]:
    """Median seconds to the window and for the whole smoke test over ``runs`` fresh processes."""
    windows, wholes = [], []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as data:
            env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "EXAMSITE_DATA_DIR": data}
            started = time.monotonic()
            result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
            wholes.append(time.monotonic() - started)
        match = WINDOW.search(result.stdout)
        if result.returncode != 0 or not match:
            sys.exit(f"smoke test failed: {result.stdout}{result.stderr[-2000:]}")
        windows.append(float(match.group(1)))
    return statistics.median(windows), statistics.median(wholes)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--bundle", type=Path, default=REPO / "dist" / "examsite")
    args = parser.parse_args()
    executable = args.bundle / "examsite"
    if not executable.is_file():
        sys.exit(f"no bundle at {args.bundle}: build it with `bash packaging/build_linux.sh`")
    size = subprocess.run(["du", "-sh", str(args.bundle)], capture_output=True, text=True, check=True)
    print(f"bundle size: {size.stdout.split()[0]} ({args.bundle})")
    venv_window, venv_whole = measure(
        [sys.executable, "-m", "examsite.cli.main", "gui", "--smoke-test"], args.runs
    )
    frozen_window, frozen_whole = measure([str(executable), "gui", "--smoke-test"], args.runs)
    print(f"virtualenv (baseline): window {venv_window:.2f} s, whole smoke test {venv_whole:.2f} s")
    print(f"bundle:                window {frozen_window:.2f} s, whole smoke test {frozen_whole:.2f} s")
    ratios = f"window {frozen_window / venv_window:.2f}, whole {frozen_whole / venv_whole:.2f}"
    print(f"ratio bundle/virtualenv: {ratios}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
