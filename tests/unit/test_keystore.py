"""Keystores: Argon2id + AES-256-GCM sealing, bound identity, limited tries that survive restarts."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from examsite.canonical import canonical_bytes
from examsite.errors import ExamsiteError, InvalidInput, NotFound, StoreUnavailable
from examsite.identity.errors import (
    AttemptLedgerCorrupt,
    BadPassphrase,
    KeystoreCorrupt,
    KeystoreLocked,
    WeakKeystore,
)
from examsite.identity.keys import key_id, verify_signature
from examsite.identity.keystore import (
    DEFAULT_MEMORY_KIB,
    MAX_FILE_BYTES,
    AttemptEvent,
    AttemptOutcome,
    AttemptState,
    FileAttemptLedger,
    KdfParams,
    LockoutPolicy,
    PublicIdentity,
    SigningKey,
    _seal,
    change_passphrase,
    create_keystore,
    derive_key,
    read_identity,
    unlock,
)
from examsite.identity.roster import Role

PASS = "青山 绿水 长流 2025"
WRONG = "青山 绿水 长流 2026"
# tests seal with a small Argon2id cost to stay fast; one test below uses the real default
FAST: dict[str, Any] = {"argon_memory_kib": 256, "argon_time_cost": 1, "allow_weak_kdf": True}
T0 = datetime(2025, 6, 1, 8, 0, tzinfo=UTC)


class FakeClock:
    """A settable clock: lockouts are tested by moving time, never by sleeping."""

    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def events() -> list[AttemptEvent]:
    return []


@pytest.fixture
def keystore(tmp_path: Path, clock: FakeClock) -> Path:
    path = tmp_path / "S001.key"
    create_keystore(path, "S001", ["invigilator"], PASS, clock=clock, **FAST)
    return path


def opener(path: Path, clock: FakeClock, events: list[AttemptEvent]) -> Callable[[str], SigningKey]:
    def open_with(passphrase: str) -> SigningKey:
        return unlock(path, passphrase, clock=clock, on_attempt=events.append, allow_weak_kdf=True)

    return open_with


def test_create_writes_a_private_json_keystore(keystore: Path, clock: FakeClock) -> None:
    assert stat.S_IMODE(os.stat(keystore).st_mode) == 0o600
    doc = json.loads(keystore.read_bytes())
    assert canonical_bytes(doc) == keystore.read_bytes()
    assert (doc["format"], doc["version"], doc["staff_id"], doc["roles"]) == (
        "examsite-keystore",
        1,
        "S001",
        ["invigilator"],
    )
    assert doc["kdf"]["algorithm"] == "argon2id"
    assert doc["cipher"]["algorithm"] == "aes-256-gcm"
    assert doc["created_at"] == "2025-06-01T08:00:00.000Z"
    identity = read_identity(keystore)
    assert identity.key_id == doc["key_id"] == key_id(identity.public_key)
    assert identity.roles == (Role.INVIGILATOR,)
    assert len(identity.fingerprint.split()) == 16
    # the secret seed appears nowhere in clear
    key = unlock(keystore, PASS, allow_weak_kdf=True)
    seed = key._private_key.private_bytes_raw()
    assert seed not in keystore.read_bytes()
    assert not list(keystore.parent.glob("*.part"))


def test_unlocked_key_signs_for_its_identity(keystore: Path) -> None:
    key = unlock(keystore, PASS, allow_weak_kdf=True)
    identity = read_identity(keystore)
    assert (key.key_id, key.staff_id, key.roles) == (identity.key_id, "S001", (Role.INVIGILATOR,))
    assert key.public_key.public_bytes_raw() == identity.public_key.public_bytes_raw()
    signature = key.sign(b"record bytes")
    assert verify_signature(identity.public_key, signature, b"record bytes")
    assert repr(key) == f"SigningKey(S001, {identity.key_id})"
    assert "private" not in repr(key).lower()


def test_default_cost_is_argon2id_with_64_mib(tmp_path: Path) -> None:
    # the real parameters, once: what a thief with the file must pay per guess
    path = tmp_path / "real.key"
    identity = create_keystore(path, "S002", ["room_head"], PASS)
    kdf = json.loads(path.read_bytes())["kdf"]
    assert (kdf["memory_kib"], kdf["time_cost"], kdf["parallelism"]) == (DEFAULT_MEMORY_KIB, 3, 1)
    assert DEFAULT_MEMORY_KIB >= 64 * 1024
    key = unlock(path, PASS)
    assert key.key_id == identity.key_id
    with pytest.raises(BadPassphrase):
        unlock(path, WRONG)


def test_an_existing_private_key_can_be_sealed(tmp_path: Path) -> None:
    private_key = Ed25519PrivateKey.generate()
    identity = create_keystore(tmp_path / "issuer.key", "HB-4201", [], PASS, private_key=private_key, **FAST)
    assert identity.roles == ()
    assert identity.key_id == key_id(private_key.public_key())


@pytest.mark.parametrize("passphrase", ["", "123456789", "short pw!", "e\u0301" * 9])
def test_short_passphrases_are_refused_and_nothing_is_written(tmp_path: Path, passphrase: str) -> None:
    path = tmp_path / "k.key"
    with pytest.raises(InvalidInput, match="shorter than 10 characters") as info:
        create_keystore(path, "S001", ["invigilator"], passphrase, **FAST)
    assert info.value.code == "weak_passphrase"
    assert not path.exists()


def test_ten_characters_are_enough(tmp_path: Path) -> None:
    create_keystore(tmp_path / "k.key", "S001", ["invigilator"], "0123456789", **FAST)


def test_passphrases_match_whatever_the_unicode_spelling(tmp_path: Path) -> None:
    path = tmp_path / "k.key"
    create_keystore(path, "S001", ["invigilator"], "café au lait 2025", **FAST)
    unlock(path, "cafe\u0301 au lait 2025", allow_weak_kdf=True)


def test_weak_kdf_is_refused_unless_asked_for(tmp_path: Path, keystore: Path) -> None:
    with pytest.raises(WeakKeystore, match="below the required") as info:
        create_keystore(tmp_path / "weak.key", "S001", ["invigilator"], PASS, argon_memory_kib=32 * 1024)
    assert info.value.code == "weak_keystore"
    events: list[AttemptEvent] = []
    with pytest.raises(WeakKeystore):
        unlock(keystore, PASS, on_attempt=events.append)
    assert [(e.outcome, e.reason, e.key_id) for e in events] == [
        (AttemptOutcome.REFUSED, "weak_keystore", read_identity(keystore).key_id)
    ]


@pytest.mark.parametrize(
    ("kwargs", "why"),
    [
        ({"argon_memory_kib": 4}, "out of range"),
        ({"argon_memory_kib": 2 * 1024 * 1024}, "out of range"),
        ({"argon_time_cost": 0}, "out of range"),
        ({"argon_time_cost": 11}, "out of range"),
    ],
)
def test_kdf_parameters_out_of_range(tmp_path: Path, kwargs: dict[str, int], why: str) -> None:
    with pytest.raises(InvalidInput, match=why):
        create_keystore(tmp_path / "k.key", "S001", ["invigilator"], PASS, **(FAST | kwargs))


def test_create_refuses_to_overwrite_bad_ids_and_roles(keystore: Path, tmp_path: Path) -> None:
    before = keystore.read_bytes()
    with pytest.raises(InvalidInput, match="already exists") as info:
        create_keystore(keystore, "S001", ["invigilator"], PASS, **FAST)
    assert info.value.code == "keystore_exists"
    assert keystore.read_bytes() == before
    with pytest.raises(InvalidInput, match="not a valid id"):
        create_keystore(tmp_path / "x.key", "../S001", ["invigilator"], PASS, **FAST)
    with pytest.raises(InvalidInput, match="not a staff role"):
        create_keystore(tmp_path / "x.key", "S001", ["headmaster"], PASS, **FAST)


# --- wrong passphrases and the lock -------------------------------------------------------------


def test_wrong_passphrase_yields_nothing_and_is_counted(
    keystore: Path, clock: FakeClock, events: list[AttemptEvent]
) -> None:
    open_with = opener(keystore, clock, events)
    with pytest.raises(BadPassphrase, match="4 more wrong tries lock the key") as info:
        open_with(WRONG)
    assert info.value.code == "bad_passphrase"
    [event] = events
    assert (event.outcome, event.staff_id, event.failures, event.locked_until, event.path) == (
        AttemptOutcome.BAD_PASSPHRASE,
        "S001",
        1,
        None,
        keystore,
    )
    assert event.at == T0
    ledger = json.loads(keystore.with_name("S001.key.attempts").read_bytes())
    assert ledger["failures"] == 1
    # success clears the count
    open_with(PASS)
    assert events[-1].outcome is AttemptOutcome.OK
    assert FileAttemptLedger.beside(keystore).load(event.key_id or "") == AttemptState()


def test_five_wrong_tries_lock_with_a_growing_delay(
    keystore: Path, clock: FakeClock, events: list[AttemptEvent]
) -> None:
    open_with = opener(keystore, clock, events)
    for _ in range(4):
        with pytest.raises(BadPassphrase):
            open_with(WRONG)
    with pytest.raises(BadPassphrase, match=r"locked until 2025-06-01T08:00:30\.000Z"):
        open_with(WRONG)
    # while locked, even the right passphrase is refused, and the refusal is reported
    with pytest.raises(KeystoreLocked, match="after 5 wrong passphrases") as info:
        open_with(PASS)
    assert info.value.code == "keystore_locked"
    assert info.value.locked_until == T0 + timedelta(seconds=30)
    assert events[-1].outcome is AttemptOutcome.LOCKED
    assert events[-1].failures == 5
    clock.advance(seconds=30)
    # lock over: one more wrong try locks for 60 s, then 120 s
    with pytest.raises(BadPassphrase, match=r"locked until 2025-06-01T08:01:30\.000Z"):
        open_with(WRONG)
    clock.advance(seconds=59)
    with pytest.raises(KeystoreLocked):
        open_with(PASS)
    clock.advance(seconds=1)
    with pytest.raises(BadPassphrase):
        open_with(WRONG)
    assert events[-1].locked_until == clock.now + timedelta(seconds=120)
    clock.advance(seconds=120)
    assert open_with(PASS).staff_id == "S001"
    outcomes = [e.outcome.value for e in events]
    assert outcomes == ["bad_passphrase"] * 5 + ["locked", "bad_passphrase", "locked", "bad_passphrase", "ok"]


def test_lockout_policy_doubles_up_to_the_cap() -> None:
    policy = LockoutPolicy()
    assert [policy.delay_after(n) for n in range(5)] == [None] * 5
    delays = [policy.delay_after(n) for n in (5, 6, 7, 11)]
    assert delays == [timedelta(seconds=s) for s in (30, 60, 120, 1920)]
    assert policy.delay_after(12) == timedelta(hours=1)
    assert policy.delay_after(10**9) == timedelta(hours=1)


def test_the_lock_survives_a_restart(keystore: Path, events: list[AttemptEvent]) -> None:
    # lock with the real clock and a long delay, then try from a fresh Python process
    policy = LockoutPolicy(max_failures=1, base_delay=timedelta(hours=1))
    with pytest.raises(BadPassphrase):
        unlock(keystore, WRONG, policy=policy, allow_weak_kdf=True)
    script = (
        "import sys\n"
        "from examsite.identity.keystore import unlock\n"
        "from examsite.identity.errors import KeystoreLocked\n"
        "try:\n"
        "    unlock(sys.argv[1], sys.argv[2], allow_weak_kdf=True)\n"
        "except KeystoreLocked as exc:\n"
        "    print(exc.code)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(keystore), PASS],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert result.stdout.strip() == "keystore_locked"


class RecordingLedger:
    """An AttemptLedger kept in memory that remembers every write, in order (the store will hold
    the real one; this one shows *when* the count is written)."""

    def __init__(self) -> None:
        self.states: dict[str, AttemptState] = {}
        self.writes: list[int] = []

    def load(self, key_id: str) -> AttemptState:
        return self.states.get(key_id, AttemptState())

    def save(self, key_id: str, state: AttemptState) -> None:
        self.states[key_id] = state
        self.writes.append(state.failures)


def test_a_try_is_counted_before_the_passphrase_is_checked(keystore: Path, clock: FakeClock) -> None:
    ledger = RecordingLedger()
    unlock(keystore, PASS, ledger=ledger, clock=clock, allow_weak_kdf=True)
    # 1 is written before Argon2id runs (a kill mid-check still costs a try), 0 after success
    assert ledger.writes == [1, 0]
    with pytest.raises(BadPassphrase):
        unlock(keystore, WRONG, ledger=ledger, clock=clock, allow_weak_kdf=True)
    assert ledger.writes == [1, 0, 1]
    assert not keystore.with_name("S001.key.attempts").exists()


@pytest.mark.parametrize(
    "content",
    [
        b"not json",
        b'{"failures":1}',
        canonical_bytes(
            {"failures": -1, "format": "examsite-keystore-attempts/1", "key_id": "k", "locked_until": None}
        ),
        canonical_bytes(
            {"failures": True, "format": "examsite-keystore-attempts/1", "key_id": "k", "locked_until": None}
        ),
        canonical_bytes(
            {"failures": 1, "format": "examsite-keystore-attempts/1", "key_id": "k", "locked_until": "soon"}
        ),
        canonical_bytes({"failures": 1, "format": "other", "key_id": "k", "locked_until": None}),
    ],
)
def test_a_damaged_attempt_record_refuses_rather_than_resets(
    keystore: Path, clock: FakeClock, events: list[AttemptEvent], content: bytes
) -> None:
    keystore.with_name("S001.key.attempts").write_bytes(content)
    with pytest.raises(AttemptLedgerCorrupt, match="is damaged") as info:
        opener(keystore, clock, events)(PASS)
    assert info.value.code == "attempt_ledger_corrupt"
    assert [(e.outcome, e.reason) for e in events] == [(AttemptOutcome.REFUSED, "attempt_ledger_corrupt")]


def test_an_attempt_record_of_another_key_starts_afresh(keystore: Path, clock: FakeClock) -> None:
    other = {
        "failures": 9,
        "format": "examsite-keystore-attempts/1",
        "key_id": "ed25519:00",
        "locked_until": None,
    }
    keystore.with_name("S001.key.attempts").write_bytes(canonical_bytes(other))
    assert unlock(keystore, PASS, clock=clock, allow_weak_kdf=True).staff_id == "S001"


def test_an_unreadable_attempt_record_refuses_the_try(
    keystore: Path, tmp_path: Path, events: list[AttemptEvent]
) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_bytes(b"")
    ledger = FileAttemptLedger(blocker / "attempts")
    with pytest.raises(StoreUnavailable, match="cannot read the record of passphrase tries"):
        unlock(keystore, PASS, ledger=ledger, on_attempt=events.append, allow_weak_kdf=True)
    assert [(e.outcome, e.reason) for e in events] == [(AttemptOutcome.REFUSED, "store_unavailable")]


def test_an_unrecordable_try_is_not_made(keystore: Path, events: list[AttemptEvent]) -> None:
    # the ledger is written through <name>.part; a folder in its way makes every write fail
    keystore.with_name("S001.key.attempts.part").mkdir()
    with pytest.raises(StoreUnavailable, match="cannot record the passphrase try"):
        unlock(keystore, PASS, on_attempt=events.append, allow_weak_kdf=True)
    assert [(e.outcome, e.reason, e.failures) for e in events] == [
        (AttemptOutcome.REFUSED, "store_unavailable", 0)
    ]


# --- damaged and moved files --------------------------------------------------------------------


def rewrite(path: Path, mutate: Callable[[dict[str, Any]], object]) -> None:
    doc = json.loads(path.read_bytes())
    mutate(doc)
    path.write_bytes(canonical_bytes(doc))


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d.update(staff_id="S002"),
        lambda d: d.update(roles=["room_head"]),
        lambda d: d.update(created_at="2025-06-01T08:00:01.000Z"),
        lambda d: d["kdf"].update(memory_kib=512),
        lambda d: d["cipher"].update(nonce="AAAAAAAAAAAAAAAA"),
        lambda d: d["kdf"].update(salt="AAAAAAAAAAAAAAAAAAAAAA=="),
    ],
)
def test_moving_the_sealed_key_to_another_identity_fails(
    keystore: Path, clock: FakeClock, events: list[AttemptEvent], mutate: Callable[[dict[str, Any]], object]
) -> None:
    rewrite(keystore, mutate)
    with pytest.raises(BadPassphrase, match="or the keystore was altered"):
        opener(keystore, clock, events)(PASS)
    assert events[-1].outcome is AttemptOutcome.BAD_PASSPHRASE


def test_swapping_in_another_public_key_is_caught(tmp_path: Path, keystore: Path) -> None:
    # a thief who wants the file to claim another (say, a room head's) public key
    other = create_keystore(tmp_path / "o.key", "S001", ["invigilator"], PASS, **FAST)
    other_text = json.loads((tmp_path / "o.key").read_bytes())["public_key"]
    rewrite(keystore, lambda d: d.update(public_key=other_text))
    with pytest.raises(KeystoreCorrupt, match="key id"):
        read_identity(keystore)
    rewrite(keystore, lambda d: d.update(key_id=other.key_id))
    # now consistent on its face, but the associated data differs
    with pytest.raises(BadPassphrase):
        unlock(keystore, PASS, allow_weak_kdf=True)


def test_a_sealed_key_that_does_not_match_the_public_key(tmp_path: Path, events: list[AttemptEvent]) -> None:
    # only someone who knows the passphrase could build this file; it must still not be used
    path = tmp_path / "forged.key"
    shown = Ed25519PrivateKey.generate().public_key()
    identity = PublicIdentity("S001", (Role.INVIGILATOR,), key_id(shown), shown, T0)
    _seal(path, identity, Ed25519PrivateKey.generate(), PASS, KdfParams(256, 1, 1, bytes(16)))
    with pytest.raises(KeystoreCorrupt, match="does not match the public key"):
        unlock(path, PASS, on_attempt=events.append, allow_weak_kdf=True)
    assert [(e.outcome, e.reason) for e in events] == [(AttemptOutcome.REFUSED, "keystore_corrupt")]


@pytest.mark.parametrize(
    ("mutate", "why"),
    [
        (lambda d: d.update(version=2), "version 1"),
        (lambda d: d.update(format="pkcs8"), "version 1"),
        (lambda d: d.pop("kdf"), "kdf, cipher or sealed"),
        (lambda d: d.update(cipher="aes"), "kdf, cipher or sealed"),
        (lambda d: d.pop("sealed"), "kdf, cipher or sealed"),
        (lambda d: d["kdf"].pop("salt"), "salt or nonce"),
        (lambda d: d["cipher"].update(nonce=12), "salt or nonce"),
        (lambda d: d["kdf"].update(memory_kib="256"), "memory_kib is not an integer"),
        (lambda d: d["kdf"].update(time_cost=True), "time_cost is not an integer"),
        (lambda d: d["kdf"].update(parallelism=None), "parallelism is not an integer"),
        (lambda d: d["kdf"].update(parallelism=9), "out of range"),
        (lambda d: d["kdf"].update(time_cost=100), "out of range"),
        (lambda d: d["kdf"].update(salt="AAAA"), "out of range"),
        (lambda d: d["kdf"].update(algorithm="argon2i"), "does not match the keystore format"),
        (lambda d: d["cipher"].update(algorithm="aes-128-gcm"), "does not match the keystore format"),
        (lambda d: d.update(extra=1), "does not match the keystore format"),
        (lambda d: d.pop("roles"), "staff id, roles, public key or creation time"),
        (lambda d: d.update(staff_id=1), "staff id, roles, public key or creation time"),
        (lambda d: d.update(created_at=None), "staff id, roles, public key or creation time"),
        (
            lambda d: d.update(created_at="2025-06-01T16:00:00.000+08:00"),
            "does not match the keystore format",
        ),
        (lambda d: d.update(created_at="June"), "Invalid isoformat"),
        (lambda d: d.update(public_key="AAAA"), "32 bytes"),
        (lambda d: d.pop("public_key"), "public key or creation time"),
        (lambda d: d.update(staff_id="S 1"), "not a valid id"),
        (lambda d: d.update(roles=["boss"]), "not a staff role"),
        (lambda d: d.update(sealed="AAAA"), "wrong length"),
        (lambda d: d["cipher"].update(nonce="AAAA"), "wrong length"),
        (lambda d: d.update(sealed="AAA"), "base64"),
    ],
)
def test_damaged_files_are_named_corrupt(
    keystore: Path,
    clock: FakeClock,
    events: list[AttemptEvent],
    mutate: Callable[[dict[str, Any]], object],
    why: str,
) -> None:
    rewrite(keystore, mutate)
    with pytest.raises(KeystoreCorrupt, match=why) as info:
        opener(keystore, clock, events)(PASS)
    assert info.value.code == "keystore_corrupt"
    assert [(e.outcome, e.reason, e.key_id) for e in events] == [
        (AttemptOutcome.REFUSED, "keystore_corrupt", None)
    ]


def test_unreadable_files(tmp_path: Path, keystore: Path) -> None:
    with pytest.raises(NotFound, match="does not exist"):
        unlock(tmp_path / "missing.key", PASS)
    keystore.write_bytes(keystore.read_bytes() + b" ")
    with pytest.raises(KeystoreCorrupt, match="canonical"):
        read_identity(keystore)
    keystore.write_bytes(b"{" + b" " * MAX_FILE_BYTES)
    with pytest.raises(KeystoreCorrupt, match="too large"):
        read_identity(keystore)


@pytest.fixture(scope="module")
def pristine() -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "k.key"
        create_keystore(path, "S001", ["invigilator", "room_head"], PASS, **FAST)
        return path.read_bytes()


STRUCTURAL = set(b'{}[]:,"')


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_flipped_byte_of_a_keystore_yields_no_key(pristine: bytes, data: st.DataObject) -> None:
    index = data.draw(st.integers(0, len(pristine) - 1))
    mask = data.draw(st.integers(1, 255))
    damaged = bytearray(pristine)
    damaged[index] ^= mask
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "k.key"
        path.write_bytes(bytes(damaged))
        with pytest.raises(ExamsiteError) as info:
            unlock(path, PASS, allow_weak_kdf=True)
    # breaking the JSON is "corrupt"; changing a value breaks either the format or the seal
    if pristine[index] in STRUCTURAL:
        assert info.value.code == "keystore_corrupt"
    else:
        assert info.value.code in {"keystore_corrupt", "bad_passphrase"}


# --- changing the passphrase --------------------------------------------------------------------


def test_change_passphrase_reseals_with_fresh_salt(keystore: Path, clock: FakeClock) -> None:
    before = json.loads(keystore.read_bytes())
    new = "另一个 足够长的 口令"
    identity = change_passphrase(keystore, PASS, new, clock=clock, allow_weak_kdf=True)
    after = json.loads(keystore.read_bytes())
    assert identity.key_id == before["key_id"] == after["key_id"]
    assert after["kdf"]["salt"] != before["kdf"]["salt"]
    assert after["cipher"]["nonce"] != before["cipher"]["nonce"]
    assert stat.S_IMODE(os.stat(keystore).st_mode) == 0o600
    with pytest.raises(BadPassphrase):
        unlock(keystore, PASS, clock=clock, allow_weak_kdf=True)
    assert unlock(keystore, new, clock=clock, allow_weak_kdf=True).key_id == identity.key_id


def test_change_passphrase_can_raise_the_cost(keystore: Path) -> None:
    change_passphrase(keystore, PASS, PASS + "!", argon_memory_kib=DEFAULT_MEMORY_KIB, allow_weak_kdf=True)
    assert json.loads(keystore.read_bytes())["kdf"]["memory_kib"] == DEFAULT_MEMORY_KIB
    # a weak keystore could not be opened without allow_weak_kdf, but it now meets the policy
    assert unlock(keystore, PASS + "!").staff_id == "S001"


def test_change_passphrase_refusals_leave_the_file_alone(
    keystore: Path, clock: FakeClock, events: list[AttemptEvent]
) -> None:
    before = keystore.read_bytes()
    with pytest.raises(InvalidInput, match="shorter than 10"):
        change_passphrase(keystore, PASS, "short", clock=clock, on_attempt=events.append, allow_weak_kdf=True)
    assert events == []  # a weak new passphrase costs no try
    with pytest.raises(WeakKeystore):
        change_passphrase(keystore, PASS, PASS + "!", argon_memory_kib=1024)
    with pytest.raises(BadPassphrase):
        change_passphrase(
            keystore, WRONG, PASS + "!", clock=clock, on_attempt=events.append, allow_weak_kdf=True
        )
    assert [e.outcome for e in events] == [AttemptOutcome.BAD_PASSPHRASE]
    assert keystore.read_bytes() == before


def test_derive_key_is_argon2id_over_nfc_utf8() -> None:
    from argon2.low_level import Type, hash_secret_raw

    params = KdfParams(256, 1, 1, bytes(range(16)))
    expected = hash_secret_raw("é口令".encode(), params.salt, 1, 256, 1, 32, Type.ID)
    assert derive_key("e\u0301口令", params) == expected


def test_no_key_is_handed_out_when_the_try_cannot_be_audited(keystore: Path) -> None:
    class AuditDown(Exception):
        pass

    def refuse(event: AttemptEvent) -> None:
        raise AuditDown(event.outcome)

    with pytest.raises(AuditDown, match="ok"):
        unlock(keystore, PASS, on_attempt=refuse, allow_weak_kdf=True)
