"""The session and candidates commands, as a newcomer would type them."""

from __future__ import annotations

from pathlib import Path

import pytest

from examsite.cli.main import main


def test_session_and_roster_from_the_command_line(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(
            [
                "init",
                "--institution-code",
                "HB1",
                "--institution-name",
                "机构",
                "--site-code",
                "S1",
                "--site-name",
                "考点",
                "--room",
                "101",
            ]
        )
        == 0
    )
    assert (
        main(
            [
                "session",
                "create",
                "--code",
                "A1",
                "--occupation",
                "电工",
                "--level",
                "四级",
                "--subject",
                "theory",
                "--start",
                "2026-06-13T09:00",
                "--end",
                "2026-06-13T11:00",
                "--room",
                "101",
            ]
        )
        == 0
    )
    capsys.readouterr()
    assert main(["session", "list"]) == 0
    assert "2026-06-13 09:00-11:00 电工 四级 理论知识" in capsys.readouterr().out
    roster = tmp_path / "r.csv"
    roster.write_text(
        "姓名,身份证号,准考证号,座位号\n张三,11010519491231002X,A1,1\n李四,110105194912310021,A2,2\n",
        encoding="utf-8-sig",
    )
    assert main(["candidates", "import", str(roster), "--session", "A1", "--dry-run"]) == 1
    assert main(["candidates", "import", str(roster), "--session", "A1"]) == 2
    captured = capsys.readouterr()
    assert "row 3: ID number 110105194912310021 fails its check digit" in captured.out
    assert "error[roster_has_errors]" in captured.err
    assert main(["candidates", "import", str(roster), "--session", "A1", "--skip", "3"]) == 0
    assert main(["candidates", "list", "--session", "A1"]) == 0
    assert "张三" in capsys.readouterr().out


def test_bad_time_and_unknown_session(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(
            [
                "session",
                "create",
                "--code",
                "A",
                "--occupation",
                "x",
                "--level",
                "y",
                "--subject",
                "theory",
                "--start",
                "tomorrow",
                "--end",
                "2026-01-01T10:00",
                "--room",
                "1",
            ]
        )
    assert main(["candidates", "list", "--session", "nope"]) == 2
    assert "no exam session with code 'nope'" in capsys.readouterr().err
