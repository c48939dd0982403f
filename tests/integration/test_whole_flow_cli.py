"""The whole product from the command line, as a newcomer scripts it from the README.

Demo site → the recorder process records the demo camera → an incident is marked → its clip is cut
and a photo attached → the record is written → two staff co-sign and the head confirms → verify →
a case bundle is exported for the institution → the institution's own installation verifies and
imports it → the case is decided (art. 6(1): all scores cancelled, one-year ban) → the banned
candidate is refused on the next roster import. Real processes, real files, passphrases on file
descriptors; keystores at the test Argon2 cost.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from examsite.adjudication.workdays import WorkdayCalendar
from examsite.clock import SHANGHAI
from examsite.demo import DEMO_STAFF, RECIPIENT_FILE, SITE_DEVICE
from examsite.errors import ExamsiteError

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.slow, pytest.mark.skipif(sys.platform == "win32", reason="POSIX descriptors")]


def _env(data: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EXAMSITE_")}
    return env | {"EXAMSITE_DATA_DIR": str(data), "EXAMSITE_TEST_WEAK_KDF": "1", "PYTHONPATH": str(ROOT)}


def run(data: Path, *args: str, secret: str | None = None, expect: int = 0) -> str:
    argv = [sys.executable, "-m", "examsite.cli.main", *args]
    fds: list[int] = []
    if secret is not None:
        read_end, write_end = os.pipe()
        os.write(write_end, (secret + "\n").encode())
        os.close(write_end)
        fds.append(read_end)
        argv += ["--passphrase-fd", str(read_end)]
    try:
        result = subprocess.run(
            argv,
            env=_env(data),
            pass_fds=fds,
            capture_output=True,
            text=True,
            timeout=180,
            stdin=subprocess.DEVNULL,
        )
    finally:
        for fd in fds:
            os.close(fd)
    assert result.returncode == expect, f"{args}: {result.stdout}\n{result.stderr}"
    return result.stdout + result.stderr


def test_site_to_decision(tmp_path: Path) -> None:
    site, institution = tmp_path / "site", tmp_path / "institution"
    out = run(site, "demo")
    assert "DEMO-1" in out
    recorder = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "examsite.cli.main",
            "record",
            "--segment-seconds",
            "1",
            "--tamper-interval",
            "0",
        ],
        env=_env(site),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        time.sleep(4)  # let a few seconds be recorded before the incident happens
        marked = run(site, "incident", "mark", "--room", "演示考场", "--by", "D001")
        incident = marked.split()[2]
        clip = run(site, "incident", "clip", incident, "--before", "3", "--after", "2", "--wait", "60")
    finally:
        recorder.send_signal(signal.SIGTERM)
        assert recorder.wait(timeout=60) == 0
    clip_hash = clip.split("clip ")[1].split()[0]
    photo = tmp_path / "收缴的手机.jpg"
    photo.write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg, but a file of evidence all the same")
    attached = run(
        site, "incident", "attach", incident, str(photo), "--kind", "seized_item", "--receipt", "R-0001"
    )
    photo_hash = attached.split()[1]

    fields = {
        "subject": {
            "kind": "candidate",
            "name": "演示考生一",
            "id_number": "",
            "admission_number": "DEMO0001",
            "seat": "1",
        },
        "article": "6.1",
        "facts": "考生在座位上使用手机拍摄试题，监考人员当场发现。",
        "on_site_handling": "当场收缴手机，开具暂扣收据 R-0001，报告考场负责人。",
        "acknowledgement": {"kind": "refused", "note": "考生拒绝签字"},
    }
    from examsite.demo import _demo_id

    fields["subject"]["id_number"] = _demo_id(1)
    record_file = tmp_path / "record.json"
    record_file.write_text(json.dumps(fields, ensure_ascii=False), encoding="utf-8")
    run(
        site,
        "incident",
        "create",
        "--json",
        str(record_file),
        "--evidence",
        clip_hash,
        "--evidence",
        photo_hash,
        "--session",
        "DEMO-1",
        "--room",
        "演示考场",
    )
    # create resolves the marked moment by --json? the record is version 1 of a new incident id
    listed = run(site, "incident", "list")
    record_id = listed.split()[0] if incident[:8] not in listed.split()[0] else incident
    head, first, second = (p for p in sorted(DEMO_STAFF, key=lambda p: p.role != "room_head"))
    run(site, "incident", "sign", record_id, "--staff-no", first.staff_no, secret=first.passphrase)
    run(site, "incident", "sign", record_id, "--staff-no", first.staff_no, secret=first.passphrase, expect=2)
    run(site, "incident", "confirm", record_id, "--staff-no", head.staff_no, secret=head.passphrase, expect=2)
    run(site, "incident", "sign", record_id, "--staff-no", second.staff_no, secret=second.passphrase)
    run(site, "incident", "confirm", record_id, "--staff-no", head.staff_no, secret=head.passphrase)
    assert "verified:" in run(site, "incident", "verify", record_id)

    # the institution's own installation: a recipient key, and the institution roster pinned
    keygen = run(institution, "bundle", "keygen", "--out", str(tmp_path / "inst.agekey"))
    recipient = next(word for word in keygen.split() if word.startswith("age1"))
    bundle = tmp_path / "case.age"
    exported = run(
        site,
        "bundle",
        "export",
        "--recipient",
        recipient,
        "--incident",
        record_id,
        "--out",
        str(bundle),
        "--site-key",
        SITE_DEVICE.staff_no,
        secret=SITE_DEVICE.passphrase,
    )
    assert bundle.exists()
    assert "SHA-256" in exported or "sha256" in exported.lower()
    # the demo's own recipient cannot open a bundle that was not made for it
    run(site, "bundle", "verify", str(bundle), "--identity", str(site / "keys" / RECIPIENT_FILE), expect=2)
    roster = tmp_path / "roster.json"
    run(site, "roster", "export", str(roster))
    shown = run(site, "roster", "show")
    lines = shown.splitlines()
    fingerprint = next(line.split("fingerprint", 1)[1] for line in lines if "fingerprint" in line)
    run(institution, "roster", "import", str(roster), "--pin", fingerprint)
    verified = run(institution, "bundle", "verify", str(bundle), "--identity", str(tmp_path / "inst.agekey"))
    assert "ok" in verified.lower()
    run(institution, "bundle", "import", str(bundle), "--identity", str(tmp_path / "inst.agekey"))
    run(institution, "bundle", "import", str(bundle), "--identity", str(tmp_path / "inst.agekey"), expect=2)
    cases = run(institution, "case", "list")
    assert "6.1" in cases
    case_id = cases.split()[0]
    # the case is decided from today: the decision's review deadline needs the working-day calendar
    today = datetime.now(SHANGHAI).date()  # the institution works in Beijing time
    decided = run(institution, "case", "decide", case_id, "--decider", "ADJ-1", "--decider-name", "审理人")
    assert "6.1" in decided
    run(
        institution,
        "case",
        "notice",
        case_id,
        "--reference",
        "鄂评告〔2026〕1号",
        "--statement-until",
        str(today + timedelta(days=7)),
        "--route",
        "书面陈述至机构办公室",
        "--served-on",
        str(today),
    )
    decision_pdf = tmp_path / "decision.pdf"
    args = (
        "case",
        "decision",
        case_id,
        "--decider",
        "ADJ-1",
        "--decider-name",
        "审理人",
        "--reference",
        "鄂评决〔2026〕1号",
        "--party-stated",
        "--statement-summary",
        "当事人未陈述",
        "--review-route",
        "向武汉市职业技能鉴定指导中心书面申请复核",
        "--served-on",
        str(today),
        "--pdf",
        str(decision_pdf),
    )
    try:
        WorkdayCalendar().require_covered(today + timedelta(days=25))
    except ExamsiteError:
        # past the years the calendar covers, a deadline is refused, never guessed (art. 19)
        assert "calendar_not_covered" in run(institution, *args, expect=2)
        return
    run(institution, *args)
    text = subprocess.run(
        ["pdftotext", str(decision_pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "决定书" in text.replace(" ", "")
    assert "演示考生一" in text
    banned = run(institution, "bans", "check", _demo_id(1), "--on", str(today + timedelta(days=1)), expect=1)
    assert "6.1" in banned
