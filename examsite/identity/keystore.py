"""A staff member's signing key at rest: Ed25519, sealed with Argon2id and AES-256-GCM.

The 32-byte Ed25519 seed is encrypted with AES-256-GCM under a key derived from the passphrase by
Argon2id (memory-hard, 64 MiB by default and at least that unless a test says otherwise). Everything
else in the file (staff id, roles, key id, public key, KDF parameters, nonce) is the associated data,
so a file moved to another staff id, given other roles, or made cheaper to attack no longer opens.
PKCS8 ``BestAvailableEncryption`` is deliberately not used: its PBKDF2 with 2048 iterations lets a
thief try a million short passphrases in minutes (see ``bench/keystore_guess.py``).

Online guessing is limited: five wrong passphrases lock the key for 30 s, doubling with every further
wrong one up to an hour. A try is recorded as failed *before* the passphrase is checked and cleared
on success, so killing the program mid-check does not grant a free guess; the count lives in a
sidecar file (``<keystore>.attempts``) or any :class:`AttemptLedger`, so it survives restarts. The
limit cannot stop a thief who copies the file: against that only the Argon2id cost helps. Two
programs opening the same key at the same moment may each count one try over the same old count (the
count can come out one low, never reset); a store-backed ledger can close that with a transaction.
Every try, successful or not, is reported to ``on_attempt`` for the audit log; if that callback
raises, the key is not handed out.
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

from argon2.low_level import ARGON2_VERSION, Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from examsite.canonical import NotCanonical, canonical_bytes, parse_canonical
from examsite.clock import iso_utc, parse_iso_utc, utc_now
from examsite.errors import ExamsiteError, InvalidInput, NotFound, StoreUnavailable
from examsite.fsutil import atomic_write_bytes
from examsite.identity.errors import (
    AttemptLedgerCorrupt,
    BadPassphrase,
    KeystoreCorrupt,
    KeystoreLocked,
    WeakKeystore,
)
from examsite.identity.keys import (
    b64decode_strict,
    b64encode,
    fingerprint,
    generate_private_key,
    key_id,
    public_from_b64,
    public_raw,
    public_to_b64,
)
from examsite.identity.roster import Role, check_id, parse_roles

KEYSTORE_FORMAT = "examsite-keystore"
KEYSTORE_VERSION = 1
LEDGER_FORMAT = "examsite-keystore-attempts/1"
MIN_PASSPHRASE_CHARS = 10
DEFAULT_MEMORY_KIB = 64 * 1024
MIN_MEMORY_KIB = 64 * 1024
DEFAULT_TIME_COST = 3
DEFAULT_PARALLELISM = 1
# bounds on what a file may ask for, so a crafted file cannot make unlocking take hours or all RAM
MAX_MEMORY_KIB = 1024 * 1024
MAX_TIME_COST = 10
MAX_PARALLELISM = 8
SALT_BYTES = 16
NONCE_BYTES = 12
SEED_BYTES = 32
TAG_BYTES = 16
MAX_FILE_BYTES = 64 * 1024

Clock = Callable[[], datetime]


@dataclass(frozen=True)
class KdfParams:
    """Argon2id parameters (RFC 9106) as stored in the keystore."""

    memory_kib: int
    time_cost: int
    parallelism: int
    salt: bytes

    def check(self) -> None:
        """Refuse parameters Argon2 cannot run or that exceed what a keystore may ask for."""
        if not (
            1 <= self.parallelism <= MAX_PARALLELISM
            and 8 * self.parallelism <= self.memory_kib <= MAX_MEMORY_KIB
            and 1 <= self.time_cost <= MAX_TIME_COST
            and len(self.salt) == SALT_BYTES
        ):
            raise InvalidInput(
                f"Argon2id parameters out of range: memory {self.memory_kib} KiB, time {self.time_cost}, "
                f"lanes {self.parallelism}"
            )


def derive_key(passphrase: str, params: KdfParams) -> bytes:
    """The 32-byte AES key for ``passphrase``: Argon2id over its NFC UTF-8 bytes."""
    secret = unicodedata.normalize("NFC", passphrase).encode("utf-8")
    return bytes(
        hash_secret_raw(
            secret,
            params.salt,
            time_cost=params.time_cost,
            memory_cost=params.memory_kib,
            parallelism=params.parallelism,
            hash_len=32,
            type=Type.ID,
            version=ARGON2_VERSION,
        )
    )


@dataclass(frozen=True)
class PublicIdentity:
    """The public part of a keystore: readable without the passphrase."""

    staff_id: str
    roles: tuple[Role, ...]
    key_id: str
    public_key: Ed25519PublicKey
    created_at: datetime

    @property
    def fingerprint(self) -> str:
        """The key's fingerprint for people to compare."""
        return fingerprint(self.public_key)


class SigningKey:
    """An unlocked staff key: signs, and never shows its private part."""

    def __init__(self, identity: PublicIdentity, private_key: Ed25519PrivateKey) -> None:
        self.identity = identity
        self._private_key = private_key

    @property
    def key_id(self) -> str:
        """The key id of the public key."""
        return self.identity.key_id

    @property
    def staff_id(self) -> str:
        """Whose key this is."""
        return self.identity.staff_id

    @property
    def roles(self) -> tuple[Role, ...]:
        """The roles bound into the keystore at enrolment."""
        return self.identity.roles

    @property
    def public_key(self) -> Ed25519PublicKey:
        """The public key that verifies this key's signatures."""
        return self.identity.public_key

    def sign(self, data: bytes) -> bytes:
        """The Ed25519 signature of ``data``."""
        return self._private_key.sign(data)

    def __repr__(self) -> str:
        return f"SigningKey({self.identity.staff_id}, {self.identity.key_id})"


# --- attempt limiting ---------------------------------------------------------------------------


class AttemptOutcome(StrEnum):
    """What happened to one unlock try."""

    OK = "ok"
    BAD_PASSPHRASE = "bad_passphrase"
    LOCKED = "locked"
    REFUSED = "refused"  # the file or the attempt record could not be used; see ``reason``


@dataclass(frozen=True)
class AttemptEvent:
    """One unlock try, for the audit log."""

    path: Path
    at: datetime
    outcome: AttemptOutcome
    key_id: str | None
    staff_id: str | None
    failures: int
    locked_until: datetime | None
    reason: str | None = None


@dataclass(frozen=True)
class AttemptState:
    """Consecutive failed tries of one key, and until when it is locked."""

    failures: int = 0
    locked_until: datetime | None = None


class AttemptLedger(Protocol):
    """Where the failed-try count of a key is kept between runs (a sidecar file, or the store)."""

    def load(self, key_id: str) -> AttemptState:
        """The state of ``key_id``; a key never tried has ``AttemptState()``."""
        ...

    def save(self, key_id: str, state: AttemptState) -> None:
        """Persist the state of ``key_id`` durably before returning."""
        ...


@dataclass(frozen=True)
class LockoutPolicy:
    """From ``max_failures`` wrong tries on, each locks for ``base_delay``, doubling up to ``max_delay``."""

    max_failures: int = 5
    base_delay: timedelta = timedelta(seconds=30)
    max_delay: timedelta = timedelta(hours=1)

    def delay_after(self, failures: int) -> timedelta | None:
        """How long ``failures`` consecutive wrong tries lock the key (None: not locked)."""
        if failures < self.max_failures:
            return None
        # cap the exponent so an absurd count cannot overflow timedelta
        doubling = min(failures - self.max_failures, 32)
        delay: timedelta = min(self.base_delay * (2**doubling), self.max_delay)
        return delay


class FileAttemptLedger:
    """An :class:`AttemptLedger` in one small JSON file, written atomically (one key per file)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    @classmethod
    def beside(cls, keystore_path: Path) -> FileAttemptLedger:
        """The sidecar ledger of a keystore: ``<keystore>.attempts``."""
        keystore_path = Path(keystore_path)
        return cls(keystore_path.with_name(keystore_path.name + ".attempts"))

    def load(self, key_id: str) -> AttemptState:
        """Read the state; a missing file or one about another key means no failures yet."""
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return AttemptState()
        except OSError as exc:
            raise StoreUnavailable(
                f"cannot read the record of passphrase tries {self.path}: {exc.strerror or exc}",
                hint="check the keystore folder, then try again",
            ) from None
        try:
            doc = parse_canonical(data)
            if doc.get("format") != LEDGER_FORMAT or set(doc) != {
                "format",
                "key_id",
                "failures",
                "locked_until",
            }:
                raise InvalidInput("unexpected fields")
            failures, until = doc["failures"], doc["locked_until"]
            if isinstance(failures, bool) or not isinstance(failures, int) or failures < 0:
                raise InvalidInput("bad failure count")
            locked_until = None if until is None else parse_iso_utc(str(until))
        except (NotCanonical, InvalidInput, ValueError):
            # failing closed: a damaged count must not silently become zero
            raise AttemptLedgerCorrupt(
                f"the record of passphrase tries {self.path} is damaged",
                hint="an administrator must check the computer before the key can be used",
            ) from None
        if doc["key_id"] != key_id:
            # a new keystore enrolled at the same path: its count starts afresh
            return AttemptState()
        return AttemptState(failures, locked_until)

    def save(self, key_id: str, state: AttemptState) -> None:
        """Write the state atomically; refuse the try if it cannot be recorded."""
        doc = {
            "format": LEDGER_FORMAT,
            "key_id": key_id,
            "failures": state.failures,
            "locked_until": None if state.locked_until is None else iso_utc(state.locked_until),
        }
        try:
            atomic_write_bytes(self.path, canonical_bytes(doc))
        except OSError as exc:
            raise StoreUnavailable(
                f"cannot record the passphrase try in {self.path}: {exc.strerror or exc}",
                hint="free disk space or fix the folder's permissions, then try again",
            ) from None


# --- the file -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Keystore:
    header: dict[str, Any]
    identity: PublicIdentity
    kdf: KdfParams
    nonce: bytes
    sealed: bytes


def _check_passphrase(passphrase: str) -> None:
    if len(unicodedata.normalize("NFC", passphrase)) < MIN_PASSPHRASE_CHARS:
        raise InvalidInput(
            f"the passphrase is shorter than {MIN_PASSPHRASE_CHARS} characters",
            code="weak_passphrase",
            hint="a few unrelated words are easy to remember and hard to guess",
        )


def _check_memory(memory_kib: int, allow_weak_kdf: bool) -> None:
    if memory_kib < MIN_MEMORY_KIB and not allow_weak_kdf:
        raise WeakKeystore(
            f"Argon2id memory of {memory_kib} KiB is below the required {MIN_MEMORY_KIB} KiB (64 MiB)"
        )


def _header(identity: PublicIdentity, kdf: KdfParams, nonce: bytes) -> dict[str, Any]:
    return {
        "format": KEYSTORE_FORMAT,
        "version": KEYSTORE_VERSION,
        "staff_id": identity.staff_id,
        "roles": [role.value for role in identity.roles],
        "key_id": identity.key_id,
        "public_key": public_to_b64(identity.public_key),
        "created_at": iso_utc(identity.created_at),
        "kdf": {
            "algorithm": "argon2id",
            "argon2_version": ARGON2_VERSION,
            "memory_kib": kdf.memory_kib,
            "time_cost": kdf.time_cost,
            "parallelism": kdf.parallelism,
            "salt": b64encode(kdf.salt),
        },
        "cipher": {"algorithm": "aes-256-gcm", "nonce": b64encode(nonce)},
    }


def _seal(
    path: Path, identity: PublicIdentity, private_key: Ed25519PrivateKey, passphrase: str, kdf: KdfParams
) -> None:
    nonce = os.urandom(NONCE_BYTES)
    header = _header(identity, kdf, nonce)
    seed = private_key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    sealed = AESGCM(derive_key(passphrase, kdf)).encrypt(nonce, seed, canonical_bytes(header))
    atomic_write_bytes(Path(path), canonical_bytes({**header, "sealed": b64encode(sealed)}), mode=0o600)


def _int(doc: dict[str, Any], name: str) -> int:
    value = doc.get(name)
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"{name} is not an integer")
    return value


def _read(path: Path) -> _Keystore:
    """Parse and check a keystore file without the passphrase; raises ``keystore_corrupt``."""
    path = Path(path)
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise NotFound(
            f"keystore {path} does not exist", hint="check the path, or enrol the person first"
        ) from None
    try:
        if len(data) > MAX_FILE_BYTES:
            raise InvalidInput("the file is too large to be a keystore")
        doc = parse_canonical(data)
        sealed_text = doc.pop("sealed", None)
        if (doc.get("format"), doc.get("version")) != (KEYSTORE_FORMAT, KEYSTORE_VERSION):
            raise InvalidInput("not an examsite keystore of version 1")
        kdf_doc, cipher = doc.get("kdf"), doc.get("cipher")
        if not isinstance(kdf_doc, dict) or not isinstance(cipher, dict) or not isinstance(sealed_text, str):
            raise InvalidInput("kdf, cipher or sealed is missing")
        salt_text, nonce_text = kdf_doc.get("salt"), cipher.get("nonce")
        if not isinstance(salt_text, str) or not isinstance(nonce_text, str):
            raise InvalidInput("salt or nonce is missing")
        kdf = KdfParams(
            memory_kib=_int(kdf_doc, "memory_kib"),
            time_cost=_int(kdf_doc, "time_cost"),
            parallelism=_int(kdf_doc, "parallelism"),
            salt=b64decode_strict(salt_text),
        )
        roles, staff_id, created = doc.get("roles"), doc.get("staff_id"), doc.get("created_at")
        public_text = doc.get("public_key")
        if not (
            isinstance(roles, list)
            and isinstance(staff_id, str)
            and isinstance(created, str)
            and isinstance(public_text, str)
        ):
            raise InvalidInput("staff id, roles, public key or creation time is missing")
        public_key = public_from_b64(public_text)
        identity = PublicIdentity(
            staff_id=check_id(staff_id, "staff id"),
            roles=parse_roles(roles),
            key_id=key_id(public_key),
            public_key=public_key,
            created_at=parse_iso_utc(created),
        )
        nonce = b64decode_strict(nonce_text)
        # the header must be exactly what this version writes: no extra, missing or retyped field
        if canonical_bytes(_header(identity, kdf, nonce)) != canonical_bytes(doc):
            raise InvalidInput("the header does not match the keystore format (or its key id)")
        kdf.check()
        sealed = b64decode_strict(sealed_text)
        if len(sealed) != SEED_BYTES + TAG_BYTES or len(nonce) != NONCE_BYTES:
            raise InvalidInput("the sealed key or nonce has the wrong length")
    except (NotCanonical, InvalidInput, ValueError) as exc:
        detail = exc.message if isinstance(exc, ExamsiteError) else str(exc)
        raise KeystoreCorrupt(
            f"{path} is not a usable keystore: {detail}",
            hint="restore the keystore from its backup, or enrol a new key",
        ) from None
    return _Keystore(doc, identity, kdf, nonce, sealed)


def create_keystore(
    path: Path,
    staff_id: str,
    roles: Iterable[str],
    passphrase: str,
    *,
    argon_memory_kib: int = DEFAULT_MEMORY_KIB,
    argon_time_cost: int = DEFAULT_TIME_COST,
    allow_weak_kdf: bool = False,
    private_key: Ed25519PrivateKey | None = None,
    clock: Clock = utc_now,
) -> PublicIdentity:
    """Create a new key pair (or seal ``private_key``) in a keystore file at ``path``.

    Refuses a passphrase under 10 characters (``weak_passphrase``), Argon2id memory under 64 MiB
    unless ``allow_weak_kdf`` (tests only; ``weak_keystore``), and an existing file at ``path``
    (``keystore_exists``: a key must never be overwritten by accident). Roles may be empty for an
    issuer's (institution's) key. The file is written atomically with mode 0600.
    """
    path = Path(path)
    _check_passphrase(passphrase)
    _check_memory(argon_memory_kib, allow_weak_kdf)
    kdf = KdfParams(argon_memory_kib, argon_time_cost, DEFAULT_PARALLELISM, os.urandom(SALT_BYTES))
    kdf.check()
    if path.exists():
        raise InvalidInput(f"{path} already exists", code="keystore_exists", hint="choose another file")
    if private_key is None:
        private_key = generate_private_key()
    public_key = private_key.public_key()
    identity = PublicIdentity(
        staff_id=check_id(staff_id, "staff id"),
        roles=parse_roles(roles),
        key_id=key_id(public_key),
        public_key=public_key,
        created_at=parse_iso_utc(iso_utc(clock())),
    )
    _seal(path, identity, private_key, passphrase, kdf)
    return identity


def read_identity(path: Path) -> PublicIdentity:
    """The public identity in a keystore file, without the passphrase (``keystore_corrupt`` if bad)."""
    return _read(path).identity


def _open(
    path: Path,
    passphrase: str,
    ledger: AttemptLedger | None,
    clock: Clock,
    on_attempt: Callable[[AttemptEvent], None] | None,
    policy: LockoutPolicy,
    allow_weak_kdf: bool,
) -> tuple[_Keystore, Ed25519PrivateKey]:
    path = Path(path)

    def report(
        outcome: AttemptOutcome, state: AttemptState, ks: _Keystore | None, reason: str | None
    ) -> None:
        if on_attempt is not None:
            on_attempt(
                AttemptEvent(
                    path=path,
                    at=clock(),
                    outcome=outcome,
                    key_id=None if ks is None else ks.identity.key_id,
                    staff_id=None if ks is None else ks.identity.staff_id,
                    failures=state.failures,
                    locked_until=state.locked_until,
                    reason=reason,
                )
            )

    ks: _Keystore | None = None
    try:
        ks = _read(path)
        _check_memory(ks.kdf.memory_kib, allow_weak_kdf)
        if ledger is None:
            ledger = FileAttemptLedger.beside(path)
        state = ledger.load(ks.identity.key_id)
    except ExamsiteError as exc:
        report(AttemptOutcome.REFUSED, AttemptState(), ks, exc.code)
        raise
    now = clock()
    if state.locked_until is not None and now < state.locked_until:
        report(AttemptOutcome.LOCKED, state, ks, KeystoreLocked.code)
        raise KeystoreLocked(
            f"the key of {ks.identity.staff_id} is locked after {state.failures} wrong passphrases "
            f"until {iso_utc(state.locked_until)}",
            locked_until=state.locked_until,
            hint="wait, or ask an administrator if you have forgotten the passphrase",
        )
    # count the try before checking it: a crash or kill during the check still costs a try
    failures = state.failures + 1
    delay = policy.delay_after(failures)
    pending = AttemptState(failures, None if delay is None else now + delay)
    try:
        ledger.save(ks.identity.key_id, pending)
    except ExamsiteError as exc:
        # a try that cannot be counted is not made
        report(AttemptOutcome.REFUSED, state, ks, exc.code)
        raise
    try:
        seed = AESGCM(derive_key(passphrase, ks.kdf)).decrypt(ks.nonce, ks.sealed, canonical_bytes(ks.header))
    except InvalidTag:
        report(AttemptOutcome.BAD_PASSPHRASE, pending, ks, BadPassphrase.code)
        left = policy.max_failures - failures
        after = (
            f"the key is locked until {iso_utc(pending.locked_until)}"
            if pending.locked_until is not None
            else f"{left} more wrong tries lock the key"
        )
        raise BadPassphrase(
            f"wrong passphrase for the key of {ks.identity.staff_id}, or the keystore was altered; {after}"
        ) from None
    private_key = Ed25519PrivateKey.from_private_bytes(seed)
    if public_raw(private_key.public_key()) != public_raw(ks.identity.public_key):
        # only a file sealed by someone with the passphrase but a foreign key can get here
        report(AttemptOutcome.REFUSED, pending, ks, KeystoreCorrupt.code)
        raise KeystoreCorrupt(f"{path}: the sealed key does not match the public key in the file")
    cleared = AttemptState()
    ledger.save(ks.identity.key_id, cleared)
    report(AttemptOutcome.OK, cleared, ks, None)
    return ks, private_key


def unlock(
    path: Path,
    passphrase: str,
    *,
    ledger: AttemptLedger | None = None,
    clock: Clock = utc_now,
    on_attempt: Callable[[AttemptEvent], None] | None = None,
    policy: LockoutPolicy = LockoutPolicy(),  # frozen, so one shared default is safe
    allow_weak_kdf: bool = False,
) -> SigningKey:
    """Open the keystore at ``path`` with ``passphrase`` and return its signing key.

    Raises ``bad_passphrase`` (wrong passphrase or altered sealed data; the try is counted),
    ``keystore_locked`` (too many wrong tries; nothing is checked), ``keystore_corrupt`` (unreadable
    file), ``weak_keystore`` (Argon2id cheaper than 64 MiB and not ``allow_weak_kdf``) or
    ``attempt_ledger_corrupt``. ``ledger`` defaults to the sidecar file ``<path>.attempts``; every
    try is reported to ``on_attempt``.
    """
    ks, private_key = _open(path, passphrase, ledger, clock, on_attempt, policy, allow_weak_kdf)
    return SigningKey(ks.identity, private_key)


def change_passphrase(
    path: Path,
    old_passphrase: str,
    new_passphrase: str,
    *,
    ledger: AttemptLedger | None = None,
    clock: Clock = utc_now,
    on_attempt: Callable[[AttemptEvent], None] | None = None,
    policy: LockoutPolicy = LockoutPolicy(),
    allow_weak_kdf: bool = False,
    argon_memory_kib: int | None = None,
) -> PublicIdentity:
    """Re-seal the keystore under ``new_passphrase`` (fresh salt and nonce), atomically.

    The new passphrase is checked first, so a weak one costs no try. Opening with ``old_passphrase``
    counts as a try like :func:`unlock`. ``argon_memory_kib`` changes the memory cost (default: keep).
    """
    _check_passphrase(new_passphrase)
    if argon_memory_kib is not None:
        _check_memory(argon_memory_kib, allow_weak_kdf)
    ks, private_key = _open(path, old_passphrase, ledger, clock, on_attempt, policy, allow_weak_kdf)
    kdf = KdfParams(
        argon_memory_kib or ks.kdf.memory_kib, ks.kdf.time_cost, ks.kdf.parallelism, os.urandom(SALT_BYTES)
    )
    kdf.check()
    _seal(Path(path), ks.identity, private_key, new_passphrase, kdf)
    return ks.identity
