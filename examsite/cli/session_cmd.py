"""``examsite session create|list|show|staff`` and ``examsite candidates import|list``."""

from __future__ import annotations

import argparse
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from examsite.cli.context import CliContext
from examsite.clock import SHANGHAI, to_local
from examsite.identity.staff import get_member
from examsite.sites.candidates import find_candidates, import_roster, preview_roster
from examsite.sites.sessions import (
    SUBJECT_LABELS_ZH,
    SessionSpec,
    assign_staff,
    create_session,
    find_session,
    list_sessions,
    staff_on_duty,
    unassign_staff,
)
from examsite.sites.setup import current_site
from examsite.store.models import Candidate, ExamSubject, StaffRole

ACTOR = "cli"


def _local_time(text: str) -> datetime:
    """A time as people type it; without a zone it is Beijing time."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a time; write it like 2026-06-13T09:00") from None
    return value.replace(tzinfo=SHANGHAI) if value.tzinfo is None else value


def register(sub: Any) -> None:
    p = sub.add_parser("session", help="exam sessions (批次/场次)")
    ssub = p.add_subparsers(dest="session_command", metavar="ACTION", required=True)
    c = ssub.add_parser("create", help="create an exam session")
    c.add_argument("--code", required=True)
    c.add_argument("--occupation", required=True, help="职业(工种)")
    c.add_argument("--level", required=True, help="等级, e.g. 四级")
    c.add_argument("--subject", required=True, choices=[s.value for s in ExamSubject])
    c.add_argument("--start", required=True, type=_local_time, help="2026-06-13T09:00 (Beijing time)")
    c.add_argument("--end", required=True, type=_local_time)
    c.add_argument("--room", action="append", dest="rooms", required=True)
    c.set_defaults(func=run_create)
    li = ssub.add_parser("list", help="list sessions")
    li.set_defaults(func=run_list)
    sh = ssub.add_parser("show", help="a session's rooms, times, candidates and staff on duty")
    sh.add_argument("code")
    sh.set_defaults(func=run_show)
    st = ssub.add_parser("staff", help="put a staff member on duty (or off, with --remove)")
    st.add_argument("--session", required=True, dest="session_code")
    st.add_argument("--staff-no", required=True)
    st.add_argument(
        "--role", required=True, choices=[r.value for r in StaffRole if r is not StaffRole.SITE_DEVICE]
    )
    st.add_argument("--remove", action="store_true", help="take them off duty in this role")
    st.set_defaults(func=run_staff)

    q = sub.add_parser("candidates", help="the candidates of a session")
    csub = q.add_subparsers(dest="candidates_command", metavar="ACTION", required=True)
    imp = csub.add_parser("import", help="import a roster (.csv or .xlsx)")
    imp.add_argument("file", type=Path)
    imp.add_argument("--session", required=True, dest="session_code")
    imp.add_argument("--skip", default="", help="comma-separated row numbers you accept to skip")
    imp.add_argument("--dry-run", action="store_true", help="only check the file")
    imp.set_defaults(func=run_import)
    lc = csub.add_parser("list", help="list or find candidates")
    lc.add_argument("--session", required=True, dest="session_code")
    lc.add_argument("--find", default="", help="seat, admission number, ID number or name")
    lc.set_defaults(func=run_candidates)


def run_create(args: argparse.Namespace, ctx: CliContext) -> int:
    spec = SessionSpec(
        args.code,
        args.occupation,
        args.level,
        ExamSubject(args.subject),
        args.start,
        args.end,
        tuple(args.rooms),
    )
    with ctx.store.session() as session:
        exam = create_session(session, current_site(session), spec, actor=ACTOR)
        subject = SUBJECT_LABELS_ZH[ExamSubject(exam.subject)]
        print(f"session {exam.code}: {exam.occupation} {exam.level} {subject}")
    return 0


def run_list(args: argparse.Namespace, ctx: CliContext) -> int:
    with ctx.store.session() as session:
        for exam in list_sessions(session):
            start = to_local(exam.starts_at).strftime("%Y-%m-%d %H:%M")
            end = to_local(exam.ends_at).strftime("%H:%M")
            rooms = ",".join(room.name for room in exam.rooms)
            subject = SUBJECT_LABELS_ZH[ExamSubject(exam.subject)]
            print(f"{exam.code:<16} {start}-{end} {exam.occupation} {exam.level} {subject} rooms {rooms}")
    return 0


def run_show(args: argparse.Namespace, ctx: CliContext) -> int:
    with ctx.store.session() as session:
        exam = find_session(session, args.code)
        count = session.scalar(
            select(func.count()).select_from(Candidate).where(Candidate.session_id == exam.id)
        )
        subject = SUBJECT_LABELS_ZH[ExamSubject(exam.subject)]
        print(f"session {exam.code}: {exam.occupation} {exam.level} {subject}")
        start, end = to_local(exam.starts_at), to_local(exam.ends_at)
        print(f"  times      {start:%Y-%m-%d %H:%M} - {end:%Y-%m-%d %H:%M} (Beijing time)")
        print(f"  rooms      {', '.join(sorted(room.name for room in exam.rooms))}")
        print(f"  candidates {count}")
        duty = staff_on_duty(session, exam)
        print(f"  staff on duty ({len(duty)})" + ("" if duty else ": none yet"))
        for entry in duty:
            print(f"    {entry.staff_no:<10} {entry.name:<8} {entry.role}")
    return 0


def run_staff(args: argparse.Namespace, ctx: CliContext) -> int:
    role = StaffRole(args.role)
    with ctx.store.session() as session:
        exam = find_session(session, args.session_code)
        member = get_member(session, args.staff_no)
        if args.remove:
            unassign_staff(session, exam, member, role, actor=ACTOR)
            print(f"{member.staff_no} {member.name} is no longer on duty as {role.value} in {exam.code}")
        else:
            assign_staff(session, exam, member, role, actor=ACTOR)
            print(f"{member.staff_no} {member.name} is on duty as {role.value} in {exam.code}")
    return 0


def _ban_lookup() -> Any:
    """The adjudication ban registry's check, where this installation has it."""
    try:
        from examsite.adjudication.bans import roster_ban_lookup
    except ImportError:
        return None
    return roster_ban_lookup


def run_import(args: argparse.Namespace, ctx: CliContext) -> int:
    skip = {int(part) for part in args.skip.split(",") if part.strip()} if args.skip else set()
    with ctx.store.session() as session:
        exam = find_session(session, args.session_code)
        preview = preview_roster(session, exam, args.file, ban_lookup=_ban_lookup())
        for problem in preview.problems:
            print(f"row {problem.line}: {problem.message}")
        print(f"{len(preview.rows)} rows ready, {len(preview.problem_lines)} rows with problems")
        if args.dry_run:
            return 0 if not preview.problems else 1
        added = import_roster(session, exam, preview, actor=ACTOR, skip_lines=skip)
        print(f"imported {len(added)} candidates into session {exam.code}")
    return 0


def run_candidates(args: argparse.Namespace, ctx: CliContext) -> int:
    with ctx.store.session() as session:
        exam = find_session(session, args.session_code)
        for c in find_candidates(session, exam, args.find):
            print(f"{c.seat:>4} {c.admission_number:<14} {c.name:<8} ****{c.id_number[-4:]}")
    return 0
