"""PDFs from the command line (art. 18 notice and decision, art. 16 report): the text extracted with
poppler's ``pdftotext`` equals the text that was issued and stored.

The command line runs in its own process, as a user runs it: it creates its Qt application offscreen
only when a PDF is asked for.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from examsite.adjudication import notices, reports
from examsite.adjudication.cases import get_case
from examsite.adjudication.determination import Decider, determine
from examsite.adjudication.documents import document_text
from examsite.store.engine import Store
from tests.support.cases import make_record, open_case

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils (pdftotext)")
DECIDER = Decider("staff-9", "王决")


def _cli(data_dir: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "EXAMSITE_DATA_DIR": str(data_dir), "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run(
        [sys.executable, "-m", "examsite.cli.main", *argv],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def _text(path: Path) -> str:
    done = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True)
    return done.stdout.decode("utf-8")


def _squash(text: str) -> str:
    # Line breaks and spaces are where the page wrapped; every other character must be the same.
    return "".join(text.split())


def test_notice_decision_and_report_pdfs_extract_to_the_issued_text(
    store: Store, data_dir: Path, tmp_path: Path
) -> None:
    with store.session() as s:
        case = open_case(s, make_record(found_after_assessment=True))
        determine(s, case, decider=DECIDER, determined_on=date(2026, 9, 18))
        case_id = case.id
    out = _cli(
        data_dir,
        "case",
        "notice",
        case_id[:8],
        "--reference",
        "武某评告〔2026〕12号",
        "--on",
        "2026-09-18",
        "--statement-until",
        "2026-09-23",
        "--route",
        "将书面陈述、申辩材料送交本机构考务办公室",
        "--served-on",
        "2026-09-18",
        "--pdf",
        str(tmp_path / "notice.pdf"),
    )
    assert out.returncode == 0, out.stderr
    with store.session() as s:
        decision = notices.issue_decision(
            s,
            get_case(s, case_id),
            decider=DECIDER,
            reference="武某评决〔2026〕12号",
            decided_on=date(2026, 9, 24),
            statement_summary="你在规定期限内未提出陈述和申辩，视为放弃。",
            review_route="向本机构提交书面复核申请，地址：武汉市洪山区珞喻路1号",
            served_on=date(2026, 9, 24),
        )
        decision_text = decision.text
        notice = notices.latest_document(s, get_case(s, case_id), "notice")
        assert notice is not None
        notice_text = notice.text
    out = _cli(
        data_dir, "case", "pdf", case_id[:8], "武某评决〔2026〕12号", "--out", str(tmp_path / "decision.pdf")
    )
    assert out.returncode == 0, out.stderr
    out = _cli(
        data_dir,
        "report",
        "result",
        case_id[:8],
        "--reporter",
        "武汉市某职业技能评价机构",
        "--reference",
        "武某评报〔2026〕3号",
        "--on",
        "2026-10-09",
        "--pdf",
        str(tmp_path / "report.pdf"),
    )
    assert out.returncode == 0, out.stderr
    with store.session() as s:
        report = reports.result_report(
            s,
            get_case(s, case_id),
            reporter="武汉市某职业技能评价机构",
            reported_on=date(2026, 10, 9),
            reference="武某评报〔2026〕3号",
        )
    with store.session() as s:
        notices.request_review(
            s, get_case(s, case_id), requested_on=date(2026, 10, 9), grounds="手机系误带，未使用。", actor="p"
        )
    out = _cli(
        data_dir,
        "case",
        "review",
        case_id[:8],
        "--outcome",
        "upheld",
        "--on",
        "2026-10-20",
        "--text",
        "经调取现场录像核实，考生使用手机拍摄试题的行为属实。",
        "--reference",
        "武某评复〔2026〕1号",
        "--decider",
        "staff-8",
        "--decider-name",
        "机构负责人",
        "--pdf",
        str(tmp_path / "review.pdf"),
    )
    assert out.returncode == 0, out.stderr
    with store.session() as s:
        answer = notices.latest_document(s, get_case(s, case_id), "review")
        assert answer is not None
        review_text = answer.text
    written_texts = (
        ("notice", notice_text),
        ("decision", decision_text),
        ("report", document_text(report)),
        ("review", review_text),
    )
    for name, written in written_texts:
        extracted = _text(tmp_path / f"{name}.pdf")
        assert "⾏" not in extracted
        assert _squash(extracted) == _squash(written), name
    # what the decision says, in the words that were extracted
    decision_pdf = _squash(_text(tmp_path / "decision.pdf"))
    assert _squash("申请复核的期限至2026年10月22日（含当日）止") in decision_pdf
    assert _squash("即自2026年9月24日起至2027年9月24日止（含当日）") in decision_pdf
    assert _squash("对你已取得的本次评价相应证书予以作废。") in decision_pdf


def test_a_pdf_of_an_unknown_document_is_refused(store: Store, data_dir: Path, tmp_path: Path) -> None:
    with store.session() as s:
        case_id = open_case(s, make_record()).id
    out = _cli(data_dir, "case", "pdf", case_id, "无此文号", "--out", str(tmp_path / "x.pdf"))
    assert out.returncode == 2
    assert "has no document 无此文号" in out.stderr
    assert not (tmp_path / "x.pdf").exists()
