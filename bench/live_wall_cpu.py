"""CPU cost of the live wall showing demo cameras, against generating the same frames without Qt.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/live_wall_cpu.py [--cameras 4] [--seconds 10]

Baseline: the recorder's demo pattern generator (640x360 at 10 fps) run for every camera in threads,
frames thrown away. Measured: the live wall page with the same cameras, frames generated in worker
threads, converted to QImage and handed to each tile's video sink. Prints CPU-seconds of this process
(both cores count, see the project's notes) and the ratio. Under Xvfb, software rendering of the video
widgets adds more on top (measured on this machine: about 16 % of a core for 4 tiles).
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def baseline(cameras: int, seconds: float) -> tuple[float, int]:
    """CPU-seconds and frames of the bare generator for ``cameras`` cameras."""
    from examsite.evidence.recorder import _demo_frames
    from examsite.evidence.sources import DemoSource

    stop = threading.Event()
    counts = [0] * cameras

    def run(index: int) -> None:
        for _ in _demo_frames(DemoSource(label=f"C{index}"), f"C{index}")(stop):
            counts[index] += 1

    threads = [threading.Thread(target=run, args=(i,)) for i in range(cameras)]
    start = _cpu()
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    return _cpu() - start, sum(counts)


def wall(cameras: int, seconds: float) -> tuple[float, int]:
    """CPU-seconds and frames shown by the live wall page with ``cameras`` demo cameras."""
    from examsite.config import Paths
    from examsite.gui.live_wall import LiveWallPage
    from examsite.gui.qt import QApplication, QEventLoop, QTimer
    from examsite.gui.taskman import TaskManager
    from examsite.sites.cameras import CameraSpec, add_camera
    from examsite.sites.setup import SiteSpec, init_site
    from examsite.store.engine import open_store
    from examsite.store.models import CameraKind

    app = QApplication.instance() or QApplication([])
    paths = Paths(Path(tempfile.mkdtemp(prefix="examsite-bench-")))
    store = open_store(f"sqlite:///{paths.database}")
    with store.session() as session:
        site = init_site(session, SiteSpec("HB1", "机构", "", "S1", "考点", ("101",)))
        for index in range(cameras):
            add_camera(session, site, CameraSpec("101", f"C{index}", CameraKind.DEMO), actor="bench")
    taskman = TaskManager()
    page = LiveWallPage(store, taskman, paths)
    page.resize(1300, 800)
    page.set_room("101")
    page.show()

    def run(secs: float) -> None:
        loop = QEventLoop()
        QTimer.singleShot(int(secs * 1000), loop.quit)
        loop.exec()

    run(3)  # tiles built, generators warmed up (OpenCV imported)
    frames = [0]
    for tile in page.tiles.values():
        tile.video_sink.videoFrameChanged.connect(lambda _f: frames.__setitem__(0, frames[0] + 1))
    start = _cpu()
    run(seconds)
    used = _cpu() - start
    page.stop()
    taskman.shutdown()
    store.close()
    del app
    return used, frames[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cameras", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    base_cpu, base_frames = baseline(args.cameras, args.seconds)
    wall_cpu, wall_frames = wall(args.cameras, args.seconds)
    print(f"baseline generator: {base_cpu:.2f} CPU-s for {base_frames} frames ({args.cameras} cameras)")
    print(f"live wall:          {wall_cpu:.2f} CPU-s for {wall_frames} frames shown")
    print(f"live wall share of one core: {wall_cpu / args.seconds:.1%}")
    print(f"ratio wall/baseline: {wall_cpu / max(base_cpu, 1e-9):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
