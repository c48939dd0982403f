"""Chinese working days for the review deadlines of art. 19.

Art. 19 of the 规程: a party may request review "可在收到处理决定之日起15个工作日内"; the review body
decides "在15个工作日内 …… 特殊情况可延长10个工作日". Working days follow the State Council's yearly
holiday notice (国务院办公厅关于××年部分节假日安排的通知): its holidays are rest days even on weekdays
and its adjusted workdays (调休上班) are working days even on weekends.

Two sources, in this order of precedence:

1. an override table (``calendar_overrides.json`` shipped with the package, plus an optional file an
   administrator keeps), transcribed from the official notice with its reference number;
2. the ``chinesecalendar`` package (import name ``chinese_calendar``).

A year is *covered* only if the package has data for it or an override notice declares the whole
year (``complete_year``). Counting into a year that is not covered raises
``ExamsiteError(code="calendar_not_covered")``: a deadline is never guessed from weekdays alone.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any, Literal, cast

import chinese_calendar

from examsite.errors import ExamsiteError, InvalidInput
from examsite.fsutil import atomic_write_bytes

__all__ = [
    "REVIEW_DECISION_DAYS",
    "REVIEW_EXTENSION_DAYS",
    "REVIEW_REQUEST_DAYS",
    "SHIPPED_OVERRIDES",
    "CalendarOverride",
    "HolidayNotice",
    "WorkdayCalendar",
    "add_working_days",
    "default_calendar",
    "is_working_day",
    "load_overrides",
    "package_years",
    "review_decision_deadline",
    "review_request_deadline",
    "save_overrides",
    "working_days_between",
]

#: Art. 19: review may be requested within 15 working days of receiving the decision.
REVIEW_REQUEST_DAYS = 15
#: Art. 19: the review is decided within 15 working days ...
REVIEW_DECISION_DAYS = 15
#: ... extendable by 10 working days in special circumstances.
REVIEW_EXTENSION_DAYS = 10

SHIPPED_OVERRIDES = Path(__file__).with_name("calendar_overrides.json")
FORMAT = "examsite-calendar-overrides/1"

Kind = Literal["holiday", "workday"]
_KINDS: tuple[Kind, ...] = ("holiday", "workday")

# Fixed-date statutory holidays of 《全国年节及纪念日放假办法》 (2024 revision, in force 2025-01-01:
# 元旦 1 day, 劳动节 2 days, 国庆节 3 days). A notice for a whole year must contain them; the lunar
# holidays (春节, 清明, 端午, 中秋) move and are checked only through the total below.
_FIXED_STATUTORY = ((1, 1), (5, 1), (5, 2), (10, 1), (10, 2), (10, 3))
# 13 statutory holiday days per year since 2025 (11 before); a notice lists at least these.
_MIN_HOLIDAYS = 13


def _notice_hint(year: int) -> str:
    return (
        f"add the holidays and adjusted workdays of the State Council notice "
        f"“国务院办公厅关于{year}年部分节假日安排的通知” as a notice for the whole year {year}: "
        f"'examsite calendar add --year {year} --complete ...', or Cases > Working-day calendar in the "
        f"window (or install a chinesecalendar release that covers {year})"
    )


@dataclass(frozen=True)
class CalendarOverride:
    """One day the official notice declares a holiday (放假) or an adjusted workday (调休上班)."""

    day: date
    kind: Kind
    notice: str  # the official reference, e.g. "国办发明电〔2025〕7号"
    name: str = ""  # the festival, e.g. "春节"


@dataclass(frozen=True)
class HolidayNotice:
    """The days one official notice declares for one year.

    ``complete_year`` says the notice lists *every* holiday and adjusted workday of ``year``; only
    then does the override table make an otherwise uncovered year usable.
    """

    reference: str
    year: int
    complete_year: bool
    days: tuple[CalendarOverride, ...]
    source: str = ""  # where the notice was read (e.g. the gov.cn page and date)

    def day_counts(self) -> tuple[int, int]:
        """How many holiday days and how many adjusted workdays the notice lists."""
        holidays = sum(1 for day in self.days if day.kind == "holiday")
        return holidays, len(self.days) - holidays


def _package_covers(year: int) -> bool:
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


@cache
def package_years() -> tuple[int, int] | None:
    """The first and last year the installed ``chinesecalendar`` knows, or None."""
    years = [y for y in range(1990, 2100) if _package_covers(y)]
    return (years[0], years[-1]) if years else None


def _package_range() -> str:
    years = package_years()
    return f"{years[0]}–{years[1]}" if years else "no years"


class WorkdayCalendar:
    """Working days: ``chinesecalendar`` corrected and extended by official-notice overrides.

    Build one with :meth:`load` (shipped table plus an optional administrator file) or empty (the
    package alone) and extend it with :meth:`add_notice` / :meth:`add_override`, which validate
    everything before changing anything.
    """

    def __init__(self, notices: Iterable[HolidayNotice] = ()) -> None:
        self._days: dict[date, CalendarOverride] = {}
        self._complete: dict[int, str] = {}
        self._notices: list[HolidayNotice] = []
        for notice in notices:
            self.add_notice(notice)

    @classmethod
    def load(cls, extra_path: Path | None = None) -> WorkdayCalendar:
        """The shipped override table, then the administrator's file ``extra_path`` if given."""
        calendar = cls(load_overrides(SHIPPED_OVERRIDES))
        if extra_path is not None:
            for notice in load_overrides(extra_path):
                calendar.add_notice(notice)
        return calendar

    # -- the table ---------------------------------------------------------------------------

    @property
    def notices(self) -> tuple[HolidayNotice, ...]:
        """Every notice added so far, in order."""
        return tuple(self._notices)

    def overrides(self) -> tuple[CalendarOverride, ...]:
        """Every overridden day, in date order."""
        return tuple(self._days[d] for d in sorted(self._days))

    def add_override(self, override: CalendarOverride) -> None:
        """Add one day from an official notice (it does not make its year covered)."""
        self.add_notice(HolidayNotice(override.notice, override.day.year, False, (override,)))

    def add_notice(self, notice: HolidayNotice) -> None:
        """Validate ``notice`` against itself and the table, then add all its days or none.

        Refused with :class:`InvalidInput`: an empty reference; a day outside ``year``; an adjusted
        workday on a Monday–Friday (a notice only moves work onto weekends); a day both holiday and
        workday; a day the table already holds with the other kind; a second complete declaration of
        a year; a complete year lacking the fixed statutory holidays (1 Jan, 1–2 May, 1–3 Oct) or
        with fewer than 13 holiday days.
        """
        ref = notice.reference.strip()
        if not ref:
            raise InvalidInput(
                "A calendar override needs the official notice reference (e.g. 国办发明电〔2025〕7号).",
                code="notice_reference_missing",
                hint="copy the reference number from the State Council notice",
            )
        seen: dict[date, CalendarOverride] = {}
        for item in notice.days:
            self._check_day(item, notice, seen)
            seen[item.day] = item
        if notice.complete_year:
            self._check_complete(notice, seen)
        # Nothing was changed until every check passed: the table is never half-updated.
        self._days.update(seen)
        if notice.complete_year:
            self._complete[notice.year] = ref
        self._notices.append(notice)

    def _check_day(
        self, item: CalendarOverride, notice: HolidayNotice, seen: dict[date, CalendarOverride]
    ) -> None:
        where = f"{item.day.isoformat()} in notice {notice.reference}"
        if item.kind not in _KINDS:
            raise InvalidInput(
                f"{where}: kind {item.kind!r} is neither 'holiday' nor 'workday'.", code="notice_malformed"
            )
        if item.day.year != notice.year:
            raise InvalidInput(
                f"{where}: the day is not in the notice's year {notice.year}.", code="notice_day_outside_year"
            )
        if item.kind == "workday" and item.day.weekday() < 5:
            raise InvalidInput(
                f"{where}: an adjusted workday (调休上班) must be a Saturday or Sunday, "
                f"but this is a {item.day.strftime('%A')}.",
                code="notice_workday_on_weekday",
                hint="check the date against the notice",
            )
        if item.day in seen:
            raise InvalidInput(f"{where}: the day is listed twice.", code="notice_day_twice")
        existing = self._days.get(item.day)
        if existing is not None and existing.kind != item.kind:
            raise InvalidInput(
                f"{where}: declared a {item.kind}, but notice {existing.notice} already declares it a "
                f"{existing.kind}.",
                code="notice_conflict",
                hint="remove the wrong entry from the override file",
            )

    def _check_complete(self, notice: HolidayNotice, seen: dict[date, CalendarOverride]) -> None:
        year = notice.year
        if year in self._complete:
            raise InvalidInput(
                f"The year {year} is already declared complete by notice {self._complete[year]}; "
                f"notice {notice.reference} cannot declare it again.",
                code="notice_year_twice",
            )
        holidays = {d for d, o in seen.items() if o.kind == "holiday"}
        fixed = [date(year, m, d) for m, d in _FIXED_STATUTORY if year >= 2025 or (m, d) != (5, 2)]
        missing = [d.isoformat() for d in fixed if d not in holidays]
        if missing or len(holidays) < _MIN_HOLIDAYS:
            raise InvalidInput(
                f"Notice {notice.reference} claims to cover all of {year}, but "
                + (f"lacks the statutory holidays {', '.join(missing)}" if missing else "")
                + (" and " if missing and len(holidays) < _MIN_HOLIDAYS else "")
                + (
                    f"lists only {len(holidays)} holiday days (at least {_MIN_HOLIDAYS} expected)"
                    if len(holidays) < _MIN_HOLIDAYS
                    else ""
                )
                + ".",
                code="notice_year_incomplete",
                hint="transcribe every 放假 and 上班 date of the notice, weekends inside a holiday included",
            )

    # -- questions ---------------------------------------------------------------------------

    def covers(self, year: int) -> bool:
        """True if working days of ``year`` are known (package data or a complete-year notice)."""
        return year in self._complete or _package_covers(year)

    def require_covered(self, day: date, purpose: str = "") -> None:
        """Raise ``calendar_not_covered`` unless ``day``'s year is covered."""
        if self.covers(day.year):
            return
        raise ExamsiteError(
            (f"{purpose}: " if purpose else "")
            + f"{day.isoformat()} falls in {day.year}, a year the working-day calendar does not cover "
            f"(chinesecalendar covers {_package_range()}; no override notice declares {day.year} complete), "
            "so no working-day deadline can be computed.",
            code="calendar_not_covered",
            hint=_notice_hint(day.year),
        )

    def is_working_day(self, day: date) -> bool:
        """True if ``day`` is a working day: overrides first, then the package; never a guess."""
        _require_date(day)
        # A partial notice for an uncovered year answers nothing: the other days would be guesses.
        self.require_covered(day)
        override = self._days.get(day)
        if override is not None:
            return override.kind == "workday"
        if day.year in self._complete:
            # A complete notice lists every exception, so the rest of the year is Mon–Fri.
            return day.weekday() < 5
        return bool(chinese_calendar.is_workday(day))

    def add_working_days(self, start: date, n: int) -> date:
        """The ``n``-th working day after ``start`` (``start`` itself never counts; ``n`` >= 1)."""
        _require_date(start)
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise InvalidInput(f"A number of working days must be a whole number of at least 1, not {n!r}.")
        count = 0
        day = start
        while count < n:
            day += timedelta(days=1)
            self.require_covered(day, f"counting {n} working days after {start.isoformat()}")
            if self.is_working_day(day):
                count += 1
        return day

    def working_days_between(self, a: date, b: date) -> int:
        """Working days ``d`` with ``a < d <= b``; negative (the same count) if ``b < a``."""
        _require_date(a)
        _require_date(b)
        if b < a:
            return -self.working_days_between(b, a)
        return sum(1 for d in _days_after(a, b) if self.is_working_day(d))


def _require_date(value: object) -> None:
    # A receipt time is an instant; which calendar day it fell on depends on the zone (UTC vs
    # Asia/Shanghai differ for 8 hours a day), so the caller must decide it, e.g. to_local(t).date().
    if isinstance(value, datetime) or not isinstance(value, date):
        raise InvalidInput(
            f"Working days are counted on calendar dates, not {type(value).__name__} values ({value!r}).",
            hint="convert a time to its date in Asia/Shanghai first: examsite.clock.to_local(t).date()",
        )


def _days_after(a: date, b: date) -> Iterator[date]:
    day = a + timedelta(days=1)
    while day <= b:
        yield day
        day += timedelta(days=1)


# -- the override file -----------------------------------------------------------------------


def _bad_file(path: Path, what: str) -> InvalidInput:
    return InvalidInput(
        f"Calendar override file {path}: {what}. Nothing was loaded from it.",
        hint=f'see {SHIPPED_OVERRIDES.name} in the package for the format "{FORMAT}"',
    )


def _parse_day(path: Path, raw: Any, kind: Kind, reference: str) -> CalendarOverride:
    if isinstance(raw, str):
        raw = {"date": raw}
    if not isinstance(raw, dict) or not isinstance(raw.get("date"), str):
        raise _bad_file(path, f"a {kind} entry of {reference} is not {{'date': 'YYYY-MM-DD', 'name': ...}}")
    name = raw.get("name", "")
    if not isinstance(name, str):
        raise _bad_file(path, f"the name of {raw['date']} in {reference} is not text")
    try:
        day = date.fromisoformat(raw["date"])
    except ValueError:
        raise _bad_file(path, f"{raw['date']!r} in {reference} is not a date YYYY-MM-DD") from None
    return CalendarOverride(day, kind, reference, name)


def load_overrides(path: Path) -> list[HolidayNotice]:
    """Read an override file; a malformed file raises :class:`InvalidInput` naming the fault.

    Format (UTF-8 JSON)::

        {"format": "examsite-calendar-overrides/1",
         "notices": [{"reference": "国办发明电〔2026〕N号", "year": 2027, "complete_year": true,
                      "source": "where it was read",
                      "holidays": [{"date": "2027-01-01", "name": "元旦"}, ...],
                      "workdays": [{"date": "2027-02-06", "name": "春节"}, ...]}]}
    """
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InvalidInput(f"Calendar override file {path} does not exist.") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _bad_file(path, f"not UTF-8 JSON ({exc})") from None
    except OSError as exc:  # a folder, no permission, a disk error
        raise _bad_file(path, f"it cannot be read ({exc.strerror})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise _bad_file(path, f'the top level must be an object with "format": "{FORMAT}"')
    raw_notices = data.get("notices", [])
    if not isinstance(raw_notices, list):
        raise _bad_file(path, '"notices" must be a list')
    notices = []
    for raw in raw_notices:
        if not isinstance(raw, dict):
            raise _bad_file(path, "each notice must be an object")
        reference, year, complete = raw.get("reference"), raw.get("year"), raw.get("complete_year", False)
        if not isinstance(reference, str) or not reference.strip():
            raise _bad_file(path, 'a notice lacks its "reference" (the official number)')
        if isinstance(year, bool) or not isinstance(year, int):
            raise _bad_file(path, f'notice {reference} lacks a whole-number "year"')
        if not isinstance(complete, bool):
            raise _bad_file(path, f'"complete_year" of {reference} must be true or false')
        source = raw.get("source", "")
        if not isinstance(source, str):
            raise _bad_file(path, f'"source" of {reference} must be text')
        days: list[CalendarOverride] = []
        for kind, key in (("holiday", "holidays"), ("workday", "workdays")):
            entries = raw.get(key, [])
            if not isinstance(entries, list):
                raise _bad_file(path, f'"{key}" of {reference} must be a list')
            days.extend(_parse_day(path, e, cast(Kind, kind), reference) for e in entries)
        notices.append(HolidayNotice(reference, year, complete, tuple(days), source))
    return notices


def save_overrides(path: Path, notices: Iterable[HolidayNotice], source: str = "") -> None:
    """Write ``notices`` as an override file, atomically (``examsite.fsutil``); a notice's own
    ``source`` wins over ``source``.

    Validate first by adding them to a :class:`WorkdayCalendar`; this function only writes.
    """
    doc = {
        "format": FORMAT,
        "notices": [
            {
                "reference": n.reference,
                "year": n.year,
                "complete_year": n.complete_year,
                **({"source": n.source or source} if n.source or source else {}),
                "holidays": [
                    {"date": o.day.isoformat(), "name": o.name} for o in n.days if o.kind == "holiday"
                ],
                "workdays": [
                    {"date": o.day.isoformat(), "name": o.name} for o in n.days if o.kind == "workday"
                ],
            }
            for n in notices
        ],
    }
    text = json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
    atomic_write_bytes(Path(path), text.encode("utf-8"), mode=0o644)


# -- module-level helpers on the default calendar ----------------------------------------------


@cache
def default_calendar() -> WorkdayCalendar:
    """The shipped table on top of the package (cached; build your own to add a file)."""
    return WorkdayCalendar.load()


def _cal(calendar: WorkdayCalendar | None) -> WorkdayCalendar:
    return default_calendar() if calendar is None else calendar


def is_working_day(d: date, calendar: WorkdayCalendar | None = None) -> bool:
    """True if ``d`` is a Chinese working day (raises ``calendar_not_covered`` for unknown years)."""
    return _cal(calendar).is_working_day(d)


def add_working_days(start: date, n: int, calendar: WorkdayCalendar | None = None) -> date:
    """The ``n``-th working day after ``start``; ``start`` itself is never counted.

    Counting begins on the day after ``start`` whether ``start`` is a working day or a rest day:
    day 1 is the first working day strictly after ``start``. (``chinese_calendar.find_workday``
    differs when ``start`` is a rest day: it treats the next working day as day 0.)
    """
    return _cal(calendar).add_working_days(start, n)


def working_days_between(a: date, b: date, calendar: WorkdayCalendar | None = None) -> int:
    """Working days ``d`` with ``a < d <= b``; ``working_days_between(s, add_working_days(s, n)) == n``."""
    return _cal(calendar).working_days_between(a, b)


def review_request_deadline(received_on: date, calendar: WorkdayCalendar | None = None) -> date:
    """Last day to request review of a decision received on ``received_on`` (art. 19).

    Art. 19: "可在收到处理决定之日起15个工作日内 …… 申请复核". The rule applied:

    - the day of receipt is not counted; counting starts on the next calendar day;
    - only working days count (State Council holidays excluded, adjusted weekend workdays included);
    - the deadline is the 15th working day so counted, and a request made on that day is in time;
    - receipt on a rest day changes nothing: counting still starts the next day, and the first
      working day after receipt is day 1.

    Raises ``ExamsiteError(code="calendar_not_covered")`` if counting reaches a year the calendar
    does not cover.
    """
    return add_working_days(received_on, REVIEW_REQUEST_DAYS, calendar)


def review_decision_deadline(
    requested_on: date, extended: bool = False, calendar: WorkdayCalendar | None = None
) -> date:
    """Last day to decide a review request received (受理) on ``requested_on`` (art. 19).

    Art. 19: "在15个工作日内对申请内容进行核实,作出复核决定,特殊情况可延长10个工作日". Counted like
    :func:`review_request_deadline` from the day the request was received: the 15th working day, or
    with ``extended`` (special circumstances, the applicant told in writing) the 25th.
    """
    days = REVIEW_DECISION_DAYS + (REVIEW_EXTENSION_DAYS if extended else 0)
    return add_working_days(requested_on, days, calendar)
