"""The ``examsite`` command line.

Each area of the core has a module here with ``register(subparsers)``; its handlers take
``(args, ctx)`` and return an exit code. An :class:`~examsite.errors.ExamsiteError` prints one line
(``examsite: error[code]: message``) and exits 2; nothing is half-written because every service
commits in one transaction or writes files atomically.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Sequence

from examsite import __version__
from examsite.cli.context import CliContext
from examsite.errors import ExamsiteError
from examsite.logs import close_logging, crash_folder, install_excepthooks, setup_logging

log = logging.getLogger(__name__)

# Modules under examsite.cli that add sub-commands; a missing one is skipped so the
# command line keeps working while an area is being built.
COMMAND_MODULES = (
    "setup_cmd",
    "demo_cmd",
    "session_cmd",
    "rules_cmd",
    "audit_cmd",
    "staff_cmd",
    "incident_cmd",
    "camera_cmd",
    "record_cmd",
    "bundle_cmd",
    "case_cmd",
    "calendar_cmd",
    "gui_cmd",
)


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser, with every available sub-command."""
    parser = argparse.ArgumentParser(
        prog="examsite",
        description="考场视频监控与违纪违规证据 / exam-room surveillance and violation evidence",
    )
    parser.add_argument("--version", action="version", version=f"examsite {__version__}")
    parser.add_argument(
        "--db",
        metavar="URL",
        help="SQLAlchemy URL or SQLite file of the store (default: $EXAMSITE_DB, else the user data folder)",
    )
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        help="folder for the store, recordings and keys (default: $EXAMSITE_DATA_DIR, else platformdirs)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"examsite.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"examsite.cli.{name}":
                raise
            continue
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "func", None) is None:
        # No sub-command: the window, as a desktop user expects from the launcher.
        args = parser.parse_args([*(argv or sys.argv[1:]), "gui"])
    ctx = CliContext(db=args.db, data_dir=args.data_dir)
    # The process's entry (console script, bundle) passes no argv; a test calling main([...]) does.
    entry = argv is None
    try:
        try:
            paths = ctx.paths
        except OSError:
            paths = None  # a command that needs the data folder says what is wrong with it
        if paths is not None:
            setup_logging(paths, args.verbose)
            if entry:
                # A bug that escapes main leaves a crash report beside the logs (examsite.logs).
                install_excepthooks(crash_folder(paths))
        return int(args.func(args, ctx) or 0)
    except ExamsiteError as exc:
        print(f"examsite: error[{exc.code}]: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("examsite: interrupted; nothing was half-written", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # the reader of the output left (``examsite ... | head``): not a bug, nothing to report;
        # stdout is pointed at devnull so that flushing it at exit raises nothing more
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        return 141
    finally:
        ctx.close()
        if not entry:
            # The entry keeps its log open for the excepthook; an in-process caller gets it closed.
            close_logging()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
