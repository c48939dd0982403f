"""The art. 18 notice and decision: every required part is there, the ID number is masked."""

from __future__ import annotations

import dataclasses
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

import examsite.rules
from examsite.adjudication.documents import (
    REGULATION_NUMBER,
    CaseFacts,
    DecisionDetails,
    NoticeDetails,
    article_citation_zh,
    chinese_date,
    decision_document,
    document_blocks,
    document_text,
    mask_id_number,
    notice_document,
)
from examsite.adjudication.workdays import CalendarOverride, HolidayNotice, WorkdayCalendar
from examsite.errors import ExamsiteError, InvalidInput

FULL_ID = "42010619900101123X"


def _clause(key: str) -> tuple[str, str]:
    """The real clause text and article lead-in from the shipped catalogue."""
    data: dict[str, Any] = json.loads(
        (Path(examsite.rules.__file__).with_name("articles.json")).read_text(encoding="utf-8")
    )
    for article in data["articles"]:
        for clause in article.get("clauses", []):
            if clause["key"] == key:
                return clause["text_zh"], article["lead_in_zh"]
    raise AssertionError(f"no clause {key}")


@pytest.fixture
def case() -> CaseFacts:
    text, lead_in = _clause("6.1")
    return CaseFacts(
        party_name="张行",
        id_number=FULL_ID,
        occupation="电工",
        level="四级/中级工",
        subject="操作技能",
        session_date=date(2026, 9, 18),
        facts_zh="2026年9月18日10时12分，你在第3考场使用手机拍摄试题，监考人员李明、王芳当场发现并制止。",
        article_key="6.1",
        clause_text_zh=text,
        article_lead_in_zh=lead_in,
        consequences_zh=(
            "取消你当次全部科目评价成绩。",
            "自2026年10月15日至2027年10月14日不得参加技能人才评价。",
        ),
        institution="武汉市某职业技能等级认定中心",
    )


NOTICE = NoticeDetails(
    "武某评告〔2026〕12号", date(2026, 9, 21), date(2026, 9, 30), "将书面材料送交本机构考务办公室"
)
DECISION = DecisionDetails(
    reference="武某评决〔2026〕12号",
    decided_on=date(2026, 10, 9),
    notice_reference="武某评告〔2026〕12号",
    notice_served_on=date(2026, 9, 21),
    statement_summary="你在规定期限内未提出陈述和申辩。",
    review_route="向本机构提交书面复核申请",
    served_on=date(2026, 10, 9),
)


def _section(text: str, heading: str) -> str:
    """The lines after ``heading`` up to the next heading."""
    lines = text.splitlines()
    start = lines.index(heading) + 1
    end = next((i for i in range(start, len(lines)) if lines[i][:2] in ("二、", "三、", "四、")), len(lines))
    return "\n".join(lines[start:end])


# -- the notice (告知书) ------------------------------------------------------------------------


def test_notice_has_every_part_art_18_requires(case: CaseFacts) -> None:
    doc = notice_document(case, NOTICE)
    text = document_text(doc)
    assert doc.kind == "notice"
    assert text.startswith("技能人才评价违纪违规行为处理告知书\n武某评告〔2026〕12号\n张行：\n")
    # Facts.
    assert case.facts_zh in _section(text, "一、违纪违规事实")
    # Reasons and basis: the clause cited and quoted (without its enumerator), the article's rule too.
    basis = _section(text, "二、理由和依据")
    assert "属于《规程》第六条第（一）项规定的情形" in basis
    assert REGULATION_NUMBER in basis
    assert "“在评价过程中使用规定以外的带拍照、存储、传输或通讯功能的电子设备" in basis
    assert "第六条规定：“参评人员有下列行为之一的,取消其当次全部科目评价成绩,且1年内不得参加评价。”" in basis
    # The intended decision, numbered.
    intended = _section(text, "三、拟作出的处理决定")
    assert intended.splitlines() == [
        "1. 取消你当次全部科目评价成绩。",
        "2. 自2026年10月15日至2027年10月14日不得参加技能人才评价。",
    ]
    # The right to state and defend, with its time and route.
    right = _section(text, "四、陈述和申辩的权利")
    assert "请于2026年9月30日前（含当日）将书面材料送交本机构考务办公室" in right
    assert "视为放弃陈述和申辩的权利" in right
    # Signed and dated by the institution.
    assert text.endswith("武汉市某职业技能等级认定中心\n2026年9月21日\n")
    assert doc.service == ()


def test_particulars_and_masking(case: CaseFacts) -> None:
    for doc in (notice_document(case, NOTICE), decision_document(case, DECISION)):
        text = document_text(doc)
        assert "身份证件号码：**************123X" in text
        assert FULL_ID not in text
        assert FULL_ID[:14] not in text
        assert "职业（工种）：电工\n等级：四级/中级工\n评价科目：操作技能\n评价日期：2026年9月18日" in text


# -- the decision (决定书) ----------------------------------------------------------------------


def test_decision_has_every_part_art_18_and_19_require(case: CaseFacts) -> None:
    doc = decision_document(case, DECISION)
    text = document_text(doc)
    assert text.startswith("技能人才评价违纪违规行为处理决定书\n武某评决〔2026〕12号\n张行：\n")
    # The notice went first (art. 18) and the statement was weighed.
    assert (
        "本机构于2026年9月21日向你送达了《技能人才评价违纪违规行为处理告知书》（武某评告〔2026〕12号）"
        in text
    )
    assert "你在规定期限内未提出陈述和申辩。" in text
    assert case.facts_zh in _section(text, "一、违纪违规事实")
    assert "第六条第（一）项" in _section(text, "二、处理依据")
    assert _section(text, "三、处理决定").splitlines()[0] == "1. 取消你当次全部科目评价成绩。"
    review = _section(text, "四、申请复核的权利和途径")
    assert "可在收到本决定书之日起15个工作日内向武汉市某职业技能等级认定中心申请复核" in review
    assert "申请复核的途径：向本机构提交书面复核申请。" in review
    # Served 2026-10-09 (Fri): 10-10 is an adjusted Saturday workday (day 1), so day 15 is 10-29.
    assert "本决定书于2026年10月9日送达，申请复核的期限至2026年10月29日（含当日）止。" in review
    assert "15个工作日内作出复核决定，特殊情况可延长10个工作日" in review
    # Service record (送达回证).
    assert [f.text for f in doc.service] == [
        "送达文书：技能人才评价违纪违规行为处理决定书（武某评决〔2026〕12号）",
        "受送达人：张行",
        "送达方式：直接送达",
        "送达日期：2026年10月9日",
        "受送达人签名：",
    ]
    assert text.endswith("送达回证\n" + "\n".join(f.text for f in doc.service) + "\n")


def test_decision_not_yet_served_states_no_date(case: CaseFacts) -> None:
    doc = decision_document(case, dataclasses.replace(DECISION, served_on=None, review_body="武汉市人社局"))
    text = document_text(doc)
    assert "申请复核的期限至" not in text
    assert "向武汉市人社局申请复核" in text
    assert doc.service[3].text == "送达日期：    年  月  日"


def test_decision_deadline_into_uncovered_year_is_refused(case: CaseFacts) -> None:
    late = dataclasses.replace(DECISION, decided_on=date(2026, 12, 11), served_on=date(2026, 12, 11))
    with pytest.raises(ExamsiteError) as info:
        decision_document(case, late)
    assert info.value.code == "calendar_not_covered"


def test_decision_deadline_uses_the_given_calendar(case: CaseFacts) -> None:
    # TEST-ONLY invented 2027 notice, not the real calendar.
    ref = "TEST-ONLY 虚构"
    days = [CalendarOverride(date(2027, 1, d), "holiday", ref) for d in (1, 2, 3)]
    days += [CalendarOverride(date(2027, 5, d), "holiday", ref) for d in range(1, 6)]
    days += [CalendarOverride(date(2027, 10, d), "holiday", ref) for d in range(1, 8)]
    cal = WorkdayCalendar([HolidayNotice(ref, 2027, True, tuple(days))])
    late = dataclasses.replace(DECISION, decided_on=date(2026, 12, 11), served_on=date(2026, 12, 11))
    assert "申请复核的期限至2027年1月4日（含当日）止" in document_text(decision_document(case, late, cal))


# -- helpers -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "citation"),
    [
        ("6.1", "第六条第（一）项"),
        ("7", "第七条"),
        ("13.8", "第十三条第（八）项"),
        ("21", "第二十一条"),
        ("6.10", "第六条第（十）项"),
    ],
)
def test_article_citation(key: str, citation: str) -> None:
    assert article_citation_zh(key) == citation


@pytest.mark.parametrize("key", ["", "6-1", "art6", "0", "100", "6.0", "6.1.2"])
def test_bad_article_keys_are_refused(key: str) -> None:
    with pytest.raises(InvalidInput):
        article_citation_zh(key)


def test_chinese_date() -> None:
    assert chinese_date(date(2026, 11, 26)) == "2026年11月26日"
    assert chinese_date(date(2026, 1, 5)) == "2026年1月5日"


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("420106199001011234", "**************1234"),
        ("42010619900101123x", "**************123X"),
        (" 420106900101123 ", "***********1123"),
        ("E12345678", "*****5678"),
    ],
)
def test_mask_id_number(raw: str, masked: str) -> None:
    assert mask_id_number(raw) == masked


@pytest.mark.parametrize("raw", ["", "1234", "4201 0619 9001 0112 34", "42010619900101123４", "身份证"])
def test_bad_id_numbers_are_refused(raw: str) -> None:
    with pytest.raises(InvalidInput):
        mask_id_number(raw)


def test_blocks_are_the_text(case: CaseFacts) -> None:
    doc = decision_document(case, DECISION)
    blocks = document_blocks(doc)
    assert [b.text for b in blocks] == document_text(doc).splitlines()
    assert blocks[0].style == "title"
    assert [b.style for b in blocks].count("heading") == 4
    assert all(b.text.strip() for b in blocks)


# -- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"party_name": " "}, "party name"),
        ({"consequences_zh": ()}, "at least one consequence"),
        ({"consequences_zh": ("",)}, "consequence"),
        ({"facts_zh": "第一行\n第二行"}, "without line breaks"),
        ({"article_key": "six"}, "not of the form"),
        ({"id_number": "12"}, "ID number"),
    ],
)
def test_bad_case_is_refused(case: CaseFacts, change: dict[str, Any], words: str) -> None:
    bad = dataclasses.replace(case, **change)
    with pytest.raises(InvalidInput, match=words):
        notice_document(bad, NOTICE)
    with pytest.raises(InvalidInput, match=words):
        decision_document(bad, DECISION)


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"statement_deadline": date(2026, 9, 21)}, "after the notice date"),
        ({"issued_on": date(2026, 9, 17), "statement_deadline": date(2026, 9, 30)}, "before the assessment"),
        ({"reference": ""}, "reference"),
        ({"statement_route": " "}, "statement route"),
    ],
)
def test_bad_notice_details_are_refused(case: CaseFacts, change: dict[str, Any], words: str) -> None:
    with pytest.raises(InvalidInput, match=words):
        notice_document(case, dataclasses.replace(NOTICE, **change))


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"decided_on": date(2026, 9, 20)}, "predate the service of the notice"),
        ({"served_on": date(2026, 10, 8)}, "served before"),
        ({"notice_served_on": date(2026, 9, 1)}, "before the assessment"),
        ({"statement_summary": ""}, "statement summary"),
        ({"review_route": ""}, "review route"),
    ],
)
def test_bad_decision_details_are_refused(case: CaseFacts, change: dict[str, Any], words: str) -> None:
    with pytest.raises(InvalidInput, match=words):
        decision_document(case, dataclasses.replace(DECISION, **change))
