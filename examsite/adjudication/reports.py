"""Reports: the result report to the city centre (art. 16), major-situation escalation (art. 20), and
annual statistics by occupation, level and article — as CSV (UTF-8 with BOM) and as documents that
:mod:`examsite.gui.pdf` renders like the notices, so a PDF's extracted text equals the written text.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal, cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from examsite.adjudication.cases import SUBJECT_NAMES_ZH, current_record
from examsite.adjudication.determination import current_determination, outcome_of
from examsite.adjudication.documents import (
    REGULATION_NUMBER,
    REGULATION_SHORT,
    REGULATION_TITLE,
    Document,
    LabelledField,
    Paragraph,
    article_citation_zh,
    chinese_date,
    mask_id_number,
)
from examsite.adjudication.notices import latest_document
from examsite.adjudication.tables import write_csv
from examsite.audit.log import append as audit_append
from examsite.clock import to_local, utc_now
from examsite.errors import InvalidInput
from examsite.rules import SEVERITY_LABELS, Severity, SubjectKind
from examsite.store.models import Ban, Case, CaseState, CertificateVoid, ReviewRequest

__all__ = [
    "CASE_CSV_HEADER",
    "STATISTICS_CSV_HEADER",
    "StatRow",
    "annual_statistics",
    "escalation_report",
    "export_cases_csv",
    "export_statistics_csv",
    "flag_major",
    "result_report",
    "statistics_document",
    "suggest_major_reasons",
]

CITY_CENTRE = "市（州）职业技能鉴定指导中心"
_DECIDED = (CaseState.DECIDED, CaseState.SERVED, CaseState.UNDER_REVIEW, CaseState.REVIEWED)
# Documents here are reports, not art. 18 documents; the renderer lays out any kind the same way.
_REPORT_KIND = cast(Literal["notice", "decision"], "report")


def _subject_line(case: Case) -> str:
    if case.subject_kind == SubjectKind.candidate.value:
        return f"参评人员 {case.subject_name}（身份证件号码{mask_id_number(case.subject_id_number)}）"
    if case.subject_kind == SubjectKind.staff.value:
        return f"工作人员 {case.subject_name}（工号{case.subject_staff_id}，岗位{case.subject_role}）"
    return f"评价机构 {case.subject_name}（代码{case.subject_institution_code}）"


def _severity_zh(value: str | None) -> str:
    return "—" if value is None else SEVERITY_LABELS[Severity(value)][0]


def _case_fields(session: Session, case: Case) -> list[LabelledField]:
    record = current_record(case)
    sitting = "—"
    if record.session is not None:
        s = record.session
        sitting = f"{s.occupation} {s.level} {SUBJECT_NAMES_ZH.get(s.subject, s.subject)}（场次{s.code}）"
    occurred = to_local(record.occurred_at)
    return [
        LabelledField("案件编号", case.id),
        LabelledField("当事人", _subject_line(case)),
        LabelledField("评价机构", f"{record.institution_name}（{record.institution_code}）"),
        LabelledField("考点及考场", f"{record.site_name} {record.room or ''}".strip()),
        LabelledField("评价活动", sitting),
        LabelledField("发生时间", f"{chinese_date(occurred.date())}{occurred:%H时%M分}"),
        LabelledField("证据来源包", f"{case.bundle_id}（SHA-256 {case.bundle_sha256}）"),
    ]


def result_report(
    session: Session,
    case: Case,
    *,
    reporter: str,
    reported_on: date,
    reference: str,
    recipient: str = CITY_CENTRE,
) -> Document:
    """The report of a decided case's result to the city centre (art. 16: staff cases; usable for all)."""
    if case.state not in _DECIDED:
        raise InvalidInput(
            f"case {case.id[:8]} is {case.state}; the result is reported once the decision is issued",
            hint="issue the decision first",
        )
    if not reporter.strip() or not reference.strip():
        raise InvalidInput("the report needs the reporting body and a reference number")
    determination = current_determination(session, case)
    decision = latest_document(session, case, "decision")
    assert determination is not None
    assert decision is not None
    outcome = outcome_of(determination)
    ban = session.execute(select(Ban).where(Ban.decision_id == decision.id)).scalar_one_or_none()
    ban_dates = None if ban is None else (ban.starts_on, ban.ends_on)
    cited = "、".join(article_citation_zh(k) for k in outcome.cited_keys)
    fields = [
        *_case_fields(session, case),
        LabelledField("认定依据", f"{REGULATION_SHORT}{cited}"),
        LabelledField("情节", _severity_zh(determination.severity)),
        LabelledField("决定书", f"{decision.reference}，{chinese_date(decision.issued_on)}作出"),
        LabelledField("送达", "未送达" if decision.served_on is None else chinese_date(decision.served_on)),
    ]
    reviews = list(session.execute(select(ReviewRequest).where(ReviewRequest.case_id == case.id)).scalars())
    review_text = "未申请复核"
    if reviews:
        last = reviews[-1]
        review_text = f"{chinese_date(last.requested_on)}申请复核，" + (
            "尚未作出复核决定" if last.outcome is None else f"复核结果：{_REVIEW_ZH[last.outcome]}"
        )
    fields.append(LabelledField("复核", review_text))
    paragraphs = [
        Paragraph(
            f"根据《{REGULATION_TITLE}》（{REGULATION_NUMBER}）第十六条，现将下列违纪违规行为的处理结果报告如下。"
        ),
        Paragraph("一、认定的事实", heading=True),
        Paragraph(determination.facts_zh),
        Paragraph("二、处理结果", heading=True),
        *(Paragraph(f"{i}. {t}") for i, t in enumerate(outcome.sentences_zh(ban_dates), start=1)),
    ]
    return Document(
        kind=_REPORT_KIND,
        title="技能人才评价违纪违规行为处理结果报告",
        issuer=reporter.strip(),
        reference=reference.strip(),
        addressee=f"{recipient}：",
        fields=tuple(fields),
        paragraphs=tuple(paragraphs),
        signature=(reporter.strip(),),
        date_text=chinese_date(reported_on),
    )


_REVIEW_ZH = {"upheld": "维持原决定", "varied": "变更原决定", "revoked": "撤销原决定"}


# -- art. 20: major situations --------------------------------------------------------------


def suggest_major_reasons(session: Session, case: Case) -> list[str]:
    """Why the case may be a major situation to report up (art. 20); the decider confirms.

    Art. 20 names serious or repeated violations, complaints, mass incidents and negative media;
    the store can see the first two: a serious determination or one carrying referral or a 5-year
    ban, and an earlier case against the same person or institution.
    """
    reasons: list[str] = []
    determination = current_determination(session, case)
    if determination is not None:
        outcome = outcome_of(determination)
        if determination.severity == Severity.serious.value:
            reasons.append("情节严重")
        if outcome.referral:
            reasons.append("移送有关部门")
        if outcome.ban_years == 5:
            reasons.append("5年内不得参加评价")
    same = select(Case.id).where(Case.id != case.id, Case.occurred_at < case.occurred_at)
    if case.subject_id_number:
        same = same.where(Case.subject_id_number == case.subject_id_number)
    elif case.subject_staff_id:
        same = same.where(Case.subject_staff_id == case.subject_staff_id)
    else:
        same = same.where(
            Case.subject_kind == SubjectKind.institution.value,
            Case.subject_institution_code == case.subject_institution_code,
        )
    earlier = list(session.execute(same).scalars())
    if earlier:
        reasons.append(f"多次违纪违规（此前案件{len(earlier)}件）")
    return reasons


def flag_major(
    session: Session, case: Case, *, reasons: Sequence[str], escalated_on: date, actor: str
) -> Case:
    """Mark the case a major situation reported up level by level (art. 20)."""
    cleaned = [r.strip() for r in reasons if r.strip()]
    if not cleaned:
        raise InvalidInput(
            "say why this is a major situation (art. 20)",
            hint="serious or repeated violation, complaint, mass incident, negative media",
        )
    case.major = True
    case.major_reasons = "；".join(cleaned)
    case.escalated_on = escalated_on
    audit_append(
        session,
        actor=actor,
        action="case.escalated",
        object_type="case",
        object_id=case.id,
        content=case.major_reasons,
        detail=f"art. 20 on {escalated_on}",
    )
    case.updated_at = utc_now()
    return case


def escalation_report(
    session: Session,
    case: Case,
    *,
    reporter: str,
    reported_on: date,
    reference: str,
    recipient: str = CITY_CENTRE,
) -> Document:
    """The art. 20 report of a major situation, with the state of the case at the time."""
    if not case.major:
        raise InvalidInput(
            f"case {case.id[:8]} is not flagged as a major situation", hint="flag it first (art. 20)"
        )
    if not reporter.strip() or not reference.strip():
        raise InvalidInput("the report needs the reporting body and a reference number")
    determination = current_determination(session, case)
    record = current_record(case)
    handling = "尚未认定"
    if determination is not None:
        handling = "拟/已作如下处理：" + "".join(outcome_of(determination).sentences_zh())
    paragraphs = [
        Paragraph(f"根据《{REGULATION_TITLE}》（{REGULATION_NUMBER}）第二十条，现将下列重大情况报告如下。"),
        Paragraph("一、重大情况", heading=True),
        Paragraph(case.major_reasons),
        Paragraph("二、基本事实", heading=True),
        Paragraph(record.facts if determination is None else determination.facts_zh),
        Paragraph("三、现场处置及处理情况", heading=True),
        Paragraph(record.on_site_handling),
        Paragraph(handling),
    ]
    return Document(
        kind=_REPORT_KIND,
        title="技能人才评价重大情况报告",
        issuer=reporter.strip(),
        reference=reference.strip(),
        addressee=f"{recipient}：",
        fields=(
            *_case_fields(session, case),
            LabelledField("记录条款", f"{REGULATION_SHORT}{article_citation_zh(case.article_key)}"),
            LabelledField("案件状态", case.state),
        ),
        paragraphs=tuple(paragraphs),
        signature=(reporter.strip(),),
        date_text=chinese_date(reported_on),
    )


# -- annual statistics -------------------------------------------------------------------------


@dataclass(frozen=True)
class StatRow:
    """Cases of one occupation, level and article in a year, and what came of them."""

    occupation: str
    level: str
    article: int
    cases: int
    decided: int
    bans: int
    certificates_voided: int
    reviews: int
    reviews_changed: int  # varied or revoked


def annual_statistics(session: Session, year: int) -> list[StatRow]:
    """Cases whose incident happened in ``year`` (Asia/Shanghai), by occupation, level and article."""
    if not 2000 <= year <= 2200:
        raise InvalidInput(f"{year} is not a plausible year")
    counts: dict[tuple[str, str, int], list[int]] = defaultdict(lambda: [0] * 6)
    for case in session.execute(select(Case)).scalars():
        if to_local(case.occurred_at).year != year:
            continue
        key = (case.occupation or "—", case.level or "—", int(case.article_key.split(".")[0]))
        row = counts[key]
        row[0] += 1
        row[1] += case.state in _DECIDED
        row[2] += len(list(session.execute(select(Ban.id).where(Ban.case_id == case.id)).scalars()))
        voids = select(CertificateVoid.id).where(
            CertificateVoid.case_id == case.id, CertificateVoid.status == "done"
        )
        row[3] += len(list(session.execute(voids).scalars()))
        reviews = list(
            session.execute(select(ReviewRequest).where(ReviewRequest.case_id == case.id)).scalars()
        )
        row[4] += len(reviews)
        row[5] += sum(1 for r in reviews if r.outcome in ("varied", "revoked"))
    return [StatRow(o, lv, a, *v) for (o, lv, a), v in sorted(counts.items())]


STATISTICS_CSV_HEADER = (
    "职业(工种) occupation",
    "等级 level",
    "条 article",
    "案件数 cases",
    "已决定 decided",
    "禁评 bans",
    "证书已作废 certificates voided",
    "复核 reviews",
    "复核变更或撤销 changed on review",
)


def export_statistics_csv(rows: Iterable[StatRow], path: Path) -> Path:
    """The statistics as CSV (UTF-8 with BOM, opens in Excel)."""
    return write_csv(
        path,
        STATISTICS_CSV_HEADER,
        (
            (
                r.occupation,
                r.level,
                r.article,
                r.cases,
                r.decided,
                r.bans,
                r.certificates_voided,
                r.reviews,
                r.reviews_changed,
            )
            for r in rows
        ),
    )


def statistics_document(
    rows: Sequence[StatRow], year: int, *, issuer: str, issued_on: date, reference: str
) -> Document:
    """The statistics as a document for the PDF renderer, one paragraph per row and a total."""
    lines = [
        Paragraph(
            f"{r.occupation} {r.level} 第{_cn(r.article)}条：案件{r.cases}件，已决定{r.decided}件，"
            f"禁评{r.bans}人次，证书作废{r.certificates_voided}份，复核{r.reviews}件（变更或撤销{r.reviews_changed}件）。"
        )
        for r in rows
    ]
    total = sum(r.cases for r in rows)
    return Document(
        kind=_REPORT_KIND,
        title=f"{year}年度技能人才评价违纪违规行为处理情况统计",
        issuer=issuer,
        reference=reference,
        addressee=f"{CITY_CENTRE}：",
        fields=(LabelledField("统计年度", f"{year}年"), LabelledField("案件总数", f"{total}件")),
        paragraphs=(Paragraph("按职业（工种）、等级和条款统计如下：", heading=True), *lines)
        if lines
        else (Paragraph("本年度无违纪违规案件。"),),
        signature=(issuer,),
        date_text=chinese_date(issued_on),
    )


def _cn(n: int) -> str:
    return article_citation_zh(str(n)).removeprefix("第").removesuffix("条")


CASE_CSV_HEADER = (
    "案件 case",
    "状态 state",
    "当事人类别 subject",
    "姓名 name",
    "身份证件号码 ID number",
    "工号 staff id",
    "机构 institution",
    "职业 occupation",
    "等级 level",
    "科目 subject",
    "条款 article",
    "情节 severity",
    "发生时间 occurred (Shanghai)",
    "重大情况 major",
    "来源包 bundle",
)


def export_cases_csv(cases: Iterable[Case], path: Path) -> Path:
    """Archive search results as CSV (art. 21)."""
    return write_csv(
        path,
        CASE_CSV_HEADER,
        (
            (
                c.id,
                c.state,
                c.subject_kind,
                c.subject_name,
                c.subject_id_number,
                c.subject_staff_id,
                c.institution_code,
                c.occupation,
                c.level,
                c.exam_subject,
                c.article_key,
                c.severity or "",
                to_local(c.occurred_at).strftime("%Y-%m-%d %H:%M"),
                "是" if c.major else "",
                c.bundle_id,
            )
            for c in cases
        ),
    )
