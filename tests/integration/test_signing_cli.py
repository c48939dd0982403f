"""Art. 15 from the command line, as a site's script would run it: real processes, passphrases on
file descriptors (never argv), three people enrolled, an incident signed twice and confirmed.

The keystores use the test Argon2id cost through ``EXAMSITE_TEST_WEAK_KDF=1``.
"""

from __future__ import annotations

import json
import os
import re
import select
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from examsite.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
# passing descriptors to a child (pass_fds) and pseudo-terminals are POSIX; Windows users type at the prompt
pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs POSIX descriptors and terminals")
ISSUER = "institution key passphrase"
PEOPLE = {
    "S1": ("李四", "invigilator", "first witness passphrase"),
    "S2": ("王五", "examiner", "second witness passphrase"),
    "H1": ("陈主任", "room_head", "room head passphrase"),
}
ID_NUMBER = "11010519491231002X"


def examsite(
    data_dir: Path, *args: str, lines: dict[str, list[str]] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``examsite`` in a new process; ``lines`` maps an option (e.g. --passphrase-fd) to the lines
    its pipe carries. The same list object under two options shares one pipe."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("EXAMSITE_")}
    env |= {"EXAMSITE_DATA_DIR": str(data_dir), "EXAMSITE_TEST_WEAK_KDF": "1", "PYTHONPATH": str(ROOT)}
    argv = [sys.executable, "-m", "examsite.cli.main", *args]
    fds: list[int] = []
    pipes: dict[int, int] = {}
    try:
        for option, content in (lines or {}).items():
            if id(content) not in pipes:
                read_end, write_end = os.pipe()
                os.write(write_end, "".join(line + "\n" for line in content).encode("utf-8"))
                os.close(write_end)
                pipes[id(content)] = read_end
                fds.append(read_end)
            argv += [option, str(pipes[id(content)])]
        return subprocess.run(
            argv, env=env, pass_fds=fds, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL
        )
    finally:
        for fd in fds:
            os.close(fd)


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def refused(result: subprocess.CompletedProcess[str], code: str) -> str:
    assert result.returncode == 2, result.stdout + result.stderr
    assert f"error[{code}]" in result.stderr, result.stderr
    # one line for a person, no traceback
    assert "Traceback" not in result.stderr
    return result.stderr


@pytest.mark.slow
def test_three_people_two_signatures_and_the_heads_confirmation(tmp_path: Path) -> None:
    site = tmp_path / "site"
    ok(
        examsite(
            site,
            "init",
            "--institution-code",
            "HB-0427",
            "--institution-name",
            "武汉市某职业技能评价机构",
            "--site-code",
            "S01",
            "--site-name",
            "第一考点",
            "--room",
            "101",
        )
    )
    assert "fingerprint" in ok(examsite(site, "roster", "init", lines={"--passphrase-fd": [ISSUER]}))

    for staff_no, (name, role, passphrase) in PEOPLE.items():
        if staff_no == "S1":
            # both passphrases on one descriptor, one per line
            shared = [passphrase, ISSUER]
            fds = {"--passphrase-fd": shared, "--issuer-passphrase-fd": shared}
        else:
            fds = {"--passphrase-fd": [passphrase], "--issuer-passphrase-fd": [ISSUER]}
        out = ok(
            examsite(
                site, "staff", "enroll", "--staff-no", staff_no, "--name", name, "--role", role, lines=fds
            )
        )
        assert f"enrolled {staff_no}" in out
    # nothing secret ever went through argv: the keystores hold no plaintext passphrase either
    for keystore in (site / "keys").rglob("*.keystore"):
        assert b"passphrase" not in keystore.read_bytes()

    out = ok(
        examsite(
            site,
            "incident",
            "create",
            "--by",
            "S1",
            "--room",
            "101",
            "--subject-kind",
            "candidate",
            "--subject-name",
            "张三",
            "--id-number",
            ID_NUMBER,
            "--admission-number",
            "A0001",
            "--seat",
            "12",
            "--article",
            "6.1",
            "--facts",
            "考生在座位上使用手机拍摄试题。",
            "--handling",
            "监考人员当场收缴手机，开具暂扣收据。",
            "--occurred-at",
            "2026-06-13T09:14",
            "--acknowledgement",
            "refused",
            "--acknowledgement-note",
            "考生拒绝签字",
            "--witness",
            "李四:invigilator:S1",
        )
    )
    incident = re.search(r"incident ([0-9a-f-]{36})", out).group(1)  # type: ignore[union-attr]
    assert "to complete before signing" not in out

    def sign(staff_no: str, *extra: str, passphrase: str | None = None) -> subprocess.CompletedProcess[str]:
        secret = passphrase or PEOPLE[staff_no][2]
        return examsite(
            site,
            "incident",
            *extra,
            incident[:8],
            "--staff-no",
            staff_no,
            lines={"--passphrase-fd": [secret]},
        )

    assert "incident is draft" in ok(sign("S1", "sign"))
    # the same person twice is refused (the other refusals run in-process below)
    refused(sign("S1", "sign"), "same_signer_twice")
    assert "incident is signed" in ok(sign("S2", "sign"))
    assert "incident is confirmed" in ok(sign("H1", "confirm"))

    verified = examsite(site, "incident", "verify", incident)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "verified: incident" in verified.stdout
    assert "co-signed by S1" in verified.stdout
    assert "co-signed by S2" in verified.stdout
    assert "confirmed by H1" in verified.stdout

    # a byte changed in the stored record is named
    db = sqlite3.connect(site / "examsite.sqlite3")
    try:
        record = db.execute("SELECT record FROM incident_version").fetchone()[0]
        db.execute(
            "UPDATE incident_version SET record = ?", (record.replace("张三".encode(), "张四".encode()),)
        )
        db.commit()
    finally:
        db.close()
    broken = examsite(site, "incident", "verify", incident)
    assert broken.returncode == 1
    assert "error[record_changed]" in broken.stdout
    assert "NOT verified" in broken.stdout


class InProcess:
    """``examsite`` through :func:`main` in this process (faster), passphrases still on pipes."""

    def __init__(self, capsys: pytest.CaptureFixture[str]) -> None:
        self.capsys = capsys

    def __call__(self, *args: str, lines: dict[str, list[str]] | None = None) -> tuple[int, str, str]:
        argv = list(args)
        fds = []
        try:
            for option, content in (lines or {}).items():
                read_end, write_end = os.pipe()
                os.write(write_end, "".join(line + "\n" for line in content).encode("utf-8"))
                os.close(write_end)
                fds.append(read_end)
                argv += [option, str(read_end)]
            code = main(argv)
        finally:
            for fd in fds:
                os.close(fd)
        captured = self.capsys.readouterr()
        return code, captured.out, captured.err


@pytest.fixture
def cli(data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> InProcess:
    monkeypatch.setenv("EXAMSITE_TEST_WEAK_KDF", "1")
    run = InProcess(capsys)
    assert (
        run(
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
        )[0]
        == 0
    )
    assert run("roster", "init", lines={"--passphrase-fd": [ISSUER]})[0] == 0
    for staff_no, (name, role, passphrase) in PEOPLE.items():
        code, _, err = run(
            "staff",
            "enroll",
            "--staff-no",
            staff_no,
            "--name",
            name,
            "--role",
            role,
            lines={"--passphrase-fd": [passphrase], "--issuer-passphrase-fd": [ISSUER]},
        )
        assert code == 0, err
    return run


def expect_refused(result: tuple[int, str, str], code: str) -> None:
    assert result[0] == 2, result
    assert f"error[{code}]" in result[2], result[2]


def test_staff_and_roster_commands(cli: InProcess, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    expect_refused(cli("roster", "init", lines={"--passphrase-fd": [ISSUER]}), "issuer_exists")
    expect_refused(
        cli(
            "staff",
            "enroll",
            "--staff-no",
            "S9",
            "--name",
            "甲",
            "--role",
            "invigilator",
            lines={"--passphrase-fd": ["too short"], "--issuer-passphrase-fd": [ISSUER]},
        ),
        "weak_passphrase",
    )
    expect_refused(
        cli(
            "staff",
            "enroll",
            "--staff-no",
            "S9",
            "--name",
            "甲",
            "--role",
            "invigilator",
            lines={
                "--passphrase-fd": ["long enough passphrase"],
                "--issuer-passphrase-fd": ["wrong issuer pass"],
            },
        ),
        "bad_passphrase",
    )
    code, out, _ = cli("staff", "list")
    assert code == 0
    assert all(staff_no in out for staff_no in PEOPLE)
    assert "S9" not in out
    code, out, _ = cli(
        "staff",
        "rotate",
        "S1",
        "--note",
        "new laptop",
        lines={"--passphrase-fd": ["second passphrase"], "--issuer-passphrase-fd": [ISSUER]},
    )
    assert code == 0
    assert "superseded" in out
    code, out, _ = cli(
        "staff", "revoke", "S2", "--reason", "withdrawn", lines={"--issuer-passphrase-fd": [ISSUER]}
    )
    assert code == 0
    assert "revoked key" in out
    code, out, _ = cli("staff", "list")
    assert "revoked" in out
    code, out, _ = cli("roster", "show")
    assert "version 6" in out
    assert "(this installation)" in out
    assert "revoked (withdrawn)" in out
    fingerprint = re.search(r"issuer fingerprint ([0-9A-F ]+)", out).group(1)  # type: ignore[union-attr]
    roster_file = tmp_path / "roster.json"
    assert cli("roster", "export", str(roster_file))[0] == 0
    # a second installation (the city centre) pins the fingerprint and imports the roster
    monkeypatch.setenv("EXAMSITE_DATA_DIR", str(tmp_path / "centre"))
    expect_refused(cli("roster", "import", str(roster_file)), "not_found")
    code, out, _ = cli("roster", "import", str(roster_file), "--pin", fingerprint)
    assert code == 0
    assert "accepted roster version 6 of HB1 (4 keys)" in out
    code, out, _ = cli("roster", "show", "--issuer", "HB1")
    assert "this installation" not in out
    code, out, _ = cli("staff", "list")
    assert "no staff enrolled" in out


def test_incident_commands_and_their_refusals(cli: InProcess, tmp_path: Path) -> None:
    code, out, _ = cli("incident", "list")
    assert "no incidents" in out
    code, out, _ = cli("incident", "mark", "--room", "101", "--by", "S1")
    incident = re.search(r"incident ([0-9a-f-]{36})", out).group(1)  # type: ignore[union-attr]
    fields = tmp_path / "record.json"
    fields.write_text(
        json.dumps(
            {
                "subject": {
                    "kind": "candidate",
                    "name": "张三",
                    "id_number": ID_NUMBER,
                    "admission_number": "A1",
                    "seat": "3",
                },
                "article": "6.1",
                "occurred_at": "2026-06-13T01:14:00.000Z",
                "facts": "事实",
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    code, out, err = cli("incident", "create", "--incident", incident, "--json", str(fields))
    assert code == 0, err
    assert "version 1 of 1" in out
    assert "to complete before signing" in out  # the on-site handling is missing
    expect_refused(
        cli("incident", "sign", incident, "--staff-no", "S1", lines={"--passphrase-fd": [PEOPLE["S1"][2]]}),
        "record_incomplete",
    )
    code, out, _ = cli(
        "incident",
        "amend",
        incident,
        "--reason",
        "补充现场处置",
        "--handling",
        "收缴手机",
        "--seat",
        "4",
        "--acknowledgement",
        "refused",
        "--reminder",
        "none",
        "--witness",
        "李四:invigilator:S1",
    )
    assert code == 0, out
    assert "version 2 of 2" in out
    assert "amended   补充现场处置" in out

    def sign(verb: str, staff_no: str, passphrase: str | None = None, *extra: str) -> tuple[int, str, str]:
        return cli(
            "incident",
            verb,
            incident,
            "--staff-no",
            staff_no,
            *extra,
            lines={"--passphrase-fd": [passphrase or PEOPLE[staff_no][2]]},
        )

    expect_refused(sign("sign", "S1", None, "--version", "1"), "stale_version")
    expect_refused(sign("sign", "H1"), "wrong_role")
    expect_refused(sign("sign", "S2", "not the passphrase"), "bad_passphrase")
    expect_refused(sign("confirm", "H1"), "wrong_state")
    assert sign("sign", "S1")[0] == 0
    assert sign("sign", "S2", None, "--role", "examiner")[0] == 0
    expect_refused(sign("confirm", "S1"), "wrong_role")
    assert sign("confirm", "H1")[0] == 0
    code, out, _ = cli("incident", "show", incident)
    assert out.count("co-signed") == 2
    assert "confirmed" in out
    code, out, _ = cli("incident", "list", "--state", "confirmed")
    assert incident[:8] in out
    assert "2 sig, confirmed" in out
    code, out, _ = cli("incident", "verify", incident)
    assert code == 0, out
    code, out, _ = cli("incident", "show", incident, "--version", "1", "--json")
    assert code == 0
    assert '"seat":"3"' in out
    code, out, _ = cli("incident", "verify", incident, "--version", "1")
    assert code == 1
    assert "error[missing_signatures]" in out
    expect_refused(
        cli("incident", "amend", incident, "--reason", "x", "--json", str(tmp_path / "no.json")), "not_found"
    )
    (tmp_path / "list.json").write_text("[1]", encoding="utf-8")
    expect_refused(
        cli("incident", "amend", incident, "--reason", "x", "--json", str(tmp_path / "list.json")),
        "invalid_input",
    )
    (tmp_path / "bad.json").write_text("{", encoding="utf-8")
    expect_refused(
        cli("incident", "amend", incident, "--reason", "x", "--json", str(tmp_path / "bad.json")),
        "invalid_input",
    )
    expect_refused(cli("incident", "create", "--evidence", "a" * 64), "not_found")
    expect_refused(cli("incident", "create", "--subject-name", "张三"), "invalid_input")


def _on_terminal(data_dir: Path, args: list[str], answers: list[str]) -> tuple[int, str]:
    """Run ``examsite`` on a pseudo-terminal and type ``answers`` at its hidden prompts (getpass reads
    the controlling terminal, not stdin, so this is the path a person at the keyboard takes)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("EXAMSITE_")}
    env |= {"EXAMSITE_DATA_DIR": str(data_dir), "EXAMSITE_TEST_WEAK_KDF": "1", "PYTHONPATH": str(ROOT)}
    import pty  # POSIX only, like this whole module

    pid, fd = pty.fork()
    if pid == 0:  # pragma: no cover - the child becomes examsite
        os.execve(sys.executable, [sys.executable, "-m", "examsite.cli.main", *args], env)
    output = b""
    pending = list(answers)
    try:
        while True:
            ready, _, _ = select.select([fd], [], [], 30)
            assert ready, f"no output from examsite for 30 s: {output!r}"
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            output += chunk
            # answer each prompt once it appears (prompts end with ": ")
            if pending and output.rstrip(b" ").endswith(b":"):
                os.write(fd, pending.pop(0).encode("utf-8") + b"\n")
    finally:
        os.close(fd)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), output.decode("utf-8", "replace")


@pytest.mark.slow
def test_passphrases_typed_at_a_hidden_prompt(tmp_path: Path) -> None:
    site = tmp_path / "site"
    ok(
        examsite(
            site,
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
        )
    )
    typed = "green tea at nine"
    code, out = _on_terminal(site, ["roster", "init"], [typed, "typed differently"])
    assert code == 2, out
    assert "passphrase_mismatch" in out
    code, out = _on_terminal(site, ["roster", "init"], [typed, typed])
    assert code == 0, out
    assert "fingerprint" in out
    # hidden: the typed passphrase is not echoed back to the terminal
    assert typed not in out
