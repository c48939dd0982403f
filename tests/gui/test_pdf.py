"""Notices and decisions as PDF: the text extracted from the file equals the text written (art. 18).

Extraction is done by poppler's ``pdftotext`` (plain and ``-layout``) and, where the Qt wheel has
it, by ``QPdfDocument``. Some CJK fonts extract 行 as the Kangxi radical ⾏ or drop digits, and
QTextDocument.print_ repeats a line that straddles a page break; each of these would fail here.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from examsite.adjudication.documents import (
    CaseFacts,
    DecisionDetails,
    Document,
    NoticeDetails,
    decision_document,
    document_text,
    notice_document,
)
from examsite.errors import ExamsiteError
from examsite.gui.pdf import FONT_DIR, cjk_font, font_candidates, render_pdf

CLAUSE = (
    "(一)在评价过程中使用规定以外的带拍照、存储、传输或通讯功能的电子设备(如相机、手机、耳机、U盘、"
    "手提电脑、智能手表、智能手环、智能眼镜等)或其他电子用品的;"
)
LEAD_IN = "参评人员有下列行为之一的,取消其当次全部科目评价成绩,且1年内不得参加评价。"
# 行 in many words (the character Noto Sans CJK extracts wrongly), digits of every kind, dates.
FACTS = (
    "2026年9月18日10时12分至10时15分，你在第3考场第07号考位进行操作技能评价时，使用手机拍摄试题并发送，"
    "行为持续约3分钟。监考人员李行、王芳当场发现并制止，现场录像（摄像机C-03，文件0918-1012.mp4）及"
    "手机截图共2张已固定，取证人员2名签字确认，考场负责人于当日11时05分确认。"
)


@pytest.fixture
def case() -> CaseFacts:
    return CaseFacts(
        party_name="张行",
        id_number="420106199001011234",
        occupation="电工",
        level="四级/中级工",
        subject="操作技能",
        session_date=date(2026, 9, 18),
        facts_zh=FACTS,
        article_key="6.1",
        clause_text_zh=CLAUSE,
        article_lead_in_zh=LEAD_IN,
        consequences_zh=(
            "取消你2026年9月18日当次全部科目评价成绩。",
            "自2026年10月15日至2027年10月14日，1年内不得参加技能人才评价。",
        ),
        institution="武汉市某职业技能等级认定中心",
    )


def _notice(case: CaseFacts) -> Document:
    details = NoticeDetails(
        "武某评告〔2026〕12号",
        date(2026, 9, 21),
        date(2026, 9, 30),
        "将书面陈述、申辩材料送交本机构考务办公室（洪山区珞喻路1号）",
    )
    return notice_document(case, details)


def _decision(case: CaseFacts) -> Document:
    details = DecisionDetails(
        reference="武某评决〔2026〕12号",
        decided_on=date(2026, 10, 9),
        notice_reference="武某评告〔2026〕12号",
        notice_served_on=date(2026, 9, 21),
        statement_summary="你于2026年9月28日提交书面陈述，称手机系误带，经核查现场录像，该陈述与事实不符，不予采纳。",
        review_route="向本机构提交书面复核申请，地址：武汉市洪山区珞喻路1号，电话027-87654321",
        served_on=date(2026, 10, 9),
    )
    return decision_document(case, details)


def _squash(text: str) -> str:
    # Line breaks and layout spaces are where the PDF wrapped or aligned, not part of the text.
    return "".join(text.split())


def _pdftotext(path: Path, *args: str) -> str:
    done = subprocess.run(
        ["pdftotext", *args, "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True
    )
    return done.stdout.decode("utf-8")


def _qpdf_text(path: Path) -> str:
    from PySide6.QtPdf import QPdfDocument  # type: ignore[import-not-found]

    pdf = QPdfDocument()
    assert pdf.load(str(path)) == QPdfDocument.Error.None_
    return "\n".join(pdf.getAllText(page).text() for page in range(pdf.pageCount()))


EXTRACTORS = {
    "pdftotext": lambda p: _pdftotext(p),
    "pdftotext-layout": lambda p: _pdftotext(p, "-layout"),
    "QPdfDocument": _qpdf_text,
}


@pytest.mark.parametrize("extractor", list(EXTRACTORS))
@pytest.mark.parametrize("which", ["notice", "decision"])
def test_extracted_text_equals_written_text(
    qapp: object, tmp_path: Path, case: CaseFacts, which: str, extractor: str
) -> None:
    if extractor == "QPdfDocument" and importlib.util.find_spec("PySide6.QtPdf") is None:
        pytest.skip("this PySide6 wheel has no QtPdf module")
    doc = _notice(case) if which == "notice" else _decision(case)
    path = render_pdf(doc, tmp_path / f"{which}.pdf")
    extracted = EXTRACTORS[extractor](path)
    written = document_text(doc)
    assert "⾏" not in extracted
    assert extracted.count("行") == written.count("行") > 5
    assert _squash(extracted) == _squash(written)


def test_long_decision_spans_pages_without_repeating_a_line(
    qapp: object, tmp_path: Path, case: CaseFacts
) -> None:
    long_case = dataclasses.replace(case, facts_zh=FACTS * 8)
    doc = _decision(long_case)
    path = render_pdf(doc, tmp_path / "long.pdf")
    pages = int(re.search(r"Pages:\s+(\d+)", _pdfinfo(path))[1])  # type: ignore[index]
    assert pages >= 3
    assert _squash(_pdftotext(path)) == _squash(document_text(doc))
    # The service record (送达回证) starts a page of its own.
    last = _pdftotext(path, "-f", str(pages), "-l", str(pages))
    assert last.lstrip().startswith("送达回证")


def _pdfinfo(path: Path) -> str:
    return subprocess.run(["pdfinfo", str(path)], capture_output=True, check=True, text=True).stdout


def test_font_is_embedded_and_only_the_cjk_font_is_used(
    qapp: object, tmp_path: Path, case: CaseFacts
) -> None:
    path = render_pdf(_decision(case), tmp_path / "d.pdf")
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, check=True, text=True).stdout
    rows = [line.split() for line in out.splitlines()[2:]]
    assert len(rows) == 1, out
    name, *_rest = rows[0]
    emb, _sub, uni = rows[0][-5:-2]
    assert name == cjk_font().family.replace(" ", "")
    assert (emb, uni) == ("yes", "yes"), out
    # A subset, not the 5 MB collection.
    assert path.stat().st_size < 300_000
    info = _pdfinfo(path)
    assert "595 x 842 pts (A4)" in info
    assert "Title:           技能人才评价违纪违规行为处理决定书" in info


def test_title_is_centred(qapp: object, tmp_path: Path, case: CaseFacts) -> None:
    path = render_pdf(_notice(case), tmp_path / "n.pdf")
    html = subprocess.run(
        ["pdftotext", "-bbox", "-f", "1", "-l", "1", str(path), "-"],
        capture_output=True,
        check=True,
        text=True,
    ).stdout
    first = re.search(
        r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">([^<]+)</word>', html
    )
    assert first is not None
    assert first[3] == "技能人才评价违纪违规行为处理告知书"
    # The text area runs from 28 mm to 210 - 26 mm; its centre is 106 mm = 300.5 pt.
    centre = (float(first[1]) + float(first[2])) / 2
    assert abs(centre - 106 / 25.4 * 72) < 2.0


def test_render_replaces_atomically_and_keeps_the_old_file_on_failure(
    qapp: object, tmp_path: Path, case: CaseFacts
) -> None:
    path = tmp_path / "d.pdf"
    path.write_bytes(b"old")
    render_pdf(_decision(case), path)
    assert path.read_bytes().startswith(b"%PDF-")
    assert [p.name for p in tmp_path.iterdir()] == ["d.pdf"]
    before = path.read_bytes()
    with pytest.raises(ExamsiteError) as info:
        render_pdf(_decision(case), path, font=cjk_font([]))
    assert info.value.code == "cjk_font_missing"
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["d.pdf"]


def test_missing_cjk_font_is_a_clear_error(qapp: object, tmp_path: Path) -> None:
    not_a_font = tmp_path / "fake.ttf"
    not_a_font.write_bytes(b"not a font")
    latin_only = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    tried = [not_a_font] + ([latin_only] if latin_only.is_file() else [])
    with pytest.raises(ExamsiteError) as info:
        cjk_font(tried)
    err = info.value
    assert err.code == "cjk_font_missing"
    assert str(not_a_font) in err.message
    assert str(FONT_DIR) in err.message
    assert err.hint is not None
    assert "fonts-wqy-microhei" in err.hint


def test_font_search_order(qapp: object) -> None:
    candidates = font_candidates()
    assert candidates, "no CJK font: install fonts-wqy-microhei"
    packaged = [p for p in candidates if p.parent == FONT_DIR]
    assert candidates[: len(packaged)] == packaged
    font = cjk_font()
    assert font.path == candidates[0]
    assert "Mono" not in font.family


def test_rendering_without_a_qt_application_is_a_clear_error(tmp_path: Path) -> None:
    # A fresh interpreter: the test process already has pytest-qt's application.
    script = (
        "import sys\n"
        "from examsite.errors import ExamsiteError\n"
        "from examsite.gui.pdf import cjk_font\n"
        "try:\n"
        "    cjk_font()\n"
        "except ExamsiteError as exc:\n"
        "    print(exc.code)\n"
        "    sys.exit(3)\n"
    )
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=root, timeout=60, check=False
    )
    assert (done.returncode, done.stdout.strip()) == (3, "qt_application_missing"), done.stderr
