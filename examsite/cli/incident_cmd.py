"""``examsite incident mark|create|amend|show|list|sign|confirm|verify`` (art. 15).

``create`` and ``amend`` take the record's fields from a JSON file (the record's JSON form, see
:mod:`examsite.incidents.record`) and/or options; options win. Times without a zone are Beijing
time. ``sign`` and ``confirm`` show the record's summary and SHA-256 before asking for the
passphrase (prompt, or ``--passphrase-fd N`` for scripts; never argv).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from examsite.cli.context import CliContext
from examsite.cli.staff_cmd import add_fd_option, read_passphrase
from examsite.clock import SHANGHAI, iso_utc, to_local
from examsite.errors import InvalidInput, NotFound
from examsite.identity.staff import KdfChoice, unlock_staff_key
from examsite.incidents.marks import find_incident, mark_moment
from examsite.incidents.queries import list_incidents
from examsite.incidents.verification import VerificationReport
from examsite.incidents.workflow import (
    IncidentView,
    amend_incident,
    confirm_incident,
    create_draft,
    describe_incident,
    sign_incident,
    verify_incident,
)
from examsite.store.models import Camera, EvidenceItem, IncidentState

MAX_JSON_BYTES = 1 << 20


def _time(text: str) -> str:
    """A time as people type it (Beijing time unless a zone is given), as record text in UTC."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a time; write it like 2026-06-13T09:15") from None
    return iso_utc(value.replace(tzinfo=SHANGHAI) if value.tzinfo is None else value)


def _witness(text: str) -> dict[str, str]:
    parts = text.split(":")
    if len(parts) not in (2, 3) or not all(parts[:2]):
        raise argparse.ArgumentTypeError(f"{text!r}: write a witness as NAME:ROLE or NAME:ROLE:STAFF_NO")
    return {"name": parts[0], "role": parts[1], "staff_id": parts[2] if len(parts) == 3 else ""}


def _add_record_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", type=Path, metavar="FILE", help="record fields as JSON (options override them)")
    p.add_argument("--room", help="room name")
    p.add_argument("--session", help="exam session code")
    p.add_argument("--subject-kind", choices=["candidate", "staff", "institution"])
    p.add_argument("--subject-name")
    p.add_argument("--id-number", help="the subject's 身份证号")
    p.add_argument("--admission-number", help="准考证号 (candidate)")
    p.add_argument("--seat", help="座位号 (candidate)")
    p.add_argument("--subject-staff-no", help="staff number (staff subject)")
    p.add_argument("--subject-role", help="role (staff subject)")
    p.add_argument("--subject-institution", help="institution code (institution subject)")
    p.add_argument("--article", help="clause key, e.g. 6.1 (see `examsite rules list`)")
    p.add_argument("--severity", choices=["minor", "serious"])
    p.add_argument(
        "--reminder", choices=["none", "given", "refused"], help="art. 5: reminder given / refused"
    )
    p.add_argument("--facts", help="事实经过")
    p.add_argument("--handling", help="现场处置")
    p.add_argument("--occurred-at", type=_time)
    p.add_argument("--discovered-at", type=_time)
    p.add_argument("--found-after-assessment", action="store_true", default=None, help="art. 15 ¶2")
    p.add_argument("--acknowledgement", choices=["acknowledged", "refused", "not_present"])
    p.add_argument("--acknowledgement-note")
    p.add_argument("--witness", type=_witness, action="append", help="NAME:ROLE[:STAFF_NO], repeatable")
    p.add_argument(
        "--evidence", action="append", metavar="SHA256", help="stored evidence by hash, repeatable"
    )


def register(sub: Any) -> None:
    p = sub.add_parser("incident", help="incident records: create, amend, sign, confirm, verify (art. 15)")
    isub = p.add_subparsers(dest="incident_command", metavar="ACTION", required=True)
    mk = isub.add_parser("mark", help="store the moment of an incident now; the record follows")
    mk.add_argument("--room")
    mk.add_argument("--by", default="cli", help="who marked it")
    mk.set_defaults(func=run_mark)
    cl = isub.add_parser("clip", help="cut the video around an incident from the recordings and link it")
    cl.add_argument("incident")
    cl.add_argument(
        "--camera", action="append", default=[], help="camera name or ROOM/NAME (default: the room's)"
    )
    cl.add_argument("--before", type=float, default=60.0, help="seconds before the moment (default 60)")
    cl.add_argument("--after", type=float, default=120.0, help="seconds after the moment (default 120)")
    cl.add_argument("--at", type=_time, help="another moment than the marked one (Beijing time)")
    cl.add_argument("--frame-accurate", action="store_true", help="start exactly at the requested time")
    cl.add_argument(
        "--wait", type=float, default=180.0, help="seconds to wait for the post-roll to be recorded"
    )
    cl.set_defaults(func=run_clip)
    nvr = isub.add_parser("import-clip", help="take in a clip exported from a separate NVR, byte for byte")
    nvr.add_argument("incident")
    nvr.add_argument("file", type=Path)
    nvr.add_argument(
        "--start", required=True, type=_time, help="the start time the NVR declares (Beijing time)"
    )
    nvr.add_argument("--camera-label", default="", help="the NVR's name for the camera")
    nvr.set_defaults(func=run_import_clip)
    at = isub.add_parser("attach", help="store a photo, document or seized item's record as evidence")
    at.add_argument("incident")
    at.add_argument("file", type=Path)
    at.add_argument("--kind", choices=["photo", "document", "seized_item"], default="photo")
    at.add_argument("--receipt", default="", help="receipt number (seized items)")
    at.add_argument("--description", default="")
    at.set_defaults(func=run_attach)
    cr = isub.add_parser("create", help="write version 1 of an incident record (a draft)")
    cr.add_argument("--incident", help="a moment marked earlier (default: mark one now)")
    cr.add_argument("--by", default="cli", help="who records it (staff number)")
    _add_record_options(cr)
    cr.set_defaults(func=run_create)
    am = isub.add_parser("amend", help="write a new version; it needs new signatures")
    am.add_argument("incident")
    am.add_argument("--reason", required=True)
    am.add_argument("--by", default="cli", help="who amends it (staff number)")
    _add_record_options(am)
    am.set_defaults(func=run_amend)
    sh = isub.add_parser("show", help="a version of a record, its hash and signatures")
    sh.add_argument("incident")
    sh.add_argument("--version", type=int)
    sh.add_argument("--json", action="store_true", help="print the exact record bytes")
    sh.set_defaults(func=run_show)
    li = isub.add_parser("list", help="incidents, newest first")
    li.add_argument("--state", choices=[s.value for s in IncidentState])
    li.set_defaults(func=run_list)
    sg = isub.add_parser("sign", help="co-sign the current version as a witness")
    sg.add_argument("incident")
    sg.add_argument("--staff-no", required=True)
    sg.add_argument(
        "--version", type=int, help="the version you read (default: the current one, shown first)"
    )
    sg.add_argument("--role", help="the witness role you sign in (default: your first witness role)")
    add_fd_option(sg)
    sg.set_defaults(func=run_sign)
    cf = isub.add_parser("confirm", help="the exam-room head confirms the signed version")
    cf.add_argument("incident")
    cf.add_argument("--staff-no", required=True)
    cf.add_argument("--version", type=int)
    add_fd_option(cf)
    cf.set_defaults(func=run_confirm)
    vf = isub.add_parser("verify", help="verify a version, its signatures and evidence (exit 1 if not)")
    vf.add_argument("incident")
    vf.add_argument("--version", type=int)
    vf.set_defaults(func=run_verify)


# --- building fields ------------------------------------------------------------------------------


def _load_json(path: Path | None) -> dict[str, Any]:
    if path is None:
        return {}
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_JSON_BYTES + 1)
    except FileNotFoundError:
        raise NotFound(f"{path} does not exist") from None
    if len(data) > MAX_JSON_BYTES:
        raise InvalidInput(f"{path} is larger than {MAX_JSON_BYTES} bytes")
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInput(
            f"{path} is not JSON: {exc}", hint="write the record fields as a JSON object"
        ) from None
    if not isinstance(doc, dict):
        raise InvalidInput(f"{path} must hold a JSON object of record fields")
    return doc


def _subject(args: argparse.Namespace, base: dict[str, Any] | None) -> dict[str, Any] | None:
    options = {
        "kind": args.subject_kind,
        "name": args.subject_name,
        "id_number": args.id_number,
        "admission_number": args.admission_number,
        "seat": args.seat,
        "staff_id": args.subject_staff_no,
        "role": args.subject_role,
        "institution_code": args.subject_institution,
    }
    given = {key: value for key, value in options.items() if value is not None}
    if not given:
        return None
    subject = dict(base or {}) | given
    kind = subject.get("kind")
    keys = {
        "candidate": ("kind", "name", "id_number", "admission_number", "seat"),
        "staff": ("kind", "name", "staff_id", "role", "id_number"),
        "institution": ("kind", "name", "institution_code"),
    }.get(str(kind))
    if keys is None:
        raise InvalidInput("give --subject-kind (candidate, staff or institution)")
    # the record holds exactly the fields of its kind, each as text
    return {key: str(subject.get(key) or "") for key in keys}


def _evidence(ctx: CliContext, hashes: list[str]) -> list[dict[str, Any]]:
    out = []
    with ctx.store.session() as session:
        for digest in hashes:
            item = session.execute(
                select(EvidenceItem).where(EvidenceItem.sha256 == digest)
            ).scalar_one_or_none()
            if item is None:
                raise NotFound(
                    f"no stored evidence with SHA-256 {digest}", hint="cut a clip or add the file first"
                )
            camera = session.get(Camera, item.camera_id) if item.camera_id else None
            span = (
                {"start": iso_utc(item.span_start), "end": iso_utc(item.span_end)}
                if item.span_start and item.span_end
                else None
            )
            out.append(
                {
                    "sha256": item.sha256,
                    "size": item.size,
                    "media_type": item.media_type,
                    "kind": item.kind,
                    "camera": None if camera is None else camera.name,
                    "span": span,
                    "description": item.description,
                    "receipt_number": item.receipt_number,
                }
            )
    return out


def _fields(args: argparse.Namespace, ctx: CliContext, base: dict[str, Any] | None = None) -> dict[str, Any]:
    fields = _load_json(args.json)
    simple = {
        "room": args.room,
        "session": args.session,
        "article": args.article,
        "severity": args.severity,
        "facts": args.facts,
        "on_site_handling": args.handling,
        "occurred_at": args.occurred_at,
        "discovered_at": args.discovered_at,
        "found_after_assessment": args.found_after_assessment,
    }
    fields |= {key: value for key, value in simple.items() if value is not None}
    subject = _subject(args, fields.get("subject") or (base or {}).get("subject"))
    if subject is not None:
        fields["subject"] = subject
    if args.reminder is not None:
        fields["reminder"] = (
            None if args.reminder == "none" else {"given": True, "refused": args.reminder == "refused"}
        )
    if args.acknowledgement is not None or args.acknowledgement_note is not None:
        previous = fields.get("acknowledgement") or (base or {}).get("acknowledgement") or {}
        fields["acknowledgement"] = {
            "kind": args.acknowledgement or previous.get("kind", "not_present"),
            "note": args.acknowledgement_note
            if args.acknowledgement_note is not None
            else previous.get("note", ""),
        }
    if args.witness:
        fields["witnesses"] = args.witness
    if args.evidence:
        fields["evidence"] = _evidence(ctx, args.evidence)
    return fields


# --- output ------------------------------------------------------------------------------------------


def print_view(view: IncidentView) -> None:
    record = view.record
    subject = record.subject
    print(f"incident {view.id}  state {view.state}  version {view.version} of {len(view.versions)}")
    print(f"record sha256 {view.record_sha256}")
    print(f"subject   {subject.kind.value}: {subject.name}")
    print(f"article   {record.article}" + (f" ({record.severity.value})" if record.severity else ""))
    print(f"occurred  {to_local(record.occurred_at):%Y-%m-%d %H:%M:%S}  room {record.room or '-'}")
    print(f"facts     {record.facts}")
    print(f"handling  {record.on_site_handling}")
    print(f"evidence  {len(record.evidence)} item(s)")
    if record.amendment_reason:
        print(f"amended   {record.amendment_reason}")
    for signature in view.signatures:
        what = "co-signed" if signature.purpose == "cosign" else "confirmed"
        print(
            f"  {what:<9} {signature.staff_no} {signature.name} at {to_local(signature.at):%Y-%m-%d %H:%M:%S}"
        )


def print_report(report: VerificationReport) -> None:
    for error in report.errors:
        print(f"error[{error.code.value}]: {error.message}")
    for signer in report.cosigners:
        print(f"co-signed by {signer.staff_id} {signer.name} as {signer.role}")
    if report.confirmation is not None:
        print(f"confirmed by {report.confirmation.staff_id} {report.confirmation.name}")
    if report.evidence_unchecked:
        print(f"{len(report.evidence_unchecked)} evidence item(s) not held here and not checked")


# --- handlers ------------------------------------------------------------------------------------------


def run_mark(args: argparse.Namespace, ctx: CliContext) -> int:
    with ctx.store.session() as session:
        incident = mark_moment(session, marked_by=args.by, room=args.room)
        print(f"marked incident {incident.id} at {to_local(incident.marked_at):%Y-%m-%d %H:%M:%S}")
    return 0


def run_create(args: argparse.Namespace, ctx: CliContext) -> int:
    fields = _fields(args, ctx)
    with ctx.store.session() as session:
        row = create_draft(session, fields, actor=args.by, incident_id=args.incident)
        view = describe_incident(session, row.incident_id)
    print_view(view)
    problems = view.record.problems()
    for problem in problems:
        print(f"to complete before signing: {problem}")
    return 0


def run_amend(args: argparse.Namespace, ctx: CliContext) -> int:
    with ctx.store.session() as session:
        base = describe_incident(session, args.incident).record.to_json()
    changes = _fields(args, ctx, base)
    with ctx.store.session() as session:
        row = amend_incident(session, args.incident, reason=args.reason, changes=changes, actor=args.by)
        view = describe_incident(session, row.incident_id)
    print_view(view)
    return 0


def run_show(args: argparse.Namespace, ctx: CliContext) -> int:
    with ctx.store.session() as session:
        view = describe_incident(session, args.incident, args.version)
    if args.json:
        sys.stdout.buffer.write(view.record.to_bytes() + b"\n")
        sys.stdout.flush()
        return 0
    print_view(view)
    return 0


def run_list(args: argparse.Namespace, ctx: CliContext) -> int:
    with ctx.store.session() as session:
        rows = list_incidents(session, state=args.state)
    if not rows:
        print("no incidents")
    for row in rows:
        signed = f"{row.cosignatures} sig" + (", confirmed" if row.confirmed else "")
        when = to_local(row.marked_at).strftime("%m-%d %H:%M")
        print(
            f"{row.id[:8]} {when} {row.state:<9} v{row.version} {row.article:<6} {row.subject:<12} {signed}"
        )
    return 0


def _sign(args: argparse.Namespace, ctx: CliContext, confirming: bool) -> int:
    with ctx.store.session() as session:
        view = describe_incident(session, args.incident)
    print_view(view)
    version = view.version if args.version is None else args.version
    what = "confirm" if confirming else "co-sign"
    passphrase = read_passphrase(
        args.passphrase_fd, f"{args.staff_no}: passphrase to {what} version {version}: "
    )
    key = unlock_staff_key(ctx.store, ctx.paths, args.staff_no, passphrase, KdfChoice.from_env())
    with ctx.store.session() as session:
        if confirming:
            confirm_incident(session, view.id, key, version=version)
        else:
            sign_incident(session, view.id, key, version=version, role=args.role)
        state = describe_incident(session, view.id).state
    done = "confirmed" if confirming else "co-signed"
    print(f"{args.staff_no} {done} version {version}; the incident is {state}")
    return 0


def run_sign(args: argparse.Namespace, ctx: CliContext) -> int:
    return _sign(args, ctx, confirming=False)


def run_confirm(args: argparse.Namespace, ctx: CliContext) -> int:
    return _sign(args, ctx, confirming=True)


def run_verify(args: argparse.Namespace, ctx: CliContext) -> int:
    with ctx.store.session() as session:
        view = describe_incident(session, args.incident, args.version)
        report = verify_incident(session, ctx.paths, view.id, args.version)
    print_report(report)
    if report.ok:
        print(f"verified: incident {view.id} version {view.version} ({view.state})")
        print(f"record sha256 {report.record_sha256}")
        return 0
    print(f"NOT verified: {len(report.errors)} problem(s) in incident {view.id} version {view.version}")
    return 1


def run_clip(args: argparse.Namespace, ctx: CliContext) -> int:
    from datetime import timedelta

    from examsite.clock import parse_iso_utc
    from examsite.incidents.evidence import ClipRequest, cut_and_attach_clip, wait_for_post_roll
    from examsite.sites.cameras import find_camera

    with ctx.store.session() as session:
        incident = find_incident(session, args.incident)
        at = parse_iso_utc(args.at) if args.at else incident.marked_at
        if args.camera:
            cameras = [find_camera(session, name) for name in args.camera]
        else:
            cameras = list(
                session.execute(select(Camera).where(Camera.room_id == incident.room_id)).scalars()
            )
        if not cameras:
            raise NotFound("the incident has no room with cameras", hint="name cameras with --camera")
        targets = [(c.id, f"{c.room.name}/{c.name}") for c in cameras]
        incident_id = incident.id
    before, after = timedelta(seconds=args.before), timedelta(seconds=args.after)
    for camera_id, label in targets:
        if not wait_for_post_roll(ctx.store, camera_id, at + after, timeout=args.wait):
            until = f"{to_local(at + after):%H:%M:%S}"
            print(f"{label}: the recording does not reach {until} yet; cutting what exists")
        request = ClipRequest(incident_id, camera_id, at, before, after, args.frame_accurate)
        item = cut_and_attach_clip(ctx.store, request, ctx.paths.recordings, ctx.paths.evidence, actor="cli")
        span = ""
        if item.span_start is not None and item.span_end is not None:
            span = f" {to_local(item.span_start):%H:%M:%S} - {to_local(item.span_end):%H:%M:%S}"
        print(f"{label}: clip {item.sha256} {item.size} bytes{span}")
    return 0


def run_attach(args: argparse.Namespace, ctx: CliContext) -> int:
    from examsite.incidents.evidence import attach_file
    from examsite.incidents.record import EvidenceKind

    with ctx.store.session() as session:
        incident = find_incident(session, args.incident)
        item = attach_file(
            session,
            incident,
            args.file,
            ctx.paths.evidence,
            kind=EvidenceKind(args.kind),
            actor="cli",
            description=args.description,
            receipt_number=args.receipt,
        )
        print(f"{item.kind} {item.sha256} {item.size} bytes")
    return 0


def run_import_clip(args: argparse.Namespace, ctx: CliContext) -> int:
    from examsite.clock import parse_iso_utc
    from examsite.incidents.evidence import attach_nvr_clip

    with ctx.store.session() as session:
        incident = find_incident(session, args.incident)
        item = attach_nvr_clip(
            session,
            incident,
            args.file,
            parse_iso_utc(args.start),
            ctx.paths.evidence,
            actor="cli",
            camera_label=args.camera_label,
        )
        print(f"clip {item.sha256} {item.size} bytes, {item.description}")
    return 0
