"""The written notice (告知书) and decision (决定书) of art. 18, as a plain document model.

Art. 18: before deciding, the party is told the intended decision and its facts, reasons and basis;
the decision is made in writing, served, and states the right and the route to request review, which
art. 19 allows within 15 working days of receipt. This module builds the words; ``examsite.gui.pdf``
lays them out. :func:`document_blocks` is the single sequence both the plain text
(:func:`document_text`) and the PDF are made from, so a PDF can be checked against its text exactly.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Literal

from examsite.adjudication.workdays import (
    REVIEW_DECISION_DAYS,
    REVIEW_EXTENSION_DAYS,
    REVIEW_REQUEST_DAYS,
    WorkdayCalendar,
    review_request_deadline,
)
from examsite.errors import InvalidInput

__all__ = [
    "REGULATION_NUMBER",
    "REGULATION_SHORT",
    "REGULATION_TITLE",
    "Block",
    "BlockStyle",
    "CaseFacts",
    "DecisionDetails",
    "Document",
    "LabelledField",
    "NoticeDetails",
    "Paragraph",
    "article_citation_zh",
    "chinese_date",
    "decision_document",
    "document_blocks",
    "document_text",
    "mask_id_number",
    "notice_document",
]

REGULATION_TITLE = "湖北省技能人才评价违纪违规行为处理工作规程（试行）"
REGULATION_NUMBER = "鄂人社发〔2025〕6号"
REGULATION_SHORT = "《规程》"

NOTICE_TITLE = "技能人才评价违纪违规行为处理告知书"
DECISION_TITLE = "技能人才评价违纪违规行为处理决定书"

_DIGITS = "零一二三四五六七八九"


# -- the model --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Paragraph:
    """A paragraph of body text, or a section heading."""

    text: str
    heading: bool = False


@dataclass(frozen=True)
class LabelledField:
    """A ``label：value`` line (the party's particulars, the service record)."""

    label: str
    value: str

    @property
    def text(self) -> str:
        return f"{self.label}：{self.value}"


@dataclass(frozen=True)
class Document:
    """A notice, decision or bundle hand-over slip: everything a renderer needs and nothing about layout."""

    kind: Literal["notice", "decision", "handover"]  # handover: examsite.bundle.handover (交接单)
    title: str
    issuer: str
    reference: str  # 文号
    addressee: str
    fields: tuple[LabelledField, ...]
    paragraphs: tuple[Paragraph, ...]
    signature: tuple[str, ...]
    date_text: str  # "2026年11月26日"
    service: tuple[LabelledField, ...] = ()  # 送达回证 (decision only)


BlockStyle = Literal[
    "title", "reference", "addressee", "field", "heading", "body", "signature", "date", "service_title"
]


@dataclass(frozen=True)
class Block:
    """One line or paragraph of a document in reading order, with the role that sets its look."""

    style: BlockStyle
    text: str


def document_blocks(doc: Document) -> list[Block]:
    """The document in reading order; the PDF renders exactly these blocks."""
    blocks = [Block("title", doc.title), Block("reference", doc.reference), Block("addressee", doc.addressee)]
    blocks += [Block("field", f.text) for f in doc.fields]
    blocks += [Block("heading" if p.heading else "body", p.text) for p in doc.paragraphs]
    blocks += [Block("signature", line) for line in doc.signature]
    blocks.append(Block("date", doc.date_text))
    if doc.service:
        blocks.append(Block("service_title", "送达回证"))
        blocks += [Block("field", f.text) for f in doc.service]
    return blocks


def document_text(doc: Document) -> str:
    """The plain text of ``doc``, one block per line: what text extracted from its PDF must equal."""
    return "\n".join(b.text for b in document_blocks(doc)) + "\n"


# -- inputs -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseFacts:
    """What a candidate case says, in plain values (the store maps its objects onto this)."""

    party_name: str
    id_number: str  # full number; documents show only the last 4 characters
    occupation: str  # 职业(工种)
    level: str  # 等级
    subject: str  # 科目
    session_date: date
    facts_zh: str  # the established facts, in full sentences
    article_key: str  # catalogue key, "6.1" (art. 6 clause 1) or "7" (article without a clause)
    clause_text_zh: str  # the clause as the regulation words it
    consequences_zh: tuple[str, ...]  # one sentence per consequence, e.g. the ban with its dates
    institution: str  # the deciding assessment institution
    article_lead_in_zh: str = ""  # the article's opening sentence that carries the consequence


@dataclass(frozen=True)
class NoticeDetails:
    """The notice's own particulars (art. 18: before the decision)."""

    reference: str
    issued_on: date
    statement_deadline: date  # last day to state and defend (陈述、申辩)
    statement_route: str  # how and where, e.g. "书面材料送交本机构考务办公室(地址:…)"


@dataclass(frozen=True)
class DecisionDetails:
    """The decision's own particulars (art. 18, art. 19)."""

    reference: str
    decided_on: date
    notice_reference: str
    notice_served_on: date
    statement_summary: str  # what the party said and how it was weighed, or that nothing was said
    review_route: str  # how and where to request review
    review_body: str = ""  # defaults to the institution (art. 19: the body that decided)
    served_on: date | None = None  # known when served in person on the day; gives the review deadline
    service_method: str = "直接送达"


# -- helpers ----------------------------------------------------------------------------------


def chinese_date(d: date) -> str:
    """Official Chinese date style: 2026年11月26日 (Arabic numerals, no padding)."""
    return f"{d.year}年{d.month}月{d.day}日"


def _chinese_number(n: int) -> str:
    if not 1 <= n <= 99:
        raise InvalidInput(f"Article and clause numbers run from 1 to 99, not {n}.")
    tens, ones = divmod(n, 10)
    if tens == 0:
        return _DIGITS[ones]
    return ("" if tens == 1 else _DIGITS[tens]) + "十" + (_DIGITS[ones] if ones else "")


def article_citation_zh(article_key: str) -> str:
    """``"6.1"`` → ``第六条第(一)项``; ``"7"`` → ``第七条`` (catalogue keys of ``examsite.rules``)."""
    match = re.fullmatch(r"(\d{1,2})(?:\.(\d{1,2}))?", article_key.strip())
    if match is None:
        raise InvalidInput(
            f"Article key {article_key!r} is not of the form '6' or '6.1'.",
            hint="use the clause key from the article catalogue",
        )
    article = f"第{_chinese_number(int(match[1]))}条"
    return article + (f"第（{_chinese_number(int(match[2]))}）项" if match[2] else "")


def mask_id_number(id_number: str) -> str:
    """Keep the last 4 characters and star the rest, so the document identifies without exposing."""
    cleaned = id_number.strip().upper()
    if not re.fullmatch(r"[0-9A-Z]{6,30}", cleaned):
        raise InvalidInput(
            "The ID number must be 6–30 letters or digits (18 for a resident identity card).",
            hint="check the number in the roster",
        )
    return "*" * (len(cleaned) - 4) + cleaned[-4:]


def _require_text(values: Iterable[tuple[str, str]]) -> None:
    for label, value in values:
        if not value.strip():
            raise InvalidInput(f"The {label} of the document is empty; nothing was produced.")
        if "\n" in value or "\r" in value:
            raise InvalidInput(f"The {label} must be one paragraph without line breaks.")


def _check_case(case: CaseFacts) -> None:
    _require_text(
        [
            ("party name", case.party_name),
            ("occupation", case.occupation),
            ("level", case.level),
            ("subject", case.subject),
            ("facts", case.facts_zh),
            ("clause text", case.clause_text_zh),
            ("institution", case.institution),
            *(("consequence", c) for c in case.consequences_zh),
        ]
    )
    if not case.consequences_zh:
        raise InvalidInput("A case needs at least one consequence to notify or decide.")


def _particulars(case: CaseFacts) -> tuple[LabelledField, ...]:
    return (
        LabelledField("姓名", case.party_name),
        LabelledField("身份证件号码", mask_id_number(case.id_number)),
        LabelledField("职业（工种）", case.occupation),
        LabelledField("等级", case.level),
        LabelledField("评价科目", case.subject),
        LabelledField("评价日期", chinese_date(case.session_date)),
    )


def _citation(case: CaseFacts) -> str:
    return f"{REGULATION_SHORT}{article_citation_zh(case.article_key)}"


def _clause_body(case: CaseFacts) -> str:
    # The catalogue words a clause as "(一)……的;": the citation already names the clause, and the
    # quotation ends the sentence, so the enumerator and the trailing separator are dropped.
    text = re.sub(r"^[(（][一二三四五六七八九十]+[)）]", "", case.clause_text_zh.strip())
    return re.sub(r"[;；。]$", "", text)


def _basis(case: CaseFacts) -> str:
    head = f"《{REGULATION_TITLE}》（{REGULATION_NUMBER}，以下简称{REGULATION_SHORT}）"
    citation = article_citation_zh(case.article_key)
    lead_in = case.article_lead_in_zh.strip()
    if lead_in and "第（" in citation:
        article, clause = citation.split("条", 1)
        return f"{head}{article}条规定：“{lead_in}”其中{clause}为：“{_clause_body(case)}”。"
    return f"{head}{citation}规定：“{_clause_body(case)}”。"


def _numbered(items: Iterable[str]) -> list[Paragraph]:
    return [Paragraph(f"{i}. {text.strip()}") for i, text in enumerate(items, start=1)]


# -- builders ---------------------------------------------------------------------------------


def notice_document(case: CaseFacts, details: NoticeDetails) -> Document:
    """The 告知书 of art. 18: intended decision, facts, reasons, basis, right to state and defend."""
    _check_case(case)
    _require_text([("reference", details.reference), ("statement route", details.statement_route)])
    if details.issued_on < case.session_date:
        raise InvalidInput("The notice cannot be dated before the assessment session it concerns.")
    if details.statement_deadline <= details.issued_on:
        raise InvalidInput(
            "The deadline to state and defend must be after the notice date; the party needs time to answer."
        )
    paragraphs = [
        Paragraph(
            f"经调查核实，本机构拟对你在{chinese_date(case.session_date)}{case.occupation}{case.level}"
            f"{case.subject}评价中的违纪违规行为作出处理。根据{REGULATION_SHORT}第十八条，现将拟作出的处理决定"
            "及其事实、理由和依据告知如下："
        ),
        Paragraph("一、违纪违规事实", heading=True),
        Paragraph(case.facts_zh.strip()),
        Paragraph("二、理由和依据", heading=True),
        Paragraph(f"你的上述行为属于{_citation(case)}规定的情形。"),
        Paragraph(_basis(case)),
        Paragraph("三、拟作出的处理决定", heading=True),
        *_numbered(case.consequences_zh),
        Paragraph("四、陈述和申辩的权利", heading=True),
        Paragraph(
            f"你有权对上述拟处理决定进行陈述和申辩。如需陈述、申辩，请于{chinese_date(details.statement_deadline)}"
            f"前（含当日）{details.statement_route.strip()}。逾期未提出的，视为放弃陈述和申辩的权利。"
        ),
    ]
    return Document(
        kind="notice",
        title=NOTICE_TITLE,
        issuer=case.institution,
        reference=details.reference.strip(),
        addressee=f"{case.party_name}：",
        fields=_particulars(case),
        paragraphs=tuple(paragraphs),
        signature=(case.institution,),
        date_text=chinese_date(details.issued_on),
    )


def decision_document(
    case: CaseFacts, details: DecisionDetails, calendar: WorkdayCalendar | None = None
) -> Document:
    """The 决定书 of art. 18 with the review right of art. 19.

    If ``details.served_on`` is known the document states the last day to request review, computed
    by :func:`~examsite.adjudication.workdays.review_request_deadline`; a deadline in a year the
    working-day calendar does not cover raises ``calendar_not_covered`` rather than print a guess.
    """
    _check_case(case)
    _require_text(
        [
            ("reference", details.reference),
            ("notice reference", details.notice_reference),
            ("statement summary", details.statement_summary),
            ("review route", details.review_route),
            ("service method", details.service_method),
        ]
    )
    if details.notice_served_on < case.session_date:
        raise InvalidInput("The notice cannot have been served before the assessment session it concerns.")
    if details.decided_on < details.notice_served_on:
        raise InvalidInput(
            "The decision cannot predate the service of the notice: art. 18 requires the party be told first."
        )
    if details.served_on is not None and details.served_on < details.decided_on:
        raise InvalidInput("The decision cannot be served before the day it was made.")
    review_body = details.review_body.strip() or case.institution
    review = [
        Paragraph(
            f"如对本决定有异议，可在收到本决定书之日起{REVIEW_REQUEST_DAYS}个工作日内向{review_body}申请复核。"
            f"申请复核的途径：{details.review_route.strip()}。"
        ),
        Paragraph(
            "工作日按国务院公布的节假日安排计算，收到本决定书的当日不计入。"
            f"复核机构应在受理之日起{REVIEW_DECISION_DAYS}个工作日内作出复核决定，"
            f"特殊情况可延长{REVIEW_EXTENSION_DAYS}个工作日，并书面告知申请人。"
        ),
    ]
    if details.served_on is not None:
        deadline = review_request_deadline(details.served_on, calendar)
        review.insert(
            1,
            Paragraph(
                f"本决定书于{chinese_date(details.served_on)}送达，"
                f"申请复核的期限至{chinese_date(deadline)}（含当日）止。"
            ),
        )
    paragraphs = [
        Paragraph(
            f"本机构于{chinese_date(details.notice_served_on)}向你送达了《{NOTICE_TITLE}》"
            f"（{details.notice_reference.strip()}），告知了拟作出的处理决定及其事实、理由和依据，"
            "以及你享有的陈述和申辩的权利。"
        ),
        Paragraph(details.statement_summary.strip()),
        Paragraph("一、违纪违规事实", heading=True),
        Paragraph(case.facts_zh.strip()),
        Paragraph("二、处理依据", heading=True),
        Paragraph(f"你的上述行为属于{_citation(case)}规定的情形。"),
        Paragraph(_basis(case)),
        Paragraph("三、处理决定", heading=True),
        *_numbered(case.consequences_zh),
        Paragraph("四、申请复核的权利和途径", heading=True),
        *review,
    ]
    served = chinese_date(details.served_on) if details.served_on else "    年  月  日"
    return Document(
        kind="decision",
        title=DECISION_TITLE,
        issuer=case.institution,
        reference=details.reference.strip(),
        addressee=f"{case.party_name}：",
        fields=_particulars(case),
        paragraphs=tuple(paragraphs),
        signature=(case.institution,),
        date_text=chinese_date(details.decided_on),
        service=(
            LabelledField("送达文书", f"{DECISION_TITLE}（{details.reference.strip()}）"),
            LabelledField("受送达人", case.party_name),
            LabelledField("送达方式", details.service_method.strip()),
            LabelledField("送达日期", served),
            LabelledField("受送达人签名", ""),
        ),
    )
