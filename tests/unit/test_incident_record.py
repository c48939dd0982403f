"""Incident records: canonical bytes round-trip, and the rules of arts. 5–15 a record must meet."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from examsite.errors import InvalidInput
from examsite.incidents.record import (
    Acknowledgement,
    EvidenceKind,
    EvidenceRef,
    IncidentRecord,
    SessionRef,
    Subject,
    Witness,
)
from examsite.rules import Severity, SubjectKind
from examsite.sites.idnumber import check_character, validate_id_number

T0 = datetime(2026, 6, 13, 1, 15, tzinfo=UTC)
ID = "42010619900307123" + check_character("42010619900307123")


def make_record(**changes: object) -> IncidentRecord:
    base = IncidentRecord(
        incident_id="0b7d6a0e-3a1d-4c39-9d0f-0d7c7f1b8a11",
        version=1,
        supersedes=None,
        institution_code="HB-0427",
        institution_name="武汉市某职业技能评价机构",
        site_code="S01",
        site_name="第一考点",
        room="101",
        session=SessionRef(
            "2026-06-A", "电工", "四级", "theory", T0 - timedelta(hours=1), T0 + timedelta(hours=1)
        ),
        subject=Subject(SubjectKind.candidate, "张三", id_number=ID, admission_number="A0001", seat="12"),
        article="6.1",
        severity=None,
        reminder_given=None,
        reminder_refused=None,
        facts="考生在座位上使用手机拍摄试题。",
        on_site_handling="监考人员当场收缴手机，开具暂扣收据。",
        occurred_at=T0,
        discovered_at=T0 + timedelta(seconds=20),
        marked_at=T0 + timedelta(seconds=20),
        found_after_assessment=False,
        acknowledgement=Acknowledgement.REFUSED,
        acknowledgement_note="考生拒绝签字",
        recorded_by="staff-1",
        recorded_at=T0 + timedelta(minutes=5),
        evidence=(
            EvidenceRef(
                "a" * 64, 1234, "video/mp4", EvidenceKind.VIDEO_CLIP, "101-前", T0, T0 + timedelta(minutes=3)
            ),
            EvidenceRef("b" * 64, 10, "text/plain", EvidenceKind.SEIZED_ITEM, receipt_number="R-7"),
        ),
        witnesses=(Witness("李四", "invigilator", "staff-2"),),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_bytes_round_trip_exactly() -> None:
    record = make_record()
    data = record.to_bytes()
    again = IncidentRecord.from_bytes(data)
    assert again == record
    assert again.to_bytes() == data
    assert len(record.sha256) == 64


@given(facts=st.text(max_size=200), handling=st.text(min_size=1, max_size=50), seat=st.text(max_size=5))
def test_any_text_round_trips(facts: str, handling: str, seat: str) -> None:
    subject = Subject(SubjectKind.candidate, "王五", id_number=ID, admission_number="X", seat=seat)
    record = make_record(facts=facts, on_site_handling=handling, subject=subject)
    again = IncidentRecord.from_bytes(record.to_bytes())
    assert again.to_bytes() == record.to_bytes()


def test_complete_record_has_no_problems() -> None:
    assert make_record().problems() == []
    make_record().validate()


@pytest.mark.parametrize("article", ["5.1", "5.2", "5.3"])
def test_art_5_1_to_3_need_a_refused_reminder(article: str) -> None:
    record = make_record(article=article)
    assert any("reminded and refused" in p for p in record.problems())
    assert make_record(article=article, reminder_given=True, reminder_refused=False).problems() != []
    assert make_record(article=article, reminder_given=True, reminder_refused=True).problems() == []


def test_art_5_4_needs_no_reminder() -> None:
    assert make_record(article="5.4").problems() == []


def test_art_7_needs_a_severity_and_art_6_refuses_one() -> None:
    assert make_record(article="7.4").problems() != []
    assert make_record(article="7.4", severity=Severity.serious).problems() == []
    assert make_record(article="6.1", severity=Severity.minor).problems() != []


def test_subject_must_match_the_article() -> None:
    staff = Subject(SubjectKind.staff, "赵六", staff_id="s9", role="invigilator")
    problems = make_record(subject=staff).problems()
    assert any("concerns a candidate" in p for p in problems)
    assert make_record(subject=staff, article="10").problems() == []


def test_unknown_article_is_a_problem_not_a_crash() -> None:
    assert make_record(article="99.1").problems() != []
    assert make_record(article="nonsense").problems() != []


def test_bad_id_number_empty_facts_and_times_are_listed_together() -> None:
    bad = make_record(
        subject=Subject(SubjectKind.candidate, "张三", id_number="420106199003071230"),
        facts=" ",
        on_site_handling="",
        discovered_at=T0 - timedelta(minutes=1),
    )
    with pytest.raises(InvalidInput) as info:
        bad.validate()
    text = str(info.value)
    assert info.value.code == "record_incomplete"
    for part in ("check digit", "facts are empty", "on-site handling", "discovered before it occurred"):
        assert part in text


def test_evidence_rules() -> None:
    twice = make_record(evidence=(EvidenceRef("a" * 64, 1, "video/mp4", EvidenceKind.VIDEO_CLIP),) * 2)
    assert any("listed twice" in p for p in twice.problems())
    upper = make_record(evidence=(EvidenceRef("A" * 64, 1, "video/mp4", EvidenceKind.VIDEO_CLIP),))
    assert any("lower-case hex" in p for p in upper.problems())
    seized = make_record(evidence=(EvidenceRef("c" * 64, 1, "text/plain", EvidenceKind.SEIZED_ITEM),))
    assert any("receipt" in p for p in seized.problems())


def test_amendment_supersedes_the_previous_bytes() -> None:
    first = make_record()
    second = first.amended(
        first.to_bytes(), "补充处理情况", on_site_handling="当场收缴手机并报告考场负责人。"
    )
    assert second.version == 2
    assert second.supersedes == first.sha256
    assert second.problems() == []
    with pytest.raises(InvalidInput):
        first.amended(first.to_bytes(), " ")
    assert make_record(version=2).problems() != []  # a version 2 must name what it supersedes


def test_non_canonical_or_foreign_bytes_are_refused() -> None:
    data = make_record().to_bytes()
    with pytest.raises(Exception, match="canonical"):
        IncidentRecord.from_bytes(data.replace(b'{"', b'{ "', 1))
    with pytest.raises(InvalidInput) as info:
        IncidentRecord.from_bytes(b'{"schema":"other/1"}')
    assert info.value.code == "record_malformed"


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        (ID, True),
        (ID.lower(), True),
        ("42010619900307123", False),
        ("420106199013071234", False),
        ("x" * 18, False),
    ],
)
def test_id_numbers(text: str, ok: bool) -> None:
    if ok:
        assert validate_id_number(text) == ID
    else:
        with pytest.raises(InvalidInput):
            validate_id_number(text)


def test_known_valid_id_number_check_character() -> None:
    # the GB 11643 example number 11010519491231002X
    assert check_character("11010519491231002") == "X"


def test_problems_speak_chinese_for_the_window() -> None:
    bad = make_record(article="5.1", facts="", on_site_handling="")
    zh = bad.problems(lang="zh")
    assert len(zh) == len(bad.problems()) == 3
    assert "第五条第(一)项仅适用于经提醒拒不改正的情形：请记录已提醒及拒不改正" in zh
    assert "未填写违纪事实（第十五条：如实记录事实）" in zh
    assert all(not any(c.isascii() and c.isalpha() for c in text.replace("SHA", "")) for text in zh)
    assert make_record(article="nonsense").problems(lang="zh") == [
        "条款 nonsense 不在条款目录中，请从目录中选择"
    ]
