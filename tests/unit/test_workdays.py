"""Working-day deadlines of art. 19, checked against the official 2026 holiday notice by hand."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import chinese_calendar
import pytest
from hypothesis import given
from hypothesis import strategies as st

from examsite.adjudication import workdays
from examsite.adjudication.workdays import (
    SHIPPED_OVERRIDES,
    CalendarOverride,
    HolidayNotice,
    WorkdayCalendar,
    add_working_days,
    is_working_day,
    load_overrides,
    review_decision_deadline,
    review_request_deadline,
    save_overrides,
    working_days_between,
)
from examsite.clock import to_local
from examsite.errors import ExamsiteError, InvalidInput

D = date.fromisoformat

# 国务院办公厅关于2026年部分节假日安排的通知 (国办发明电〔2025〕7号, 2025-11-04, Xinhua full text):
# 元旦 1月1日至3日放假, 1月4日(周日)上班; 春节 2月15日至23日放假, 2月14日(周六)、2月28日(周六)上班;
# 清明 4月4日至6日; 劳动节 5月1日至5日放假, 5月9日(周六)上班; 端午 6月19日至21日; 中秋 9月25日至27日;
# 国庆 10月1日至7日放假, 9月20日(周日)、10月10日(周六)上班.
NOTICE_2026_HOLIDAY_RANGES = [
    ("2026-01-01", "2026-01-03"),
    ("2026-02-15", "2026-02-23"),
    ("2026-04-04", "2026-04-06"),
    ("2026-05-01", "2026-05-05"),
    ("2026-06-19", "2026-06-21"),
    ("2026-09-25", "2026-09-27"),
    ("2026-10-01", "2026-10-07"),
]
NOTICE_2026_WORKDAYS = {
    D(s) for s in ("2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10")
}


def _notice_2026_holidays() -> set[date]:
    days = set()
    for first, last in NOTICE_2026_HOLIDAY_RANGES:
        day = D(first)
        while day <= D(last):
            days.add(day)
            day += timedelta(days=1)
    return days


def _fictional_2027(complete: bool = True, drop: str | None = None) -> HolidayNotice:
    """TEST-ONLY: an invented 2027 notice to exercise the override table. Not the real calendar."""
    ref = "TEST-ONLY 虚构通知〔2027〕"
    ranges = [("2027-01-01", "2027-01-03"), ("2027-02-06", "2027-02-13"), ("2027-05-01", "2027-05-05"),
              ("2027-10-01", "2027-10-07")]  # fmt: skip
    days = []
    for first, last in ranges:
        day = D(first)
        while day <= D(last):
            if day.isoformat() != drop:
                days.append(CalendarOverride(day, "holiday", ref, "test"))
            day += timedelta(days=1)
    days.append(CalendarOverride(D("2027-02-14"), "workday", ref, "test"))  # a Sunday
    return HolidayNotice(ref, 2027, complete, tuple(days))


# -- the calendar itself -----------------------------------------------------------------------


def test_every_day_of_2026_follows_the_official_notice() -> None:
    holidays = _notice_2026_holidays()
    assert len(holidays) == 33
    day = D("2026-01-01")
    while day.year == 2026:
        expected = day in NOTICE_2026_WORKDAYS or (day.weekday() < 5 and day not in holidays)
        assert is_working_day(day) is expected, day
        day += timedelta(days=1)


def test_shipped_table_adds_nothing_for_2026_because_the_package_has_it() -> None:
    data = json.loads(SHIPPED_OVERRIDES.read_text(encoding="utf-8"))
    assert data["checked"][0]["reference"] == "国办发明电〔2025〕7号"
    assert load_overrides(SHIPPED_OVERRIDES) == []
    cal = WorkdayCalendar.load()
    assert cal.covers(2026)
    assert not cal.covers(2027)
    assert cal.overrides() == ()


# -- art. 19 request deadline, worked out by hand from the 2026 notice ------------------------

HAND_WORKED = [
    # received on, deadline, why
    (
        "2026-09-18",
        "2026-10-15",
        "Mid-Autumn 9-25..27 and National Day 10-1..7 off; 9-20 Sun and 10-10 Sat worked",
    ),
    ("2026-02-10", "2026-03-09", "Spring Festival 2-15..23 off; 2-14 Sat and 2-28 Sat worked"),
    ("2026-04-30", "2026-05-25", "Labour Day 5-1..5 off; 5-9 Sat worked (day 4)"),
    ("2026-10-03", "2026-10-27", "received on a holiday: 10-8 is day 1"),
    ("2026-01-04", "2026-01-23", "received on an adjusted workday (Sun): 1-5 is day 1"),
    ("2025-12-31", "2026-01-22", "across the year end: 1-1..3 off, 1-4 Sun worked (day 1)"),
    ("2026-12-10", "2026-12-31", "the last receipt whose deadline stays in 2026"),
    ("2026-06-16", "2026-07-08", "Dragon Boat 6-19 (Fri) off"),
]


@pytest.mark.parametrize(("received", "deadline", "why"), HAND_WORKED)
def test_review_request_deadline_by_hand(received: str, deadline: str, why: str) -> None:
    assert review_request_deadline(D(received)) == D(deadline), why
    assert working_days_between(D(received), D(deadline)) == 15


def test_weekday_counting_would_be_wrong_across_national_day() -> None:
    # Counting Mon–Fri only would give 2026-10-09; the notice moves it six days later.
    naive = D("2026-09-18")
    count = 0
    while count < 15:
        naive += timedelta(days=1)
        count += naive.weekday() < 5
    assert naive == D("2026-10-09")
    assert review_request_deadline(D("2026-09-18")) == D("2026-10-15")


def test_rest_day_receipt_differs_from_chinese_calendar_find_workday() -> None:
    # The package makes the next working day "day 0" when the start is a rest day; art. 19 as we
    # apply it counts every working day after receipt, so ours is one working day earlier.
    assert chinese_calendar.find_workday(15, D("2026-10-03")) == D("2026-10-28")
    assert review_request_deadline(D("2026-10-03")) == D("2026-10-27")


def test_deadline_reaching_2027_is_refused_with_the_way_to_fix_it() -> None:
    with pytest.raises(ExamsiteError) as info:
        review_request_deadline(D("2026-12-11"))
    err = info.value
    assert err.code == "calendar_not_covered"
    assert "2027" in err.message
    assert "2026-12-11" in err.message
    assert "2004–2026" in err.message
    assert err.hint is not None
    assert "examsite calendar add --year 2027 --complete" in err.hint
    assert "国务院办公厅关于2027年部分节假日安排的通知" in err.hint


def test_is_working_day_refuses_an_uncovered_year() -> None:
    for day in (D("2027-01-04"), D("2003-06-02")):
        with pytest.raises(ExamsiteError) as info:
            is_working_day(day)
        assert info.value.code == "calendar_not_covered"
        assert str(day.year) in info.value.message


# -- art. 19 review decision deadline and its extension ----------------------------------------


@pytest.mark.parametrize(
    ("requested", "normal", "extended"),
    [
        ("2026-09-18", "2026-10-15", "2026-10-29"),
        ("2026-02-10", "2026-03-09", "2026-03-23"),
        ("2026-04-30", "2026-05-25", "2026-06-08"),
    ],
)
def test_review_decision_deadline_by_hand(requested: str, normal: str, extended: str) -> None:
    assert review_decision_deadline(D(requested)) == D(normal)
    assert review_decision_deadline(D(requested), extended=True) == D(extended)
    assert working_days_between(D(requested), D(extended)) == 25


def test_extension_into_2027_is_refused_while_the_normal_deadline_is_not() -> None:
    assert review_decision_deadline(D("2026-12-01")) == D("2026-12-22")
    with pytest.raises(ExamsiteError) as info:
        review_decision_deadline(D("2026-12-01"), extended=True)
    assert info.value.code == "calendar_not_covered"


# -- the override table ------------------------------------------------------------------------


def test_complete_year_notice_makes_2027_usable() -> None:
    cal = WorkdayCalendar([_fictional_2027()])
    assert cal.covers(2027)
    # Dec 14..31 give 14 working days; fictional 1-1..3 off; 1-4 (Mon) is day 15.
    assert review_request_deadline(D("2026-12-11"), calendar=cal) == D("2027-01-04")
    assert cal.is_working_day(D("2027-02-14"))  # fictional adjusted Sunday
    assert not cal.is_working_day(D("2027-02-08"))  # fictional holiday Monday
    assert cal.is_working_day(D("2027-03-01"))  # unlisted weekday
    assert not cal.is_working_day(D("2027-03-06"))  # unlisted Saturday
    # The default calendar is untouched.
    with pytest.raises(ExamsiteError):
        review_request_deadline(D("2026-12-11"))


def test_partial_notice_does_not_cover_a_year() -> None:
    cal = WorkdayCalendar([_fictional_2027(complete=False)])
    assert not cal.covers(2027)
    with pytest.raises(ExamsiteError) as info:
        cal.is_working_day(D("2027-01-01"))  # even a listed day: the year is not covered
    assert info.value.code == "calendar_not_covered"


def test_override_wins_over_the_package() -> None:
    cal = WorkdayCalendar()
    assert cal.working_days_between(D("2026-12-13"), D("2026-12-18")) == 5
    cal.add_override(CalendarOverride(D("2026-12-14"), "holiday", "TEST-ONLY 虚构", "test"))
    assert cal.working_days_between(D("2026-12-13"), D("2026-12-18")) == 4
    assert not cal.is_working_day(D("2026-12-14"))
    assert [o.day for o in cal.overrides()] == [D("2026-12-14")]


def _refused(cal: WorkdayCalendar, notice: HolidayNotice, words: str) -> None:
    before = (cal.overrides(), cal.notices, cal.covers(notice.year))
    with pytest.raises(InvalidInput) as info:
        cal.add_notice(notice)
    assert words in str(info.value)
    # Nothing was changed by the refused notice.
    assert (cal.overrides(), cal.notices, cal.covers(notice.year)) == before


def test_invalid_notices_are_refused_and_change_nothing() -> None:
    cal = WorkdayCalendar(
        [HolidayNotice("A", 2026, False, (CalendarOverride(D("2026-12-14"), "holiday", "A"),))]
    )
    one = CalendarOverride(D("2026-12-19"), "workday", "B")  # a Saturday
    _refused(cal, HolidayNotice(" ", 2026, False, (one,)), "reference")
    _refused(cal, HolidayNotice("B", 2025, False, (one,)), "not in the notice's year 2025")
    weekday = CalendarOverride(D("2026-12-16"), "workday", "B")
    _refused(cal, HolidayNotice("B", 2026, False, (one, weekday)), "must be a Saturday or Sunday")
    clash = CalendarOverride(D("2026-12-19"), "holiday", "B")
    _refused(cal, HolidayNotice("B", 2026, False, (one, clash)), "listed twice")
    bad_kind = CalendarOverride(D("2026-12-19"), "rest", "B")  # type: ignore[arg-type]
    _refused(cal, HolidayNotice("B", 2026, False, (bad_kind,)), "neither 'holiday' nor 'workday'")
    lacking = _fictional_2027(drop="2027-10-02")
    _refused(cal, lacking, "lacks the statutory holidays 2027-10-02")
    fixed = ("2027-01-01", "2027-01-02", "2027-05-01", "2027-05-02", "2027-10-01", "2027-10-02", "2027-10-03")
    few = HolidayNotice("C", 2027, True, tuple(CalendarOverride(D(d), "holiday", "C") for d in fixed))
    _refused(cal, few, "lists only 7 holiday days")
    cal.add_notice(_fictional_2027())
    _refused(cal, _fictional_2027(), "already declared complete")


def test_conflicting_kinds_across_notices_are_refused() -> None:
    cal = WorkdayCalendar(
        [HolidayNotice("A", 2026, False, (CalendarOverride(D("2026-12-19"), "workday", "A"),))]
    )
    _refused(
        cal,
        HolidayNotice("B", 2026, False, (CalendarOverride(D("2026-12-19"), "holiday", "B"),)),
        "notice A already declares it a workday",
    )
    # The same declaration again is harmless.
    cal.add_notice(HolidayNotice("B", 2026, False, (CalendarOverride(D("2026-12-19"), "workday", "B"),)))
    assert cal.is_working_day(D("2026-12-19"))


def test_a_datetime_is_refused_because_its_date_depends_on_the_zone() -> None:
    # 2026-10-09 01:00 in Shanghai is still 2026-10-08 in UTC: the caller must choose the local date.
    received = datetime(2026, 10, 8, 17, 0, tzinfo=UTC)
    for call in (
        lambda: review_request_deadline(received),
        lambda: is_working_day(received),
        lambda: working_days_between(D("2026-10-01"), received),
        lambda: add_working_days("2026-10-08", 1),  # type: ignore[arg-type]
    ):
        with pytest.raises(InvalidInput, match="calendar dates"):
            call()
    # Received on Fri 10-09 local time: 10-10 (adjusted Saturday) is day 1, day 15 is Thu 10-29;
    # the UTC date (Thu 10-08) would wrongly end a day early.
    assert review_request_deadline(to_local(received).date()) == D("2026-10-29")
    assert review_request_deadline(received.date()) == D("2026-10-28")


@pytest.mark.parametrize("n", [0, -1, True, 1.5])
def test_bad_counts_are_refused(n: object) -> None:
    with pytest.raises(InvalidInput):
        add_working_days(D("2026-03-02"), n)  # type: ignore[arg-type]


# -- override files ----------------------------------------------------------------------------


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "overrides.json"
    save_overrides(path, [_fictional_2027()], source="test fixture")
    assert not (tmp_path / "overrides.json.part").exists()
    assert load_overrides(path) == [dataclasses.replace(_fictional_2027(), source="test fixture")]
    cal = WorkdayCalendar.load(path)
    assert review_request_deadline(D("2026-12-11"), calendar=cal) == D("2027-01-04")
    raw = json.loads(path.read_text(encoding="utf-8"))
    assert raw["notices"][0]["complete_year"] is True
    assert raw["notices"][0]["workdays"] == [{"date": "2027-02-14", "name": "test"}]


def test_plain_date_strings_are_accepted(tmp_path: Path) -> None:
    path = tmp_path / "o.json"
    doc = {
        "format": workdays.FORMAT,
        "notices": [{"reference": "R", "year": 2026, "holidays": ["2026-12-14"]}],
    }
    path.write_text(json.dumps(doc), encoding="utf-8")
    [notice] = load_overrides(path)
    assert notice.days == (CalendarOverride(D("2026-12-14"), "holiday", "R", ""),)
    assert notice.complete_year is False


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("{not json", "not UTF-8 JSON"),
        ('{"format": "other"}', '"format"'),
        ('{"format": "examsite-calendar-overrides/1", "notices": {}}', "must be a list"),
        ('{"format": "examsite-calendar-overrides/1", "notices": [{"year": 2027}]}', "reference"),
        (
            '{"format": "examsite-calendar-overrides/1", "notices": [{"reference": "R", "year": "2027"}]}',
            "year",
        ),
        (
            '{"format": "examsite-calendar-overrides/1", "notices": [{"reference": "R", "year": 2027,'
            ' "holidays": ["2027-13-01"]}]}',
            "not a date",
        ),
        (
            '{"format": "examsite-calendar-overrides/1", "notices": [{"reference": "R", "year": 2027,'
            ' "complete_year": "yes"}]}',
            "true or false",
        ),
        ('{"format": "examsite-calendar-overrides/1", "notices": ["R"]}', "each notice must be an object"),
        (
            '{"format": "examsite-calendar-overrides/1", "notices": [{"reference": "R", "year": 2027,'
            ' "source": 7}]}',
            '"source" of R must be text',
        ),
        (
            '{"format": "examsite-calendar-overrides/1", "notices": [{"reference": "R", "year": 2027,'
            ' "holidays": "2027-01-01"}]}',
            '"holidays" of R must be a list',
        ),
        (
            '{"format": "examsite-calendar-overrides/1", "notices": [{"reference": "R", "year": 2027,'
            ' "holidays": [{"day": "2027-01-01"}]}]}',
            "a holiday entry of R is not",
        ),
        (
            '{"format": "examsite-calendar-overrides/1", "notices": [{"reference": "R", "year": 2027,'
            ' "workdays": [{"date": "2027-01-09", "name": 1}]}]}',
            "the name of 2027-01-09 in R is not text",
        ),
    ],
)
def test_malformed_files_are_refused(tmp_path: Path, content: str, words: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InvalidInput) as info:
        WorkdayCalendar.load(path)
    assert words in str(info.value)
    assert str(path) in str(info.value)


def test_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="does not exist"):
        WorkdayCalendar.load(tmp_path / "absent.json")


def test_invalid_file_content_is_refused_whole(tmp_path: Path) -> None:
    path = tmp_path / "o.json"
    save_overrides(path, [_fictional_2027(drop="2027-01-01")])
    with pytest.raises(InvalidInput, match="2027-01-01"):
        WorkdayCalendar.load(path)


# -- properties --------------------------------------------------------------------------------

starts = st.dates(min_value=D("2004-01-01"), max_value=D("2026-09-30"))
counts = st.integers(min_value=1, max_value=50)


@given(starts, counts)
def test_result_is_a_working_day_after_exactly_n_working_days(start: date, n: int) -> None:
    end = add_working_days(start, n)
    assert end > start
    assert is_working_day(end)
    assert working_days_between(start, end) == n
    assert working_days_between(start, end - timedelta(days=1)) == n - 1
    assert working_days_between(end, start) == -n


@given(starts, counts)
def test_monotone_in_n(start: date, n: int) -> None:
    assert add_working_days(start, n) < add_working_days(start, n + 1)


@given(starts, counts)
def test_agrees_with_the_package_from_a_working_day(start: date, n: int) -> None:
    # An independent implementation: chinese_calendar.find_workday counts the same way when the
    # start is a working day, and one day fewer when it is a rest day.
    expected = chinese_calendar.find_workday(n if is_working_day(start) else n - 1, start)
    assert add_working_days(start, n) == expected
