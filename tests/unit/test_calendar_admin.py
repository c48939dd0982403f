"""The administrator's holiday notices (examsite/adjudication/calendar_admin.py) and ``examsite
calendar``: transcribing a year the chinesecalendar package does not cover makes its art. 19
deadlines computable; a refused notice leaves the file byte for byte as it was.

Every notice here is TEST-ONLY and invented: not the real calendar of any year.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from examsite.adjudication import calendar_admin, workdays
from examsite.adjudication.calendar_admin import (
    add_notice,
    admin_path,
    calendar_for,
    parse_days,
    read_notices,
    remove_notice,
    year_exceptions,
)
from examsite.adjudication.workdays import CalendarOverride, HolidayNotice, review_request_deadline
from examsite.cli.main import main
from examsite.errors import ExamsiteError, InvalidInput, NotFound

D = date.fromisoformat
REF = "TEST-ONLY 虚构〔2027〕1号"

# an invented whole-year 2027 notice, as an administrator would type it
HOLIDAYS = """
# TEST-ONLY: not the real 2027 calendar
2027-01-01..2027-01-03 元旦
2027-02-06 ~ 2027-02-13 春节
2027-04-05 清明节
2027-05-01 至 2027-05-05 劳动节
2027-06-09 端午节
2027-09-15 中秋节
2027-10-01..2027-10-07 国庆节
"""
WORKDAYS = "2027-02-14 春节\n2027-05-08 劳动节\n2027-10-09 国庆节\n"


def notice_2027(reference: str = REF, complete: bool = True, holidays: str = HOLIDAYS) -> HolidayNotice:
    days = parse_days(holidays, "holiday", reference) + parse_days(WORKDAYS, "workday", reference)
    return HolidayNotice(reference, 2027, complete, days, "test")


# -- reading what the administrator types ------------------------------------------------------


def test_lines_give_dates_and_ranges_with_their_festival() -> None:
    days = parse_days(HOLIDAYS, "holiday", REF)
    assert len(days) == 3 + 8 + 1 + 5 + 1 + 1 + 7
    assert days[0] == CalendarOverride(D("2027-01-01"), "holiday", REF, "元旦")
    assert {d.name for d in days if d.day.month == 2} == {"春节"}
    assert days[3].day == D("2027-02-06")
    assert days[10].day == D("2027-02-13")
    assert parse_days("2027-2-6", "workday", REF) == (CalendarOverride(D("2027-02-06"), "workday", REF, ""),)
    assert parse_days("\n  \n# only a comment\n", "holiday", REF) == ()


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("2027-01-01\nnext monday", "Line 2 ('next monday') is neither a date"),
        ("2027-13-01", "Line 1 ('2027-13-01'): 2027-13-01 is not a date"),
        ("2027-02-30 春节", "is not a date"),
        ("2027-02-13..2027-02-06", "the range ends before it starts"),
        ("2027-01-01..2027-03-01", "a range of 60 days is longer than any holiday"),
        ("01/02/2027", "neither a date nor a range"),
    ],
)
def test_a_malformed_line_is_named_by_its_number(text: str, words: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_days(text, "holiday", REF)
    assert words in caught.value.message


# -- adding and removing -------------------------------------------------------------------------


def test_a_whole_year_notice_makes_its_deadlines_computable(tmp_path: Path) -> None:
    path = admin_path(tmp_path)
    assert path.name == "calendar_overrides.json"
    with pytest.raises(ExamsiteError) as caught:
        review_request_deadline(D("2026-12-11"), calendar=calendar_for(path))
    assert caught.value.code == "calendar_not_covered"
    assert "examsite calendar add --year 2027 --complete" in (caught.value.hint or "")
    calendar = add_notice(path, notice_2027())
    assert calendar.covers(2027)
    # 15 working days after 11 Dec 2026: 14 in December, then 4 Jan 2027 (1-3 Jan invented holidays)
    assert review_request_deadline(D("2026-12-11"), calendar=calendar) == D("2027-01-04")
    # what was written is what the deadlines read back, with the notice's source
    again = calendar_for(path)
    assert review_request_deadline(D("2026-12-11"), calendar=again) == D("2027-01-04")
    assert again.is_working_day(D("2027-02-14"))  # the invented adjusted Sunday
    assert read_notices(path) == [notice_2027()]
    assert json.loads(path.read_text(encoding="utf-8"))["notices"][0]["source"] == "test"


def test_a_partial_notice_is_kept_but_does_not_cover_its_year(tmp_path: Path) -> None:
    path = admin_path(tmp_path)
    calendar = add_notice(path, notice_2027(complete=False, holidays="2027-01-01 元旦"))
    assert not calendar.covers(2027)
    assert [n.reference for n in read_notices(path)] == [REF]


def _refused(path: Path, notice: HolidayNotice, words: str) -> None:
    before = path.read_bytes() if path.exists() else None
    with pytest.raises(InvalidInput) as caught:
        add_notice(path, notice)
    assert words in caught.value.message
    assert (path.read_bytes() if path.exists() else None) == before
    assert sorted(p.name for p in path.parent.iterdir()) == ([path.name] if before is not None else [])


def test_a_refused_notice_leaves_the_file_as_it_was(tmp_path: Path) -> None:
    path = admin_path(tmp_path)
    # before any file exists: nothing is created
    _refused(path, notice_2027(complete=True, holidays="2027-01-01 元旦"), "lacks the statutory holidays")
    add_notice(path, notice_2027())
    _refused(path, notice_2027(), f"Notice {REF} is already in")
    _refused(path, notice_2027("TEST-ONLY 第二份"), "already declared complete by notice")
    contradiction = HolidayNotice(
        "TEST-ONLY 第三份", 2027, False, (CalendarOverride(D("2027-02-14"), "holiday", "x", ""),)
    )
    _refused(path, contradiction, "already declares it a workday")
    weekday_work = HolidayNotice(
        "TEST-ONLY 第四份", 2027, False, (CalendarOverride(D("2027-03-01"), "workday", "x", ""),)
    )
    _refused(path, weekday_work, "must be a Saturday or Sunday")
    _refused(path, HolidayNotice("TEST-ONLY 空", 2027, False, ()), "lists no holidays and no adjusted")
    _refused(path, HolidayNotice("  ", 2027, False, ()), "needs the official notice reference")
    assert read_notices(path) == [notice_2027()]


def test_an_unreadable_file_refuses_the_change_and_keeps_its_bytes(tmp_path: Path) -> None:
    path = admin_path(tmp_path)
    path.write_bytes(b'{"format": "something else"}')
    with pytest.raises(InvalidInput, match="Nothing was loaded from it"):
        add_notice(path, notice_2027())
    with pytest.raises(InvalidInput, match="Nothing was loaded from it"):
        remove_notice(path, REF)
    assert path.read_bytes() == b'{"format": "something else"}'


def test_removing_a_notice_uncovers_its_year(tmp_path: Path) -> None:
    path = admin_path(tmp_path)
    add_notice(path, notice_2027(complete=False, holidays="2027-01-01 元旦", reference="TEST-ONLY 甲"))
    add_notice(path, notice_2027())
    calendar = remove_notice(path, f"  {REF} ")
    assert not calendar.covers(2027)
    assert [n.reference for n in read_notices(path)] == ["TEST-ONLY 甲"]
    with pytest.raises(NotFound, match="No notice TEST-ONLY 乙"):
        remove_notice(path, "TEST-ONLY 乙")
    with pytest.raises(NotFound):
        remove_notice(tmp_path / "none.json", REF)


def ship(folder: Path, monkeypatch: pytest.MonkeyPatch, reference: str) -> None:
    """Make the 2027 notice ``reference`` one shipped with examsite, for this test."""
    shipped = folder / "shipped.json"
    workdays.save_overrides(shipped, [notice_2027(reference)])
    monkeypatch.setattr(workdays, "SHIPPED_OVERRIDES", shipped)
    monkeypatch.setattr(calendar_admin, "SHIPPED_OVERRIDES", shipped)


def test_shipped_notices_are_neither_added_twice_nor_removed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ship(tmp_path, monkeypatch, "TEST-ONLY 随软件")
    path = admin_path(tmp_path / "data")
    with pytest.raises(InvalidInput, match="is shipped with examsite already"):
        add_notice(path, notice_2027("TEST-ONLY 随软件"))
    partial = notice_2027("TEST-ONLY 另一份", complete=False, holidays="2027-12-31 test")
    assert add_notice(path, partial).covers(2027)  # the shipped notice covers 2027
    remove_notice(path, "TEST-ONLY 另一份")
    with pytest.raises(InvalidInput, match="cannot be removed"):
        remove_notice(path, "TEST-ONLY 随软件")
    assert read_notices(path) == []


def test_a_years_exceptions_come_from_the_package_or_the_notices(tmp_path: Path) -> None:
    spring = [d for d in year_exceptions(calendar_for(None), 2026) if d.name == "春节"]
    # 2026 (covered by chinesecalendar): 15-23 Feb off, 14 and 28 Feb (Saturdays) worked
    assert [d.day for d in spring if d.kind == "holiday"] == [D(f"2026-02-{n}") for n in range(15, 24)]
    assert [d.day for d in spring if d.kind == "workday"] == [D("2026-02-14"), D("2026-02-28")]
    assert {d.source for d in spring} == {"chinesecalendar"}
    assert year_exceptions(calendar_for(None), 2027) == []
    calendar = add_notice(admin_path(tmp_path), notice_2027())
    assert year_exceptions(calendar, 2026) == year_exceptions(calendar_for(None), 2026)
    days = year_exceptions(calendar, 2027)
    assert len(days) == 26 + 3
    assert days[0].day == D("2027-01-01")
    assert days[0].source == REF
    assert days[0].name == "元旦"


# -- the command line ------------------------------------------------------------------------------


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["calendar", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_calendar_commands_add_show_and_remove(
    capsys: pytest.CaptureFixture[str], data_dir: Path, tmp_path: Path
) -> None:
    code, out, _ = run(capsys, "show")
    assert code == 0
    assert "(none yet)" in out
    assert "chinesecalendar covers 2004–2026" in out
    text = tmp_path / "notice.txt"
    text.write_text("[holidays]\n" + HOLIDAYS + "\n[workdays]\n2027-05-08 劳动节\n", encoding="utf-8")
    code, out, err = run(
        capsys,
        "add",
        "--reference",
        REF,
        "--year",
        "2027",
        "--complete",
        "--from",
        str(text),
        "--workday",
        "2027-02-14 春节",
        "--workday",
        "2027-10-09 国庆节",
        "--source",
        "test",
    )
    assert (code, err) == (0, "")
    assert f"notice {REF} added" in out
    assert "26 holiday days, 3 adjusted workdays" in out
    assert "2027: covered" in out
    (stored,) = read_notices(admin_path(data_dir))
    assert set(stored.days) == set(notice_2027().days)
    assert (stored.reference, stored.complete_year, stored.source) == (REF, True, "test")
    code, out, _ = run(capsys, "show", "--year", "2027")
    assert "whole years from notices: 2027" in out
    assert f"2027-02-14 周日  上班 workday  春节  ({REF})" in out
    code, out, _ = run(capsys, "show", "--year", "2027", "--json")
    doc = json.loads(out)
    assert doc["package_years"] == [2004, 2026]
    assert doc["notices"][0]["origin"] == str(admin_path(data_dir))
    assert doc["year"]["covered"] is True
    assert len(doc["year"]["days"]) == 29
    code, out, _ = run(capsys, "remove", REF)
    assert code == 0
    assert "2027: not covered any more" in out
    code, out, _ = run(capsys, "show", "--json")
    assert json.loads(out)["notices"] == []
    # another file, named on the command line
    other = tmp_path / "elsewhere.json"
    argv = ["--calendar", str(other), "add", "--reference", REF, "--year", "2027", "--holiday", "2027-01-01"]
    code, out, _ = run(capsys, *argv)
    assert code == 0
    assert "2027: not covered (the notice is partial)" in out
    assert [n.reference for n in read_notices(other)] == [REF]


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["add", "--reference", REF, "--year", "2027", "--workday", "2027-03-01"], "must be a Saturday"),
        (["add", "--reference", REF, "--year", "2027", "--holiday", "soon"], "neither a date"),
        (["add", "--reference", REF, "--year", "2027", "--from", "MISSING"], "cannot be read"),
        (["add", "--reference", REF, "--year", "2027", "--from", "BAD"], "unknown section [holiday]"),
        (["add", "--reference", REF, "--year", "2027", "--from", "EARLY"], "comes before any [holidays]"),
        (["remove", "TEST-ONLY 无"], "error[not_found]: No notice TEST-ONLY 无"),
    ],
)
def test_calendar_command_refusals(
    capsys: pytest.CaptureFixture[str], data_dir: Path, tmp_path: Path, argv: list[str], words: str
) -> None:
    (tmp_path / "BAD").write_text("[holiday]\n2027-01-01\n", encoding="utf-8")
    (tmp_path / "EARLY").write_text("# fine\n2027-01-01\n[holidays]\n", encoding="utf-8")
    argv = [str(tmp_path / a) if a in ("MISSING", "BAD", "EARLY") else a for a in argv]
    code, _out, err = run(capsys, *argv)
    assert code == 2
    assert words in err
    assert list(data_dir.iterdir()) in ([], [data_dir / "logs"])


def test_a_reader_that_leaves_early_is_no_crash(data_dir: Path) -> None:
    """``examsite calendar show --year 2026 | head -1``: the reader is gone before the output is
    written (here before the first line, so it happens every time); no crash report, exit 141."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "examsite.cli.main", "calendar", "show", "--year", "2026"],
            stdout=write_end,
            stderr=subprocess.PIPE,
            timeout=60,
            check=False,
        )
    finally:
        os.close(write_end)
    assert done.returncode == 141
    assert b"Traceback" not in done.stderr
    assert b"crash" not in done.stderr
    crashes = data_dir / "logs" / "crashes"
    assert not crashes.exists() or not any(crashes.iterdir())


# -- warning ahead of a year without working days ---------------------------------------------------


def test_a_year_without_working_days_is_announced_weeks_ahead(tmp_path: Path) -> None:
    calendar = calendar_for(None)  # chinesecalendar 1.11: up to 2026
    assert calendar_admin.uncovered_year_ahead(calendar, D("2026-06-01")) is None
    # a decision served on 27 November: its review may be decided in February
    assert calendar_admin.uncovered_year_ahead(calendar, D("2026-11-27")) == 2027
    assert calendar_admin.uncovered_year_ahead(calendar, D("2026-10-17")) is None  # 75 days: 31 Dec
    assert calendar_admin.uncovered_year_ahead(calendar, D("2026-10-18")) == 2027
    assert calendar_admin.uncovered_year_ahead(calendar, D("2031-01-05"), days=3) == 2031
    entered = add_notice(admin_path(tmp_path), notice_2027())
    assert calendar_admin.uncovered_year_ahead(entered, D("2026-11-27")) is None


def test_case_deadlines_warns_of_the_year_ahead(capsys: pytest.CaptureFixture[str], data_dir: Path) -> None:
    assert main(["case", "deadlines", "--today", "2026-11-27"]) == 0
    out, err = capsys.readouterr()
    assert "0 deadline(s)" in out
    assert "warning: the working-day calendar does not cover 2027 yet" in err
    assert "examsite calendar add --year 2027 --complete" in err
    add_notice(admin_path(data_dir), notice_2027())
    assert main(["case", "deadlines", "--today", "2026-11-27"]) == 0
    assert "warning" not in capsys.readouterr().err


def test_a_file_that_cannot_be_read_or_written_is_a_named_refusal(tmp_path: Path) -> None:
    folder = tmp_path / "calendar_overrides.json"
    folder.mkdir()  # a folder where the file should be
    with pytest.raises(InvalidInput, match="it cannot be read"):
        add_notice(folder, notice_2027())
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x", encoding="utf-8")
    with pytest.raises(ExamsiteError) as caught:
        add_notice(blocker / "calendar_overrides.json", notice_2027())
    assert caught.value.code == "calendar_write_failed"
    assert "it is unchanged" in caught.value.message
    assert blocker.read_text(encoding="utf-8") == "x"
