"""Export -> verify round trips with several records and clips, and every refusal of the writer."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from pathlib import Path

import pytest
from pyrage import x25519

from examsite.bundle import age
from examsite.bundle import writer as writer_module
from examsite.bundle.errors import HINTS, BundleError
from examsite.bundle.format import Kind
from examsite.bundle.reader import KnownBundles, verify_bundle
from examsite.bundle.recipients import generate_identity, recipient_fingerprint
from examsite.bundle.writer import BundleRequest, EvidenceFile, write_bundle
from examsite.identity.keys import LocalSigner, fingerprint, generate_private_key
from examsite.identity.roster import RosterTrust
from tests.support.bundle_factory import Keys, confirmed_record, evidence_file, make_entries, request


def _verify(path: Path, keys: Keys, tmp_path: Path, **kwargs: object):  # type: ignore[no-untyped-def]
    return verify_bundle(
        path, identities=[keys.recipient], trust=keys.trust(), quarantine=tmp_path / "quarantine", **kwargs
    )


def test_round_trip_with_several_records_and_clips(tmp_path: Path) -> None:
    keys = Keys()
    req = request(keys, tmp_path / "site", records=4, clip_size=200_000)
    steps: list[tuple[int, int]] = []
    written = write_bundle(
        tmp_path / "case.age", req, progress=lambda done, total: steps.append((done, total))
    )
    assert written.sha256 == hashlib.sha256(written.path.read_bytes()).hexdigest()
    assert written.size == written.path.stat().st_size
    assert not (tmp_path / "case.age.part").exists()
    assert [done for done, _ in steps] == sorted(done for done, _ in steps)
    assert steps[-1][0] == steps[-1][1]

    bundle = _verify(written.path, keys, tmp_path)
    assert bundle.manifest == written.manifest
    assert bundle.sha256 == written.sha256
    assert [r.ref.incident_id for r in bundle.records] == ["inc-000", "inc-001", "inc-002", "inc-003"]
    for item in req.records:
        (verified,) = [r for r in bundle.records if r.ref.incident_id == item.incident_id]
        assert verified.record == item.record
        assert verified.record_sha256 == hashlib.sha256(item.record).hexdigest()
        assert verified.envelopes == item.envelopes
    for evidence in req.evidence:
        assert (bundle.folder / "evidence" / evidence.sha256).read_bytes() == evidence.path.read_bytes()
    assert bundle.audit.tree_size == 5
    assert bundle.audit.previous_size == 0
    assert len(bundle.audit.entries) == 5
    assert bundle.roster.roster.version == keys.roster().version
    # every member the manifest lists is in the folder with its hash
    for member in bundle.manifest.members:
        assert hashlib.sha256((bundle.folder / member.path).read_bytes()).hexdigest() == member.sha256
    assert bundle.manifest.total_size == sum(m.size for m in bundle.manifest.members)
    assert {m.media_type for m in bundle.manifest.evidence} == {"video/mp4", "image/jpeg"}
    # the second recipient (the city centre) opens the same file
    centre = verify_bundle(
        written.path, identities=[keys.centre], trust=keys.trust(), quarantine=tmp_path / "centre"
    )
    assert centre.manifest == bundle.manifest
    centre.discard()
    bundle.discard()
    assert list((tmp_path / "quarantine").iterdir()) == []


def test_quarantined_evidence_is_handed_to_the_disk_as_it_streams(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Verify writes each evidence file into quarantine and starts the disk's write-back every
    _WRITE_BACK bytes (made small here), so the fsync at its end has little left; the file is whole."""
    from examsite.bundle import reader as reader_module

    keys = Keys()
    req = request(keys, tmp_path / "site", records=1, clip_size=300_000)
    written = write_bundle(tmp_path / "case.age", req)
    monkeypatch.setattr(reader_module, "_WRITE_BACK", 64 * 1024)
    kicked: list[tuple[int, int]] = []
    real = reader_module.forget_cached

    def forget(fd: int, offset: int = 0, length: int = 0) -> None:
        kicked.append((offset, length))
        real(fd, offset, length)

    monkeypatch.setattr(reader_module, "forget_cached", forget)
    bundle = _verify(written.path, keys, tmp_path)
    for evidence in req.evidence:
        assert (bundle.folder / "evidence" / evidence.sha256).read_bytes() == evidence.path.read_bytes()
    assert kicked
    assert all(length >= 64 * 1024 for _offset, length in kicked)
    # each clip's stretches follow each other from its start
    starts = [offset for offset, _length in kicked]
    assert starts.count(0) == len([e for e in req.evidence if e.size >= 64 * 1024])
    bundle.discard()


def test_replayed_bundle_is_refused(tmp_path: Path) -> None:
    keys = Keys()
    written = write_bundle(tmp_path / "b.age", request(keys, tmp_path / "site"))
    history = KnownBundles()
    first = _verify(written.path, keys, tmp_path, history=history)
    history.add(first)
    first.discard()
    with pytest.raises(BundleError) as caught:
        _verify(written.path, keys, tmp_path, history=history)
    assert caught.value.code == "replayed_bundle"
    # the same bundle id under another file hash (re-encrypted) is a replay too
    history.hashes.clear()
    with pytest.raises(BundleError, match="imported already"):
        _verify(written.path, keys, tmp_path, history=history)
    assert list((tmp_path / "quarantine").iterdir()) == []


def test_consecutive_exports_chain_their_audit_logs(tmp_path: Path) -> None:
    keys = Keys()
    log = make_entries(5)
    first = write_bundle(tmp_path / "1.age", request(keys, tmp_path / "s1", entries=log))
    longer = make_entries(4, log)
    second = write_bundle(
        tmp_path / "2.age", request(keys, tmp_path / "s2", entries=longer, previous_sizes=[5])
    )
    history = KnownBundles()
    one = _verify(first.path, keys, tmp_path, history=history)
    history.add(one)
    two = _verify(second.path, keys, tmp_path, history=history)
    assert two.audit.previous_size == 5
    assert [e["seq"] for e in two.audit.entries] == [6, 7, 8, 9]
    assert [p.tree_size for p in two.audit.checked_against] == [5]
    history.add(two)
    one.discard()
    two.discard()
    # the site rewrote entry 3 and exported again from its rewritten log: the recipient notices
    forged = make_entries(5)
    forged[2].detail = "changed"
    rewritten = make_entries(4, make_entries(0, forged[:2]) + _rechain(forged[2:]))
    third = write_bundle(
        tmp_path / "3.age", request(keys, tmp_path / "s3", entries=rewritten, previous_sizes=[5])
    )
    with pytest.raises(BundleError) as caught:
        _verify(
            third.path,
            keys,
            tmp_path,
            history=KnownBundles(points={"WH-01": [*list(one.audit.checked_against), _point(one)]}),
        )
    assert caught.value.code == "audit_inconsistent"
    # an older bundle after a newer one is refused: import in the order exported
    with pytest.raises(BundleError, match="order exported") as caught:
        _verify(first.path, keys, tmp_path, history=KnownBundles(points={"WH-01": [_point(two)]}))
    assert caught.value.code == "audit_inconsistent"
    assert list((tmp_path / "quarantine").iterdir()) == []


def _point(bundle):  # type: ignore[no-untyped-def]
    from examsite.bundle.auditlog import AuditPoint

    return AuditPoint(bundle.audit.tree_size, bundle.audit.root_hash)


def _rechain(entries):  # type: ignore[no-untyped-def]
    """Re-hash ``entries`` after an edit, as a site rewriting its own log would."""
    from examsite.audit.log import entry_hash

    out = []
    prev = entries[0].prev_hash
    for entry in entries:
        entry.prev_hash = prev
        entry.entry_hash = entry_hash(
            entry.seq,
            entry.at,
            entry.actor,
            entry.action,
            entry.object_type,
            entry.object_id,
            entry.content_sha256,
            entry.detail,
            entry.prev_hash,
        )
        prev = entry.entry_hash
        out.append(entry)
    return out


def test_a_record_without_enough_signatures_is_refused(tmp_path: Path) -> None:
    keys = Keys()
    req = request(keys, tmp_path / "site", records=2)
    broken = req.records[1]
    weak = type(broken)(
        broken.incident_id, broken.version, broken.record, broken.envelopes[1:], broken.evidence
    )
    written = write_bundle(tmp_path / "b.age", _replace(req, records=(req.records[0], weak)))
    with pytest.raises(BundleError) as caught:
        _verify(written.path, keys, tmp_path)
    assert caught.value.code == "record_signature"
    assert "inc-001" in caught.value.message
    assert "missing_signatures" in caught.value.message or "confirmation_mismatch" in caught.value.message
    assert list((tmp_path / "quarantine").iterdir()) == []


def test_a_custom_record_verifier_is_called_with_the_quarantined_evidence(tmp_path: Path) -> None:
    keys = Keys()
    req = request(keys, tmp_path / "site", records=1)
    written = write_bundle(tmp_path / "b.age", req)
    seen: list[dict[str, Path]] = []

    def refuse(record: bytes, envelopes: object, roster: object, evidence: dict[str, Path]) -> None:
        seen.append(dict(evidence))
        from examsite.errors import InvalidInput

        raise InvalidInput("the adjudicator's own rule says no", code="custom_rule")

    with pytest.raises(BundleError) as caught:
        _verify(written.path, keys, tmp_path, record_verifier=refuse)
    assert caught.value.code == "record_signature"
    assert "[custom_rule]" in caught.value.message
    assert set(seen[0]) == {item.sha256 for item in req.evidence}
    assert all(str(path).startswith(str(tmp_path / "quarantine")) for path in seen[0].values())


def test_an_untrusted_institution_key_is_refused(tmp_path: Path) -> None:
    keys = Keys()
    written = write_bundle(tmp_path / "b.age", request(keys, tmp_path / "site"))
    other = LocalSigner(generate_private_key())
    with pytest.raises(BundleError) as caught:
        verify_bundle(
            written.path,
            identities=[keys.recipient],
            trust=RosterTrust(frozenset({fingerprint(other.public_key)})),
            quarantine=tmp_path / "quarantine",
        )
    assert caught.value.code == "roster_untrusted"
    assert "[unpinned_issuer]" in caught.value.message


def test_no_identity_is_refused(tmp_path: Path) -> None:
    with pytest.raises(BundleError) as caught:
        verify_bundle(tmp_path / "x.age", identities=[], trust=Keys().trust(), quarantine=tmp_path / "q")
    assert caught.value.code == "bad_identity"


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    keys = Keys()
    with pytest.raises(BundleError) as caught:
        _verify(tmp_path / "nothing.age", keys, tmp_path)
    assert "cannot be read" in caught.value.message
    assert list((tmp_path / "quarantine").iterdir()) == []


# --- the writer's refusals ----------------------------------------------------------------------


def _replace(req: BundleRequest, **changes: object) -> BundleRequest:
    from dataclasses import replace

    return replace(req, **changes)  # type: ignore[arg-type]


def _refused(tmp_path: Path, req: BundleRequest, code: str, **kwargs: object) -> BundleError:
    out = tmp_path / "out.age"
    with pytest.raises(BundleError) as caught:
        write_bundle(out, req, **kwargs)  # type: ignore[arg-type]
    assert caught.value.code == code, caught.value
    assert not out.exists()
    assert not out.with_name("out.age.part").exists()
    return caught.value


def test_evidence_changed_before_export(tmp_path: Path) -> None:
    keys = Keys()
    req = request(keys, tmp_path / "site")
    victim = req.evidence[1].path
    victim.write_bytes(victim.read_bytes()[:-1] + b"X")
    error = _refused(tmp_path, req, "evidence_changed")
    assert str(victim) in error.message


def test_evidence_grown_shrunk_or_gone(tmp_path: Path) -> None:
    keys = Keys()
    req = request(keys, tmp_path / "site")
    victim = req.evidence[1].path
    original = victim.read_bytes()
    victim.write_bytes(original + b"more")
    _refused(tmp_path, req, "evidence_changed")
    victim.write_bytes(original[:-10])
    _refused(tmp_path, req, "evidence_changed")
    victim.unlink()
    assert "cannot be read" in _refused(tmp_path, req, "evidence_changed").message


def test_evidence_changed_while_the_bundle_streams(tmp_path: Path) -> None:
    """Evidence is re-hashed as it streams: a file changed after the manifest was signed aborts."""
    keys = Keys()
    req = request(keys, tmp_path / "site", clip_size=3 << 20)
    # evidence streams in hash order: change the last file while the first one streams
    victim = max(req.evidence, key=lambda item: item.sha256).path
    changed: list[bool] = []

    def meddle(done: int, total: int) -> None:
        if done > 0 and not changed:
            with open(victim, "r+b") as fh:
                fh.seek(-1, 2)
                fh.write(b"\x00")
            changed.append(True)

    _refused(tmp_path, req, "evidence_changed", progress=meddle)
    assert changed


def test_cancel_leaves_nothing(tmp_path: Path) -> None:
    keys = Keys()
    req = request(keys, tmp_path / "site", clip_size=3 << 20)
    calls = []

    def cancelled() -> bool:
        calls.append(1)
        return len(calls) > 5

    _refused(tmp_path, req, "export_cancelled", cancelled=cancelled)


def test_writer_refuses_a_roster_without_the_site_device_key(tmp_path: Path) -> None:
    keys = Keys()
    req = request(keys, tmp_path / "site")
    as_staff = _replace(req, roster_envelope=keys.roster_envelope(site_roles=("invigilator",)))
    assert "site_device" in (_refused(tmp_path, as_staff, "site_key_untrusted").hint or "")
    other_site = _replace(req, roster_envelope=keys.roster_envelope(site_code="WH-99"))
    _refused(tmp_path, other_site, "site_key_untrusted")
    stranger = _replace(req, signer=LocalSigner(generate_private_key()))
    _refused(tmp_path, stranger, "site_key_untrusted")
    not_a_roster = _replace(req, roster_envelope=req.records[0].envelopes[0])
    _refused(tmp_path, not_a_roster, "roster_untrusted")


def test_writer_refuses_bad_requests(tmp_path: Path) -> None:
    keys = Keys()
    req = request(keys, tmp_path / "site")
    _refused(tmp_path, _replace(req, recipients=("age1notakey",)), "bad_recipient")
    _refused(tmp_path, _replace(req, recipients=()), "bad_recipient")
    twice = (keys.recipients[0], keys.recipients[0].upper())
    _refused(tmp_path, _replace(req, recipients=twice), "bad_recipient")
    _refused(tmp_path, _replace(req, records=()), "manifest_invalid")
    _refused(tmp_path, _replace(req, evidence=(*req.evidence, req.evidence[0])), "manifest_invalid")
    _refused(tmp_path, _replace(req, evidence=req.evidence[:1]), "evidence_missing")
    stray = evidence_file(tmp_path / "stray", b"not named by any record")
    _refused(tmp_path, _replace(req, evidence=(*req.evidence, stray)), "manifest_invalid")
    (tmp_path / "out.age").write_bytes(b"an earlier bundle")
    with pytest.raises(BundleError, match="never overwritten"):
        write_bundle(tmp_path / "out.age", req)
    assert (tmp_path / "out.age").read_bytes() == b"an earlier bundle"


def test_a_record_may_list_evidence_twice_and_versions_sort(tmp_path: Path) -> None:
    keys = Keys()
    clip = evidence_file(tmp_path / "ev", b"clip bytes " * 100)
    v2 = confirmed_record(keys, "inc-7", [clip, clip], version=2)
    v1 = confirmed_record(keys, "inc-7", [clip], version=1)
    req = _replace(request(keys, tmp_path / "site", records=1), records=(v2, v1), evidence=(clip,))
    written = write_bundle(tmp_path / "b.age", req)
    assert [(r.incident_id, r.version) for r in written.manifest.records] == [("inc-7", 1), ("inc-7", 2)]
    assert _verify(written.path, keys, tmp_path).records[1].ref.version == 2


def test_every_error_code_has_a_hint_and_unknown_codes_are_bugs() -> None:
    assert all(text.strip() for text in HINTS.values())
    error = BundleError("member_hash", "evidence/x changed")
    assert str(error) == f"evidence/x changed ({HINTS['member_hash']})"
    with pytest.raises(ValueError, match="unknown bundle error code"):
        BundleError("no_such_code", "typo")


def test_manifest_lists_kinds_and_sums(tmp_path: Path) -> None:
    keys = Keys()
    written = write_bundle(tmp_path / "b.age", request(keys, tmp_path / "site", records=1))
    kinds = [m.kind for m in written.manifest.members]
    assert kinds[:5] == [Kind.SUMS, Kind.ROSTER, Kind.CHECKPOINT, Kind.CONSISTENCY, Kind.AUDIT_ENTRIES]
    assert kinds[5:9] == [Kind.RECORD, Kind.SIGNATURE, Kind.SIGNATURE, Kind.SIGNATURE]
    doc = json.loads(written.manifest.to_payload())
    assert doc["recipients"] == sorted(doc["recipients"])
    assert written.manifest.member("SHA256SUMS").kind is Kind.SUMS
    with pytest.raises(BundleError) as caught:
        written.manifest.member("nope")
    assert caught.value.code == "missing_member"


def test_a_different_identity_than_listed(tmp_path: Path) -> None:
    keys = Keys()
    written = write_bundle(
        tmp_path / "b.age", request(keys, tmp_path / "site", recipients=[keys.recipients[1]])
    )
    with pytest.raises(BundleError) as caught:
        _verify(written.path, keys, tmp_path)
    assert caught.value.code == "wrong_recipient"
    both = verify_bundle(
        written.path,
        identities=[x25519.Identity.generate(), keys.centre],
        trust=keys.trust(),
        quarantine=tmp_path / "quarantine",
    )
    both.discard()


def test_evidence_file_paths_are_not_trusted_for_names(tmp_path: Path) -> None:
    """The member name comes from the hash, never from the file's own name on disk."""
    keys = Keys()
    req = request(keys, tmp_path / "site", records=1)
    moved = []
    for item in req.evidence:
        target = tmp_path / "elsewhere" / f"../odd name {item.sha256[:6]}.mp4"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(item.path.read_bytes())
        moved.append(EvidenceFile(item.sha256, item.size, item.media_type, target))
    written = write_bundle(tmp_path / "b.age", _replace(req, evidence=tuple(moved)))
    assert all(m.path == f"evidence/{m.sha256}" for m in written.manifest.evidence)


def test_a_full_device_is_a_named_error_and_leaves_nothing(tmp_path: Path) -> None:
    """/dev/full answers every write with ENOSPC: the .part file is a link to it."""
    keys = Keys()
    req = request(keys, tmp_path / "site", clip_size=200_000)
    (tmp_path / "full.age.part").symlink_to("/dev/full")
    error = _refused_at(tmp_path / "full.age", req)
    assert error.code == "write_failed"
    assert "No space" in error.message or "28" in error.message


def test_a_full_disk_is_a_named_error_and_leaves_nothing(tmp_path: Path) -> None:
    """A real EFBIG from the kernel (file size limit), in a child process so the limit stays there."""
    import subprocess
    import sys
    import textwrap

    script = textwrap.dedent(
        f"""
        import resource, signal, sys
        sys.path.insert(0, {str(Path(__file__).parents[2])!r})
        from pathlib import Path
        from examsite.bundle.errors import BundleError
        from examsite.bundle.writer import write_bundle
        from tests.support.bundle_factory import Keys, request
        work = Path({str(tmp_path)!r})
        req = request(Keys(), work / "site", clip_size=400_000)
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (300_000, 300_000))
        try:
            write_bundle(work / "full.age", req)
        except BundleError as exc:
            print(exc.code)
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.stdout.strip() == "write_failed", done.stderr
    assert not (tmp_path / "full.age").exists()
    assert not (tmp_path / "full.age.part").exists()


def test_a_bundle_that_changes_on_disk_before_it_is_renamed_fails_the_read_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The read-back decrypts what is on disk: bytes changed under it (a failing stick) are caught.
    The change comes when everything is written and before the last stretch is read back."""
    keys = Keys()
    req = request(keys, tmp_path / "site", clip_size=2 << 20)
    part = tmp_path / "b.age.part"
    damaged: list[bool] = []
    finish = writer_module._OnDisk.finish

    def corrupt_then_finish(disk: writer_module._OnDisk) -> None:
        with open(part, "r+b") as fh:
            fh.seek(-100, 2)
            byte = fh.read(1)
            fh.seek(-100, 2)
            fh.write(bytes([byte[0] ^ 0xFF]))
        damaged.append(True)
        finish(disk)

    monkeypatch.setattr(writer_module._OnDisk, "finish", corrupt_then_finish)
    error = _refused_at(tmp_path / "b.age", req)
    assert error.code == "readback_failed"
    assert damaged == [True]


def test_cancel_during_the_read_back_is_a_cancel(tmp_path: Path) -> None:
    keys = Keys()
    req = request(keys, tmp_path / "site", clip_size=2 << 20)
    streamed = sum(item.size for item in req.evidence)
    progress: list[int] = []
    error = _refused_at(
        tmp_path / "b.age",
        req,
        progress=lambda done, total: progress.append(done),
        cancelled=lambda: bool(progress) and progress[-1] > streamed,
    )
    assert error.code == "export_cancelled"


def _open_flags(path: Path) -> list[int]:
    """The open flags of every descriptor this process holds on ``path``."""
    flags = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            if os.readlink(f"/proc/self/fd/{fd}") != str(path):
                continue
            info = Path(f"/proc/self/fdinfo/{fd}").read_text()
        except OSError:  # closed meanwhile
            continue
        flags.append(int(info.split("flags:")[1].split()[0], 8))
    return flags


def test_the_read_back_reads_the_disk_not_the_page_cache(tmp_path: Path) -> None:
    """A USB stick that loses writes only shows it when the bytes come from the stick: the read-back
    opens the written file with O_DIRECT (on this file system) after fsync and dropping it from the
    cache, so afterwards none of the bundle sits in the page cache."""
    keys = Keys()
    req = request(keys, tmp_path / "site", clip_size=2 << 20)
    part = tmp_path / "b.age.part"
    streamed = sum(item.size for item in req.evidence)
    seen: list[list[int]] = []

    def look(done: int, total: int) -> None:
        if done > streamed and not seen:
            seen.append(_open_flags(part))

    written = write_bundle(tmp_path / "b.age", req, progress=look)
    probe = tmp_path / "probe"
    probe.write_bytes(b"x")
    fd = os.open(probe, os.O_RDONLY | os.O_DIRECT)  # ext4 here; the test needs a real disk
    os.close(fd)
    read_back = [flags for flags in seen[0] if not flags & os.O_WRONLY]
    assert read_back
    assert all(flags & os.O_DIRECT for flags in read_back)
    cached = subprocess.run(
        ["fincore", "--noheadings", "--output", "PAGES", str(written.path)],
        check=True,
        capture_output=True,
        text=True,
    )
    assert int(cached.stdout) == 0


def test_a_bundle_handed_to_the_disk_in_pieces_round_trips(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Large bundles start the disk's write-back every few MiB while they are written; with the step
    made small, a bundle of a few MiB goes through it several times and still reads back intact."""
    monkeypatch.setattr(writer_module, "_WRITE_BACK", 1 << 20)
    keys = Keys()
    written = write_bundle(tmp_path / "b.age", request(keys, tmp_path / "site", clip_size=3 << 20))
    assert written.size > 3 * writer_module._WRITE_BACK
    assert written.sha256 == hashlib.sha256(written.path.read_bytes()).hexdigest()
    assert _verify(written.path, keys, tmp_path).manifest.bundle_id == written.bundle_id


def _refused_at(out: Path, req: BundleRequest, **kwargs: object) -> BundleError:
    with pytest.raises(BundleError) as caught:
        write_bundle(out, req, **kwargs)  # type: ignore[arg-type]
    assert not out.exists()
    assert not out.with_name(out.name + ".part").exists()
    return caught.value


@pytest.mark.parametrize("meddling", ["shrink", "remove"])
def test_evidence_shrunk_or_removed_while_the_bundle_streams(tmp_path: Path, meddling: str) -> None:
    keys = Keys()
    req = request(keys, tmp_path / "site", clip_size=3 << 20)
    victim = max(req.evidence, key=lambda item: item.sha256).path  # streamed last
    done_once: list[bool] = []

    def meddle(done: int, total: int) -> None:
        if done > 0 and not done_once:
            if meddling == "shrink":
                victim.write_bytes(victim.read_bytes()[:-100])
            else:
                victim.unlink()
            done_once.append(True)

    error = _refused_at(tmp_path / "b.age", req, progress=meddle)
    assert error.code == "evidence_changed"
    assert ("cannot be read" in error.message) == (meddling == "remove")


def test_created_at_defaults_to_now_at_millisecond_precision(tmp_path: Path) -> None:
    keys = Keys()
    req = _replace(request(keys, tmp_path / "site", records=1), created_at=None, bundle_id=None)
    written = write_bundle(tmp_path / "b.age", req)
    assert written.manifest.created_at.microsecond % 1000 == 0
    assert _verify(written.path, keys, tmp_path).manifest.bundle_id == written.bundle_id


def test_hand_over_slip_names_the_bundle_and_its_contents(tmp_path: Path) -> None:
    from examsite.bundle.recipients import show_fingerprint
    from examsite.bundle.slip import slip_lines

    keys = Keys()
    written = write_bundle(tmp_path / "b.age", request(keys, tmp_path / "site", records=2, clip_size=2 << 20))
    lines = slip_lines(written.manifest, file_name="b.age", sha256=written.sha256, size=written.size)
    text = "\n".join(lines)
    assert lines[0] == "案卷包移交单 / Case bundle hand-over slip"
    assert written.bundle_id in text
    assert " ".join(written.sha256[i : i + 8] for i in range(0, 64, 8)) in text
    assert f"({written.size} bytes)" in text
    assert "MiB" in text
    assert "2026-05-16 09:00:00 (UTC+8)" in text  # T0 is 01:00 UTC
    for fp in written.manifest.recipients:
        assert show_fingerprint(fp) in text
    assert text.count("违纪违规记录 / Record") == 2
    assert "inc-000 v1: 3 signatures, 2 evidence file(s)" in text
    assert "证据文件 / Evidence files: 3," in text
    assert "entries 1-5" in text
    assert lines[-2].startswith("移交人")
    assert lines[-1].startswith("接收人")


def test_a_roster_older_than_the_one_accepted_here_is_refused(tmp_path: Path) -> None:
    """A thief with an old roster could revive a revoked site key: the recipient's newest counts."""
    from examsite.identity.roster import RosterCheckpoint

    keys = Keys()
    written = write_bundle(tmp_path / "b.age", request(keys, tmp_path / "site", records=1))
    carried = written.manifest.roster
    seen: list[str] = []

    def accepted(version: int, sha: str) -> object:
        def lookup(issuer: str) -> RosterCheckpoint:
            seen.append(issuer)
            return RosterCheckpoint(version, sha)

        return lookup

    for version, sha, code in (
        (carried.version + 1, "0" * 64, "roster_untrusted"),
        (carried.version, "1" * 64, "roster_untrusted"),
    ):
        with pytest.raises(BundleError) as caught:
            _verify(written.path, keys, tmp_path, roster_last=accepted(version, sha))
        assert caught.value.code == code
        assert "re-export" in (caught.value.hint or "") or "export the bundle again" in (
            caught.value.hint or ""
        )
    for version, sha in ((carried.version, carried.payload_sha256), (carried.version - 1, "2" * 64)):
        _verify(written.path, keys, tmp_path, roster_last=accepted(version, sha)).discard()
    _verify(written.path, keys, tmp_path, roster_last=lambda issuer: None).discard()
    assert set(seen) == {carried.issuer_code}


def test_round_trip_to_post_quantum_recipients(tmp_path: Path) -> None:
    """An institution and a city centre with post-quantum keys: the bundle carries only
    mlkem768x25519 stanzas (the writer's one-time read-back key is post-quantum too, age does not
    mix the kinds), each opens it, and an X25519 key does not."""
    keys = Keys(recipient=generate_identity(pq=True), centre=generate_identity(pq=True))
    written = write_bundle(tmp_path / "case.age", request(keys, tmp_path / "site", records=2))
    header = age.parse_header(written.path.read_bytes()[: age.READ_BUFFER], complete=False)
    assert [stanza.args[0] for stanza in header.stanzas] == ["mlkem768x25519"] * 3
    assert set(written.manifest.recipients) == {recipient_fingerprint(text) for text in keys.recipients}
    bundle = _verify(written.path, keys, tmp_path)
    assert bundle.manifest == written.manifest
    assert [r.ref.incident_id for r in bundle.records] == ["inc-000", "inc-001"]
    bundle.discard()
    centre = verify_bundle(
        written.path,
        identities=[x25519.Identity.generate(), keys.centre],  # an identity file with both kinds
        trust=keys.trust(),
        quarantine=tmp_path / "centre",
    )
    centre.discard()
    with pytest.raises(BundleError) as caught:
        verify_bundle(
            written.path,
            identities=[x25519.Identity.generate()],
            trust=keys.trust(),
            quarantine=tmp_path / "q",
        )
    assert caught.value.code == "wrong_recipient"


def test_a_bundle_for_post_quantum_and_x25519_recipients_is_refused(tmp_path: Path) -> None:
    keys = Keys(recipient=generate_identity(pq=True))
    out = tmp_path / "case.age"
    with pytest.raises(BundleError) as caught:
        write_bundle(out, request(keys, tmp_path / "site"))
    assert caught.value.code == "bad_recipient"
    assert "cannot share a bundle" in caught.value.message
    assert not out.exists()
    assert not out.with_name("case.age.part").exists()
