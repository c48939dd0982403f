"""``examsite case|bans|report`` on a real store: the whole path, and refusals that change nothing."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from examsite.adjudication.cases import get_case
from examsite.cli.main import main
from examsite.store.engine import Store
from examsite.store.models import AuditEntry, Determination, ReceivedBundle
from tests.support.cases import CANDIDATE_ID, OTHER_ID, make_record, open_case


@pytest.fixture
def case_id(store: Store) -> str:
    with store.session() as s:
        return open_case(s, make_record()).id


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_case_commands_take_a_case_from_determination_to_review(
    store: Store, case_id: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    short = case_id[:8]
    code, out, _ = _run(capsys, "case", "list", "--name", "张")
    assert code == 0
    assert short in out
    assert "1 case(s)" in out
    decider = ["--decider", "staff-9", "--decider-name", "王决"]
    code, out, _ = _run(capsys, "case", "decide", short, *decider, "--on", "2026-09-18")
    assert code == 0
    assert "cites 6.1" in out
    assert "取消你当次电工四级评价全部科目的评价成绩。" in out
    code, out, _ = _run(
        capsys,
        "case",
        "notice",
        short,
        "--reference",
        "告〔2026〕1号",
        "--on",
        "2026-09-18",
        "--statement-until",
        "2026-09-23",
        "--route",
        "书面送交考务办公室",
        "--served-on",
        "2026-09-18",
    )
    assert code == 0, out
    code, out, _ = _run(
        capsys,
        "case",
        "decision",
        short,
        *decider,
        "--reference",
        "决〔2026〕1号",
        "--on",
        "2026-09-24",
        "--statement-summary",
        "未提出陈述和申辩。",
        "--review-route",
        "向本机构书面申请",
        "--served-on",
        "2026-09-24",
    )
    assert code == 0, out
    assert "review may be requested until 2026-10-22" in out
    code, out, _ = _run(capsys, "bans", "check", OTHER_ID, CANDIDATE_ID, "--on", "2026-10-01")
    assert code == 1
    assert f"{OTHER_ID}: no ban" in out
    assert f"{CANDIDATE_ID}: BANNED 张行：因违反第6.1条，2026-09-24至2027-09-24（含）不得参加评价" in out
    code, out, _ = _run(capsys, "bans", "list", "--on", "2026-10-01", "--csv", str(tmp_path / "b.csv"))
    assert "1 ban(s) in force" in out
    assert (tmp_path / "b.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    code, out, _ = _run(capsys, "case", "deadlines", "--today", "2026-10-20")
    assert "2026-10-22  review_request" in out
    assert "(2 working day(s) left)" in out
    code, out, _ = _run(
        capsys, "case", "review", short, "--requested-on", "2026-10-21", "--grounds", "手机系误带"
    )
    assert "decide by 2026-11-11" in out
    code, out, _ = _run(
        capsys,
        "case",
        "review",
        short,
        "--outcome",
        "upheld",
        "--on",
        "2026-11-05",
        "--text",
        "维持。",
        "--reference",
        "复〔2026〕1号",
        *decider,
    )
    assert code == 0
    code, out, _ = _run(capsys, "case", "show", short, "--json")
    data = json.loads(out)
    assert data["state"] == "reviewed"
    assert [d["kind"] for d in data["documents"]] == ["notice", "decision", "review"]
    assert data["reviews"][0]["outcome"] == "upheld"
    assert data["bans"] == [{"from": "2026-09-24", "until": "2027-09-24", "lifted_on": None}]
    code, out, _ = _run(
        capsys,
        "report",
        "result",
        short,
        "--reporter",
        "武汉市某职业技能评价机构",
        "--reference",
        "报〔2026〕1号",
        "--on",
        "2026-11-06",
    )
    assert "技能人才评价违纪违规行为处理结果报告" in out
    assert "复核：2026年10月21日申请复核，复核结果：维持原决定" in out
    code, out, _ = _run(capsys, "report", "stats", "2026", "--csv", str(tmp_path / "s.csv"))
    rows = list(csv.reader(io.StringIO((tmp_path / "s.csv").read_text("utf-8-sig"), newline="")))
    assert rows[1] == ["电工", "四级", "6", "1", "1", "1", "0", "1", "0"]


def test_refusals_print_one_line_and_change_nothing(
    store: Store, case_id: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with store.session() as s:
        before = s.scalar(select(func.count()).select_from(AuditEntry))
    code, _, err = _run(
        capsys,
        "case",
        "decide",
        case_id[:8],
        "--decider",
        "staff-9",
        "--decider-name",
        "王决",
        "--article",
        "7.1",
        "--severity",
        "minor",
    )
    assert code == 2
    assert err.startswith(
        "examsite: error[invalid_input]: the record cites art. 6.1; determining art. 7(1) (minor)"
    )
    code, _, err = _run(
        capsys, "case", "decide", case_id[:8], "--decider", "staff-1", "--decider-name", "记录人"
    )
    assert code == 2
    assert "error[recusal_required]" in err
    assert "recorded the incident" in err
    code, _, err = _run(capsys, "case", "decide", case_id[:8], "--decider", "nobody")
    assert "error[not_found]: no staff member 'nobody'" in err
    code, _, err = _run(capsys, "case", "show", "zz")
    assert "too short" in err
    code, _, err = _run(capsys, "case", "notice", case_id[:8], "--reference", "告-1")
    assert "--statement-until" in err
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(AuditEntry)) == before
        assert s.scalar(select(func.count()).select_from(Determination)) == 0


def test_recusal_from_the_command_line(
    store: Store, case_id: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run(
        capsys,
        "case",
        "recuse",
        case_id[:8],
        "--staff-id",
        "staff-9",
        "--staff-name",
        "王决",
        "--reason",
        "亲属",
        "--on",
        "2026-09-18",
    )
    assert code == 0
    recusal_id = out.split()[2]
    code, _, err = _run(
        capsys,
        "case",
        "recuse",
        case_id[:8],
        "--decide",
        recusal_id,
        "--granted",
        "--reason",
        "属实",
        "--decider",
        "staff-9",
        "--decider-name",
        "王决",
    )
    assert "nobody decides on their own recusal" in err
    code, out, _ = _run(
        capsys,
        "case",
        "recuse",
        case_id[:8],
        "--decide",
        recusal_id,
        "--granted",
        "--reason",
        "属实",
        "--decider",
        "staff-8",
        "--decider-name",
        "负责人",
        "--on",
        "2026-09-19",
    )
    assert f"recusal {recusal_id} granted" in out
    code, _, err = _run(
        capsys,
        "case",
        "decide",
        case_id[:8],
        "--decider",
        "staff-9",
        "--decider-name",
        "王决",
        "--on",
        "2026-09-20",
    )
    assert "was recused on 2026-09-19" in err


def test_major_situation_flag_and_escalation_report(
    store: Store, case_id: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _run(
        capsys, "report", "escalation", case_id[:8], "--reporter", "机构", "--reference", "R-1"
    )
    assert "not flagged" in err
    code, _, err = _run(capsys, "report", "flag", case_id[:8], "--on", "2026-09-18")
    assert "say why this is a major situation" in err  # nothing in the store suggests one yet
    code, out, _ = _run(capsys, "report", "flag", case_id[:8], "--reason", "网络舆情", "--on", "2026-09-18")
    assert "flagged as a major situation: 网络舆情" in out
    code, out, _ = _run(capsys, "case", "list", "--major")
    assert "[major]" in out
    code, out, _ = _run(
        capsys,
        "report",
        "escalation",
        case_id[:8],
        "--reporter",
        "武汉市某职业技能评价机构",
        "--reference",
        "R-1",
        "--on",
        "2026-09-18",
    )
    assert code == 0
    assert "技能人才评价重大情况报告" in out
    assert "网络舆情" in out
    assert "尚未认定" in out


def test_show_names_the_archived_evidence_and_what_is_missing(
    store: Store, case_id: str, capsys: pytest.CaptureFixture[str], data_dir: Path
) -> None:
    with store.session() as s:
        case = get_case(s, case_id)
        archive = s.get(ReceivedBundle, case.bundle_id).archive_path  # type: ignore[union-attr]
    evidence = data_dir / archive / "evidence" / ("a" * 64)
    evidence.parent.mkdir(parents=True)
    evidence.write_bytes(b"x" * 1233)  # one byte short of the recorded size: not accepted
    code, out, _ = _run(capsys, "case", "show", case_id[:8])
    assert code == 0
    assert "evidence video_clip aaaaaaaaaaaaaaaa… 1234 bytes: NOT IN THE ARCHIVE" in out
    evidence.write_bytes(b"x" * 1234)
    code, out, _ = _run(capsys, "case", "show", case_id[:8], "--json")
    assert json.loads(out)["evidence"] == [
        {"sha256": "a" * 64, "kind": "video_clip", "size": 1234, "file": str(evidence)}
    ]


# Test data only, NOT the State Council's notice for 2027 (unpublished when this was written): a
# complete year with the fixed statutory holidays, so the override path can be exercised.
TEST_2027 = {
    "format": "examsite-calendar-overrides/1",
    "notices": [
        {
            "reference": "TEST-2027 (test data, not an official notice)",
            "year": 2027,
            "complete_year": True,
            "holidays": ["2027-01-01", "2027-01-02", "2027-01-03"]
            + [f"2027-02-{d:02d}" for d in range(6, 13)]
            + ["2027-05-01", "2027-05-02", "2027-05-03"]
            + [f"2027-10-{d:02d}" for d in range(1, 8)],
            "workdays": [],
        }
    ],
}


def test_a_decision_served_in_december_needs_next_years_calendar(
    store: Store, case_id: str, capsys: pytest.CaptureFixture[str], data_dir: Path
) -> None:
    short = case_id[:8]
    decider = ["--decider", "staff-9", "--decider-name", "王决"]
    assert _run(capsys, "case", "decide", short, *decider, "--on", "2026-12-01")[0] == 0
    code, out, err = _run(
        capsys,
        "case",
        "notice",
        short,
        "--reference",
        "告-12",
        "--on",
        "2026-12-01",
        "--statement-until",
        "2026-12-04",
        "--route",
        "书面",
        "--served-on",
        "2026-12-01",
    )
    assert code == 0, err
    code, out, err = _run(
        capsys,
        "case",
        "decision",
        short,
        *decider,
        "--reference",
        "决-12",
        "--on",
        "2026-12-15",
        "--statement-summary",
        "未陈述。",
        "--review-route",
        "书面",
    )
    assert code == 0, err
    code, out, err = _run(capsys, "case", "decision", short, "--served-on", "2026-12-15")
    assert code == 2
    assert err.startswith("examsite: error[calendar_not_covered]: ")
    assert "2027" in err
    (data_dir / "calendar_overrides.json").write_text(json.dumps(TEST_2027), encoding="utf-8")
    code, out, err = _run(capsys, "case", "decision", short, "--served-on", "2026-12-15")
    # 16-18, 21-25, 28-31 Dec: 12 working days; 1-3 Jan off in the test notice; 4, 5, 6 Jan
    assert "review may be requested until 2027-01-06" in out, err


def test_commands_without_pdf_never_load_qt(store: Store, case_id: str, data_dir: Path) -> None:
    """A server without a screen (or without Qt) issues notices; Qt loads only for --pdf."""
    script = (
        "import sys\n"
        "from examsite.cli.main import main\n"
        f"code = main(['case', 'decide', '{case_id[:8]}', '--decider', 's9', '--decider-name', 'W',"
        " '--on', '2026-09-18'])\n"
        f"code += main(['case', 'notice', '{case_id[:8]}', '--reference', 'N-1', '--on', '2026-09-18',"
        " '--statement-until', '2026-09-23', '--route', 'R', '--served-on', '2026-09-18'])\n"
        "print(code, sorted(m for m in sys.modules if m.startswith('PySide6')))\n"
    )
    env = {**os.environ, "EXAMSITE_DATA_DIR": str(data_dir)}
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.stdout.splitlines()[-1] == "0 []", done.stderr


def test_certificates_list_export_and_done_from_the_command_line(
    store: Store, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    with store.session() as s:
        short = open_case(s, make_record(found_after_assessment=True)).id[:8]
    decider = ["--decider", "staff-9", "--decider-name", "王决"]
    assert _run(capsys, "case", "decide", short, *decider, "--on", "2026-09-18")[0] == 0
    code, _, err = _run(capsys, "case", "decision", short, "--served-on", "2026-09-24")
    assert "has no decision yet" in err
    assert (
        _run(
            capsys,
            "case",
            "notice",
            short,
            "--reference",
            "告-c",
            "--on",
            "2026-09-18",
            "--statement-until",
            "2026-09-23",
            "--route",
            "书面",
            "--served-on",
            "2026-09-18",
        )[0]
        == 0
    )
    assert (
        _run(
            capsys,
            "case",
            "decision",
            short,
            *decider,
            "--reference",
            "决-c",
            "--on",
            "2026-09-24",
            "--statement-summary",
            "未陈述。",
            "--review-route",
            "书面",
        )[0]
        == 0
    )
    code, out, _ = _run(capsys, "bans", "certificates", "--csv", str(tmp_path / "c.csv"))
    assert code == 0
    assert "(number?) pending" in out
    void_id = out.split()[0]
    rows = list(csv.reader(io.StringIO((tmp_path / "c.csv").read_text("utf-8-sig"), newline="")))
    assert rows[1][:4] == ["张行", CANDIDATE_ID, "电工", "四级"]
    with store.session() as s:
        from examsite.adjudication.bans import certificate_voids

        full_id = next(v.id for v in certificate_voids(s) if v.id.startswith(void_id))
    code, out, _ = _run(
        capsys, "bans", "certificates", "--done", full_id, "--number", "Z-1", "--on", "2026-09-30"
    )
    assert "certificate Z-1 of 张行 recorded as voided" in out
    code, out, _ = _run(capsys, "bans", "certificates", "--status", "all")
    assert "Z-1 done" in out
    code, out, _ = _run(capsys, "case", "list", "--csv", str(tmp_path / "cases.csv"))
    assert (tmp_path / "cases.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    code, _, err = _run(capsys, "case", "review", short, "--extend", "--reason", "x")
    assert "has no open review" in err
