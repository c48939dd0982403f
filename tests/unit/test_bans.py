"""Bans (arts. 6, 7) dated by the Civil Code's rule, the roster check, and the CSV exports (art. 15 ¶2)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from examsite.adjudication import notices
from examsite.adjudication.bans import (
    active_bans,
    ban_period,
    ban_summary,
    certificate_voids,
    check_candidates,
    export_bans_csv,
    export_certificate_voids_csv,
    mark_certificate_done,
    roster_ban_lookup,
)
from examsite.adjudication.determination import Decider, determine
from examsite.adjudication.tables import csv_bytes
from examsite.clock import to_local, utc_now
from examsite.errors import InvalidInput
from examsite.rules import Severity
from examsite.sites.candidates import preview_roster
from examsite.sites.sessions import SessionSpec, create_session
from examsite.sites.setup import SiteSpec, init_site
from examsite.store.engine import Store
from examsite.store.models import Case, ExamSubject
from tests.support.cases import CANDIDATE_ID, OTHER_ID, candidate, make_record, open_case

DECIDER = Decider("staff-9", "王决")


@pytest.mark.parametrize(
    ("decided", "years", "last_day"),
    [
        (date(2026, 10, 9), 1, date(2027, 10, 9)),  # the corresponding day (民法典 art. 202)
        (date(2026, 12, 31), 2, date(2028, 12, 31)),
        (date(2026, 3, 1), 5, date(2031, 3, 1)),
        (date(2028, 2, 29), 1, date(2029, 2, 28)),  # no 29 Feb in 2029: the month's last day
        (date(2028, 2, 29), 2, date(2030, 2, 28)),
        (date(2028, 2, 29), 5, date(2033, 2, 28)),
        (date(2027, 2, 28), 1, date(2028, 2, 28)),  # 2028 has a 29th, but the 28th corresponds
    ],
)
def test_ban_period_ends_on_the_corresponding_day(decided: date, years: int, last_day: date) -> None:
    assert ban_period(decided, years) == (decided, last_day)


@pytest.mark.parametrize("years", [0, 3, -1, True])
def test_only_the_ban_lengths_of_arts_6_and_7(years: int) -> None:
    with pytest.raises(InvalidInput, match="1, 2 or 5 years"):
        ban_period(date(2026, 1, 1), years)


def _decide(store: Store, record_changes: dict[str, object], decided_on: date, **decision: object) -> str:
    with store.session() as s:
        case = open_case(s, make_record(**record_changes))
        severity = record_changes.get("severity")
        determine(s, case, decider=DECIDER, determined_on=decided_on)
        ref = case.id[:8]
        notice = notices.issue_notice(
            s,
            case,
            reference=f"告-{ref}",
            issued_on=decided_on,
            statement_deadline=decided_on + timedelta(days=1),
            statement_route="书面送交考务办公室",
            actor="clerk",
        )
        notices.record_service(s, notice, served_on=decided_on, actor="clerk")
        notices.issue_decision(
            s,
            case,
            decider=DECIDER,
            reference=f"决-{ref}",
            decided_on=decided_on,
            statement_summary="当事人当场陈述，称系误带。",
            review_route="向本机构书面申请",
            party_stated=True,
            **decision,  # type: ignore[arg-type]
        )
        assert severity is None or case.severity == severity
        return case.id


def test_roster_check_flags_banned_people_with_article_and_end_date(store: Store) -> None:
    _decide(store, {}, date(2026, 9, 21))
    _decide(
        store,
        {"subject": candidate("李某", OTHER_ID), "article": "7.4", "severity": Severity.serious},
        date(2026, 9, 22),
    )
    with store.session() as s:
        found = check_candidates(s, [CANDIDATE_ID, OTHER_ID, "110101199003070000", ""], date(2026, 10, 1))
        assert {k: (b.article_key, b.years, b.ends_on) for k, b in found.items()} == {
            CANDIDATE_ID: ("6.1", 1, date(2027, 9, 21)),
            OTHER_ID: ("7.4", 5, date(2031, 9, 22)),
        }
        assert ban_summary(found[OTHER_ID]) == "李某：因违反第7.4条，2026-09-22至2031-09-22（含）不得参加评价"
        assert "until 2031-09-22 inclusive" in ban_summary(found[OTHER_ID], "en")
        # a year and a day later only the 5-year ban remains
        assert list(check_candidates(s, [CANDIDATE_ID, OTHER_ID], date(2027, 9, 22))) == [OTHER_ID]
        assert [b.id_number for b in active_bans(s, date(2027, 9, 22))] == [OTHER_ID]


def test_a_person_with_two_bans_is_reported_with_the_longer(store: Store) -> None:
    _decide(store, {}, date(2026, 9, 21))
    _decide(store, {"article": "7.4", "severity": Severity.minor}, date(2026, 9, 22))
    with store.session() as s:
        (ban,) = check_candidates(s, [CANDIDATE_ID], date(2026, 9, 30)).values()
        assert (ban.article_key, ban.ends_on) == ("7.4", date(2028, 9, 22))


def test_bans_csv_opens_in_excel(store: Store, tmp_path: Path) -> None:
    _decide(store, {}, date(2026, 9, 21))
    with store.session() as s:
        assert export_bans_csv(s, tmp_path / "bans.csv", date(2026, 9, 30)) == 1
    raw = (tmp_path / "bans.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert rows[0][0] == "姓名 name"
    assert rows[1][:6] == ["张行", CANDIDATE_ID, "6.1", "1", "2026-09-21", "2027-09-21"]
    assert b"\r\n" in raw


def test_csv_cells_that_look_like_formulas_are_quoted_as_text() -> None:
    data = csv_bytes(["a"], [['=HYPERLINK("x")'], ["+1"], ["张三"]])
    assert data.decode("utf-8-sig").splitlines()[1:] == ['"\'=HYPERLINK(""x"")"', "'+1", "张三"]


def test_certificates_found_after_the_assessment_are_listed_and_voided(store: Store, tmp_path: Path) -> None:
    case_id = _decide(
        store, {"found_after_assessment": True}, date(2026, 9, 21), certificate_numbers=("CERT-1",)
    )
    _decide(
        store, {"subject": candidate("李某", OTHER_ID)}, date(2026, 9, 21)
    )  # found on site: nothing to void
    with store.session() as s:
        (void,) = certificate_voids(s)
        assert (void.case_id, void.certificate_number, void.id_number, void.occupation, void.level) == (
            case_id,
            "CERT-1",
            CANDIDATE_ID,
            "电工",
            "四级",
        )
        assert "撤销" in void.online_action
        assert export_certificate_voids_csv(s, tmp_path / "voids.csv") == 1
        mark_certificate_done(s, void.id, certificate_number="", done_on=date(2026, 9, 25), actor="clerk")
        with pytest.raises(InvalidInput, match="already done"):
            mark_certificate_done(s, void.id, certificate_number="", done_on=date(2026, 9, 26), actor="clerk")
        assert void.status == "done"
        assert certificate_voids(s) == []
        assert [v.id for v in certificate_voids(s, "done")] == [void.id]
        with pytest.raises(InvalidInput, match="not a status"):
            certificate_voids(s, "gone")
    rows = list(csv.reader(io.StringIO((tmp_path / "voids.csv").read_text("utf-8-sig"), newline="")))
    assert rows[1][4] == "CERT-1"


def test_a_certificate_without_its_number_needs_one_when_done(store: Store) -> None:
    _decide(store, {"found_after_assessment": True}, date(2026, 9, 21))
    with store.session() as s:
        (void,) = certificate_voids(s)
        assert void.certificate_number == ""
        with pytest.raises(InvalidInput, match="number of the certificate"):
            mark_certificate_done(
                s, void.id, certificate_number=" ", done_on=date(2026, 9, 25), actor="clerk"
            )
        mark_certificate_done(
            s, void.id, certificate_number="CERT-9", done_on=date(2026, 9, 25), actor="clerk"
        )
        assert (void.certificate_number, void.done_by) == ("CERT-9", "clerk")


def test_a_ban_needs_the_id_number(store: Store) -> None:
    with store.session() as s:
        case = open_case(s, make_record())
        case.subject_id_number = ""
        s.flush()
        assert isinstance(case, Case)
        determine(s, case, decider=DECIDER, determined_on=date(2026, 9, 21))
        with pytest.raises(InvalidInput, match="ID number"):
            notices.issue_notice(
                s,
                case,
                reference="告-x",
                issued_on=date(2026, 9, 21),
                statement_deadline=date(2026, 9, 24),
                statement_route="书面",
                actor="clerk",
            )


def test_a_banned_candidate_is_flagged_on_roster_import_with_article_and_end_date(
    store: Store, tmp_path: Path
) -> None:
    # The roster import checks bans in force today, so the decision is dated today.
    today = to_local(utc_now()).date()
    _decide(store, {}, today)
    _, until = ban_period(today, 1)
    with store.session() as s:
        site = init_site(s, SiteSpec("HB-0427", "评价机构", "武汉市", "S01", "第一考点", ("101",)))
        start = datetime(2027, 6, 13, 1, 0, tzinfo=UTC)
        spec = SessionSpec(
            "2027-06-A", "电工", "四级", ExamSubject.THEORY, start, start.replace(hour=3), ("101",)
        )
        exam = create_session(s, site, spec, actor="tester")
        roster = tmp_path / "roster.csv"
        roster.write_text(
            f"姓名,身份证号,准考证号,座位号\r\n张行,{CANDIDATE_ID},A001,1\r\n李某,{OTHER_ID},A002,2\r\n",
            encoding="utf-8-sig",
        )
        preview = preview_roster(s, exam, roster, ban_lookup=roster_ban_lookup)
        assert [r.name for r in preview.rows] == ["李某"]
        assert [(p.line, p.message) for p in preview.problems] == [
            (
                2,
                f"张行 ({CANDIDATE_ID[-4:]}) is banned under art. 6.1 until {until.isoformat()} "
                "and may not sit this assessment",
            )
        ]
        # The check asks about the sitting's own day: one after the ban's last day admits the person,
        # one on the last day does not.
        for code, day, admitted in (
            ("AFTER", until + timedelta(days=1), ["张行", "李某"]),
            ("LAST", until, ["李某"]),
        ):
            begins = datetime(day.year, day.month, day.day, 1, 0, tzinfo=UTC)  # 09:00 in Beijing
            sitting = create_session(
                s,
                site,
                SessionSpec(
                    code, "电工", "四级", ExamSubject.THEORY, begins, begins.replace(hour=3), ("101",)
                ),
                actor="tester",
            )
            assert [
                r.name for r in preview_roster(s, sitting, roster, ban_lookup=roster_ban_lookup).rows
            ] == admitted


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31)), st.sampled_from([1, 2, 5]))
def test_ban_period_always_ends_on_the_same_calendar_day_or_feb_28(decided: date, years: int) -> None:
    start, end = ban_period(decided, years)
    assert start == decided
    assert end.year == decided.year + years
    if (decided.month, decided.day) == (2, 29) and end.year % 4 != 0:
        assert (end.month, end.day) == (2, 28)
    else:
        assert (end.month, end.day) == (decided.month, decided.day)
    # N years of calendar: at least 365 days a year, never more than the leap days allow
    assert 365 * years <= (end - start).days <= 365 * years + (years + 3) // 4
