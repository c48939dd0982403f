"""The administrator's working-day overrides: adding and removing a State Council holiday notice.

Art. 19 deadlines are counted in working days, which ``chinesecalendar`` knows only for the years
its release covers; the notice for a new year (国务院办公厅关于××年部分节假日安排的通知, published each
November or December) must be transcribed before a deadline reaching into that year can be computed
(:mod:`examsite.adjudication.workdays` refuses to guess). The transcription lives in
``calendar_overrides.json`` in the data folder, beside the store, where the command line
(``examsite calendar``) and the window (Cases > Working-day calendar) both read and change it.

Every change is validated against the whole calendar (the table shipped with examsite, the file's
other notices and the new one) before the file is rewritten, atomically: a refused notice leaves the
file exactly as it was. Notices shipped with examsite cannot be removed here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import chinese_calendar

from examsite.adjudication.workdays import (
    SHIPPED_OVERRIDES,
    CalendarOverride,
    HolidayNotice,
    Kind,
    WorkdayCalendar,
    load_overrides,
    save_overrides,
)
from examsite.errors import ExamsiteError, InvalidInput, NotFound

__all__ = [
    "ADMIN_FILE",
    "MAX_RANGE_DAYS",
    "WARN_AHEAD_DAYS",
    "SpecialDay",
    "add_notice",
    "admin_path",
    "calendar_for",
    "parse_days",
    "read_notices",
    "remove_notice",
    "shipped_references",
    "uncovered_year_ahead",
    "year_exceptions",
]

#: The administrator's override file, in the data folder.
ADMIN_FILE = "calendar_overrides.json"
#: How far ahead a year without working days is announced: the longest art. 19 chain counted from a
#: decision served today (15 working days to request review, then 15 + 10 to decide it) spans about
#: 60 calendar days, more over the Spring Festival.
WARN_AHEAD_DAYS = 75
#: The longest range one line may name: a holiday of the notices lasts at most 8-9 days.
MAX_RANGE_DAYS = 31

# the festivals as chinesecalendar names them, in the notices' words
_FESTIVALS = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "Mid-autumn Festival": "中秋节",
    "National Day": "国庆节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}

# "2027-02-06", "2027-02-06..2027-02-13" (also "~", "～", "至", "-" between two dates), then a name
_LINE = re.compile(
    r"^(?P<first>\d{4}-\d{1,2}-\d{1,2})"
    r"(?:\s*(?:\.\.|~|～|至|–|—|\s-\s)\s*(?P<last>\d{4}-\d{1,2}-\d{1,2}))?"
    r"(?:\s+(?P<name>.*))?$"
)


def admin_path(data_dir: Path) -> Path:
    """Where the administrator's overrides live: ``<data folder>/calendar_overrides.json``."""
    return Path(data_dir) / ADMIN_FILE


def read_notices(path: Path) -> list[HolidayNotice]:
    """The notices of the administrator's file; none when it does not exist yet."""
    path = Path(path)
    return load_overrides(path) if path.exists() else []


def calendar_for(path: Path | None) -> WorkdayCalendar:
    """The working-day calendar: the shipped table, then the administrator's file if it exists."""
    return WorkdayCalendar.load(path if path is not None and Path(path).exists() else None)


def shipped_references() -> frozenset[str]:
    """References of the notices shipped with examsite (they cannot be removed)."""
    return frozenset(n.reference.strip() for n in load_overrides(SHIPPED_OVERRIDES))


def _date(text: str, line_no: int, line: str) -> date:
    year, month, day = (int(part) for part in text.split("-"))
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise InvalidInput(
            f"Line {line_no} ({line!r}): {text} is not a date ({exc}).",
            code="notice_line_invalid",
            hint="write dates as YYYY-MM-DD, as the notice gives them",
        ) from None


def parse_days(text: str, kind: Kind, reference: str) -> tuple[CalendarOverride, ...]:
    """The days of ``text``, one entry per line, as overrides of ``kind`` from notice ``reference``.

    A line is a date ``2027-02-06`` or a range ``2027-02-06..2027-02-13`` (``~``, ``至`` also do),
    then optionally the festival's name (``春节``). Blank lines and lines starting with ``#`` are
    skipped. A malformed line raises :class:`InvalidInput` naming its number; nothing is returned then.
    """
    days: list[CalendarOverride] = []
    for line_no, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = _LINE.match(line)
        if match is None:
            raise InvalidInput(
                f"Line {line_no} ({line!r}) is neither a date nor a range of dates.",
                code="notice_line_invalid",
                hint="one entry per line: 2027-02-06 or 2027-02-06..2027-02-13, then the festival's name",
            )
        first = _date(match["first"], line_no, line)
        last = _date(match["last"], line_no, line) if match["last"] else first
        if last < first:
            raise InvalidInput(
                f"Line {line_no} ({line!r}): the range ends before it starts.", code="notice_line_invalid"
            )
        if (last - first).days >= MAX_RANGE_DAYS:
            raise InvalidInput(
                f"Line {line_no} ({line!r}): a range of {(last - first).days + 1} days is longer than "
                f"any holiday of a notice ({MAX_RANGE_DAYS} at most).",
                code="notice_line_invalid",
                hint="check the dates against the notice",
            )
        name = (match["name"] or "").strip()
        day = first
        while day <= last:
            days.append(CalendarOverride(day, kind, reference, name))
            day += timedelta(days=1)
    return tuple(days)


def add_notice(path: Path, notice: HolidayNotice) -> WorkdayCalendar:
    """Add ``notice`` to the administrator's file at ``path`` and return the calendar with it.

    Refused with :class:`InvalidInput`, the file unchanged: a reference the calendar already holds
    (shipped or in the file), a notice with no days, and everything
    :meth:`~examsite.adjudication.workdays.WorkdayCalendar.add_notice` refuses (days outside the year,
    an adjusted workday on a weekday, a day that contradicts another notice, a year declared complete
    twice, a complete year lacking statutory holidays). A file that cannot be read is refused as it is
    by the deadlines, naming its fault.
    """
    path = Path(path)
    reference = notice.reference.strip()
    existing = read_notices(path)
    calendar = calendar_for(None)
    for other in calendar.notices:
        if other.reference.strip() == reference:
            raise InvalidInput(
                f"Notice {reference} is shipped with examsite already; it is not added twice.",
                code="notice_exists",
            )
    for other in existing:
        if other.reference.strip() == reference:
            raise InvalidInput(
                f"Notice {reference} is already in {path}.",
                code="notice_exists",
                hint="remove it first to enter it again with corrections",
            )
    if reference and not notice.days:
        raise InvalidInput(
            f"Notice {reference} lists no holidays and no adjusted workdays.",
            code="notice_empty",
            hint="transcribe every 放假 and 上班 date of the notice",
        )
    for other in existing:
        calendar.add_notice(other)
    # the new notice is checked against all the others; nothing is written unless it passes
    calendar.add_notice(notice)
    _save(path, [*existing, notice])
    return calendar


def remove_notice(path: Path, reference: str) -> WorkdayCalendar:
    """Remove the notice ``reference`` from the administrator's file and return the calendar without
    it. A shipped notice is refused (:class:`InvalidInput`), an unknown one is :class:`NotFound`."""
    path = Path(path)
    reference = reference.strip()
    if reference in shipped_references():
        raise InvalidInput(
            f"Notice {reference} is shipped with examsite and cannot be removed.",
            code="notice_shipped",
            hint="a shipped notice is corrected by an examsite release",
        )
    existing = read_notices(path)
    kept = [n for n in existing if n.reference.strip() != reference]
    if len(kept) == len(existing):
        raise NotFound(
            f"No notice {reference} in {path}.",
            hint="'examsite calendar show' lists the notices and their references",
        )
    calendar = calendar_for(None)
    for notice in kept:
        calendar.add_notice(notice)
    _save(path, kept)
    return calendar


def _save(path: Path, notices: list[HolidayNotice]) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)  # a data folder not made yet
        save_overrides(path, notices)
    except OSError as exc:  # the data folder read-only or full: the old file is still whole
        raise ExamsiteError(
            f"The calendar override file {path} could not be written ({exc.strerror}); it is unchanged.",
            code="calendar_write_failed",
            hint="check that the data folder is writable and has free space, then try again",
        ) from None


@dataclass(frozen=True)
class SpecialDay:
    """One day of a year that is not an ordinary Monday-Friday workday or weekend rest day."""

    day: date
    kind: Kind
    name: str
    source: str  # a notice's reference, or "chinesecalendar"


def year_exceptions(calendar: WorkdayCalendar, year: int) -> list[SpecialDay]:
    """Every holiday and adjusted workday of ``year`` the calendar knows, in date order: the
    package's days, replaced by the notices' where a notice names the day. Weekend days of a holiday
    are listed as holidays too, as the notices list them."""
    out: dict[date, SpecialDay] = {}
    tables: tuple[tuple[Kind, dict[date, object]], ...] = (
        ("holiday", chinese_calendar.holidays),
        ("workday", chinese_calendar.workdays),
    )
    for kind, table in tables:
        for day, name in table.items():
            # the package's workday table holds every Monday-Friday; only weekend ones are adjusted
            if day.year == year and (kind == "holiday" or day.weekday() >= 5):
                festival = _FESTIVALS.get(str(name), str(name))
                out[day] = SpecialDay(day, kind, festival, "chinesecalendar")
    for override in calendar.overrides():
        if override.day.year == year:
            out[override.day] = SpecialDay(override.day, override.kind, override.name, override.notice)
    return [out[day] for day in sorted(out)]


def uncovered_year_ahead(calendar: WorkdayCalendar, today: date, days: int = WARN_AHEAD_DAYS) -> int | None:
    """The first year from ``today`` to ``days`` later that the calendar does not cover, or None:
    a deadline counted from now may soon reach into it, and would be refused until its notice is
    entered (the State Council publishes it in November or December)."""
    for year in range(today.year, (today + timedelta(days=days)).year + 1):
        if not calendar.covers(year):
            return year
    return None
