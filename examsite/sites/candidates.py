"""Importing a session's candidates (参评人员) from CSV or .xlsx, checked row by row.

Files come from Excel and from provincial systems: CSV in UTF-8 (with or without BOM) or GB18030, and
.xlsx. ID numbers stay text (an 18-digit number in a spreadsheet cell has already lost its last
digits, which is reported, never "repaired"). A file with problems imports nothing unless the user
accepts to skip exactly the listed rows. Candidates under an active ban (arts. 6–7) are listed with
the article and end date and are not admitted.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from examsite import audit
from examsite.canonical import canonical_bytes
from examsite.clock import to_local
from examsite.errors import InvalidInput
from examsite.sites.idnumber import validate_id_number
from examsite.store.models import Candidate, ExamSession, Room

# Column headers as they appear in the files we meet, mapped to our field names.
HEADERS = {
    "name": ("姓名", "考生姓名", "name"),
    "id_number": ("身份证号", "身份证号码", "证件号码", "id_number", "id number", "id"),
    "admission_number": ("准考证号", "准考证号码", "admission_number", "admission number", "admission"),
    "seat": ("座位号", "座号", "seat"),
    "room": ("考场", "考场号", "room"),
}
REQUIRED = ("name", "id_number", "admission_number")
MAX_ROWS = 5000


@dataclass(frozen=True)
class BanNotice:
    """An active ban that keeps a candidate out (from the adjudication registry)."""

    article: str
    until: date


#: (session, ID numbers, the day of the sitting) -> the active bans on that day, by ID number
BanLookup = Callable[[Session, list[str], date], Mapping[str, BanNotice]]


@dataclass(frozen=True)
class RosterRow:
    line: int
    name: str
    id_number: str
    admission_number: str
    seat: str
    room: str


@dataclass(frozen=True)
class RowProblem:
    line: int
    message: str


@dataclass
class RosterPreview:
    """What an import would do: the good rows and, row by row, what is wrong with the others."""

    rows: list[RosterRow] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def problem_lines(self) -> set[int]:
        return {p.line for p in self.problems}


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InvalidInput(
        "the file is neither UTF-8 nor GB18030 text", hint="save it from Excel as CSV (UTF-8) or as .xlsx"
    )


def _cell(value: object) -> tuple[str, bool]:
    """Cell text, and whether it was a number (which has lost an 18-digit ID's precision)."""
    if value is None:
        return "", False
    if isinstance(value, bool):
        return str(value), False
    if isinstance(value, int | float):
        return (str(int(value)) if float(value).is_integer() else str(value)), True
    return str(value).strip(), False


def read_table(path: Path) -> list[tuple[int, list[tuple[str, bool]]]]:
    """Rows of a CSV or .xlsx file as (line number, [(text, was_number)]), header included."""
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        import openpyxl  # imported here: only needed for spreadsheets

        try:
            book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many types for a damaged file
            raise InvalidInput(
                f"cannot read {path.name} as a spreadsheet: {exc}", hint="save it again"
            ) from exc
        try:
            sheet = book.worksheets[0]
            table = [
                (index, [_cell(v) for v in row])
                for index, row in enumerate(sheet.iter_rows(values_only=True), start=1)
            ]
        finally:
            book.close()
        return table
    if suffix in (".csv", ".txt"):
        text = _decode(path.read_bytes())
        return [
            (index, [(cell.strip(), False) for cell in row])
            for index, row in enumerate(csv.reader(io.StringIO(text)), start=1)
        ]
    raise InvalidInput(
        f"{path.name}: only .csv and .xlsx rosters are read", hint="save the roster as .xlsx or CSV"
    )


def _columns(header: list[tuple[str, bool]]) -> dict[str, int]:
    names = [text.strip().lower() for text, _ in header]
    found: dict[str, int] = {}
    for key, aliases in HEADERS.items():
        for index, name in enumerate(names):
            if name in aliases:
                found[key] = index
                break
    missing = [key for key in REQUIRED if key not in found]
    if missing:
        wanted = "、".join(HEADERS[key][0] for key in missing)
        raise InvalidInput(
            f"the roster has no column {wanted}",
            hint="the first row must name the columns: 姓名, 身份证号, 准考证号, 座位号",
        )
    return found


def preview_roster(
    session: Session, exam: ExamSession, path: Path, ban_lookup: BanLookup | None = None
) -> RosterPreview:
    """Read and check a roster file for ``exam`` without changing anything."""
    table = [(line, cells) for line, cells in read_table(Path(path)) if any(text for text, _ in cells)]
    if not table:
        raise InvalidInput(f"{Path(path).name} is empty", hint="export the roster again")
    if len(table) > MAX_ROWS + 1:
        raise InvalidInput(f"the roster has {len(table) - 1} rows; at most {MAX_ROWS} are read per session")
    columns = _columns(table[0][1])
    rooms = {room.name for room in exam.rooms}
    existing = session.execute(select(Candidate).where(Candidate.session_id == exam.id)).scalars().all()
    seen_ids = {c.id_number: f"already in session {exam.code}" for c in existing}
    seen_admission = {c.admission_number: f"already in session {exam.code}" for c in existing}
    seen_seats = {(c.room_id or "", c.seat): f"already in session {exam.code}" for c in existing if c.seat}
    room_ids = {room.name: room.id for room in exam.rooms}
    preview = RosterPreview()

    def get(cells: list[tuple[str, bool]], key: str) -> tuple[str, bool]:
        index = columns.get(key)
        return cells[index] if index is not None and index < len(cells) else ("", False)

    for line, cells in table[1:]:
        problems: list[str] = []
        name, _ = get(cells, "name")
        raw_id, id_was_number = get(cells, "id_number")
        admission, _ = get(cells, "admission_number")
        seat, _ = get(cells, "seat")
        room = get(cells, "room")[0] or (next(iter(rooms)) if len(rooms) == 1 else "")
        if not name:
            problems.append("姓名 is empty")
        id_number = ""
        if id_was_number and len(raw_id) >= 15:
            problems.append(
                f"ID number {raw_id} was stored as a number and has lost digits; format the column as text"
            )
        else:
            try:
                id_number = validate_id_number(raw_id)
            except InvalidInput as exc:
                problems.append(exc.message)
        if not admission:
            problems.append("准考证号 is empty")
        if room not in rooms:
            problems.append(
                f"room {room!r} is not a room of session {exam.code}" if room else "考场 is missing"
            )
        if id_number and id_number in seen_ids:
            problems.append(f"ID number {id_number} repeats {seen_ids[id_number]}")
        if admission and admission in seen_admission:
            problems.append(f"准考证号 {admission} repeats {seen_admission[admission]}")
        seat_key = (room_ids.get(room, ""), seat)
        if seat and seat_key in seen_seats:
            problems.append(f"seat {seat} in room {room} repeats {seen_seats[seat_key]}")
        if problems:
            preview.problems.extend(RowProblem(line, message) for message in problems)
        else:
            preview.rows.append(RosterRow(line, name, id_number, admission, seat, room))
        if id_number:
            seen_ids.setdefault(id_number, f"row {line}")
        if admission:
            seen_admission.setdefault(admission, f"row {line}")
        if seat:
            seen_seats.setdefault(seat_key, f"row {line}")
    if ban_lookup is not None and preview.rows:
        # a ban matters if it is in force on the day of the sitting, not on the day of the import
        sitting_day = to_local(exam.starts_at).date()
        bans = ban_lookup(session, [row.id_number for row in preview.rows], sitting_day)
        kept = []
        for row in preview.rows:
            ban = bans.get(row.id_number)
            if ban is None:
                kept.append(row)
                continue
            preview.problems.append(
                RowProblem(
                    row.line,
                    f"{row.name} ({row.id_number[-4:]}) is banned under art. {ban.article} until "
                    f"{ban.until.isoformat()} and may not sit this assessment",
                )
            )
        preview.rows = kept
    preview.problems.sort(key=lambda p: p.line)
    return preview


def import_roster(
    session: Session, exam: ExamSession, preview: RosterPreview, actor: str, skip_lines: Iterable[int] = ()
) -> list[Candidate]:
    """Add the previewed rows. If any row has a problem, every such row must be in ``skip_lines``."""
    accepted = set(skip_lines)
    unaccepted = sorted(preview.problem_lines - accepted)
    if unaccepted:
        first = next(p for p in preview.problems if p.line == unaccepted[0])
        raise InvalidInput(
            f"nothing imported: {len(unaccepted)} row(s) have problems, "
            f"e.g. row {first.line}: {first.message}",
            code="roster_has_errors",
            hint="correct the file, or accept to skip rows " + ",".join(map(str, unaccepted)),
        )
    rooms: dict[str, Room] = {room.name: room for room in exam.rooms}
    added = []
    for row in preview.rows:
        candidate = Candidate(
            session_id=exam.id,
            room_id=rooms[row.room].id,
            name=row.name,
            id_number=row.id_number,
            admission_number=row.admission_number,
            seat=row.seat,
        )
        session.add(candidate)
        added.append(candidate)
    session.flush()
    audit.append(
        session,
        actor=actor,
        action="roster.imported",
        object_type="exam_session",
        object_id=exam.id,
        content=canonical_bytes(
            {
                "candidates": [[r.admission_number, r.id_number] for r in preview.rows],
                "skipped_lines": sorted(accepted & preview.problem_lines),
            }
        ),
        detail=f"{len(added)} candidates, {len(accepted & preview.problem_lines)} rows skipped",
    )
    return added


def find_candidates(session: Session, exam: ExamSession, text: str) -> list[Candidate]:
    """Candidates of a session whose seat, admission number or name matches ``text``."""
    text = text.strip()
    rows = session.execute(select(Candidate).where(Candidate.session_id == exam.id)).scalars().all()
    if not text:
        return list(rows)
    exact = [c for c in rows if text in (c.seat, c.admission_number, c.id_number)]
    return exact or [c for c in rows if text in c.name]
