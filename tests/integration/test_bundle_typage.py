"""A post-quantum bundle opens with a second, independent age implementation: the age authors' own
TypeScript one (npm ``age-encryption``, "typage"), then ``tar -x`` and ``sha256sum -c``.

Debian's ``age`` (1.1) predates post-quantum recipients, so for ``age1pq1…`` keys this is the public
tool check of docs/bundle-format.md. The package is installed from its lock file
(``tests/support/typage``) into a cache folder the first time, with npm, as CI does.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from examsite.bundle import age
from examsite.bundle.agepq import HybridIdentity
from examsite.bundle.recipients import generate_identity, identity_recipient, write_identity
from examsite.bundle.writer import write_bundle
from tests.support.bundle_factory import Keys, request

SUPPORT = Path(__file__).resolve().parents[1] / "support" / "typage"

pytestmark = pytest.mark.skipif(
    not all(shutil.which(tool) for tool in ("node", "npm", "tar", "sha256sum")),
    reason="needs node and npm (tools/test installs them) and coreutils",
)


@pytest.fixture(scope="module")
def typage() -> Path:
    """A folder holding age.mjs and the locked age-encryption package, installed once per lock file."""
    lock = (SUPPORT / "package-lock.json").read_bytes()
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    folder = cache / "examsite-tests" / f"typage-{hashlib.sha256(lock).hexdigest()[:16]}"
    if not (folder / "node_modules" / "age-encryption" / "package.json").exists():
        staging = folder.with_name(folder.name + ".part")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        for name in ("package.json", "package-lock.json"):
            shutil.copyfile(SUPPORT / name, staging / name)
        done = subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts"],
            cwd=staging,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr
        shutil.rmtree(folder, ignore_errors=True)
        staging.rename(folder)
    shutil.copyfile(SUPPORT / "age.mjs", folder / "age.mjs")
    return folder


def node(typage: Path, *args: str | Path) -> str:
    done = subprocess.run(
        ["node", str(typage / "age.mjs"), *map(str, args)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def run(command: list[str], cwd: Path) -> str:
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"
    return done.stdout


def test_typage_opens_a_post_quantum_bundle_and_sha256sum_checks_it(typage: Path, tmp_path: Path) -> None:
    keys = Keys()
    centre = generate_identity(pq=True)
    req = replace(
        request(keys, tmp_path / "site", records=2, clip_size=200_000),
        recipients=(identity_recipient(centre),),
    )
    written = write_bundle(tmp_path / "case-bundle.age", req)
    assert b"-> mlkem768x25519 " in written.path.read_bytes()[:8192]
    write_identity(tmp_path / "centre.key", centre)

    node(typage, "decrypt", tmp_path / "centre.key", written.path, tmp_path / "case-bundle.tar")
    (tmp_path / "opened").mkdir()
    run(["tar", "-x", "-f", "case-bundle.tar", "-C", "opened"], tmp_path)
    checked = run(["sha256sum", "-c", "--strict", "SHA256SUMS"], tmp_path / "opened")
    assert checked.count(": OK") == len(written.manifest.members) - 1  # all but SHA256SUMS itself
    for item in req.evidence:
        assert (tmp_path / "opened" / "evidence" / item.sha256).read_bytes() == item.path.read_bytes()


def test_typage_refuses_a_post_quantum_bundle_to_someone_else(typage: Path, tmp_path: Path) -> None:
    keys = Keys()
    req = replace(
        request(keys, tmp_path / "site", records=1),
        recipients=(identity_recipient(generate_identity(pq=True)),),
    )
    written = write_bundle(tmp_path / "b.age", req)
    write_identity(tmp_path / "other.key", generate_identity(pq=True))
    done = subprocess.run(
        ["node", str(typage / "age.mjs"), "decrypt", "other.key", str(written.path), "out.tar"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    assert "no identity matched" in done.stderr.lower()
    assert not (tmp_path / "out.tar").exists()


def test_keys_and_files_made_by_typage_open_here(typage: Path, tmp_path: Path) -> None:
    """The other direction: typage's own post-quantum identity derives the same recipient here, and
    a file typage encrypts to it opens with examsite's age layer."""
    identity_text, recipient_text = node(typage, "keygen").split()
    identity = HybridIdentity.from_str(identity_text)
    assert str(identity.to_public()) == recipient_text
    plain = os.urandom(200_000)
    (tmp_path / "plain").write_bytes(plain)
    node(typage, "encrypt", recipient_text, tmp_path / "plain", tmp_path / "sealed.age")
    assert age.decrypt((tmp_path / "sealed.age").read_bytes(), [identity]) == plain
