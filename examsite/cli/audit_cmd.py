"""``examsite audit verify|checkpoint|list``."""

from __future__ import annotations

import argparse
from typing import Any

from sqlalchemy import select

from examsite import audit
from examsite.cli.context import CliContext
from examsite.clock import to_local
from examsite.store.models import AuditEntry


def register(sub: Any) -> None:
    p = sub.add_parser("audit", help="the append-only audit log")
    asub = p.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    v = asub.add_parser(
        "verify", help="check the hash chain and the latest checkpoint; name any broken entry"
    )
    v.set_defaults(func=run_verify)
    c = asub.add_parser("checkpoint", help="record a Merkle root over the whole log now")
    c.set_defaults(func=run_checkpoint)
    li = asub.add_parser("list", help="print the latest entries")
    li.add_argument("--last", type=int, default=20)
    li.set_defaults(func=run_list)


def run_verify(args: argparse.Namespace, ctx: CliContext) -> int:
    with ctx.store.session() as session:
        report = audit.verify(session)
    if report.ok:
        pinned = f", checkpoint at {report.checkpoint_size}" if report.checkpoint_size else ""
        print(f"audit log intact: {report.entries} entries{pinned}")
        return 0
    for problem in report.problems:
        print(f"entry {problem.seq}: {problem.kind}: {problem.message}")
    print(f"audit log BROKEN: {len(report.problems)} problem(s) in {report.entries} entries")
    return 1


def run_checkpoint(args: argparse.Namespace, ctx: CliContext) -> int:
    with ctx.store.session() as session:
        point = audit.checkpoint(session)
        print(f"checkpoint: {point.tree_size} entries, root {point.root_hash}")
    return 0


def run_list(args: argparse.Namespace, ctx: CliContext) -> int:
    with ctx.store.session() as session:
        rows = session.execute(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(args.last)).scalars()
        for entry in reversed(list(rows)):
            when = to_local(entry.at).strftime("%Y-%m-%d %H:%M:%S")
            target = f"{entry.object_type}:{entry.object_id}"
            print(f"{entry.seq:>6} {when} {entry.actor:<16} {entry.action:<28} {target}")
    return 0
