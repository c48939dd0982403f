"""Time to cut a 90 s evidence clip out of 10 s segments: examsite against ``ffmpeg -c copy``.

Segments are made once from the 1080p25 4 Mbit/s test media (stream copy, looped to 120 s, cut into
10 s MPEG-TS files like the recorder's). Each cutter then cuts the same 90 s span (starting mid-segment)
into an MP4 with faststart, three times; the median is printed. Target (issue 4): under 1 s.

    .venv/bin/python bench/clip_cut.py [--runs 3]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from examsite.evidence.clips import ClipSegment, cut_clip  # noqa: E402
from examsite.evidence.segments import probe_segment  # noqa: E402
from tests.support.rtsp import MAIN, ensure_media  # noqa: E402

T0 = datetime(2026, 5, 9, 1, 0, tzinfo=UTC)


def make_segments(media: Path, folder: Path) -> list[ClipSegment]:
    """120 s of 10 s segments by stream copy, each with its wall-clock span."""
    cmd = ["ffmpeg", "-nostdin", "-loglevel", "error", "-stream_loop", "1", "-i", str(media), "-c", "copy"]
    cmd += ["-f", "segment", "-segment_time", "10", "-segment_format", "mpegts", str(folder / "seg%03d.ts")]
    subprocess.run(cmd, check=True)
    segments = []
    start = T0
    for path in sorted(folder.glob("seg*.ts")):
        end = start + timedelta(seconds=probe_segment(path).duration)
        segments.append(ClipSegment(path, start, end))
        start = end
    return segments


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="examsite-bench-") as tmp:
        work = Path(tmp)
        segments = make_segments(ensure_media(MAIN), work)
        start = T0 + timedelta(seconds=12.5)
        end = start + timedelta(seconds=90)
        ours, exact, theirs = [], [], []
        for run in range(args.runs):
            began = time.perf_counter()
            clip = cut_clip(segments, start, end, work / f"ours{run}.mp4")
            ours.append(time.perf_counter() - began)
            began = time.perf_counter()
            cut_clip(segments, start, end, work / f"exact{run}.mp4", frame_accurate=True)
            exact.append(time.perf_counter() - began)
            # ffmpeg over the same segment files: concat protocol, seek, copy, faststart MP4.
            chosen = "|".join(str(s.path) for s in segments if s.end > start and s.start < end)
            offset = (start - next(s.start for s in segments if s.end > start)).total_seconds()
            cmd = [
                "ffmpeg",
                "-nostdin",
                "-loglevel",
                "error",
                "-y",
                "-ss",
                f"{offset:.3f}",
                "-i",
                f"concat:{chosen}",
            ]
            cmd += ["-t", "90", "-c", "copy", "-movflags", "+faststart", str(work / f"ffmpeg{run}.mp4")]
            began = time.perf_counter()
            subprocess.run(cmd, check=True)
            theirs.append(time.perf_counter() - began)
        size = clip.size / 1e6
    print(
        f"90 s clip of 1080p25 4 Mbit/s ({size:.0f} MB, {clip.video_frames} frames), median of {args.runs}:"
    )
    print(f"  examsite cut_clip              {statistics.median(ours):.3f} s")
    print(f"  examsite cut_clip frame-exact  {statistics.median(exact):.3f} s")
    print(f"  ffmpeg -c copy                 {statistics.median(theirs):.3f} s")
    ratio = statistics.median(ours) / statistics.median(theirs)
    print(f"examsite / ffmpeg time ratio: {ratio:.2f}  (target: examsite under 1 s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
