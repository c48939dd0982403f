"""``examsite bundle keygen|export|verify|import`` end to end, through the real command line."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from examsite.cli.main import main
from examsite.config import Paths
from examsite.identity.staff import enrol_staff, issuer_info
from examsite.store.engine import Store
from tests.support.bundle_factory import SITE_KEY_PASS, confirmed
from tests.support.signing import ISSUER_PASS, WEAK, full_site


def _fd_with(text: str) -> int:
    read, write = os.pipe()
    os.write(write, text.encode() + b"\n")
    os.close(write)
    return read


def _export(recipients: list[str], incident: str, out: Path, *extra: str) -> int:
    """``examsite bundle export`` with the site key's passphrase on a pipe."""
    fd = _fd_with(SITE_KEY_PASS)
    try:
        return main(
            [
                *("bundle", "export", *(arg for r in recipients for arg in ("--recipient", r))),
                *("--incident", incident[:8], "--out", str(out), "--passphrase-fd", str(fd), *extra),
            ]
        )
    finally:
        os.close(fd)


@pytest.mark.parametrize("kind", ["x25519", "pq"])
def test_keygen_export_verify_import(
    kind: str,
    store: Store,
    paths: Paths,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("EXAMSITE_TEST_WEAK_KDF", "1")
    site = full_site(store, paths, people=("S1", "S2", "H1"))
    enrol_staff(
        store,
        paths,
        staff_no="S01",
        name="第一考点设备",
        roles=["site_device"],
        passphrase=SITE_KEY_PASS,
        issuer_passphrase=ISSUER_PASS,
        kdf=WEAK,
    )
    incident = confirmed(site, os.urandom(20_000), "a.mp4")
    with store.session() as session:
        pin = issuer_info(session).fingerprint  # type: ignore[union-attr]

    keygen = ["bundle", "keygen", *(["--pq"] if kind == "pq" else [])]
    identity_file = tmp_path / "centre.key"
    assert main([*keygen, "--out", str(identity_file)]) == 0
    out = capsys.readouterr().out
    recipient = next(line.split(": ")[1] for line in out.splitlines() if line.startswith("public key"))
    assert recipient.startswith("age1")
    assert recipient.startswith("age1pq1") == (kind == "pq")
    secret = identity_file.read_text().splitlines()[2]
    assert secret.startswith("AGE-SECRET-KEY-PQ-1" if kind == "pq" else "AGE-SECRET-KEY-1")
    assert main(["bundle", "keygen", "--out", str(identity_file)]) == 2  # never overwritten
    assert "error[bad_identity]" in capsys.readouterr().err

    bundle = tmp_path / "case.age"
    assert _export([recipient], incident, bundle, "--actor", "S1") == 0
    slip = capsys.readouterr().out
    assert "SHA-256" in slip
    assert "移交人" in slip

    assert main(["bundle", "verify", str(bundle), "--identity", str(identity_file), "--trust", pin]) == 0
    assert "bundle OK" in capsys.readouterr().out
    assert list(paths.quarantine.iterdir()) == []

    # the site's own store pins its issuer, so import works here too (as on a single test machine)
    assert main(["bundle", "import", str(bundle), "--identity", str(identity_file), "--actor", "clerk"]) == 0
    assert "imported into" in capsys.readouterr().out
    assert main(["bundle", "import", str(bundle), "--identity", str(identity_file)]) == 2
    assert "error[replayed_bundle]" in capsys.readouterr().err

    wrong = tmp_path / "other.key"
    assert main([*keygen, "--out", str(wrong)]) == 0
    capsys.readouterr()
    assert main(["bundle", "verify", str(bundle), "--identity", str(wrong), "--trust", pin]) == 2
    assert "error[wrong_recipient]" in capsys.readouterr().err
    assert list(paths.quarantine.iterdir()) == []

    if kind == "pq":  # one bundle takes one kind of key: a mix is refused and nothing is written
        classical = tmp_path / "classical.key"
        assert main(["bundle", "keygen", "--out", str(classical)]) == 0
        x25519_recipient = classical.read_text().splitlines()[1].removeprefix("# public key: ")
        capsys.readouterr()
        mixed = tmp_path / "mixed.age"
        assert _export([recipient, x25519_recipient], incident, mixed) == 2
        err = capsys.readouterr().err
        assert "error[bad_recipient]" in err
        assert "keygen --pq" in err
        assert not mixed.exists()
