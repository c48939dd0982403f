"""Startup time to an interactive window (issue 5), against a bare Qt window in the same run.

Each figure is the median wall time of N fresh processes, from process start until the window is
shown with its overview loaded from the store (the window answers input from then on). The baseline
is a process that imports PySide6, opens an empty QMainWindow and quits. Offscreen platform.

    .venv/bin/python bench/startup.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

BARE = """
import time, sys
t0 = float(sys.argv[1])
from PySide6.QtWidgets import QApplication, QMainWindow
from PySide6.QtCore import QTimer
app = QApplication([])
w = QMainWindow(); w.show()
QTimer.singleShot(0, lambda: (print(time.time() - t0), app.quit()))
app.exec()
"""

EXAMSITE = """
import time, sys
t0 = float(sys.argv[1])
from examsite.cli.context import CliContext
from examsite.gui.app import create_main_window, ensure_application
app = ensure_application()
w = create_main_window(CliContext(), offer_demo=False)
w.show()
def check():
    if w.overview is not None:
        print(time.time() - t0); app.quit()
    else:
        QTimer.singleShot(1, check)
from examsite.gui.qt import QTimer
QTimer.singleShot(0, check)
app.exec()
"""


def run(code: str, env: dict[str, str]) -> float:
    out = subprocess.run(
        [sys.executable, "-c", code, repr(time.time())], env=env, capture_output=True, text=True, check=True
    ).stdout
    return float(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data:
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "EXAMSITE_DATA_DIR": data}
        run(EXAMSITE, env)  # first start creates and migrates the database; not what people wait for daily
        bare = [run(BARE, env) for _ in range(args.runs)]
        ours = [run(EXAMSITE, env) for _ in range(args.runs)]
    b, o = statistics.median(bare), statistics.median(ours)
    print(f"bare PySide6 window:         {b:.2f} s (median of {args.runs})")
    print(f"examsite window, interactive: {o:.2f} s (median of {args.runs})")
    print(f"ratio: {o / b:.2f}")


if __name__ == "__main__":
    main()
