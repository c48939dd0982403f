"""Bundles a rogue or careless site could sign itself: re-signed manifests over changed contents.

The age and tar layers are intact here and the manifest's hashes match its members, so only the
checks above them (site key in the roster, manifest fields, records, evidence) can refuse them.
"""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyrage
import pytest

from examsite.bundle.errors import BundleError
from examsite.bundle.reader import verify_bundle
from examsite.bundle.tarprofile import END_MARKER, header, padding
from examsite.bundle.writer import write_bundle
from examsite.canonical import canonical_bytes, sha256_hex
from examsite.identity.dsse import PayloadType, sign_envelope, unverified_fields
from examsite.identity.keys import LocalSigner, generate_private_key
from examsite.identity.roster import sign_roster
from tests.support.bundle_factory import Keys, request

Members = dict[str, bytes]


@pytest.fixture(scope="module")
def original(tmp_path_factory: pytest.TempPathFactory) -> tuple[Keys, Members, list[str]]:
    work = tmp_path_factory.mktemp("rogue")
    keys = Keys()
    written = write_bundle(work / "b.age", request(keys, work / "site", records=2))
    tar = pyrage.decrypt(written.path.read_bytes(), [keys.recipient])
    with tarfile.open(fileobj=io.BytesIO(tar)) as archive:
        pairs = [(i.name, archive.extractfile(i).read()) for i in archive]  # type: ignore[union-attr]
    return keys, dict(pairs), [name for name, _ in pairs]


def reseal(
    keys: Keys,
    members: Members,
    *,
    signer: LocalSigner | None = None,
    payload_type: str = PayloadType.MANIFEST,
    edit: Callable[[dict[str, Any]], None] | None = None,
) -> bytes:
    """Re-hash ``members``, rebuild SHA256SUMS, sign the (edited) manifest, tar and encrypt it."""
    small = dict(members)
    doc = json.loads(unverified_fields(small["manifest.dsse.json"])[1])
    if edit is not None:
        edit(doc)
    for member in doc["members"][1:]:
        data = small[member["path"]]
        member["size"], member["sha256"] = len(data), sha256_hex(data)
    sums = "".join(f"{m['sha256']}  {m['path']}\n" for m in doc["members"][1:]).encode()
    small["SHA256SUMS"] = sums
    doc["members"][0]["size"], doc["members"][0]["sha256"] = len(sums), sha256_hex(sums)
    small["manifest.dsse.json"] = sign_envelope(payload_type, canonical_bytes(doc), signer or keys.site)
    out = io.BytesIO()
    for name in ["manifest.dsse.json", *(m["path"] for m in doc["members"])]:
        data = small[name]
        out.write(header(name, len(data), 0) + data + bytes(padding(len(data))))
    out.write(END_MARKER)
    return pyrage.encrypt(out.getvalue(), [keys.recipient.to_public()])


def refused(keys: Keys, data: bytes, tmp_path: Path) -> BundleError:
    path = tmp_path / "rogue.age"
    path.write_bytes(data)
    with pytest.raises(BundleError) as caught:
        verify_bundle(path, identities=[keys.recipient], trust=keys.trust(), quarantine=tmp_path / "q")
    assert list((tmp_path / "q").iterdir()) == []
    return caught.value


def test_resealing_unchanged_members_is_accepted(
    original: tuple[Keys, Members, list[str]], tmp_path: Path
) -> None:
    keys, members, _ = original
    path = tmp_path / "same.age"
    path.write_bytes(reseal(keys, members))
    verify_bundle(path, identities=[keys.recipient], trust=keys.trust(), quarantine=tmp_path / "q").discard()


def test_manifest_signed_by_a_key_the_roster_does_not_list(
    original: tuple[Keys, Members, list[str]], tmp_path: Path
) -> None:
    keys, members, _ = original
    stranger = LocalSigner(generate_private_key())

    def claim(doc: dict[str, Any]) -> None:
        doc["site"]["key_id"] = stranger.key_id

    error = refused(keys, reseal(keys, members, signer=stranger, edit=claim), tmp_path)
    assert error.code == "site_key_untrusted"
    assert stranger.key_id in error.message


def test_manifest_signed_by_a_staff_key(original: tuple[Keys, Members, list[str]], tmp_path: Path) -> None:
    keys, members, _ = original

    def claim(doc: dict[str, Any]) -> None:
        doc["site"]["key_id"] = keys.staff_a.key_id

    error = refused(keys, reseal(keys, members, signer=keys.staff_a, edit=claim), tmp_path)
    assert error.code == "site_key_untrusted"
    assert "not an active site device key" in error.message


def test_manifest_signed_as_something_else(original: tuple[Keys, Members, list[str]], tmp_path: Path) -> None:
    keys, members, _ = original
    error = refused(keys, reseal(keys, members, payload_type=PayloadType.CHECKPOINT), tmp_path)
    assert error.code == "manifest_invalid"


def test_manifest_speaking_for_another_site(
    original: tuple[Keys, Members, list[str]], tmp_path: Path
) -> None:
    keys, members, _ = original

    def other_site(doc: dict[str, Any]) -> None:
        doc["site"]["code"] = "WH-99"

    assert refused(keys, reseal(keys, members, edit=other_site), tmp_path).code == "site_key_untrusted"


def test_manifest_naming_another_roster(original: tuple[Keys, Members, list[str]], tmp_path: Path) -> None:
    keys, members, _ = original

    def older(doc: dict[str, Any]) -> None:
        doc["roster"]["version"] = 1

    assert refused(keys, reseal(keys, members, edit=older), tmp_path).code == "manifest_invalid"


def test_site_key_demoted_in_the_carried_roster(
    original: tuple[Keys, Members, list[str]], tmp_path: Path
) -> None:
    keys, members, _ = original
    demoted = sign_roster(keys.roster(site_roles=("invigilator",)), keys.institution)
    changed = {**members, "roster.dsse.json": demoted}

    def name_it(doc: dict[str, Any]) -> None:
        doc["roster"]["payload_sha256"] = sha256_hex(unverified_fields(demoted)[1])

    assert refused(keys, reseal(keys, changed, edit=name_it), tmp_path).code == "site_key_untrusted"


def test_a_record_changed_after_signing(original: tuple[Keys, Members, list[str]], tmp_path: Path) -> None:
    keys, members, _ = original
    path = next(name for name in members if name.endswith("/record.json"))
    doc = json.loads(members[path])
    doc["facts"] = "考生未携带手机"  # the site rewrites the facts after the staff signed
    error = refused(keys, reseal(keys, {**members, path: canonical_bytes(doc)}), tmp_path)
    assert error.code == "record_signature"
    assert "record_changed" in error.message


def test_a_confirmation_dropped(original: tuple[Keys, Members, list[str]], tmp_path: Path) -> None:
    keys, members, _ = original
    record = next(name for name in members if name.endswith("/record.json"))
    folder = record.rsplit("/", 1)[0]
    # swap the confirmation for a third co-signature-shaped envelope by the same witness
    fake = members[f"{folder}/sig-1.dsse.json"]
    error = refused(keys, reseal(keys, {**members, f"{folder}/sig-3.dsse.json": fake}), tmp_path)
    assert error.code == "record_signature"


def test_evidence_swapped_for_other_bytes(original: tuple[Keys, Members, list[str]], tmp_path: Path) -> None:
    """A site that swaps a clip must rename it (it is named by hash); the signed record then names a
    file the bundle does not carry."""
    keys, members, order = original
    old = next(name for name in order if name.startswith("evidence/") and len(members[name]) > 100)
    new_bytes = b"a different clip" * 100
    new = f"evidence/{hashlib.sha256(new_bytes).hexdigest()}"
    changed = {k: v for k, v in members.items() if k != old}
    changed[new] = new_bytes
    old_sha, new_sha = old.removeprefix("evidence/"), new.removeprefix("evidence/")

    def rename(doc: dict[str, Any]) -> None:
        for record in doc["records"]:
            record["evidence"] = sorted(new_sha if e == old_sha else e for e in record["evidence"])
        for member in doc["members"]:
            if member["path"] == old:
                member.update(path=new, sha256=new_sha, size=len(new_bytes))
        evidence = sorted((m for m in doc["members"] if m["kind"] == "evidence"), key=lambda m: m["path"])
        doc["members"] = [m for m in doc["members"] if m["kind"] != "evidence"] + evidence

    error = refused(keys, reseal(keys, changed, edit=rename), tmp_path)
    assert error.code == "evidence_missing"
    assert old_sha in error.message
