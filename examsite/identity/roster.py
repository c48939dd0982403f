"""The signed, versioned staff roster: which staff member holds which key and which roles.

Verifiers never trust a key because a message names it; they trust it because a roster lists it, and
they trust the roster because it is signed by the institution's (or the city centre's) key whose
fingerprint they pinned. Each change (enrolment, key rotation, revocation) is a new roster version; a
verifier refuses a version older than the last it accepted, or a different roster under the same
version (``roster_rollback``), so a thief cannot bring back a revoked key by replaying an old roster.

Revocation rule (decided here, relied on by the incident verifier):

- :meth:`Roster.key_for` refuses a revoked key (``revoked_signer``): a revoked key signs nothing new.
- :meth:`Roster.lookup` returns any listed entry, revoked or not, so an old signature can be shown with
  a flag. :meth:`RosterEntry.was_valid_at` says whether the key was valid at a given time; the caller
  must take that time from a trusted source (the audit log's signed checkpoints), never from the
  signed statement itself, which a thief could backdate. A key revoked as *compromised* was never
  valid, since nobody knows when the compromise began: its signatures need a human decision.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from examsite.canonical import NotCanonical, canonical_bytes, parse_canonical, sha256_hex
from examsite.clock import as_utc, iso_utc, parse_iso_utc
from examsite.errors import InvalidInput, NotFound
from examsite.fsutil import atomic_write_bytes
from examsite.identity.dsse import PayloadType, sign_envelope, unverified_fields, verify_envelope
from examsite.identity.errors import (
    MalformedRoster,
    RevokedSigner,
    RosterRollback,
    UnpinnedIssuer,
    UntrustedSigner,
    WrongPayloadType,
)
from examsite.identity.keys import (
    PUBLIC_KEY_SIZE,
    Signer,
    b64decode_strict,
    b64encode,
    fingerprint,
    key_id,
    normalise_fingerprint,
    public_from_raw,
    public_raw,
)

ROSTER_FORMAT = "examsite-roster/1"
MAX_ROSTER_BYTES = 16 * 1024 * 1024
MAX_VERSION = 2**53 - 1
# ids end up in file names, command lines and audit entries: keep them plain
_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


class Role(StrEnum):
    """Roles of staff at an exam site, as the regulation names them."""

    EXAM_AFFAIRS = "exam_affairs"
    INVIGILATOR = "invigilator"
    ITEM_WRITER = "item_writer"
    EXAMINER = "examiner"
    INTERNAL_SUPERVISOR = "internal_supervisor"
    EXTERNAL_SUPERVISOR = "external_supervisor"
    ROOM_HEAD = "room_head"
    # not a person: the exam site's device key, which signs case-bundle manifests and audit
    # checkpoints; listing it in the institution's roster is how a recipient trusts it (issue 6)
    SITE_DEVICE = "site_device"


ROLE_LABELS_ZH: Mapping[Role, str] = {
    Role.EXAM_AFFAIRS: "考务",
    Role.INVIGILATOR: "监考",
    Role.ITEM_WRITER: "命审题",
    Role.EXAMINER: "考评",
    Role.INTERNAL_SUPERVISOR: "内部督导",
    Role.EXTERNAL_SUPERVISOR: "外部督导",
    Role.ROOM_HEAD: "考场负责人",
    Role.SITE_DEVICE: "考点设备密钥",
}


class KeyStatus(StrEnum):
    """Whether a roster entry's key may sign."""

    ACTIVE = "active"
    REVOKED = "revoked"


class RevocationReason(StrEnum):
    """Why a key was revoked; ``compromised`` also voids its past signatures (see module docstring)."""

    SUPERSEDED = "superseded"
    COMPROMISED = "compromised"
    WITHDRAWN = "withdrawn"


def parse_roles(values: Iterable[str]) -> tuple[Role, ...]:
    """Roles from their names, sorted and without repeats; an unknown name raises ``unknown_role``."""
    roles: set[Role] = set()
    for value in values:
        try:
            roles.add(Role(value))
        except ValueError:
            known = ", ".join(role.value for role in Role)
            raise InvalidInput(
                f"{value!r} is not a staff role (known: {known})", code="unknown_role"
            ) from None
    return tuple(sorted(roles))


def check_id(value: str, what: str) -> str:
    """Return ``value`` if it is a plain id (letters, digits, ``.``, ``_``, ``-``; at most 64)."""
    if not isinstance(value, str) or not _ID_RE.fullmatch(value):
        raise InvalidInput(
            f"{what} {value!r} is not a valid id",
            hint="use 1–64 letters, digits, '.', '_' or '-', starting with a letter or digit",
        )
    return value


def _check_text(value: str, what: str, limit: int = 100) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        raise InvalidInput(f"{what} must be non-empty text of at most {limit} characters")
    if any(unicodedata.category(ch).startswith("C") for ch in value):
        raise InvalidInput(f"{what} {value!r} contains control or unassigned characters")
    return unicodedata.normalize("NFC", value)


def _check_time(value: datetime, what: str) -> datetime:
    """UTC at millisecond precision (what :func:`iso_utc` writes), so values survive a round trip."""
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise InvalidInput(f"{what} must be a time with a zone")
    utc = as_utc(value)
    return utc.replace(microsecond=utc.microsecond // 1000 * 1000)


@dataclass(frozen=True)
class RosterEntry:
    """One key of one staff member; rotation adds an entry and revokes the old one."""

    staff_id: str
    name: str
    roles: tuple[Role, ...]
    public_key: bytes
    valid_from: datetime
    revoked_at: datetime | None = None
    revocation_reason: RevocationReason | None = None
    revocation_note: str = ""
    key_id: str = field(init=False)

    def __post_init__(self) -> None:
        check_id(self.staff_id, "staff id")
        object.__setattr__(self, "name", _check_text(self.name, "name"))
        object.__setattr__(self, "roles", parse_roles(self.roles))
        if not self.roles:
            raise InvalidInput(f"staff member {self.staff_id} needs at least one role")
        if not isinstance(self.public_key, bytes) or len(self.public_key) != PUBLIC_KEY_SIZE:
            raise InvalidInput("a roster key must be 32 raw Ed25519 bytes", code="bad_public_key")
        object.__setattr__(self, "key_id", key_id(public_from_raw(self.public_key)))
        object.__setattr__(self, "valid_from", _check_time(self.valid_from, "valid_from"))
        if (self.revoked_at is None) != (self.revocation_reason is None):
            raise InvalidInput("a revocation needs both a time and a reason")
        if self.revoked_at is not None:
            revoked_at = _check_time(self.revoked_at, "revoked_at")
            if revoked_at < self.valid_from:
                raise InvalidInput(f"key {self.key_id} is revoked before it became valid")
            object.__setattr__(self, "revoked_at", revoked_at)
            try:
                reason = RevocationReason(str(self.revocation_reason))
            except ValueError:
                raise InvalidInput(f"revocation reason {self.revocation_reason!r} is unknown") from None
            object.__setattr__(self, "revocation_reason", reason)
        if self.revocation_note:
            if self.revoked_at is None:
                raise InvalidInput("a revocation note needs a revocation")
            object.__setattr__(
                self, "revocation_note", _check_text(self.revocation_note, "revocation note", 500)
            )

    @property
    def status(self) -> KeyStatus:
        """``revoked`` once a revocation is recorded, else ``active``."""
        return KeyStatus.ACTIVE if self.revoked_at is None else KeyStatus.REVOKED

    def ed25519(self) -> Ed25519PublicKey:
        """The entry's public key as a verification key."""
        return public_from_raw(self.public_key)

    def has_role(self, role: Role) -> bool:
        """True if the entry lists ``role``."""
        return role in self.roles

    def was_valid_at(self, when: datetime) -> bool:
        """True if the key was valid at ``when`` (a trusted time; see the module docstring)."""
        when = as_utc(when)
        if when < self.valid_from:
            return False
        if self.revoked_at is None:
            return True
        if self.revocation_reason is RevocationReason.COMPROMISED:
            return False
        return when < self.revoked_at

    def to_json(self) -> dict[str, Any]:
        """The entry as it appears in the roster payload."""
        return {
            "staff_id": self.staff_id,
            "name": self.name,
            "roles": [role.value for role in self.roles],
            "key_id": self.key_id,
            "public_key": b64encode(self.public_key),
            "status": self.status.value,
            "valid_from": iso_utc(self.valid_from),
            "revoked_at": None if self.revoked_at is None else iso_utc(self.revoked_at),
            "revocation_reason": None if self.revocation_reason is None else self.revocation_reason.value,
            "revocation_note": self.revocation_note,
        }


@dataclass(frozen=True)
class Roster:
    """One version of the roster; a change returns the next version, unsigned (see :func:`sign_roster`)."""

    issuer_code: str
    issuer_name: str
    issuer_public_key: bytes
    version: int
    issued_at: datetime
    entries: tuple[RosterEntry, ...] = ()
    issuer_key_id: str = field(init=False)

    def __post_init__(self) -> None:
        check_id(self.issuer_code, "issuer code")
        object.__setattr__(self, "issuer_name", _check_text(self.issuer_name, "issuer name"))
        if not isinstance(self.issuer_public_key, bytes) or len(self.issuer_public_key) != PUBLIC_KEY_SIZE:
            raise InvalidInput("the issuer key must be 32 raw Ed25519 bytes", code="bad_public_key")
        object.__setattr__(self, "issuer_key_id", key_id(public_from_raw(self.issuer_public_key)))
        if isinstance(self.version, bool) or not isinstance(self.version, int):
            raise InvalidInput("the roster version must be an integer")
        if not 1 <= self.version <= MAX_VERSION:
            raise InvalidInput(f"roster version {self.version} is out of range")
        object.__setattr__(self, "issued_at", _check_time(self.issued_at, "issued_at"))
        entries = tuple(sorted(self.entries, key=lambda entry: entry.key_id))
        active: set[str] = set()
        for index, entry in enumerate(entries):
            if index and entries[index - 1].key_id == entry.key_id:
                raise InvalidInput(f"key {entry.key_id} is listed twice", code="duplicate_key")
            if entry.key_id == self.issuer_key_id:
                # a staff member must never be able to sign as the institution, or the reverse
                raise InvalidInput("the issuer's key cannot also be a staff key", code="duplicate_key")
            if entry.valid_from > self.issued_at or (
                entry.revoked_at is not None and entry.revoked_at > self.issued_at
            ):
                raise InvalidInput(f"key {entry.key_id} has a time later than the roster's issue time")
            if entry.status is KeyStatus.ACTIVE:
                if entry.staff_id in active:
                    raise InvalidInput(
                        f"staff member {entry.staff_id} has two active keys", code="already_enrolled"
                    )
                active.add(entry.staff_id)
        object.__setattr__(self, "entries", entries)

    @classmethod
    def first(
        cls, issuer_code: str, issuer_name: str, issuer_public_key: Ed25519PublicKey, issued_at: datetime
    ) -> Roster:
        """Version 1 of an institution's roster, with nobody enrolled yet."""
        return cls(issuer_code, issuer_name, public_raw(issuer_public_key), 1, issued_at)

    def ed25519_issuer(self) -> Ed25519PublicKey:
        """The issuer's public key, which must match a pinned fingerprint."""
        return public_from_raw(self.issuer_public_key)

    # --- look-ups -------------------------------------------------------------------------------

    def lookup(self, key_id: str) -> RosterEntry:
        """The entry for ``key_id``, revoked or not; raises ``untrusted_signer`` if it is not listed."""
        for entry in self.entries:
            if entry.key_id == key_id:
                return entry
        raise UntrustedSigner(
            f"key {key_id} is not in roster version {self.version} of {self.issuer_code}",
            hint="import a newer roster if this person was enrolled recently",
        )

    def key_for(self, key_id: str) -> RosterEntry:
        """The entry for a key allowed to sign now; ``untrusted_signer`` or ``revoked_signer`` if not."""
        entry = self.lookup(key_id)
        if entry.revoked_at is not None:
            raise RevokedSigner(
                f"key {key_id} of {entry.staff_id} was revoked at {iso_utc(entry.revoked_at)} "
                f"({entry.revocation_reason})",
                revoked_at=entry.revoked_at,
            )
        return entry

    def active_entry(self, staff_id: str) -> RosterEntry:
        """The active entry of ``staff_id``; raises ``not_found`` if the person has no active key."""
        for entry in self.entries:
            if entry.staff_id == staff_id and entry.revoked_at is None:
                return entry
        raise NotFound(f"staff member {staff_id} has no active key in roster version {self.version}")

    def trusted_keys(self, *, include_revoked: bool = False) -> dict[str, Ed25519PublicKey]:
        """Key id → public key, for :func:`~examsite.identity.dsse.verify_envelope`."""
        return {
            entry.key_id: entry.ed25519()
            for entry in self.entries
            if include_revoked or entry.revoked_at is None
        }

    # --- changes: each returns the next version -------------------------------------------------

    def _next(self, entries: Iterable[RosterEntry], at: datetime) -> Roster:
        at = _check_time(at, "issued_at")
        if at < self.issued_at:
            raise InvalidInput(
                f"the new roster time {iso_utc(at)} is before version {self.version} "
                f"({iso_utc(self.issued_at)})",
                hint="check the computer's clock",
            )
        return replace(self, version=self.version + 1, issued_at=at, entries=tuple(entries))

    def enrolled(
        self, staff_id: str, name: str, roles: Iterable[str], public_key: Ed25519PublicKey, at: datetime
    ) -> Roster:
        """Add a staff member with a first key; refuses a person who already has an active key."""
        raw = public_raw(public_key)
        if any(entry.staff_id == staff_id and entry.revoked_at is None for entry in self.entries):
            raise InvalidInput(
                f"staff member {staff_id} is already enrolled with an active key",
                code="already_enrolled",
                hint="rotate the key instead",
            )
        if any(entry.public_key == raw for entry in self.entries):
            # even a revoked key must never come back under another entry
            raise InvalidInput("this key is already in the roster", code="duplicate_key")
        entry = RosterEntry(staff_id, name, tuple(parse_roles(roles)), raw, _check_time(at, "valid_from"))
        return self._next((*self.entries, entry), at)

    def revoked(self, key_id: str, at: datetime, reason: RevocationReason, note: str = "") -> Roster:
        """Revoke ``key_id`` from ``at``; refuses a key that is already revoked."""
        entry = self.key_for(key_id)
        done = replace(entry, revoked_at=at, revocation_reason=reason, revocation_note=note)
        return self._next((done if e.key_id == key_id else e for e in self.entries), at)

    def rotated(
        self, staff_id: str, new_public_key: Ed25519PublicKey, at: datetime, note: str = ""
    ) -> Roster:
        """Give ``staff_id`` a new key (same name and roles) and revoke the old one as superseded."""
        old = self.active_entry(staff_id)
        raw = public_raw(new_public_key)
        if any(entry.public_key == raw for entry in self.entries):
            raise InvalidInput("the new key is already in the roster", code="duplicate_key")
        done = replace(
            old, revoked_at=at, revocation_reason=RevocationReason.SUPERSEDED, revocation_note=note
        )
        new = RosterEntry(staff_id, old.name, old.roles, raw, _check_time(at, "valid_from"))
        entries = [done if e.key_id == old.key_id else e for e in self.entries]
        return self._next((*entries, new), at)

    # --- bytes ------------------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        """The roster payload as a JSON value."""
        return {
            "format": ROSTER_FORMAT,
            "issuer": {
                "code": self.issuer_code,
                "name": self.issuer_name,
                "key_id": self.issuer_key_id,
                "public_key": b64encode(self.issuer_public_key),
            },
            "version": self.version,
            "issued_at": iso_utc(self.issued_at),
            "entries": [entry.to_json() for entry in self.entries],
        }

    def to_payload(self) -> bytes:
        """The canonical JSON bytes that :func:`sign_roster` signs."""
        return canonical_bytes(self.to_json())

    @classmethod
    def from_payload(cls, payload: bytes) -> Roster:
        """Parse roster payload bytes; anything but exactly what :meth:`to_payload` writes raises
        ``malformed_roster``."""
        try:
            doc = parse_canonical(payload)
            roster = _roster_from_json(doc)
        except (NotCanonical, InvalidInput) as exc:
            raise MalformedRoster(f"the roster cannot be read: {exc.message}") from None
        if roster.to_payload() != payload:
            raise MalformedRoster("the roster is not in the exact form examsite writes")
        return roster


def _field(doc: Any, name: str, kind: type | tuple[type, ...]) -> Any:
    if not isinstance(doc, dict) or name not in doc:
        raise InvalidInput(f"field {name!r} is missing")
    value = doc[name]
    if isinstance(value, bool) or not isinstance(value, kind):
        raise InvalidInput(f"field {name!r} has the wrong type")
    return value


def _time(text: str, name: str) -> datetime:
    try:
        return parse_iso_utc(text)
    except ValueError:
        raise InvalidInput(f"field {name!r} is not an RFC 3339 time: {text!r}") from None


def _raw_key(text: str, name: str) -> bytes:
    try:
        return b64decode_strict(text)
    except ValueError:
        raise InvalidInput(f"field {name!r} is not base64") from None


def _entry_from_json(doc: Any) -> RosterEntry:
    revoked_text = _field(doc, "revoked_at", (str, type(None)))
    reason_text = _field(doc, "revocation_reason", (str, type(None)))
    entry = RosterEntry(
        staff_id=_field(doc, "staff_id", str),
        name=_field(doc, "name", str),
        roles=tuple(_field(doc, "roles", list)),
        public_key=_raw_key(_field(doc, "public_key", str), "public_key"),
        valid_from=_time(_field(doc, "valid_from", str), "valid_from"),
        revoked_at=None if revoked_text is None else _time(revoked_text, "revoked_at"),
        revocation_reason=reason_text,
        revocation_note=_field(doc, "revocation_note", str),
    )
    if _field(doc, "key_id", str) != entry.key_id or _field(doc, "status", str) != entry.status.value:
        raise InvalidInput(f"entry {entry.key_id}: key id or status does not match the key")
    return entry


def _roster_from_json(doc: dict[str, Any]) -> Roster:
    if doc.get("format") != ROSTER_FORMAT:
        raise InvalidInput(f"format {doc.get('format')!r} is not {ROSTER_FORMAT}")
    issuer = _field(doc, "issuer", dict)
    roster = Roster(
        issuer_code=_field(issuer, "code", str),
        issuer_name=_field(issuer, "name", str),
        issuer_public_key=_raw_key(_field(issuer, "public_key", str), "issuer.public_key"),
        version=_field(doc, "version", int),
        issued_at=_time(_field(doc, "issued_at", str), "issued_at"),
        entries=tuple(_entry_from_json(item) for item in _field(doc, "entries", list)),
    )
    if _field(issuer, "key_id", str) != roster.issuer_key_id:
        raise InvalidInput("issuer.key_id does not match the issuer's key")
    return roster


def sign_roster(roster: Roster, signer: Signer) -> bytes:
    """Sign ``roster`` as a DSSE envelope; ``signer`` must hold the issuer key the roster names."""
    if signer.key_id != roster.issuer_key_id:
        raise InvalidInput(
            f"roster names issuer key {roster.issuer_key_id} but the signer holds {signer.key_id}",
            code="wrong_issuer_key",
        )
    return sign_envelope(PayloadType.ROSTER, roster.to_payload(), signer)


@dataclass(frozen=True)
class RosterCheckpoint:
    """What a verifier remembers of the last roster it accepted."""

    version: int
    payload_sha256: str


@dataclass(frozen=True)
class VerifiedRoster:
    """A roster whose signature and issuer checked out, with the envelope to store or forward."""

    roster: Roster
    envelope: bytes
    checkpoint: RosterCheckpoint


@dataclass(frozen=True)
class RosterTrust:
    """Pinned issuer fingerprints plus the last accepted roster: everything a verifier trusts."""

    pinned_fingerprints: frozenset[str]
    last_accepted: RosterCheckpoint | None = None

    def __post_init__(self) -> None:
        pins = frozenset(normalise_fingerprint(text) for text in self.pinned_fingerprints)
        if not pins:
            raise InvalidInput("pin at least one issuer fingerprint before accepting a roster")
        object.__setattr__(self, "pinned_fingerprints", pins)

    def verify(self, envelope: bytes) -> VerifiedRoster:
        """Verify ``envelope`` against the pins and the last accepted version (does not record it)."""
        payload_type, payload, _key_id = unverified_fields(envelope)
        if payload_type != PayloadType.ROSTER:
            raise WrongPayloadType(f"the envelope signs {payload_type!r}, not a roster")
        roster = Roster.from_payload(payload)
        issuer_key = roster.ed25519_issuer()
        if normalise_fingerprint(fingerprint(issuer_key)) not in self.pinned_fingerprints:
            raise UnpinnedIssuer(
                f"the roster of {roster.issuer_code} is signed by a key with fingerprint "
                f"{fingerprint(issuer_key)}, which is not pinned",
                hint="compare the fingerprint with the one the institution published before pinning it",
            )
        verify_envelope(envelope, {roster.issuer_key_id: issuer_key}, PayloadType.ROSTER)
        checkpoint = RosterCheckpoint(roster.version, sha256_hex(payload))
        last = self.last_accepted
        if last is not None and (
            roster.version < last.version
            or (roster.version == last.version and checkpoint.payload_sha256 != last.payload_sha256)
        ):
            raise RosterRollback(
                f"roster version {roster.version} is older than or conflicts with accepted version "
                f"{last.version}",
                hint="a replayed old roster could bring back revoked keys; get the current roster",
            )
        return VerifiedRoster(roster, envelope, checkpoint)

    def accepted(self, verified: VerifiedRoster) -> RosterTrust:
        """The trust state after accepting ``verified``."""
        return replace(self, last_accepted=verified.checkpoint)


def verify_roster(
    envelope: bytes, pinned_fingerprints: Iterable[str], min_version: int = 1
) -> VerifiedRoster:
    """Verify a roster envelope against pinned issuer fingerprints, refusing versions below
    ``min_version`` (``roster_rollback``). Use :class:`RosterTrust` to also refuse a same-version fork.
    """
    verified = RosterTrust(frozenset(pinned_fingerprints)).verify(envelope)
    if verified.roster.version < min_version:
        raise RosterRollback(
            f"roster version {verified.roster.version} is older than version {min_version} already seen"
        )
    return verified


def export_roster(path: Path, envelope: bytes) -> None:
    """Write a signed roster envelope to ``path`` atomically (readable by all: it holds no secret)."""
    atomic_write_bytes(Path(path), envelope, mode=0o644)


def import_roster(path: Path, trust: RosterTrust) -> VerifiedRoster:
    """Read and verify a roster file; the caller records ``trust.accepted(result)`` once stored."""
    path = Path(path)
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_ROSTER_BYTES + 1)
    except FileNotFoundError:
        raise NotFound(f"roster file {path} does not exist") from None
    if len(data) > MAX_ROSTER_BYTES:
        raise MalformedRoster(f"roster file {path} is larger than {MAX_ROSTER_BYTES} bytes")
    return trust.verify(data)
