"""Reports: art. 20 suggestions and flag, annual statistics counted by hand, CSV of the archive."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest

from examsite.adjudication import notices
from examsite.adjudication.cases import search_cases
from examsite.adjudication.determination import Decider, determine
from examsite.adjudication.documents import document_text
from examsite.adjudication.reports import (
    StatRow,
    annual_statistics,
    escalation_report,
    export_cases_csv,
    export_statistics_csv,
    flag_major,
    result_report,
    statistics_document,
    suggest_major_reasons,
)
from examsite.errors import InvalidInput
from examsite.incidents.record import IncidentRecord, SessionRef
from examsite.rules import Severity
from examsite.store.engine import Store
from examsite.store.models import Case
from tests.support.cases import OTHER_ID, T0, candidate, institution_subject, make_record, open_case

DECIDER = Decider("staff-9", "王决")


def _shifted(record: IncidentRecord, days: int) -> IncidentRecord:
    d = timedelta(days=days)
    return replace(
        record,
        occurred_at=record.occurred_at + d,
        discovered_at=record.discovered_at + d,
        marked_at=record.marked_at + d,
        recorded_at=record.recorded_at + d,
    )


def _decide(s, case: Case, day: date) -> None:  # type: ignore[no-untyped-def]
    determine(s, case, decider=DECIDER, determined_on=day)
    notice = notices.issue_notice(
        s,
        case,
        reference=f"告-{case.id[:8]}",
        issued_on=day,
        statement_deadline=day + timedelta(days=3),
        statement_route="书面",
        actor="clerk",
    )
    notices.record_service(s, notice, served_on=day, actor="clerk")
    notices.issue_decision(
        s,
        case,
        decider=DECIDER,
        reference=f"决-{case.id[:8]}",
        decided_on=day + timedelta(days=4),
        statement_summary="未陈述。",
        review_route="书面申请",
    )


def test_major_situation_suggestions_and_flag(store: Store) -> None:
    with store.session() as s:
        first = open_case(s, make_record())
        assert suggest_major_reasons(s, first) == []
        again = open_case(s, _shifted(make_record(article="7.5", severity=Severity.serious), 30))
        determine(s, again, decider=DECIDER, determined_on=date(2026, 10, 20))
        assert suggest_major_reasons(s, again) == [
            "情节严重",
            "移送有关部门",
            "5年内不得参加评价",
            "多次违纪违规（此前案件1件）",
        ]
        with pytest.raises(InvalidInput, match="major situation"):
            flag_major(s, again, reasons=[" "], escalated_on=date(2026, 10, 20), actor="x")
        flag_major(
            s, again, reasons=suggest_major_reasons(s, again), escalated_on=date(2026, 10, 20), actor="x"
        )
        assert (again.major, again.escalated_on) == (True, date(2026, 10, 20))
        doc = escalation_report(
            s, again, reporter="评价机构", reported_on=date(2026, 10, 21), reference="急-1"
        )
        text = document_text(doc)
        assert "情节严重；移送有关部门；5年内不得参加评价；多次违纪违规（此前案件1件）" in text
        assert "拟/已作如下处理：取消你当次电工四级评价全部科目的评价成绩。" in text
        inst = open_case(s, make_record(subject=institution_subject(), article="13.4"))
        flag_major(s, inst, reasons=["群体性事件"], escalated_on=date(2026, 9, 18), actor="x")
        inst_text = document_text(
            escalation_report(s, inst, reporter="市职鉴中心", reported_on=date(2026, 9, 18), reference="急-2")
        )
        assert "评价机构 武汉市某职业技能评价机构（代码HB-0427）" in inst_text
        assert {c.id for c in search_cases(s) if c.major} == {again.id, inst.id}


def test_result_report_only_after_the_decision(store: Store) -> None:
    with store.session() as s:
        case = open_case(s, make_record())
        with pytest.raises(InvalidInput, match="once the decision is issued"):
            result_report(s, case, reporter="机构", reported_on=date(2026, 9, 30), reference="报-1")
        _decide(s, case, date(2026, 9, 18))
        text = document_text(
            result_report(s, case, reporter="机构", reported_on=date(2026, 9, 30), reference="报-1")
        )
        assert "认定依据：《规程》第六条第（一）项" in text
        assert "1年内不得参加技能人才评价，即自2026年9月22日起至2027年9月22日止（含当日）。" in text
        assert "送达：未送达" in text


def test_annual_statistics_counted_by_hand(store: Store, tmp_path: Path) -> None:
    welder = SessionRef("2026-10-W", "焊工", "三级", "skills", T0, T0 + timedelta(hours=2))
    with store.session() as s:
        a = open_case(s, make_record())  # 电工 四级 art. 6, decided: 1 ban
        _decide(s, a, date(2026, 9, 18))
        open_case(
            s, make_record(subject=candidate("李某", OTHER_ID), article="6.2")
        )  # 电工 四级 art. 6, open
        open_case(s, make_record(session=welder, article="5.4"))  # 焊工 三级 art. 5
        old = make_record(article="5.4")
        open_case(s, _shifted(old, -365))  # 2025: not counted
        rows = annual_statistics(s, 2026)
        assert rows == [
            StatRow("焊工", "三级", 5, 1, 0, 0, 0, 0, 0),
            StatRow("电工", "四级", 6, 2, 1, 1, 0, 0, 0),
        ]
        assert [r.cases for r in annual_statistics(s, 2025)] == [1]
        with pytest.raises(InvalidInput, match="plausible year"):
            annual_statistics(s, 26)
        export_statistics_csv(rows, tmp_path / "stats.csv")
        export_cases_csv(search_cases(s), tmp_path / "cases.csv")
    stats = list(csv.reader(io.StringIO((tmp_path / "stats.csv").read_text("utf-8-sig"), newline="")))
    assert stats[1:] == [
        ["焊工", "三级", "5", "1", "0", "0", "0", "0", "0"],
        ["电工", "四级", "6", "2", "1", "1", "0", "0", "0"],
    ]
    cases = list(csv.reader(io.StringIO((tmp_path / "cases.csv").read_text("utf-8-sig"), newline="")))
    assert len(cases) == 5
    assert cases[-1][12] == "2025-09-17 10:00"  # oldest last, Shanghai time
    doc = statistics_document(rows, 2026, issuer="评价机构", issued_on=date(2027, 1, 5), reference="统-1")
    text = document_text(doc)
    assert "焊工 三级 第五条：案件1件，已决定0件，禁评0人次，证书作废0份，复核0件（变更或撤销0件）。" in text
    assert "案件总数：3件" in text
    empty = document_text(
        statistics_document([], 2024, issuer="评价机构", issued_on=date(2025, 1, 5), reference="统-0")
    )
    assert "本年度无违纪违规案件。" in empty
