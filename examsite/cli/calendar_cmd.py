"""``examsite calendar``: the working-day calendar of art. 19 deadlines, and the State Council notices
the administrator transcribes into it (:mod:`examsite.adjudication.calendar_admin`).

These commands read and write only the override file (``calendar_overrides.json`` in the data
folder, or ``--calendar FILE``); they never open the store.
"""

from __future__ import annotations

import argparse
import json
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from examsite.adjudication import calendar_admin
from examsite.adjudication.workdays import HolidayNotice, package_years
from examsite.errors import InvalidInput

if TYPE_CHECKING:
    from examsite.cli.context import CliContext

_WEEKDAYS = "一二三四五六日"


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``examsite calendar show|add|remove``."""
    parser = sub.add_parser(
        "calendar",
        help="工作日日历 / working days of art. 19 deadlines: the State Council holiday notices",
        description=(
            "Art. 19 deadlines count Chinese working days. A year the chinesecalendar package does "
            "not cover needs its State Council notice (国务院办公厅关于××年部分节假日安排的通知) "
            "transcribed here before any deadline reaching into it can be computed."
        ),
    )
    parser.add_argument(
        "--calendar",
        metavar="FILE",
        help=f"the override file (default: {calendar_admin.ADMIN_FILE} in the data folder)",
    )
    actions = parser.add_subparsers(dest="calendar_action", metavar="ACTION", required=True)

    show = actions.add_parser("show", help="years covered, the notices, and one year's exceptions")
    show.add_argument(
        "--year", type=int, metavar="YEAR", help="list every holiday and adjusted workday of YEAR"
    )
    show.add_argument("--json", action="store_true", help="print JSON")
    show.set_defaults(func=_show)

    add = actions.add_parser(
        "add",
        help="transcribe a notice (all of it or nothing is added)",
        epilog=(
            "Each --holiday and --workday is a date or a range, then optionally the festival: "
            "--holiday '2027-02-06..2027-02-13 春节' --workday '2027-02-14 春节'. "
            "--from FILE reads the same lines from a text file with [holidays] and [workdays] sections."
        ),
    )
    add.add_argument(
        "--reference", required=True, metavar="REF", help="the notice's number, e.g. 国办发明电〔2025〕7号"
    )
    add.add_argument("--year", required=True, type=int, metavar="YEAR")
    add.add_argument(
        "--complete",
        action="store_true",
        help="the notice lists every holiday and adjusted workday of YEAR (makes an uncovered year usable)",
    )
    add.add_argument(
        "--holiday", action="append", default=[], metavar="DAYS", help="放假: a date or range [name]"
    )
    add.add_argument("--workday", action="append", default=[], metavar="DAYS", help="调休上班: a date [name]")
    add.add_argument("--from", dest="from_file", metavar="FILE", help="read the days from a text file")
    add.add_argument("--source", default="", metavar="TEXT", help="where the notice was read")
    add.set_defaults(func=_add)

    remove = actions.add_parser("remove", help="remove a notice the administrator added")
    remove.add_argument("reference", metavar="REF")
    remove.set_defaults(func=_remove)


def _path(args: argparse.Namespace, ctx: CliContext) -> Path:
    if args.calendar:
        return Path(args.calendar)
    return calendar_admin.admin_path(ctx.paths.data_dir)


def _sections(path: Path) -> tuple[str, str]:
    """The ``[holidays]`` and ``[workdays]`` lines of a text file given with ``--from``."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"--from {path}: cannot be read as UTF-8 text ({exc}).") from None
    parts: dict[str, list[str]] = {"holidays": [], "workdays": []}
    current: list[str] | None = None
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("[") and stripped.endswith("]"):
            section = stripped[1:-1].strip().lower()
            if section not in parts:
                raise InvalidInput(
                    f"--from {path}: unknown section [{section}]; use [holidays] and [workdays]."
                )
            current = parts[section]
        elif current is not None:
            current.append(line)
        elif stripped and not stripped.startswith("#"):
            raise InvalidInput(
                f"--from {path}: {stripped!r} comes before any [holidays] or [workdays] section."
            )
    return "\n".join(parts["holidays"]), "\n".join(parts["workdays"])


def _add(args: argparse.Namespace, ctx: CliContext) -> int:
    path = _path(args, ctx)
    holidays, workdays = "\n".join(args.holiday), "\n".join(args.workday)
    if args.from_file:
        more_holidays, more_workdays = _sections(Path(args.from_file))
        holidays, workdays = f"{holidays}\n{more_holidays}", f"{workdays}\n{more_workdays}"
    reference = args.reference.strip()
    days = calendar_admin.parse_days(holidays, "holiday", reference)
    days += calendar_admin.parse_days(workdays, "workday", reference)
    notice = HolidayNotice(reference, args.year, args.complete, days, args.source.strip())
    calendar = calendar_admin.add_notice(path, notice)
    counts = notice.day_counts()
    print(f"notice {reference} added to {path}: {counts[0]} holiday days, {counts[1]} adjusted workdays")
    print(
        f"{args.year}: {'covered' if calendar.covers(args.year) else 'not covered (the notice is partial)'}"
    )
    return 0


def _remove(args: argparse.Namespace, ctx: CliContext) -> int:
    path = _path(args, ctx)
    reference = args.reference.strip()
    years = {n.year for n in calendar_admin.read_notices(path) if n.reference.strip() == reference}
    calendar = calendar_admin.remove_notice(path, reference)
    print(f"notice {reference} removed from {path}")
    for year in sorted(years):
        print(f"{year}: {'covered' if calendar.covers(year) else 'not covered any more'}")
    return 0


def _show(args: argparse.Namespace, ctx: CliContext) -> int:
    path = _path(args, ctx)
    mine = calendar_admin.read_notices(path)
    calendar = calendar_admin.calendar_for(path)
    shipped = calendar_admin.shipped_references()
    package = package_years()
    complete = sorted(n.year for n in calendar.notices if n.complete_year)
    notices = [
        {
            "reference": n.reference,
            "year": n.year,
            "complete_year": n.complete_year,
            "holidays": n.day_counts()[0],
            "workdays": n.day_counts()[1],
            "source": n.source,
            "origin": "shipped" if n.reference.strip() in shipped else str(path),
        }
        for n in calendar.notices
    ]
    days = []
    if args.year is not None:
        days = [
            {"date": d.day.isoformat(), "kind": d.kind, "name": d.name, "source": d.source}
            for d in calendar_admin.year_exceptions(calendar, args.year)
        ]
    if args.json:
        doc: dict[str, Any] = {
            "file": str(path),
            "package_years": list(package) if package else [],
            "complete_years_from_notices": complete,
            "notices": notices,
        }
        if args.year is not None:
            doc["year"] = {"year": args.year, "covered": calendar.covers(args.year), "days": days}
        print(json.dumps(doc, ensure_ascii=False, indent=2))
        return 0
    print(f"override file: {path}{'' if path.exists() else ' (none yet)'}")
    print(
        f"chinesecalendar covers {package[0]}–{package[1]}" if package else "chinesecalendar covers no years"
    )
    if complete:
        print("whole years from notices: " + ", ".join(str(y) for y in complete))
    print(f"notices: {len(notices)} ({len(mine)} added by the administrator)")
    for item in notices:
        whole = "whole year" if item["complete_year"] else "partial"
        print(
            f"  {item['year']}  {item['reference']}  {whole}, {item['holidays']} holiday days, "
            f"{item['workdays']} adjusted workdays  [{item['origin']}]"
        )
    if args.year is not None:
        print(f"{args.year}: {'covered' if calendar.covers(args.year) else 'NOT covered'}")
        for day in days:
            when = date.fromisoformat(day["date"])
            kind = "放假 holiday" if day["kind"] == "holiday" else "上班 workday"
            print(f"  {day['date']} 周{_WEEKDAYS[when.weekday()]}  {kind}  {day['name']}  ({day['source']})")
    return 0
