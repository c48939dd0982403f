"""``examsite demo``: set up the demo site on an empty installation."""

from __future__ import annotations

import argparse
from typing import Any

from examsite.cli.context import CliContext


def register(sub: Any) -> None:
    p = sub.add_parser("demo", help="set up a demo site, camera, session, candidates and staff to try it all")
    p.set_defaults(func=run_demo)


def run_demo(args: argparse.Namespace, ctx: CliContext) -> int:
    from examsite.demo import ISSUER_PASSPHRASE, RECIPIENT_FILE, ROOM, SESSION_CODE, SITE_DEVICE, create_demo

    staff = create_demo(ctx.store, ctx.paths)
    print(f"demo site ready: room {ROOM}, session {SESSION_CODE}, a demo camera, 4 candidates")
    print(f"roster issuer passphrase: {ISSUER_PASSPHRASE}")
    for person in staff:
        print(f"  {person.staff_no} {person.name} ({person.role}): passphrase {person.passphrase}")
    print(f"site device key {SITE_DEVICE.staff_no} (signs bundles): passphrase {SITE_DEVICE.passphrase}")
    print(f"recipient identity standing in for the institution: {ctx.paths.keys / RECIPIENT_FILE}")
    print("these passphrases are for trying the app only; never use the demo site for a real exam")
    return 0
