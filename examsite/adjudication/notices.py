"""Notice, decision and review of a case (arts. 18, 19): issued documents, service, deadlines.

Art. 18: before deciding, the party is told the intended decision with its facts, reasons and basis
(告知书) and may state and defend; the decision is written (决定书), served, and states the right and
the route to request review. Art. 19: review may be requested within 15 working days of receiving
the decision; the review is decided within 15 working days, extendable once by 10. Deadlines come
from :mod:`examsite.adjudication.workdays`; one that reaches a year the calendar does not cover is
refused (``calendar_not_covered``) and nothing is saved.

Each issued document is kept as its document model (JSON) and its exact text, so the PDF can be
rendered again at any time and compared with what was issued.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal, cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from examsite.adjudication.bans import ban_period, lift_case_bans, record_decision_measures
from examsite.adjudication.cases import SUBJECT_NAMES_ZH, case_label, current_record, session_date, set_state
from examsite.adjudication.determination import Decider, check_recusal, current_determination, outcome_of
from examsite.adjudication.documents import (
    DECISION_TITLE,
    CaseFacts,
    DecisionDetails,
    Document,
    LabelledField,
    NoticeDetails,
    Paragraph,
    chinese_date,
    decision_document,
    document_text,
    mask_id_number,
    notice_document,
)
from examsite.adjudication.workdays import (
    WorkdayCalendar,
    default_calendar,
    review_decision_deadline,
    review_request_deadline,
)
from examsite.audit.log import append as audit_append
from examsite.errors import ExamsiteError, InvalidInput, NotFound
from examsite.rules import Catalogue, SubjectKind, load_catalogue
from examsite.store.models import Case, CaseDocument, CaseState, Determination, ReviewRequest

__all__ = [
    "Deadline",
    "case_documents",
    "case_facts",
    "deadlines_due",
    "decide_review",
    "document_from_json",
    "document_model",
    "document_to_json",
    "extend_review",
    "issue_decision",
    "issue_notice",
    "latest_document",
    "open_review",
    "record_service",
    "request_review",
    "review_document",
]


# -- the document model as stored -------------------------------------------------------------


def document_to_json(doc: Document) -> dict[str, Any]:
    """The document model as plain data, to store and re-render exactly."""
    return {
        "kind": doc.kind,
        "title": doc.title,
        "issuer": doc.issuer,
        "reference": doc.reference,
        "addressee": doc.addressee,
        "fields": [[f.label, f.value] for f in doc.fields],
        "paragraphs": [[p.text, p.heading] for p in doc.paragraphs],
        "signature": list(doc.signature),
        "date_text": doc.date_text,
        "service": [[f.label, f.value] for f in doc.service],
    }


def document_from_json(data: dict[str, Any]) -> Document:
    """The inverse of :func:`document_to_json`."""
    return Document(
        kind=data["kind"],
        title=data["title"],
        issuer=data["issuer"],
        reference=data["reference"],
        addressee=data["addressee"],
        fields=tuple(LabelledField(label, value) for label, value in data["fields"]),
        paragraphs=tuple(Paragraph(text, heading) for text, heading in data["paragraphs"]),
        signature=tuple(data["signature"]),
        date_text=data["date_text"],
        service=tuple(LabelledField(label, value) for label, value in data["service"]),
    )


def document_model(row: CaseDocument) -> Document:
    """The issued document, rebuilt from what was stored; its text equals ``row.text``."""
    doc = document_from_json(json.loads(row.content_json))
    if document_text(doc) != row.text:
        raise ExamsiteError(
            f"document {row.reference}: the stored model no longer gives the stored text",
            code="document_mismatch",
            hint="the store was changed outside examsite; restore it from a backup",
        )
    return doc


def _check_reference(session: Session, reference: str) -> None:
    clash = session.execute(
        select(CaseDocument).where(CaseDocument.reference == reference.strip())
    ).scalar_one_or_none()
    if clash is not None:
        raise InvalidInput(
            f"document reference {reference.strip()} is already used (case {clash.case_id[:8]})",
            hint="every notice, decision and review answer needs its own reference number (文号)",
        )


def _store_document(
    session: Session,
    case: Case,
    determination: Determination,
    doc: Document,
    *,
    kind: Literal["notice", "decision", "review"],
    issued_on: date,
    actor: str,
    statement_deadline: date | None = None,
) -> CaseDocument:
    reference = doc.reference
    _check_reference(session, reference)
    text = document_text(doc)
    row = CaseDocument(
        case_id=case.id,
        determination_id=determination.id,
        kind=kind,
        reference=reference,
        issued_on=issued_on,
        statement_deadline=statement_deadline,
        content_json=json.dumps(document_to_json(doc), ensure_ascii=False, sort_keys=True),
        text=text,
        text_sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        created_by=actor,
    )
    session.add(row)
    session.flush()
    audit_append(
        session,
        actor=actor,
        action=f"case.{kind}_issued",
        object_type="case",
        object_id=case.id,
        content=text,
        detail=reference,
    )
    return row


def case_documents(session: Session, case: Case) -> list[CaseDocument]:
    """Every document issued in the case, oldest first."""
    query = (
        select(CaseDocument)
        .where(CaseDocument.case_id == case.id)
        .order_by(CaseDocument.created_at, CaseDocument.issued_on, CaseDocument.id)
    )
    return list(session.execute(query).scalars())


def latest_document(session: Session, case: Case, kind: str) -> CaseDocument | None:
    """The newest document of ``kind`` (notice or decision) in the case."""
    docs = [d for d in case_documents(session, case) if d.kind == kind]
    return docs[-1] if docs else None


# -- building the documents -------------------------------------------------------------------


def case_facts(
    case: Case,
    determination: Determination,
    *,
    ban_dates: tuple[date, date] | None = None,
    catalogue: Catalogue | None = None,
) -> CaseFacts:
    """The plain facts the documents need, from the case, its record and its determination."""
    catalogue = catalogue or load_catalogue()
    if case.subject_kind == SubjectKind.institution.value:
        raise InvalidInput(
            "notices and decisions here are addressed to persons; an institution's case is decided by the "
            "provincial centre (art. 17)",
            hint="use the escalation report (examsite report escalation) for institution cases",
        )
    record = current_record(case)
    if record.session is None or not case.subject_id_number:
        raise InvalidInput(
            "the notice and decision name the sitting and the person's ID number, which the record lacks",
            hint="the site must amend the record with the session and the ID number",
        )
    outcome = outcome_of(determination)
    clause = catalogue.get(determination.article_key)
    return CaseFacts(
        party_name=case.subject_name,
        id_number=case.subject_id_number,
        occupation=record.session.occupation,
        level=record.session.level,
        subject=SUBJECT_NAMES_ZH.get(record.session.subject, record.session.subject),
        session_date=session_date(case),
        facts_zh=determination.facts_zh,
        article_key=determination.article_key,
        clause_text_zh=clause.text_zh,
        consequences_zh=outcome.sentences_zh(ban_dates),
        institution=record.institution_name,
        article_lead_in_zh=clause.lead_in_zh or "",
    )


def issue_notice(
    session: Session,
    case: Case,
    *,
    reference: str,
    issued_on: date,
    statement_deadline: date,
    statement_route: str,
    actor: str,
    catalogue: Catalogue | None = None,
) -> CaseDocument:
    """Issue the 告知书 of art. 18 for the current determination; the case becomes ``notified``."""
    if case.state not in (CaseState.DETERMINED, CaseState.NOTIFIED):
        raise InvalidInput(
            f"case {case.id[:8]} is {case.state}; a notice follows a determination",
            hint="determine the case first (examsite case decide)",
        )
    determination = current_determination(session, case)
    assert determination is not None  # a determined case has one
    if issued_on < determination.determined_on:
        raise InvalidInput("the notice cannot predate the determination it announces")
    facts = case_facts(case, determination, catalogue=catalogue)
    doc = notice_document(facts, NoticeDetails(reference, issued_on, statement_deadline, statement_route))
    row = _store_document(
        session,
        case,
        determination,
        doc,
        kind="notice",
        issued_on=issued_on,
        actor=actor,
        statement_deadline=statement_deadline,
    )
    set_state(session, case, CaseState.NOTIFIED, actor=actor, detail=row.reference)
    return row


def record_service(
    session: Session,
    document: CaseDocument,
    *,
    served_on: date,
    method: str = "直接送达",
    actor: str,
    calendar: WorkdayCalendar | None = None,
) -> CaseDocument:
    """Record the day a notice or decision reached the party (art. 18 送达).

    For a decision this fixes the art. 19 review deadline, computed from ``served_on``; if that
    deadline falls in a year the working-day calendar does not cover, ``calendar_not_covered`` is
    raised and nothing is recorded.
    """
    if document.served_on is not None:
        raise InvalidInput(f"{document.reference} was already recorded as served on {document.served_on}")
    if served_on < document.issued_on:
        raise InvalidInput(
            f"{document.reference} cannot be served before it was issued ({document.issued_on})"
        )
    if not method.strip():
        raise InvalidInput("say how the document was served (直接送达, 邮寄送达 …)")
    case = session.get(Case, document.case_id)
    assert case is not None
    if document.kind == "decision":
        document.review_deadline = review_request_deadline(served_on, calendar)
    document.served_on = served_on
    document.service_method = method.strip()
    audit_append(
        session,
        actor=actor,
        action=f"case.{document.kind}_served",
        object_type="case",
        object_id=case.id,
        content=f"{document.reference}|{served_on.isoformat()}",
        detail=f"{method.strip()}"
        + (f"; review may be requested until {document.review_deadline}" if document.review_deadline else ""),
    )
    if document.kind == "decision":
        set_state(session, case, CaseState.SERVED, actor=actor, detail=document.reference)
    return document


def issue_decision(
    session: Session,
    case: Case,
    *,
    decider: Decider,
    reference: str,
    decided_on: date,
    statement_summary: str,
    review_route: str,
    review_body: str = "",
    party_stated: bool = False,
    served_on: date | None = None,
    service_method: str = "直接送达",
    certificate_numbers: tuple[str, ...] = (),
    actor: str | None = None,
    calendar: WorkdayCalendar | None = None,
    catalogue: Catalogue | None = None,
) -> CaseDocument:
    """Issue the 决定书 (art. 18) and enter its ban and certificates to void.

    Requires the notice of the current determination to have been served, and the party's time to
    state and defend to have passed unless ``party_stated``. The ban runs from ``decided_on``
    (:func:`~examsite.adjudication.bans.ban_period`). With ``served_on`` (served in person that
    day) the document states the review deadline and the service is recorded at once.
    """
    actor = actor or decider.staff_id
    if case.state != CaseState.NOTIFIED:
        raise InvalidInput(
            f"case {case.id[:8]} is {case.state}; a decision follows a served notice (art. 18)",
            hint="issue the notice and record its service first",
        )
    check_recusal(session, case, decider)
    determination = current_determination(session, case)
    notice = latest_document(session, case, "notice")
    assert determination is not None
    assert notice is not None
    if notice.determination_id != determination.id:
        raise InvalidInput("the latest notice announces an earlier determination", hint="issue a new notice")
    if notice.served_on is None:
        raise InvalidInput(
            f"notice {notice.reference} has not been served; the party must be told first (art. 18)",
            hint="record its service: examsite case notice CASE --served-on DATE",
        )
    assert notice.statement_deadline is not None
    if not party_stated and decided_on <= notice.statement_deadline:
        raise InvalidInput(
            f"the party may state and defend until {notice.statement_deadline} (art. 18); "
            "decide after that day, or record that the party has stated",
            hint="pass party_stated (--party-stated) with the statement summary",
        )
    outcome = outcome_of(determination)
    ban_dates = None if outcome.ban_years is None else ban_period(decided_on, outcome.ban_years)
    facts = case_facts(case, determination, ban_dates=ban_dates, catalogue=catalogue)
    details = DecisionDetails(
        reference=reference,
        decided_on=decided_on,
        notice_reference=notice.reference,
        notice_served_on=notice.served_on,
        statement_summary=statement_summary,
        review_route=review_route,
        review_body=review_body,
        served_on=served_on,
        service_method=service_method,
    )
    doc = decision_document(facts, details, calendar)
    row = _store_document(
        session, case, determination, doc, kind="decision", issued_on=decided_on, actor=actor
    )
    record_decision_measures(
        session,
        case,
        row,
        ban_years=outcome.ban_years,
        void_certificates=outcome.certificates_void,
        certificate_numbers=certificate_numbers,
        actor=actor,
    )
    set_state(session, case, CaseState.DECIDED, actor=actor, detail=row.reference)
    if served_on is not None:
        record_service(
            session, row, served_on=served_on, method=service_method, actor=actor, calendar=calendar
        )
    return row


# -- review (art. 19) -------------------------------------------------------------------------


def open_review(session: Session, case: Case) -> ReviewRequest | None:
    """The review request of the case that has no outcome yet, if any."""
    return session.execute(
        select(ReviewRequest).where(ReviewRequest.case_id == case.id, ReviewRequest.outcome.is_(None))
    ).scalar_one_or_none()


def request_review(
    session: Session,
    case: Case,
    *,
    requested_on: date,
    grounds: str,
    actor: str,
    calendar: WorkdayCalendar | None = None,
) -> ReviewRequest:
    """Record a review request (art. 19): in time only up to the 15th working day after service.

    The deadline to decide it is the 15th working day after ``requested_on``. A late request is
    refused (``review_out_of_time``); a decision deadline in an uncovered year is refused
    (``calendar_not_covered``).
    """
    if case.state != CaseState.SERVED:
        raise InvalidInput(
            f"case {case.id[:8]} is {case.state}; review is requested against a served decision",
            hint="record the decision's service first",
        )
    decision = latest_document(session, case, "decision")
    assert decision is not None
    assert decision.served_on is not None
    assert decision.review_deadline is not None
    if not grounds.strip():
        raise InvalidInput("a review request states its grounds")
    if requested_on < decision.served_on:
        raise InvalidInput(
            f"review cannot be requested before the decision was served ({decision.served_on})"
        )
    if requested_on > decision.review_deadline:
        raise InvalidInput(
            f"the request of {requested_on} is late: review could be requested until "
            f"{decision.review_deadline} (15 working days after service on {decision.served_on}, art. 19)",
            code="review_out_of_time",
        )
    decide_by = review_decision_deadline(requested_on, False, calendar)
    review = ReviewRequest(
        case_id=case.id,
        decision_id=decision.id,
        requested_on=requested_on,
        grounds=grounds.strip(),
        decide_by=decide_by,
    )
    session.add(review)
    session.flush()
    audit_append(
        session,
        actor=actor,
        action="case.review_requested",
        object_type="case",
        object_id=case.id,
        content=grounds.strip(),
        detail=f"on {requested_on}; decide by {decide_by}",
    )
    set_state(session, case, CaseState.UNDER_REVIEW, actor=actor)
    return review


def extend_review(
    session: Session,
    review: ReviewRequest,
    *,
    reason: str,
    on: date,
    actor: str,
    calendar: WorkdayCalendar | None = None,
) -> ReviewRequest:
    """Extend the review by 10 working days (art. 19 "特殊情况"), once, before the deadline passes."""
    if review.outcome is not None:
        raise InvalidInput("the review is already decided")
    if review.extended:
        raise InvalidInput("art. 19 allows one extension of 10 working days; it was already used")
    if not reason.strip():
        raise InvalidInput("an extension needs the special circumstances that justify it (art. 19)")
    if on > review.decide_by:
        raise InvalidInput(
            f"the review deadline {review.decide_by} has passed; it can no longer be extended",
            code="review_out_of_time",
        )
    review.decide_by = review_decision_deadline(review.requested_on, True, calendar)
    review.extended = True
    review.extension_reason = reason.strip()
    audit_append(
        session,
        actor=actor,
        action="case.review_extended",
        object_type="case",
        object_id=review.case_id,
        content=reason.strip(),
        detail=f"decide by {review.decide_by}",
    )
    return review


def decide_review(
    session: Session,
    review: ReviewRequest,
    *,
    outcome: Literal["upheld", "varied", "revoked"],
    outcome_on: date,
    text: str,
    decider: Decider,
    reference: str,
    actor: str | None = None,
) -> ReviewRequest:
    """Record the review decision and issue it in writing (art. 19: 书面答复), as document ``reference``.

    ``revoked`` lifts the bans and cancels the certificate voids of the decision; ``varied`` does
    the same and reopens the case for a new determination, notice and decision; ``upheld`` leaves
    the decision in force.
    """
    actor = actor or decider.staff_id
    if outcome not in ("upheld", "varied", "revoked"):
        raise InvalidInput(f"a review is upheld, varied or revoked, not {outcome!r}")
    if review.outcome is not None:
        raise InvalidInput(f"the review was already decided ({review.outcome} on {review.outcome_on})")
    if outcome_on < review.requested_on:
        raise InvalidInput("a review cannot be decided before it was requested")
    if not text.strip():
        raise InvalidInput("the review answer is given in writing (art. 19): give its text")
    if not reference.strip():
        raise InvalidInput("the written review decision needs its reference number (文号)")
    _check_reference(session, reference)
    case = session.get(Case, review.case_id)
    assert case is not None
    check_recusal(session, case, decider)
    decision = session.get(CaseDocument, review.decision_id)
    determination = current_determination(session, case)
    assert decision is not None
    assert determination is not None
    review.outcome = outcome
    review.outcome_on = outcome_on
    review.outcome_text = text.strip()
    review.decided_by = decider.staff_id
    doc = review_document(case, review, decision, reference=reference)
    _store_document(session, case, determination, doc, kind="review", issued_on=outcome_on, actor=actor)
    late = outcome_on > review.decide_by
    audit_append(
        session,
        actor=actor,
        action=f"case.review_{outcome}",
        object_type="case",
        object_id=case.id,
        content=text.strip(),
        detail=f"by {decider.staff_id}" + (f"; LATE, the deadline was {review.decide_by}" if late else ""),
    )
    if outcome in ("revoked", "varied"):
        lift_case_bans(session, case, on=outcome_on, reason=f"review {outcome} on {outcome_on}", actor=actor)
    next_state = CaseState.OPEN if outcome == "varied" else CaseState.REVIEWED
    set_state(session, case, next_state, actor=actor, detail=f"review {outcome}")
    return review


REVIEW_TITLE = "技能人才评价违纪违规行为复核决定书"
_OUTCOME_ZH = {
    "upheld": "经复核，维持原处理决定。",
    "revoked": "经复核，撤销原处理决定，原决定所作处理（含不得参加评价的限制及证书作废）一并撤销。",
    "varied": "经复核，变更原处理决定。原决定所作处理一并撤销，本机构将依程序重新告知并作出处理决定。",
}


def review_document(case: Case, review: ReviewRequest, decision: CaseDocument, *, reference: str) -> Document:
    """The written answer to a review request (art. 19), built from the recorded outcome."""
    if not reference.strip():
        raise InvalidInput("the written review decision needs its reference number (文号)")
    if review.outcome is None or review.outcome_on is None:
        raise InvalidInput("the review has no outcome yet")
    record = current_record(case)
    deadline = f"{chinese_date(review.decide_by)}" + ("（已依法延长10个工作日）" if review.extended else "")
    paragraphs = (
        Paragraph(
            f"你于{chinese_date(review.requested_on)}对本机构《{DECISION_TITLE}》（{decision.reference}）"
            "申请复核。本机构依据《规程》第十九条受理并进行了核实。"
        ),
        Paragraph("一、申请复核的理由", heading=True),
        Paragraph(review.grounds),
        Paragraph("二、复核意见", heading=True),
        Paragraph(review.outcome_text),
        Paragraph("三、复核结论", heading=True),
        Paragraph(_OUTCOME_ZH[review.outcome]),
    )
    return Document(
        kind=cast(Literal["notice", "decision"], "review"),
        title=REVIEW_TITLE,
        issuer=record.institution_name,
        reference=reference.strip(),
        addressee=f"{case.subject_name}：",
        fields=(
            LabelledField("姓名", case.subject_name),
            LabelledField("身份证件号码", mask_id_number(case.subject_id_number)),
            LabelledField("原决定书", f"{decision.reference}（{chinese_date(decision.issued_on)}）"),
            LabelledField("申请复核日期", chinese_date(review.requested_on)),
            LabelledField("复核期限", deadline),
        ),
        paragraphs=paragraphs,
        signature=(record.institution_name,),
        date_text=chinese_date(review.outcome_on),
    )


# -- deadlines due soon -----------------------------------------------------------------------


@dataclass(frozen=True)
class Deadline:
    """A deadline of a case: the party's (statement, review request) or the body's (review decision)."""

    case_id: str
    case_label: str
    kind: Literal["statement", "review_request", "review_decision"]
    due_on: date
    working_days_left: int | None  # None when today lies in a year the calendar does not cover
    overdue: bool


def deadlines_due(
    session: Session,
    today: date,
    *,
    within_working_days: int = 5,
    calendar: WorkdayCalendar | None = None,
) -> list[Deadline]:
    """Deadlines that end within ``within_working_days`` working days of ``today``, soonest first.

    Listed: the party's time to state and defend after a notice; the party's time to request review
    after a served decision (art. 19); the body's time to decide a review, also once overdue.
    """
    cal = calendar or default_calendar()
    found: list[Deadline] = []

    def add(case: Case, kind: Literal["statement", "review_request", "review_decision"], due: date) -> None:
        overdue = due < today
        if overdue and kind != "review_decision":
            return  # the party's window has closed; nothing is due any more
        try:
            left: int | None = cal.working_days_between(today, due)
        except ExamsiteError:
            left = None
        if left is None or left <= within_working_days:
            found.append(Deadline(case.id, case_label(case), kind, due, left, overdue))

    for case in session.execute(select(Case).where(Case.state == CaseState.NOTIFIED.value)).scalars():
        notice = latest_document(session, case, "notice")
        if notice is not None and notice.served_on is not None and notice.statement_deadline is not None:
            add(case, "statement", notice.statement_deadline)
    for case in session.execute(select(Case).where(Case.state == CaseState.SERVED.value)).scalars():
        decision = latest_document(session, case, "decision")
        if decision is not None and decision.review_deadline is not None:
            add(case, "review_request", decision.review_deadline)
    reviews = select(ReviewRequest).where(ReviewRequest.outcome.is_(None))
    for review in session.execute(reviews).scalars():
        reviewed = session.get(Case, review.case_id)
        if reviewed is None:
            raise NotFound(f"review {review.id} names a missing case")
        add(reviewed, "review_decision", review.decide_by)
    return sorted(found, key=lambda d: (d.due_on, d.case_id))
