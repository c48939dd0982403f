"""Sessions and candidate rosters: CSV (UTF-8, BOM, GB18030) and .xlsx, row-by-row problems, bans."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select

from examsite.errors import InvalidInput
from examsite.sites.candidates import BanNotice, find_candidates, import_roster, preview_roster
from examsite.sites.idnumber import check_character
from examsite.sites.sessions import SessionSpec, create_session, current_session, find_session
from examsite.sites.setup import SiteSpec, init_site
from examsite.store.engine import Store
from examsite.store.models import AuditEntry, Candidate, ExamSubject


def ident(body17: str) -> str:
    return body17 + check_character(body17)


ID1, ID2, ID3 = ident("42010619900307123"), ident("42010219851111002"), ident("42900420010101005")
START = datetime(2026, 6, 13, 1, 0, tzinfo=UTC)


@pytest.fixture
def exam_code(store: Store) -> str:
    with store.session() as session:
        site = init_site(session, SiteSpec("HB1", "评价机构", "武汉市", "S1", "第一考点", ("101", "102")))
        spec = SessionSpec(
            "2026-06-A", "电工", "四级", ExamSubject.THEORY, START, START.replace(hour=3), ("101",)
        )
        create_session(session, site, spec, actor="tester")
    return "2026-06-A"


def write_csv(path: Path, rows: list[list[str]], encoding: str) -> Path:
    path.write_bytes("\r\n".join(",".join(r) for r in rows).encode(encoding))
    return path


HEADER = ["姓名", "身份证号", "准考证号", "座位号"]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_in_every_encoding_excel_writes(
    store: Store, exam_code: str, tmp_path: Path, encoding: str
) -> None:
    path = write_csv(
        tmp_path / "r.csv", [HEADER, ["张三", ID1, "A001", "1"], ["李四", ID2.lower(), "A002", "2"]], encoding
    )
    with store.session() as session:
        exam = find_session(session, exam_code)
        preview = preview_roster(session, exam, path)
        assert preview.problems == []
        added = import_roster(session, exam, preview, actor="tester")
    assert [c.name for c in added] == ["张三", "李四"]
    assert added[1].id_number == ID2  # the lower-case x is normalised


def test_bad_rows_are_reported_row_by_row_and_block_the_import(
    store: Store, exam_code: str, tmp_path: Path
) -> None:
    rows = [
        HEADER,
        ["张三", ID1, "A001", "1"],
        ["王五", ID1[:-1] + ("0" if ID1[-1] != "0" else "1"), "A002", "2"],  # bad check digit
        ["赵六", ID1, "A003", "3"],  # duplicate ID number
        ["", ID2, "A004", "4"],  # no name
        ["孙七", ID3, "A001", "1"],  # duplicate admission number and seat
    ]
    path = write_csv(tmp_path / "r.csv", rows, "utf-8-sig")
    with store.session() as session:
        exam = find_session(session, exam_code)
        preview = preview_roster(session, exam, path)
        lines = {p.line: p.message for p in preview.problems}
        assert set(lines) == {3, 4, 5, 6}
        assert "check digit" in lines[3]
        assert "repeats row 2" in lines[4]
        with pytest.raises(InvalidInput) as info:
            import_roster(session, exam, preview, actor="tester")
        assert info.value.code == "roster_has_errors"
        assert session.execute(select(Candidate)).scalars().all() == []
        with pytest.raises(InvalidInput):
            import_roster(session, exam, preview, actor="tester", skip_lines=[3, 4])
        added = import_roster(session, exam, preview, actor="tester", skip_lines=[3, 4, 5, 6])
        assert [c.name for c in added] == ["张三"]
        entry = session.execute(select(AuditEntry).where(AuditEntry.action == "roster.imported")).scalar_one()
        assert "4 rows skipped" in entry.detail


def test_xlsx_keeps_text_ids_and_reports_ids_stored_as_numbers(
    store: Store, exam_code: str, tmp_path: Path
) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    sheet.append(["张三", ID1, "A001", 1])
    sheet.append(["李四", int(ID2[:-1] + "0") if ID2[-1] != "X" else 420102198511110020, "A002", 2])
    path = tmp_path / "r.xlsx"
    book.save(path)
    with store.session() as session:
        exam = find_session(session, exam_code)
        preview = preview_roster(session, exam, path)
    assert [r.name for r in preview.rows] == ["张三"]
    assert preview.rows[0].seat == "1"
    assert len(preview.problems) == 1
    assert "stored as a number" in preview.problems[0].message


def test_banned_candidate_is_flagged_with_article_and_end_date(
    store: Store, exam_code: str, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "r.csv", [HEADER, ["张三", ID1, "A001", "1"], ["李四", ID2, "A002", "2"]], "utf-8"
    )

    seen_days: list[date] = []

    def bans(_session: object, ids: list[str], on: date) -> dict[str, BanNotice]:
        seen_days.append(on)
        return {ID2: BanNotice("6.1", date(2027, 6, 12))} if ID2 in ids else {}

    with store.session() as session:
        exam = find_session(session, exam_code)
        preview = preview_roster(session, exam, path, ban_lookup=bans)
    assert [r.name for r in preview.rows] == ["张三"]
    (problem,) = preview.problems
    assert problem.line == 3
    assert "art. 6.1 until 2027-06-12" in problem.message
    assert seen_days == [date(2026, 6, 13)]  # the sitting's day in Beijing, not the import's


def test_missing_columns_unknown_format_and_empty_file(store: Store, exam_code: str, tmp_path: Path) -> None:
    with store.session() as session:
        exam = find_session(session, exam_code)
        with pytest.raises(InvalidInput, match="准考证号"):
            preview_roster(
                session, exam, write_csv(tmp_path / "a.csv", [["姓名", "身份证号"], ["x", ID1]], "utf-8")
            )
        with pytest.raises(InvalidInput, match=r"only \.csv and \.xlsx"):
            preview_roster(session, exam, write_csv(tmp_path / "a.pdf", [["x"]], "utf-8"))
        with pytest.raises(InvalidInput, match="empty"):
            preview_roster(session, exam, write_csv(tmp_path / "e.csv", [[""]], "utf-8"))
        (tmp_path / "bad.csv").write_bytes(b"\xff\xfe\x00\xd8broken")
        with pytest.raises(InvalidInput, match="neither UTF-8 nor GB18030"):
            preview_roster(session, exam, tmp_path / "bad.csv")
        (tmp_path / "bad.xlsx").write_bytes(b"not a zip")
        with pytest.raises(InvalidInput, match="spreadsheet"):
            preview_roster(session, exam, tmp_path / "bad.xlsx")


def test_reimport_reports_candidates_already_in_the_session(
    store: Store, exam_code: str, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "r.csv", [HEADER, ["张三", ID1, "A001", "1"]], "utf-8")
    with store.session() as session:
        exam = find_session(session, exam_code)
        import_roster(session, exam, preview_roster(session, exam, path), actor="t")
        again = preview_roster(session, exam, path)
    assert again.rows == []
    assert any("already in session" in p.message for p in again.problems)


def test_find_candidates_by_seat_admission_or_name(store: Store, exam_code: str, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "r.csv", [HEADER, ["张三", ID1, "A001", "12"], ["张小三", ID2, "A002", "7"]], "utf-8"
    )
    with store.session() as session:
        exam = find_session(session, exam_code)
        import_roster(session, exam, preview_roster(session, exam, path), actor="t")
        assert [c.name for c in find_candidates(session, exam, "12")] == ["张三"]
        assert [c.name for c in find_candidates(session, exam, "A002")] == ["张小三"]
        assert sorted(c.name for c in find_candidates(session, exam, "三")) == ["张三", "张小三"]


def test_session_rules(store: Store, exam_code: str) -> None:
    with store.session() as session:
        exam = find_session(session, exam_code)
        assert current_session(session, START.replace(hour=2)) == exam
        assert current_session(session, START.replace(hour=5)) is None
        site = exam.rooms[0].site
        bad = [
            SessionSpec(
                "2026-06-A", "电工", "四级", ExamSubject.THEORY, START, START.replace(hour=3), ("101",)
            ),
            SessionSpec("B", "电工", "四级", ExamSubject.THEORY, START, START, ("101",)),
            SessionSpec("C", "电工", "四级", ExamSubject.THEORY, START, START.replace(hour=3), ()),
            SessionSpec("D", "", "四级", ExamSubject.THEORY, START, START.replace(hour=3), ("101",)),
            SessionSpec("E", "电工", "四级", ExamSubject.THEORY, datetime(2026, 1, 1), START, ("101",)),
        ]
        for spec in bad:
            with pytest.raises(InvalidInput):
                create_session(session, site, spec, actor="t")
