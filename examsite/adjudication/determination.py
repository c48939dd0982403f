"""认定: the clause, severity and consequences of a case, and recusal (arts. 5–18).

The clause is prefilled from the incident record and may be changed only with a reason; the
consequences are computed from the article catalogue (:mod:`examsite.rules`), never typed in:

- scores cancelled: that subject of the sitting (art. 5) or all subjects of the sitting (arts. 6, 7);
- a ban of 1, 2 or 5 years (arts. 6, 7), dated when the decision is made (see :mod:`.bans`);
- referral to the authorities (art. 7 serious, art. 14 where illegal);
- issued certificates voided and online certificate data corrected when the violation was found
  after the assessment (art. 15 ¶2);
- the staff and institution measures of arts. 8–14; a serious art. 12 case is decided under
  art. 13(1), citing the art. 12 item it grew from.

A consequence the catalogue makes conditional ("有违法行为的", "视情况") applies only when the decider
says whether its condition holds; nothing conditional is assumed. Art. 18: an investigator with a
conflict of interest recuses; a decider who recorded, signed, witnessed or is the subject of the
incident is refused, and recusal requests are recorded and decided by someone else.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import Enum
from typing import Any, Final, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from examsite.adjudication.cases import (
    SUBJECT_NAMES_ZH,
    current_record,
    set_state,
    signer_key_ids,
    signer_staff_ids,
)
from examsite.audit.log import append as audit_append
from examsite.canonical import canonical_bytes
from examsite.clock import to_local
from examsite.errors import ExamsiteError, InvalidInput, NotFound
from examsite.incidents.record import IncidentRecord
from examsite.rules import (
    Catalogue,
    Clause,
    Consequence,
    ConsequenceKind,
    Requirement,
    Role,
    Severity,
    SubjectKind,
    load_catalogue,
)
from examsite.sites.idnumber import normalise_id_number
from examsite.store.models import Case, CaseState, Determination, Recusal, StaffKey, StaffMember

__all__ = [
    "KEEP",
    "Decider",
    "Measure",
    "Outcome",
    "RecusalRequired",
    "ScoreCancellation",
    "check_recusal",
    "compute_outcome",
    "current_determination",
    "decide_recusal",
    "decider_from_staff",
    "determine",
    "outcome_of",
    "recusal_conflicts",
    "request_recusal",
]


class _Keep(Enum):
    KEEP = "keep"


#: Pass as ``severity`` to keep the record's severity (the default).
KEEP: Final = _Keep.KEEP


class RecusalRequired(ExamsiteError):
    """Art. 18: the decider has a conflict of interest in this case and must not decide it."""

    code = "recusal_required"


@dataclass(frozen=True)
class Decider:
    """The person determining or deciding a case: staff id (as in the roster), name, ID number, keys."""

    staff_id: str
    name: str
    id_number: str = ""
    key_ids: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.staff_id.strip() or not self.name.strip():
            raise InvalidInput("a decider needs a staff id and a name", hint="e.g. --decider S0001")


def decider_from_staff(session: Session, staff_no: str) -> Decider:
    """The decider for staff member ``staff_no`` of the store, with every key they ever held."""
    staff = session.execute(select(StaffMember).where(StaffMember.staff_no == staff_no)).scalar_one_or_none()
    if staff is None:
        raise NotFound(f"no staff member {staff_no!r}", hint="add the deciding staff member first")
    keys = session.execute(select(StaffKey.key_id).where(StaffKey.staff_id == staff.id)).scalars()
    return Decider(staff.staff_no, staff.name, staff.id_number, tuple(sorted(keys)))


# -- recusal (art. 18) ------------------------------------------------------------------------


def recusal_conflicts(session: Session, case: Case, decider: Decider) -> list[str]:
    """Why ``decider`` may not decide ``case`` (art. 18); empty when there is no conflict."""
    record = current_record(case)
    reasons: list[str] = []
    who = decider.staff_id
    if who in (record.recorded_by, record.subject.staff_id):
        reasons.append(
            "is the subject of the incident" if who == record.subject.staff_id else "recorded the incident"
        )
    same_id = decider.id_number and record.subject.id_number
    if same_id and normalise_id_number(decider.id_number) == normalise_id_number(record.subject.id_number):
        reasons.append("is the subject of the incident (same ID number)")
    if any(w.staff_id == who for w in record.witnesses if w.staff_id):
        reasons.append("witnessed the incident")
    if who in signer_staff_ids(case) or set(decider.key_ids) & signer_key_ids(case):
        reasons.append("signed or confirmed the incident record")
    rows = session.execute(
        select(Recusal).where(Recusal.case_id == case.id, Recusal.staff_id == who)
    ).scalars()
    for row in rows:
        if row.status == "granted":
            reasons.append(f"was recused on {row.decided_on}: {row.reason}")
        elif row.status == "pending":
            reasons.append(f"has a recusal request pending since {row.requested_on}: {row.reason}")
    return list(dict.fromkeys(reasons))


def check_recusal(session: Session, case: Case, decider: Decider) -> None:
    """Raise :class:`RecusalRequired` naming every conflict of ``decider`` in ``case`` (art. 18)."""
    reasons = recusal_conflicts(session, case, decider)
    if reasons:
        raise RecusalRequired(
            f"{decider.name} ({decider.staff_id}) may not decide case {case.id[:8]}: " + "; ".join(reasons),
            hint="art. 18: another person without a conflict of interest must determine and decide this case",
        )


def request_recusal(
    session: Session,
    case: Case,
    *,
    staff_id: str,
    staff_name: str,
    requested_by: Literal["party", "self"],
    reason: str,
    requested_on: date,
    actor: str,
) -> Recusal:
    """Record a recusal request by the party or a declaration by the person (art. 18), pending."""
    if requested_by not in ("party", "self"):
        raise InvalidInput(f"a recusal is requested by the party or the person, not {requested_by!r}")
    if not reason.strip() or not staff_id.strip():
        raise InvalidInput("a recusal request names the person and gives a reason", hint="art. 18")
    row = Recusal(
        case_id=case.id,
        staff_id=staff_id.strip(),
        staff_name=staff_name.strip(),
        requested_by=requested_by,
        reason=reason.strip(),
        requested_on=requested_on,
        status="pending",
    )
    session.add(row)
    session.flush()
    audit_append(
        session,
        actor=actor,
        action="case.recusal_requested",
        object_type="case",
        object_id=case.id,
        content=canonical_bytes({"recusal": row.id, "staff_id": row.staff_id, "reason": row.reason}),
        detail=f"{requested_by}: {row.staff_id}",
    )
    return row


def decide_recusal(
    session: Session,
    recusal: Recusal,
    *,
    granted: bool,
    decided_by: Decider,
    reason: str,
    decided_on: date,
    actor: str,
) -> Recusal:
    """Grant or refuse a pending recusal; the person concerned cannot decide their own (art. 18)."""
    if recusal.status != "pending":
        raise InvalidInput(f"the recusal request was already {recusal.status} on {recusal.decided_on}")
    if decided_by.staff_id == recusal.staff_id:
        raise RecusalRequired(
            "nobody decides on their own recusal", hint="art. 18: another person decides the request"
        )
    if not reason.strip():
        raise InvalidInput("say why the recusal is granted or refused")
    if decided_on < recusal.requested_on:
        raise InvalidInput("a recusal cannot be decided before it was requested")
    recusal.status = "granted" if granted else "refused"
    recusal.decided_by = decided_by.staff_id
    recusal.decided_on = decided_on
    recusal.decision_reason = reason.strip()
    audit_append(
        session,
        actor=actor,
        action=f"case.recusal_{recusal.status}",
        object_type="case",
        object_id=recusal.case_id,
        content=canonical_bytes({"recusal": recusal.id, "status": recusal.status, "reason": reason.strip()}),
        detail=f"{recusal.staff_id} by {decided_by.staff_id}",
    )
    return recusal


# -- the outcome ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScoreCancellation:
    """Which scores are cancelled: ``subject`` (art. 5: that subject) or ``sitting`` (arts. 6, 7: all)."""

    scope: Literal["subject", "sitting"]
    session_code: str
    occupation: str
    level: str
    subject: str


@dataclass(frozen=True)
class Measure:
    """A catalogue consequence applied to a case; ``applies`` is False when its condition does not hold."""

    kind: ConsequenceKind
    article: int
    years: int | None
    by: tuple[str, ...]
    note_zh: str
    note_en: str
    condition_zh: str | None
    applies: bool

    @classmethod
    def of(cls, consequence: Consequence, applies: bool) -> Measure:
        return cls(
            kind=consequence.kind,
            article=consequence.article,
            years=consequence.years,
            by=tuple(a.value for a in consequence.by),
            note_zh=consequence.note_zh,
            note_en=consequence.note_en,
            condition_zh=consequence.condition_zh,
            applies=applies,
        )


@dataclass(frozen=True)
class Outcome:
    """The consequences computed for a determination, as stored (canonical JSON) and shown."""

    clause_key: str
    cited_keys: tuple[str, ...]
    severity: Severity | None
    subject_kind: SubjectKind
    measures: tuple[Measure, ...]
    scores: ScoreCancellation | None
    ban_years: int | None
    determined_by: str
    reported_to: tuple[str, ...]
    base_clause: str = ""  # art. 13(1): the art. 12 item
    prior_warning: str = ""  # art. 14(7): the earlier art. 13 warning

    def applied(self) -> tuple[Measure, ...]:
        """The measures that apply (conditions that do not hold left out)."""
        return tuple(m for m in self.measures if m.applies)

    def has(self, kind: ConsequenceKind) -> bool:
        """True when a measure of ``kind`` applies."""
        return any(m.kind is kind for m in self.applied())

    @property
    def referral(self) -> bool:
        return self.has(ConsequenceKind.referral_to_authorities)

    @property
    def certificates_void(self) -> bool:
        """Art. 15 ¶2: the person's issued certificates are voided and online data corrected."""
        return self.has(ConsequenceKind.issued_certificate_void)

    def sentences_zh(self, ban_dates: tuple[date, date] | None = None) -> tuple[str, ...]:
        """One sentence per applied measure for the notice (no dates yet) or decision (ban dates known)."""
        out: list[str] = []
        for m in self.applied():
            out.append(_sentence(self, m, ban_dates))
        return tuple(out)

    def to_json(self) -> dict[str, Any]:
        return {
            "clause": self.clause_key,
            "cited": list(self.cited_keys),
            "severity": None if self.severity is None else self.severity.value,
            "subject_kind": self.subject_kind.value,
            "measures": [
                {
                    "kind": m.kind.value,
                    "article": m.article,
                    "years": m.years,
                    "by": list(m.by),
                    "note_zh": m.note_zh,
                    "note_en": m.note_en,
                    "condition_zh": m.condition_zh,
                    "applies": m.applies,
                }
                for m in self.measures
            ],
            "scores": None
            if self.scores is None
            else {
                "scope": self.scores.scope,
                "session_code": self.scores.session_code,
                "occupation": self.scores.occupation,
                "level": self.scores.level,
                "subject": self.scores.subject,
            },
            "ban_years": self.ban_years,
            "determined_by": self.determined_by,
            "reported_to": list(self.reported_to),
            "base_clause": self.base_clause,
            "prior_warning": self.prior_warning,
        }

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> Outcome:
        scores = doc["scores"]
        return cls(
            clause_key=doc["clause"],
            cited_keys=tuple(doc["cited"]),
            severity=None if doc["severity"] is None else Severity(doc["severity"]),
            subject_kind=SubjectKind(doc["subject_kind"]),
            measures=tuple(
                Measure(
                    kind=ConsequenceKind(m["kind"]),
                    article=m["article"],
                    years=m["years"],
                    by=tuple(m["by"]),
                    note_zh=m["note_zh"],
                    note_en=m["note_en"],
                    condition_zh=m["condition_zh"],
                    applies=m["applies"],
                )
                for m in doc["measures"]
            ),
            scores=None if scores is None else ScoreCancellation(**scores),
            ban_years=doc["ban_years"],
            determined_by=doc["determined_by"],
            reported_to=tuple(doc["reported_to"]),
            base_clause=doc.get("base_clause", ""),
            prior_warning=doc.get("prior_warning", ""),
        )


def _sentence(outcome: Outcome, m: Measure, ban_dates: tuple[date, date] | None) -> str:
    scores = outcome.scores
    sitting = "" if scores is None else f"{scores.occupation}{scores.level}"
    if m.kind is ConsequenceKind.subject_score_cancelled and scores is not None:
        subject = SUBJECT_NAMES_ZH.get(scores.subject, scores.subject)
        return f"取消你当次{sitting}评价{subject}科目的评价成绩。"
    if m.kind is ConsequenceKind.all_scores_cancelled:
        return f"取消你当次{sitting}评价全部科目的评价成绩。"
    if m.kind is ConsequenceKind.ban:
        if ban_dates is None:
            return f"自处理决定作出之日起{m.years}年内不得参加技能人才评价。"
        start, end = ban_dates
        return (
            f"{m.years}年内不得参加技能人才评价，即自{start.year}年{start.month}月{start.day}日起"
            f"至{end.year}年{end.month}月{end.day}日止（含当日）。"
        )
    if m.kind is ConsequenceKind.referral_to_authorities and outcome.subject_kind is SubjectKind.candidate:
        return "将你的违纪违规行为移送有关部门依法处理。"
    if m.kind is ConsequenceKind.issued_certificate_void:
        return "对你已取得的本次评价相应证书予以作废。"
    if m.kind is ConsequenceKind.online_certificate_data_corrected:
        return "对已上网的相应证书数据作出相应处理。"
    # Staff and institution measures: the catalogue's own wording of the article.
    return m.note_zh.rstrip("。；;") + "。"


def _conditions_needed(consequences: tuple[Consequence, ...]) -> list[Consequence]:
    return [c for c in consequences if c.conditional]


def _parse_conditions(conditions: Mapping[str, bool] | None) -> dict[ConsequenceKind, bool]:
    parsed: dict[ConsequenceKind, bool] = {}
    for key, value in (conditions or {}).items():
        try:
            parsed[ConsequenceKind(str(key))] = bool(value)
        except ValueError:
            raise InvalidInput(
                f"{key!r} is not a consequence kind",
                hint="one of: " + ", ".join(k.value for k in ConsequenceKind),
            ) from None
    return parsed


def compute_outcome(
    clause: Clause,
    severity: Severity | None,
    *,
    record: IncidentRecord,
    conditions: Mapping[str, bool] | None = None,
    base_clause: str = "",
    prior_warning: str = "",
    catalogue: Catalogue | None = None,
) -> Outcome:
    """The consequences of ``clause`` (with ``severity``) for the incident in ``record``.

    ``conditions`` says, for each conditional consequence by its kind, whether its condition holds
    (``{"legal_liability": True}``); the art. 15 ¶2 ones default to the record's
    ``found_after_assessment``. A serious art. 12 case takes the consequences of art. 13(1).
    Raises :class:`InvalidInput` for a missing or unexpected severity, an unanswered condition, a
    condition that the clause does not have, or a missing art. 13(1)/14(7) particular.
    """
    catalogue = catalogue or load_catalogue()
    cited = clause.cited_keys(severity)  # also checks the severity against the article
    consequences = clause.consequences(severity)
    if severity is Severity.serious and clause.serious_escalates_to is not None:
        # Art. 12 "情节严重" is art. 13(1): decided under 13(1), citing the art. 12 item.
        escalated = catalogue.get(clause.serious_escalates_to)
        consequences = escalated.consequences(None)
        base_clause = clause.key
        procedures = escalated.procedures_for(None)
    else:
        procedures = clause.procedures_for(_role(record))
    if Requirement.base_clause in clause.requirements:
        base = catalogue.get(base_clause) if base_clause.strip() else None
        if base is None or base.article != 12:
            raise InvalidInput(
                f"{clause.citation_en} is a serious case of an art. 12 item; name that item",
                hint="e.g. base clause 12.2",
            )
        base_clause = base.key
    if Requirement.prior_warning in clause.requirements and not prior_warning.strip():
        raise InvalidInput(
            f"{clause.citation_en} needs the earlier art. 13 warning and rectification it repeats",
            hint="give the reference of the earlier warning decision",
        )
    if clause.requires_reminder_refused and not (record.reminder_given and record.reminder_refused):
        raise InvalidInput(
            f"{clause.citation_en} applies only when the candidate was reminded and refused to correct, "
            "which the record does not show",
            hint="art. 5(1)-(3): choose art. 5(4) or another clause, or have the site amend the record",
        )
    answers = _parse_conditions(conditions)
    conditional_kinds = {c.kind for c in _conditions_needed(consequences)}
    unknown = sorted(k.value for k in answers if k not in conditional_kinds)
    if unknown:
        raise InvalidInput(
            f"{', '.join(unknown)}: not a conditional consequence of {clause.citation_en}",
            hint="conditional here: " + (", ".join(sorted(k.value for k in conditional_kinds)) or "none"),
        )
    measures: list[Measure] = []
    missing: list[str] = []
    for c in consequences:
        if not c.conditional:
            measures.append(Measure.of(c, True))
        elif c.kind in answers:
            measures.append(Measure.of(c, answers[c.kind]))
        elif c.article == 15:
            # Art. 15 ¶2: "评价活动结束后发现" — the record states whether it was found afterwards.
            measures.append(Measure.of(c, record.found_after_assessment))
        else:
            missing.append(f"{c.kind.value} ({c.condition_zh})")
    if missing:
        raise InvalidInput(
            f"{clause.citation_en}: say whether these conditions hold: " + "; ".join(missing),
            hint="e.g. --condition legal_liability=yes or =no",
        )
    applied = [m for m in measures if m.applies]
    scores = None
    kinds = {m.kind for m in applied}
    if kinds & {ConsequenceKind.subject_score_cancelled, ConsequenceKind.all_scores_cancelled}:
        if record.session is None:
            raise InvalidInput(
                "scores are to be cancelled but the record names no sitting",
                hint="the site must amend the record with its session",
            )
        scope: Literal["subject", "sitting"] = (
            "sitting" if ConsequenceKind.all_scores_cancelled in kinds else "subject"
        )
        s = record.session
        scores = ScoreCancellation(scope, s.code, s.occupation, s.level, s.subject)
    ban_years = next((m.years for m in applied if m.kind is ConsequenceKind.ban), None)
    first = procedures[0] if procedures else None
    return Outcome(
        clause_key=clause.key,
        cited_keys=cited,
        severity=severity,
        subject_kind=clause.subject,
        measures=tuple(measures),
        scores=scores,
        ban_years=ban_years,
        determined_by="" if first is None else first.determined_by.value,
        reported_to=() if first is None else tuple(a.value for a in first.reported_to),
        base_clause=base_clause,
        prior_warning=prior_warning.strip(),
    )


def _role(record: IncidentRecord) -> Role | None:
    # art. 16 ¶2: an external supervisor's case goes to the provincial centre, not the institution.
    try:
        return Role(record.subject.role) if record.subject.role else None
    except ValueError:
        return None


# -- determining a case -----------------------------------------------------------------------


def current_determination(session: Session, case: Case) -> Determination | None:
    """The newest determination of ``case`` (a later one supersedes), or None."""
    return session.execute(
        select(Determination)
        .where(Determination.case_id == case.id)
        .order_by(Determination.seq.desc())
        .limit(1)
    ).scalar_one_or_none()


def outcome_of(determination: Determination) -> Outcome:
    """The stored outcome of a determination."""
    return Outcome.from_json(json.loads(determination.outcome_json))


_DETERMINABLE = (CaseState.OPEN, CaseState.DETERMINED, CaseState.NOTIFIED)


def determine(
    session: Session,
    case: Case,
    *,
    decider: Decider,
    determined_on: date,
    article_key: str | None = None,
    change_reason: str = "",
    severity: Severity | _Keep | None = KEEP,
    conditions: Mapping[str, bool] | None = None,
    facts_zh: str | None = None,
    base_clause: str = "",
    prior_warning: str = "",
    actor: str | None = None,
    catalogue: Catalogue | None = None,
) -> Determination:
    """Record the 认定 of ``case``: clause, severity and computed consequences.

    The clause and severity default to the record's; changing either needs ``change_reason``.
    The decider must have no conflict (art. 18, :func:`check_recusal`). Allowed before the decision
    is issued (a new determination supersedes the old one and needs a new notice, art. 18) and
    after a review varied the decision.
    """
    catalogue = catalogue or load_catalogue()
    if case.state not in _DETERMINABLE:
        raise InvalidInput(
            f"case {case.id[:8]} is {case.state}; it can no longer be determined",
            hint="a decided case changes only through review (art. 19)",
        )
    check_recusal(session, case, decider)
    record = current_record(case)
    key = record.article if article_key is None else article_key
    clause = catalogue.get(key)
    if clause.subject.value != case.subject_kind:
        raise InvalidInput(
            f"{clause.citation_en} concerns a {clause.subject.value}, but the subject of this case is a "
            f"{case.subject_kind}",
            hint="choose a clause of the subject's chapter",
        )
    chosen = (record.severity if clause.requires_severity else None) if severity is KEEP else severity
    changed = clause.key != record.article or (clause.requires_severity and chosen != record.severity)
    if changed and not change_reason.strip():
        raise InvalidInput(
            f"the record cites art. {record.article}"
            + (f" ({record.severity.value})" if record.severity else "")
            + f"; determining {clause.citation_en}"
            + (f" ({chosen.value})" if chosen else "")
            + " needs a reason",
            hint="give the reason for the change (it is kept in the archive)",
        )
    if to_local(record.occurred_at).date() > determined_on:
        raise InvalidInput("a case cannot be determined before the incident happened")
    outcome = compute_outcome(
        clause,
        chosen,
        record=record,
        conditions=conditions,
        base_clause=base_clause,
        prior_warning=prior_warning,
        catalogue=catalogue,
    )
    facts = (record.facts if facts_zh is None else facts_zh).strip()
    if not facts or "\n" in facts:
        raise InvalidInput("the established facts must be one non-empty paragraph", hint="art. 18: the facts")
    previous = current_determination(session, case)
    payload = canonical_bytes(outcome.to_json())
    row = Determination(
        case_id=case.id,
        seq=1 if previous is None else previous.seq + 1,
        article_key=clause.key,
        record_article_key=record.article,
        change_reason=change_reason.strip() if changed else "",
        severity=None if chosen is None else chosen.value,
        cited_keys=",".join(outcome.cited_keys),
        facts_zh=facts,
        outcome_json=payload.decode("utf-8"),
        ban_years=outcome.ban_years,
        decider_staff_id=decider.staff_id,
        decider_name=decider.name,
        determined_on=determined_on,
    )
    session.add(row)
    session.flush()
    case.article_key = clause.key
    case.severity = row.severity
    audit_append(
        session,
        actor=actor or decider.staff_id,
        action="case.determination",
        object_type="case",
        object_id=case.id,
        content=payload,
        detail=f"#{row.seq} {outcome.cited_keys} by {decider.staff_id}"
        + (f"; changed from {record.article}: {row.change_reason}" if changed else ""),
    )
    set_state(
        session,
        case,
        CaseState.DETERMINED,
        actor=actor or decider.staff_id,
        detail=f"determination #{row.seq}",
    )
    return row
