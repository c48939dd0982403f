"""``examsite record`` (the recorder process) and ``examsite coverage``."""

from __future__ import annotations

import argparse
import signal
import threading
from datetime import datetime, timedelta
from typing import Any

from examsite.cli.context import CliContext
from examsite.clock import SHANGHAI, to_local, utc_now
from examsite.errors import ExamsiteError, NotFound


def register(sub: Any) -> None:
    p = sub.add_parser("record", help="record every enabled camera until stopped (the app runs this itself)")
    p.add_argument("--room", help="only this room's cameras")
    p.add_argument("--segment-seconds", type=float, default=10.0)
    p.add_argument("--read-timeout", type=float, default=3.0)
    p.add_argument("--open-timeout", type=float, default=5.0)
    p.add_argument(
        "--tamper-interval",
        type=float,
        default=15.0,
        help="seconds between tamper checks of each camera's live stream (covered, defocused, moved; 0: off)",
    )
    p.set_defaults(func=run_record)
    c = sub.add_parser("coverage", help="recorded spans and gaps of a camera or a session")
    c.add_argument("--camera", help="camera name, ROOM/NAME or id (default: every camera of the session)")
    c.add_argument("--session", dest="session_code", help="the session's span (default: the last hour)")
    c.add_argument("--from", dest="start", help="start (Beijing time), e.g. 2026-06-13T09:00")
    c.add_argument("--to", dest="end", help="end (Beijing time)")
    c.set_defaults(func=run_coverage)


def run_record(args: argparse.Namespace, ctx: CliContext) -> int:
    from examsite.evidence.index import StoreSink, close_open_gaps, sync_journal
    from examsite.evidence.recorder import RecorderConfig, record_cameras
    from examsite.sites.cameras import list_cameras, recorder_camera

    with ctx.store.session() as session:
        cameras = [recorder_camera(c) for c in list_cameras(session, args.room, enabled_only=True)]
    if not cameras:
        raise NotFound("no enabled camera to record", hint="add one with `examsite camera add`")
    recordings = ctx.paths.recordings
    # A previous recorder may have died: index what its journals hold and close its open gaps.
    closed = close_open_gaps(ctx.store, utc_now())
    recovered = sum(sync_journal(ctx.store, recordings, camera.camera_id) for camera in cameras)
    print(
        f"recording {len(cameras)} camera(s) into {recordings} (indexed {recovered} earlier segment(s), "
        f"closed {closed} open gap(s)); stop with Ctrl+C",
        flush=True,
    )
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda _n, _f: stop.set())
    config = RecorderConfig(
        segment_seconds=args.segment_seconds, read_timeout=args.read_timeout, open_timeout=args.open_timeout
    )
    tamper = args.tamper_interval if args.tamper_interval > 0 else None
    record_cameras(
        cameras, recordings, StoreSink(ctx.store, recordings), stop, config, tamper_interval=tamper
    )
    print("recorder stopped", flush=True)
    return 0


def _time(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise ExamsiteError(
            f"{text!r} is not a time", code="invalid_input", hint="e.g. 2026-06-13T09:00"
        ) from None
    return value.replace(tzinfo=SHANGHAI) if value.tzinfo is None else value


def run_coverage(args: argparse.Namespace, ctx: CliContext) -> int:
    from examsite.evidence.index import coverage
    from examsite.sites.cameras import find_camera, list_cameras
    from examsite.sites.sessions import find_session

    with ctx.store.session() as session:
        if args.session_code:
            exam = find_session(session, args.session_code)
            start, end = exam.starts_at, min(exam.ends_at, utc_now())
            rooms = {room.name for room in exam.rooms}
            cameras = [c for c in list_cameras(session) if c.room.name in rooms]
        else:
            end = _time(args.end) if args.end else utc_now()
            start = _time(args.start) if args.start else end - timedelta(hours=1)
            cameras = list_cameras(session)
        if args.camera:
            cameras = [find_camera(session, args.camera)]
        worst = 0
        for camera in cameras:
            spans = coverage(session, camera.id, start, end)
            recorded = sum(s.seconds for s in spans if s.kind == "recorded")
            total = max((end - start).total_seconds(), 1e-9)
            print(f"{camera.room.name}/{camera.name}: {recorded / total:.1%} recorded")
            for span in spans:
                a, b = to_local(span.start).strftime("%H:%M:%S"), to_local(span.end).strftime("%H:%M:%S")
                what = "recorded" if span.kind == "recorded" else f"GAP ({span.reason})"
                print(f"  {a} - {b} {span.seconds:8.1f} s  {what}")
                if span.kind == "gap":
                    worst = 1
    return worst
