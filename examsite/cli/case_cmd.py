"""``examsite case``, ``examsite bans`` and ``examsite report``: adjudication from the command line.

Every action runs in one store transaction with its audit entries; a PDF is rendered only after the
transaction committed, so a failed render never loses an issued document (render it again with
``examsite case pdf``) and a refused action never leaves a PDF behind.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from examsite.adjudication import bans as ban_registry
from examsite.adjudication import calendar_admin, notices, reports
from examsite.adjudication.calendar_admin import ADMIN_FILE, admin_path
from examsite.adjudication.cases import (
    CaseSearch,
    case_evidence,
    case_label,
    current_record,
    get_case,
    search_cases,
)
from examsite.adjudication.determination import (
    KEEP,
    Decider,
    decide_recusal,
    decider_from_staff,
    determine,
    outcome_of,
    request_recusal,
)
from examsite.adjudication.documents import Document, document_text
from examsite.adjudication.workdays import WorkdayCalendar, default_calendar
from examsite.cli.context import CliContext
from examsite.clock import to_local, utc_now
from examsite.errors import ExamsiteError, InvalidInput, NotFound
from examsite.rules import Severity
from examsite.store.models import Ban, Case, CaseDocument, Determination, Recusal, ReviewRequest

# -- shared option handling -------------------------------------------------------------------


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date YYYY-MM-DD") from None


def _today() -> date:
    return to_local(utc_now()).date()


def _actor(args: argparse.Namespace) -> str:
    return str(args.actor or getpass.getuser())


def _calendar(args: argparse.Namespace, ctx: CliContext) -> WorkdayCalendar:
    """The working-day calendar: shipped overrides, plus the administrator's file (art. 19 deadlines).

    ``--calendar FILE``, else ``<data folder>/calendar_overrides.json`` when it exists: the official
    notice of a new year, transcribed there, makes that year's deadlines computable.
    """
    path = Path(args.calendar) if getattr(args, "calendar", None) else admin_path(ctx.paths.data_dir)
    if getattr(args, "calendar", None) is None and not path.exists():
        return default_calendar()
    return WorkdayCalendar.load(path)


def _add_decider(p: argparse.ArgumentParser, required: bool = True) -> None:
    p.add_argument("--decider", required=required, metavar="STAFF_ID", help="staff id of the deciding person")
    p.add_argument("--decider-name", metavar="NAME", help="their name (looked up in the store if omitted)")
    p.add_argument("--decider-id-number", default="", metavar="ID", help="their ID number (recusal check)")
    p.add_argument("--decider-key", action="append", default=[], metavar="KEY_ID", help="their key ids")


def _decider(session: Session, args: argparse.Namespace) -> Decider:
    if args.decider_name:
        return Decider(args.decider, args.decider_name, args.decider_id_number, tuple(args.decider_key))
    return decider_from_staff(session, args.decider)


def _conditions(pairs: Sequence[str]) -> dict[str, bool]:
    out: dict[str, bool] = {}
    for pair in pairs:
        kind, _, value = pair.partition("=")
        if value.lower() not in ("yes", "no", "true", "false", "1", "0"):
            raise InvalidInput(
                f"--condition {pair!r}: write KIND=yes or KIND=no", hint="e.g. legal_liability=no"
            )
        out[kind.strip()] = value.lower() in ("yes", "true", "1")
    return out


def _render(items: Sequence[tuple[Document, Path]]) -> None:
    if not items:
        return  # no PDF asked for: Qt is not even loaded
    try:
        # Qt is loaded only for a PDF, so the rest of the command line works without it.
        from examsite.gui.headless_pdf import render_documents_offscreen
    except ImportError as exc:
        raise ExamsiteError(
            f"making a PDF needs PySide6, which cannot be loaded: {exc}; the document itself is stored",
            code="qt_missing",
            hint="install the GUI dependencies, then: examsite case pdf CASE REFERENCE --out FILE",
        ) from exc
    for path in render_documents_offscreen(items):
        print(f"PDF written: {path}")


# -- registration -----------------------------------------------------------------------------


def register(sub: Any) -> None:
    """Add ``examsite case``, ``examsite bans`` and ``examsite report``."""
    _register_case(sub)
    _register_bans(sub)
    _register_report(sub)


def _register_case(sub: Any) -> None:
    p = sub.add_parser("case", help="违纪违规案件 / cases: determine, notify, decide, review (arts. 15-21)")
    p.add_argument("--actor", help="who acts (default: the login name)")
    p.add_argument(
        "--calendar",
        metavar="FILE",
        help=f"working-day override file (default: {ADMIN_FILE} in the data folder, if present)",
    )
    cs = p.add_subparsers(dest="case_command", metavar="ACTION", required=True)

    li = cs.add_parser("list", help="search the archive (art. 21)")
    li.add_argument("--name", default="", help="part of the subject's name")
    li.add_argument("--id-number", default="")
    li.add_argument("--staff-id", default="")
    li.add_argument("--institution", default="")
    li.add_argument("--article", default="", help="6 or 6.1")
    li.add_argument("--state", default="")
    li.add_argument("--subject", default="", choices=["", "candidate", "staff", "institution"])
    li.add_argument("--from", dest="date_from", type=_date, help="incident on or after (YYYY-MM-DD)")
    li.add_argument("--to", dest="date_to", type=_date, help="incident on or before")
    li.add_argument("--major", action="store_true", help="only major situations (art. 20)")
    li.add_argument("--csv", type=Path, help="also write the list as CSV (UTF-8 with BOM)")
    li.set_defaults(func=run_list)

    sh = cs.add_parser("show", help="a case with its records, determinations, documents and review")
    sh.add_argument("case")
    sh.add_argument("--json", action="store_true")
    sh.set_defaults(func=run_show)

    de = cs.add_parser("decide", help="认定: clause, severity, consequences (prefilled from the record)")
    de.add_argument("case")
    _add_decider(de)
    de.add_argument("--on", type=_date, default=None, help="date of the determination (default today)")
    de.add_argument("--article", help="a different clause than the record's (needs --reason)")
    de.add_argument("--severity", choices=[s.value for s in Severity])
    de.add_argument("--reason", default="", help="why the clause or severity differs from the record")
    de.add_argument("--condition", action="append", default=[], metavar="KIND=yes|no")
    de.add_argument("--facts", help="the established facts (default: the record's)")
    de.add_argument("--base-clause", default="", help="art. 13(1): the art. 12 item")
    de.add_argument("--prior-warning", default="", help="art. 14(7): the earlier warning's reference")
    de.set_defaults(func=run_decide)

    rc = cs.add_parser("recuse", help="record a recusal request (art. 18) or decide one")
    rc.add_argument("case")
    rc.add_argument("--staff-id", help="who should recuse (a new request)")
    rc.add_argument("--staff-name", default="")
    rc.add_argument("--by", choices=["party", "self"], default="party")
    rc.add_argument("--reason", required=True)
    rc.add_argument("--on", type=_date, default=None)
    rc.add_argument("--decide", metavar="RECUSAL_ID", help="decide this pending request instead")
    rc.add_argument("--granted", action="store_true")
    rc.add_argument("--refused", action="store_true")
    _add_decider(rc, required=False)
    rc.set_defaults(func=run_recuse)

    no = cs.add_parser("notice", help="issue the 告知书 (art. 18), or record its service")
    no.add_argument("case")
    no.add_argument("--reference", help="文号 of the notice")
    no.add_argument("--on", type=_date, default=None, help="date of the notice (default today)")
    no.add_argument("--statement-until", type=_date, help="last day to state and defend")
    no.add_argument("--route", help="how to state and defend (address, office)")
    no.add_argument("--served-on", type=_date, help="record the day the notice was served")
    no.add_argument("--method", default="直接送达")
    no.add_argument("--pdf", type=Path, help="write the notice as PDF")
    no.set_defaults(func=run_notice)

    dc = cs.add_parser("decision", help="issue the 决定书 (art. 18), or record its service")
    dc.add_argument("case")
    _add_decider(dc, required=False)
    dc.add_argument("--reference")
    dc.add_argument("--on", type=_date, default=None)
    dc.add_argument("--statement-summary", help="what the party stated and how it was weighed")
    dc.add_argument(
        "--party-stated", action="store_true", help="the party has stated; decide before the deadline"
    )
    dc.add_argument("--review-route", help="how to request review (art. 19)")
    dc.add_argument("--review-body", default="")
    dc.add_argument(
        "--certificate", action="append", default=[], help="certificate number to void (art. 15 ¶2)"
    )
    dc.add_argument("--served-on", type=_date, help="served that day (or later, to record service)")
    dc.add_argument("--method", default="直接送达")
    dc.add_argument("--pdf", type=Path)
    dc.set_defaults(func=run_decision)

    rv = cs.add_parser("review", help="review (art. 19): request, extend, decide")
    rv.add_argument("case")
    rv.add_argument("--requested-on", type=_date)
    rv.add_argument("--grounds")
    rv.add_argument("--extend", action="store_true", help="extend by 10 working days")
    rv.add_argument("--reason", default="")
    rv.add_argument("--outcome", choices=["upheld", "varied", "revoked"])
    rv.add_argument("--on", type=_date, default=None)
    rv.add_argument("--text", default="", help="the review's findings (with --outcome)")
    rv.add_argument("--reference", default="", help="文号 of the written review decision (with --outcome)")
    rv.add_argument("--pdf", type=Path, help="write the review decision as PDF (with --outcome)")
    _add_decider(rv, required=False)
    rv.set_defaults(func=run_review)

    dl = cs.add_parser("deadlines", help="deadlines due soon (art. 18 statement, art. 19 review)")
    dl.add_argument("--today", type=_date, default=None)
    dl.add_argument("--within", type=int, default=5, help="working days ahead (default 5)")
    dl.set_defaults(func=run_deadlines)

    pdf = cs.add_parser("pdf", help="render an issued document again as PDF")
    pdf.add_argument("case")
    pdf.add_argument("reference", help="文号 of the document")
    pdf.add_argument("--out", type=Path, required=True)
    pdf.set_defaults(func=run_pdf)


def _register_bans(sub: Any) -> None:
    p = sub.add_parser("bans", help="禁评名单 / bans (arts. 6, 7) and certificates to void (art. 15 ¶2)")
    p.add_argument("--actor", help="who acts (default: the login name)")
    bs = p.add_subparsers(dest="bans_command", metavar="ACTION", required=True)
    ch = bs.add_parser("check", help="which of these ID numbers are banned (exit 1 if any)")
    ch.add_argument("id_numbers", nargs="+", metavar="ID")
    ch.add_argument("--on", type=_date, default=None)
    ch.set_defaults(func=run_bans_check)
    li = bs.add_parser("list", help="bans in force")
    li.add_argument("--on", type=_date, default=None)
    li.add_argument("--csv", type=Path)
    li.set_defaults(func=run_bans_list)
    ce = bs.add_parser("certificates", help="certificates to void and online data to correct")
    ce.add_argument("--status", default="pending", choices=["pending", "done", "cancelled", "all"])
    ce.add_argument("--csv", type=Path)
    ce.add_argument("--done", metavar="VOID_ID", help="record that this certificate was voided")
    ce.add_argument("--number", default="", help="the certificate number (with --done)")
    ce.add_argument("--on", type=_date, default=None)
    ce.set_defaults(func=run_certificates)


def _register_report(sub: Any) -> None:
    p = sub.add_parser("report", help="报告 / result report (art. 16), escalation (art. 20), statistics")
    p.add_argument("--actor", help="who acts (default: the login name)")
    rs = p.add_subparsers(dest="report_command", metavar="ACTION", required=True)
    for name, helptext in (
        ("result", "result report to the city centre (art. 16)"),
        ("escalation", "art. 20 report"),
    ):
        r = rs.add_parser(name, help=helptext)
        r.add_argument("case")
        r.add_argument("--reporter", required=True, help="the reporting body")
        r.add_argument("--reference", required=True)
        r.add_argument("--on", type=_date, default=None)
        r.add_argument("--recipient", default=reports.CITY_CENTRE)
        r.add_argument("--pdf", type=Path)
        r.set_defaults(func=run_report_case, report_kind=name)
    fl = rs.add_parser("flag", help="flag a case as a major situation (art. 20)")
    fl.add_argument("case")
    fl.add_argument(
        "--reason", action="append", default=[], help="why (repeatable); default: the suggestions"
    )
    fl.add_argument("--on", type=_date, default=None)
    fl.set_defaults(func=run_flag)
    st = rs.add_parser("stats", help="annual statistics by occupation, level and article")
    st.add_argument("year", type=int)
    st.add_argument("--csv", type=Path)
    st.add_argument("--pdf", type=Path)
    st.add_argument("--issuer", default="")
    st.add_argument("--reference", default="")
    st.set_defaults(func=run_stats)


# -- case -------------------------------------------------------------------------------------


def run_list(args: argparse.Namespace, ctx: CliContext) -> int:
    search = CaseSearch(
        name=args.name,
        id_number=args.id_number,
        staff_id=args.staff_id,
        institution_code=args.institution,
        article=args.article,
        state=args.state,
        subject_kind=args.subject,
        occurred_from=args.date_from,
        occurred_to=args.date_to,
        major_only=args.major,
    )
    with ctx.store.session() as session:
        cases = search_cases(session, search)
        for c in cases:
            when = to_local(c.occurred_at).strftime("%Y-%m-%d %H:%M")
            flag = " [major]" if c.major else ""
            print(
                f"{c.id[:8]}  {when}  {c.state:<12} {c.subject_kind:<11} {c.subject_name:<8} "
                f"art. {c.article_key}{flag}"
            )
        if args.csv:
            reports.export_cases_csv(cases, args.csv)
            print(f"CSV written: {args.csv}")
    print(f"{len(cases)} case(s)")
    return 0


def _case_json(session: Session, case: Case, data_dir: Path) -> dict[str, Any]:
    record = current_record(case)
    dets = session.execute(
        select(Determination).where(Determination.case_id == case.id).order_by(Determination.seq)
    )
    reviews = session.execute(select(ReviewRequest).where(ReviewRequest.case_id == case.id))
    recusals = session.execute(select(Recusal).where(Recusal.case_id == case.id))
    case_bans = session.execute(select(Ban).where(Ban.case_id == case.id))
    return {
        "id": case.id,
        "state": case.state,
        "incident_id": case.incident_id,
        "bundle": {"id": case.bundle_id, "sha256": case.bundle_sha256},
        "subject": record.subject.to_json(),
        "article": case.article_key,
        "severity": case.severity,
        "major": case.major,
        "major_reasons": case.major_reasons,
        "records": [
            {"version": r.version, "sha256": r.record_sha256, "signatures": [s.key_id for s in r.signatures]}
            for r in case.records
        ],
        "facts": record.facts,
        "evidence": [
            {
                "sha256": e.sha256,
                "kind": e.kind,
                "size": e.size,
                "file": None if (found := e.locate(data_dir)) is None else str(found),
            }
            for e in case_evidence(session, case)
        ],
        "determinations": [
            {
                "seq": d.seq,
                "article": d.article_key,
                "cited": d.cited_keys.split(","),
                "severity": d.severity,
                "change_reason": d.change_reason,
                "decider": d.decider_staff_id,
                "on": d.determined_on.isoformat(),
                "consequences": [m.kind.value for m in outcome_of(d).applied()],
            }
            for d in dets.scalars()
        ],
        "documents": [
            {
                "kind": d.kind,
                "reference": d.reference,
                "issued_on": d.issued_on.isoformat(),
                "served_on": None if d.served_on is None else d.served_on.isoformat(),
                "statement_deadline": None
                if d.statement_deadline is None
                else d.statement_deadline.isoformat(),
                "review_deadline": None if d.review_deadline is None else d.review_deadline.isoformat(),
            }
            for d in notices.case_documents(session, case)
        ],
        "reviews": [
            {
                "requested_on": r.requested_on.isoformat(),
                "decide_by": r.decide_by.isoformat(),
                "extended": r.extended,
                "outcome": r.outcome,
            }
            for r in reviews.scalars()
        ],
        "recusals": [
            {"id": r.id, "staff_id": r.staff_id, "status": r.status, "reason": r.reason}
            for r in recusals.scalars()
        ],
        "bans": [
            {
                "from": b.starts_on.isoformat(),
                "until": b.ends_on.isoformat(),
                "lifted_on": None if b.lifted_on is None else b.lifted_on.isoformat(),
            }
            for b in case_bans.scalars()
        ],
    }


def run_show(args: argparse.Namespace, ctx: CliContext) -> int:
    with ctx.store.session() as session:
        case = get_case(session, args.case)
        data = _case_json(session, case, ctx.paths.data_dir)
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return 0
    print(
        f"case {data['id']}  [{data['state']}]  art. {data['article']}"
        + (" [major]" if data["major"] else "")
    )
    print(f"  subject: {data['subject']['kind']} {data['subject']['name']}")
    print(f"  bundle:  {data['bundle']['id']} sha256 {data['bundle']['sha256']}")
    for r in data["records"]:
        print(f"  record v{r['version']} {r['sha256'][:16]}… signatures: {len(r['signatures'])}")
    print(f"  facts: {data['facts']}")
    for e in data["evidence"]:
        print(
            f"  evidence {e['kind']} {e['sha256'][:16]}… {e['size']} bytes: "
            f"{e['file'] or 'NOT IN THE ARCHIVE'}"
        )
    for d in data["determinations"]:
        print(
            f"  determination #{d['seq']} {d['on']} {','.join(d['cited'])} by {d['decider']}: "
            f"{', '.join(d['consequences'])}"
        )
    for d in data["documents"]:
        served = d["served_on"] or "not served"
        extra = f", review until {d['review_deadline']}" if d["review_deadline"] else ""
        print(f"  {d['kind']} {d['reference']} of {d['issued_on']}, served {served}{extra}")
    for r in data["reviews"]:
        print(f"  review requested {r['requested_on']}, decide by {r['decide_by']}: {r['outcome'] or 'open'}")
    for r in data["recusals"]:
        print(f"  recusal {r['id'][:8]} of {r['staff_id']}: {r['status']} ({r['reason']})")
    for b in data["bans"]:
        print(f"  ban {b['from']} .. {b['until']}" + (f" lifted {b['lifted_on']}" if b["lifted_on"] else ""))
    return 0


def run_decide(args: argparse.Namespace, ctx: CliContext) -> int:
    with ctx.store.session() as session:
        case = get_case(session, args.case)
        det = determine(
            session,
            case,
            decider=_decider(session, args),
            determined_on=args.on or _today(),
            article_key=args.article,
            change_reason=args.reason,
            severity=KEEP if args.severity is None else Severity(args.severity),
            conditions=_conditions(args.condition),
            facts_zh=args.facts,
            base_clause=args.base_clause,
            prior_warning=args.prior_warning,
            actor=_actor(args),
        )
        outcome = outcome_of(det)
        print(f"{case_label(case)}: determination #{det.seq} cites {', '.join(outcome.cited_keys)}")
        for sentence in outcome.sentences_zh():
            print(f"  - {sentence}")
    return 0


def run_recuse(args: argparse.Namespace, ctx: CliContext) -> int:
    with ctx.store.session() as session:
        case = get_case(session, args.case)
        on = args.on or _today()
        if args.decide:
            if args.granted == args.refused:
                raise InvalidInput("say --granted or --refused")
            if not args.decider:
                raise InvalidInput("who decides the recusal? give --decider")
            row = session.get(Recusal, args.decide)
            if row is None or row.case_id != case.id:
                raise NotFound(f"no recusal request {args.decide} in this case")
            decide_recusal(
                session,
                row,
                granted=args.granted,
                decided_by=_decider(session, args),
                reason=args.reason,
                decided_on=on,
                actor=_actor(args),
            )
            print(f"recusal {row.id} {row.status}")
            return 0
        if not args.staff_id:
            raise InvalidInput("name who should recuse: --staff-id")
        row = request_recusal(
            session,
            case,
            staff_id=args.staff_id,
            staff_name=args.staff_name,
            requested_by=args.by,
            reason=args.reason,
            requested_on=on,
            actor=_actor(args),
        )
        print(f"recusal request {row.id} recorded (pending)")
    return 0


def _document(session: Session, case: Case, kind: str) -> CaseDocument:
    doc = notices.latest_document(session, case, kind)
    if doc is None:
        raise NotFound(f"case {case.id[:8]} has no {kind} yet")
    return doc


def _record_service(
    args: argparse.Namespace, ctx: CliContext, session: Session, case: Case, kind: str
) -> CaseDocument:
    """`case notice|decision CASE --served-on DAY` without --reference: record the latest one's service."""
    if args.served_on is None:
        raise InvalidInput(f"give --reference … to issue a {kind}, or --served-on to record its service")
    return notices.record_service(
        session,
        _document(session, case, kind),
        served_on=args.served_on,
        method=args.method,
        actor=_actor(args),
        calendar=_calendar(args, ctx),
    )


def run_notice(args: argparse.Namespace, ctx: CliContext) -> int:
    render: list[tuple[Document, Path]] = []
    with ctx.store.session() as session:
        case = get_case(session, args.case)
        if args.reference is None:
            doc = _record_service(args, ctx, session, case, "notice")
            print(f"notice {doc.reference} served on {doc.served_on}")
            return 0
        if args.statement_until is None or not args.route:
            raise InvalidInput(
                "a notice needs --statement-until DATE and --route (art. 18: the right to state)"
            )
        row = notices.issue_notice(
            session,
            case,
            reference=args.reference,
            issued_on=args.on or _today(),
            statement_deadline=args.statement_until,
            statement_route=args.route,
            actor=_actor(args),
        )
        if args.served_on is not None:
            notices.record_service(
                session,
                row,
                served_on=args.served_on,
                method=args.method,
                actor=_actor(args),
                calendar=_calendar(args, ctx),
            )
        print(f"notice {row.reference} issued for {case_label(case)}")
        if args.pdf:
            render.append((notices.document_model(row), args.pdf))
    _render(render)
    return 0


def run_decision(args: argparse.Namespace, ctx: CliContext) -> int:
    render: list[tuple[Document, Path]] = []
    with ctx.store.session() as session:
        case = get_case(session, args.case)
        if args.reference is None:
            doc = _record_service(args, ctx, session, case, "decision")
            print(
                f"decision {doc.reference} served on {doc.served_on}; "
                f"review may be requested until {doc.review_deadline}"
            )
            return 0
        if not args.decider or not args.statement_summary or not args.review_route:
            raise InvalidInput(
                "a decision needs --decider, --statement-summary and --review-route (art. 18, 19)"
            )
        row = notices.issue_decision(
            session,
            case,
            decider=_decider(session, args),
            reference=args.reference,
            decided_on=args.on or _today(),
            statement_summary=args.statement_summary,
            review_route=args.review_route,
            review_body=args.review_body,
            party_stated=args.party_stated,
            served_on=args.served_on,
            service_method=args.method,
            certificate_numbers=tuple(args.certificate),
            actor=_actor(args),
            calendar=_calendar(args, ctx),
        )
        print(f"decision {row.reference} issued for {case_label(case)}")
        if row.review_deadline:
            print(f"served {row.served_on}; review may be requested until {row.review_deadline}")
        if args.pdf:
            render.append((notices.document_model(row), args.pdf))
    _render(render)
    return 0


def run_review(args: argparse.Namespace, ctx: CliContext) -> int:
    with ctx.store.session() as session:
        case = get_case(session, args.case)
        on = args.on or _today()
        if args.requested_on is not None:
            requested = notices.request_review(
                session,
                case,
                requested_on=args.requested_on,
                grounds=args.grounds or "",
                actor=_actor(args),
                calendar=_calendar(args, ctx),
            )
            print(f"review requested {requested.requested_on}; decide by {requested.decide_by} (art. 19)")
            return 0
        review = notices.open_review(session, case)
        if review is None:
            raise NotFound(
                f"case {case.id[:8]} has no open review",
                hint="record one with --requested-on DATE --grounds …",
            )
        if args.extend:
            notices.extend_review(
                session, review, reason=args.reason, on=on, actor=_actor(args), calendar=_calendar(args, ctx)
            )
            print(f"review extended; decide by {review.decide_by}")
            return 0
        if args.outcome is None or not args.decider:
            raise InvalidInput("give --requested-on, --extend, or --outcome with --decider and --text")
        notices.decide_review(
            session,
            review,
            outcome=args.outcome,
            outcome_on=on,
            text=args.text,
            decider=_decider(session, args),
            reference=args.reference,
        )
        print(f"review {args.outcome} on {on}; written decision {args.reference.strip()}")
        answer = notices.latest_document(session, case, "review")
        assert answer is not None
        render = [(notices.document_model(answer), args.pdf)] if args.pdf else []
    _render(render)
    return 0


def run_deadlines(args: argparse.Namespace, ctx: CliContext) -> int:
    today = args.today or _today()
    calendar = _calendar(args, ctx)
    with ctx.store.session() as session:
        due = notices.deadlines_due(session, today, within_working_days=args.within, calendar=calendar)
    for d in due:
        left = "?" if d.working_days_left is None else str(d.working_days_left)
        state = "OVERDUE" if d.overdue else f"{left} working day(s) left"
        print(f"{d.due_on}  {d.kind:<16} {d.case_label}  ({state})")
    print(f"{len(due)} deadline(s) within {args.within} working days of {today}")
    missing = calendar_admin.uncovered_year_ahead(calendar, today)
    if missing is not None:
        print(
            f"warning: the working-day calendar does not cover {missing} yet; deadlines reaching into it "
            f"cannot be computed. Enter the State Council holiday notice for {missing}: "
            f"examsite calendar add --year {missing} --complete ...",
            file=sys.stderr,
        )
    return 0


def run_pdf(args: argparse.Namespace, ctx: CliContext) -> int:
    with ctx.store.session() as session:
        case = get_case(session, args.case)
        row = session.execute(
            select(CaseDocument).where(
                CaseDocument.case_id == case.id, CaseDocument.reference == args.reference
            )
        ).scalar_one_or_none()
        if row is None:
            raise NotFound(f"case {case.id[:8]} has no document {args.reference}")
        doc = notices.document_model(row)
    _render([(doc, args.out)])
    return 0


# -- bans -------------------------------------------------------------------------------------


def run_bans_check(args: argparse.Namespace, ctx: CliContext) -> int:
    with ctx.store.session() as session:
        found = ban_registry.check_candidates(session, args.id_numbers, args.on)
        for number in args.id_numbers:
            ban = found.get(number)
            print(f"{number}: " + ("BANNED " + ban_registry.ban_summary(ban) if ban else "no ban"))
    return 1 if found else 0


def run_bans_list(args: argparse.Namespace, ctx: CliContext) -> int:
    with ctx.store.session() as session:
        active = ban_registry.active_bans(session, args.on)
        for ban in active:
            print(
                f"{ban.id_number}  {ban.person_name:<8} art. {ban.article_key:<5} "
                f"{ban.starts_on} .. {ban.ends_on}"
            )
        if args.csv:
            ban_registry.export_bans_csv(session, args.csv, args.on)
            print(f"CSV written: {args.csv}")
    print(f"{len(active)} ban(s) in force")
    return 0


def run_certificates(args: argparse.Namespace, ctx: CliContext) -> int:
    status = None if args.status == "all" else args.status
    with ctx.store.session() as session:
        if args.done:
            void = ban_registry.mark_certificate_done(
                session,
                args.done,
                certificate_number=args.number,
                done_on=args.on or _today(),
                actor=_actor(args),
            )
            print(f"certificate {void.certificate_number} of {void.person_name} recorded as voided")
            return 0
        rows = ban_registry.certificate_voids(session, status)
        for v in rows:
            print(
                f"{v.id[:8]}  {v.id_number}  {v.person_name:<8} {v.occupation} {v.level} "
                f"{v.certificate_number or '(number?)'} {v.status}"
            )
        if args.csv:
            ban_registry.export_certificate_voids_csv(session, args.csv, status)
            print(f"CSV written: {args.csv}")
    print(f"{len(rows)} certificate(s)")
    return 0


# -- reports ----------------------------------------------------------------------------------


def run_report_case(args: argparse.Namespace, ctx: CliContext) -> int:
    with ctx.store.session() as session:
        case = get_case(session, args.case)
        build = reports.result_report if args.report_kind == "result" else reports.escalation_report
        doc = build(
            session,
            case,
            reporter=args.reporter,
            reported_on=args.on or _today(),
            reference=args.reference,
            recipient=args.recipient,
        )
    print(document_text(doc), end="")
    if args.pdf:
        _render([(doc, args.pdf)])
    return 0


def run_flag(args: argparse.Namespace, ctx: CliContext) -> int:
    with ctx.store.session() as session:
        case = get_case(session, args.case)
        reasons = args.reason or reports.suggest_major_reasons(session, case)
        reports.flag_major(
            session, case, reasons=reasons, escalated_on=args.on or _today(), actor=_actor(args)
        )
        print(f"{case_label(case)} flagged as a major situation: {case.major_reasons}")
    return 0


def run_stats(args: argparse.Namespace, ctx: CliContext) -> int:
    with ctx.store.session() as session:
        rows = reports.annual_statistics(session, args.year)
    for r in rows:
        print(
            f"{r.occupation}\t{r.level}\tart. {r.article}\t"
            f"{r.cases} case(s), {r.decided} decided, {r.bans} ban(s)"
        )
    if args.csv:
        reports.export_statistics_csv(rows, args.csv)
        print(f"CSV written: {args.csv}")
    if args.pdf:
        if not args.issuer or not args.reference:
            raise InvalidInput("a statistics PDF needs --issuer and --reference")
        doc = reports.statistics_document(
            rows, args.year, issuer=args.issuer, issued_on=_today(), reference=args.reference
        )
        _render([(doc, args.pdf)])
    return 0
