"""``examsite gui``: the window (the default when no command is given)."""

from __future__ import annotations

import argparse
from typing import Any

from examsite.cli.context import CliContext
from examsite.errors import ExamsiteError


def register(sub: Any) -> None:
    p = sub.add_parser("gui", help="open the window (default)")
    p.add_argument("--lang", choices=["zh_CN", "en"], help="interface language (remembered)")
    p.add_argument("--no-demo", action="store_true", help="do not offer the demo site on first run")
    # Hidden: the package test opens the window of a built bundle and checks its parts, then exits.
    p.add_argument("--smoke-test", action="store_true", help=argparse.SUPPRESS)
    p.set_defaults(func=run_gui)


def run_gui(args: argparse.Namespace, ctx: CliContext) -> int:
    try:
        # Imported here so the rest of the command line works where Qt is not installed.
        from examsite.gui.app import run_app
    except ImportError as exc:
        raise ExamsiteError(
            f"the window needs PySide6, which cannot be loaded: {exc}",
            code="qt_missing",
            hint="install examsite with its GUI dependencies, or use the command line",
        ) from exc
    if args.smoke_test:
        from examsite.gui.smoke import run_smoke_test

        print(run_smoke_test(ctx))
        return 0
    return run_app(ctx, lang=args.lang, offer_demo=not args.no_demo)
