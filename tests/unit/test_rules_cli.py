"""``examsite rules list|show|search`` through the real entry point, and once as a real process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from examsite.cli.main import main
from examsite.rules import load_catalogue

CAT = load_catalogue()
REPO = Path(__file__).parents[2]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["rules", *argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(autouse=True)
def no_store(data_dir: Path) -> Iterator[None]:
    """Every test runs with an empty data folder, which must stay empty: rules never open the store."""
    yield
    assert list(data_dir.iterdir()) == []


def test_list_prints_one_line_per_clause(capsys: pytest.CaptureFixture[str], data_dir: Path) -> None:
    code, out, err = run(capsys, "list")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert len(lines) == 53
    assert [line.split()[0] for line in lines] == list(CAT.keys())
    by_key = {line.split()[0]: line for line in lines}
    assert "携带禁携物品" in by_key["5.1"]
    assert "取消当次该科目成绩" in by_key["5.1"]
    assert "1年内不得参加评价" in by_key["6.3"]
    assert "情节轻微: 2年内不得参加评价" in by_key["7.4"]
    assert "情节严重: 5年内不得参加评价、移送有关部门" in by_key["7.4"]
    assert "情节严重: 按13.1处理" in by_key["12.2"]
    assert "[追究刑事责任]" in by_key["10"]
    # Nothing was created in the data folder: no store, no log.
    assert list(data_dir.iterdir()) == []


def test_list_filters_and_english(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "list", "--article", "7", "--lang", "en")
    assert code == 0
    lines = out.splitlines()
    assert [line.split()[0] for line in lines] == [f"7.{i}" for i in range(1, 8)]
    assert "Having someone else impersonate" in lines[3]
    assert "minor: 2-year ban; serious: 5-year ban, referral to the authorities" in lines[3]

    code, out, _ = run(capsys, "list", "--subject", "institution")
    assert code == 0
    assert [line.split()[0] for line in out.splitlines()] == [c.key for c in CAT.clauses() if c.article >= 12]

    code, out, _ = run(capsys, "list", "--subject", "staff", "--article", "11")
    assert [line.split()[0] for line in out.splitlines()] == [f"11.{i}" for i in range(1, 7)]
    code, out, _ = run(capsys, "list", "--subject", "candidate", "--article", "11")
    assert (code, out) == (0, "")


def test_list_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "list", "--json")
    assert code == 0
    data = json.loads(out)
    assert [c["key"] for c in data] == list(CAT.keys())
    assert data[0]["text_zh"] == CAT.get("5.1").text_zh
    assert data[0]["requirements"] == ["reminder_refused"]


def test_list_of_an_article_outside_5_to_14_is_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "list", "--article", "4")
    assert (code, out) == (2, "")
    assert err.startswith("examsite: error[not_found]: article 4 is not in the catalogue")


def test_show_prints_the_whole_clause(capsys: pytest.CaptureFixture[str]) -> None:
    clause = CAT.get("7.4")
    code, out, _ = run(capsys, "show", "第七条第(四)项")
    assert code == 0
    assert out.startswith("7.4  第七条第(四)项 · art. 7(4)")
    for text in (
        clause.lead_in_zh,
        clause.lead_in_en,
        clause.text_zh,
        clause.gloss_en,
        "鄂人社发〔2025〕6号",
    ):
        assert text is not None
        assert text in out
    minor = out.index("情节轻微 minor")
    serious = out.index("情节严重 serious")
    assert "2-year ban" in out[minor:serious]
    assert "5-year ban" in out[serious:]
    assert "referral to the authorities" in out[serious:]
    assert "whether the case is minor or serious" in out
    assert "art. 15 ¶1" in out
    assert "2名及以上工作人员签字报考场负责人确认" in out
    # Art. 15 ¶2: what happens when the violation is found after the assessment.
    assert "仅当 only if: 评价活动结束后发现参评人员违纪违规行为并经确认的" in out


def test_show_article_10_and_serious_art12(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "show", "10")
    assert code == 0
    assert "导语" not in out  # art. 10 has no items and so no lead-in
    assert "仅当 only if: 构成犯罪的 / where the act is a crime" in out
    code, out, _ = run(capsys, "show", "12(3)")
    assert "情节严重 serious (依 under 13.1)" in out
    assert "整改期间暂停评价活动" in out[out.index("情节严重 serious") :]
    assert "提出意见 proposed by: 市州职鉴中心" in out


def test_show_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "show", "6(1)", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["key"] == "6.1"
    assert data["document_number"] == "鄂人社发〔2025〕6号"
    assert data["catalogue_version"] == CAT.catalogue_version
    assert [(c["kind"], c["years"]) for c in data["consequences"]["any"]][:2] == [
        ("all_scores_cancelled", None),
        ("ban", 1),
    ]


@pytest.mark.parametrize(
    ("key", "code_name", "fragment"),
    [
        ("6.9", "not_found", "(valid keys: 6.1, 6.2, 6.3, 6.4, 6.5)"),
        ("10.1", "not_found", "(valid keys: 10)"),
        ("seat", "invalid_input", "'seat' is not a clause reference"),
    ],
)
def test_show_bad_keys(capsys: pytest.CaptureFixture[str], key: str, code_name: str, fragment: str) -> None:
    code, out, err = run(capsys, "show", key)
    assert (code, out) == (2, "")
    assert err.startswith(f"examsite: error[{code_name}]: ")
    assert fragment in err
    assert err.count("\n") == 1


def test_search(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "search", "手机")
    assert code == 0
    assert [line.split()[0] for line in out.splitlines()] == ["6.1"]
    code, out, _ = run(capsys, "search", "video", "surveillance", "--lang", "en")
    assert [line.split()[0] for line in out.splitlines()] == ["7.6"]
    assert "Deliberately damaging" in out
    code, out, _ = run(capsys, "search", "impersonat", "--json")
    assert [c["key"] for c in json.loads(out)] == ["7.4"]


def test_search_without_a_match(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "search", "无此内容")
    assert (code, out) == (1, "")
    assert err == "no clause matches '无此内容'\n"
    code, out, _ = run(capsys, "search", "无此内容", "--json")
    assert (code, json.loads(out)) == (1, [])


def test_rules_without_an_action_shows_usage(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["rules"])
    assert exc.value.code == 2
    assert "ACTION" in capsys.readouterr().err


def test_rules_list_in_a_real_process(data_dir: Path) -> None:
    env = {**os.environ, "EXAMSITE_DATA_DIR": str(data_dir), "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-m", "examsite.cli.main", "rules", "list"],
        cwd=REPO,
        env=env,
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
    lines = done.stdout.decode("utf-8").splitlines()
    assert len(lines) == 53
    assert lines[0].startswith("5.1   携带禁携物品")
    assert lines[-1].startswith("14.8  其他违反职业技能等级认定规定")
    assert list(data_dir.iterdir()) == []
