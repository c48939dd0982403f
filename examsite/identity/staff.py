"""Staff enrolment, keys and the institution's signed roster, kept in the store (issue 3, art. 15).

The institution (or the city centre) holds one issuer key in a sealed keystore under ``keys/issuer``;
every enrolment, rotation and revocation is a new roster version it signs. Staff keystores live under
``keys/staff/<staff no>/`` and their public parts in :class:`~examsite.store.models.StaffKey`.

Rosters and trust live in the ``setting`` table (no schema change), re-verified on every read so a
roster edited in the database is refused like one edited in a file:

- ``identity.issuer``: this installation's issuer (code, name, key id, fingerprint, keystore path);
- ``roster.pins``: the pinned issuer fingerprints (JSON list, 64 hex digits each);
- ``roster.<code>.last``: version and payload SHA-256 of the newest accepted roster of issuer ``code``;
- ``roster.<code>.v<N>``: the signed envelope of version N (all versions are kept).

Every passphrase try is an audit entry committed on its own, so a wrong passphrase is logged even
though the operation it was meant for changes nothing (art. 15: who tried to sign is on record).
Key-derivation cost: the default is Argon2id 64 MiB, t=3. ``EXAMSITE_TEST_WEAK_KDF=1`` makes the
command line use 256 KiB, t=1, for the test suite only; a keystore made that way is refused by any
process that does not set the variable (``weak_keystore``).
"""

from __future__ import annotations

import contextlib
import json
import os
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from examsite import audit
from examsite.canonical import canonical_bytes
from examsite.clock import iso_utc, utc_now
from examsite.config import Paths
from examsite.errors import InvalidInput, NotFound
from examsite.identity.keys import (
    LocalSigner,
    Signer,
    fingerprint,
    generate_private_key,
    normalise_fingerprint,
    public_from_raw,
)
from examsite.identity.keystore import (
    DEFAULT_MEMORY_KIB,
    DEFAULT_TIME_COST,
    MIN_PASSPHRASE_CHARS,
    AttemptEvent,
    PublicIdentity,
    SigningKey,
    create_keystore,
    unlock,
)
from examsite.identity.roster import (
    RevocationReason,
    Roster,
    RosterCheckpoint,
    RosterTrust,
    VerifiedRoster,
    check_id,
    export_roster,
    import_roster,
    parse_roles,
    sign_roster,
)
from examsite.store.engine import Store
from examsite.store.models import Setting, StaffKey, StaffMember, StaffRoleGrant

WEAK_KDF_ENV = "EXAMSITE_TEST_WEAK_KDF"
ISSUER_SETTING = "identity.issuer"
PINS_SETTING = "roster.pins"


@dataclass(frozen=True)
class KdfChoice:
    """Argon2id cost for new keystores, and whether weaker existing ones may be opened (tests)."""

    memory_kib: int = DEFAULT_MEMORY_KIB
    time_cost: int = DEFAULT_TIME_COST
    allow_weak: bool = False

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> KdfChoice:
        """The default cost, or the test cost when ``EXAMSITE_TEST_WEAK_KDF=1`` (tests only)."""
        env = os.environ if environ is None else environ
        if env.get(WEAK_KDF_ENV) == "1":
            return cls(memory_kib=256, time_cost=1, allow_weak=True)
        return cls()


@dataclass(frozen=True)
class IssuerInfo:
    """This installation's roster issuer."""

    code: str
    name: str
    key_id: str
    fingerprint: str
    keystore: str  # relative to the keys folder


@dataclass(frozen=True)
class StaffView:
    """One staff member as lists and dialogs show them."""

    id: str
    staff_no: str
    name: str
    roles: tuple[str, ...]
    status: str
    key_id: str | None
    fingerprint: str | None


def check_new_passphrase(passphrase: str) -> None:
    """Refuse a passphrase under 10 characters before any key work starts (``weak_passphrase``)."""
    if len(unicodedata.normalize("NFC", passphrase)) < MIN_PASSPHRASE_CHARS:
        raise InvalidInput(
            f"the passphrase is shorter than {MIN_PASSPHRASE_CHARS} characters",
            code="weak_passphrase",
            hint="a few unrelated words are easy to remember and hard to guess",
        )


# --- settings -----------------------------------------------------------------------------------


def _get(session: Session, key: str) -> str | None:
    row = session.get(Setting, key)
    return None if row is None else row.value


def _put(session: Session, key: str, value: str) -> None:
    row = session.get(Setting, key)
    if row is None:
        session.add(Setting(key=key, value=value))
    else:
        row.value = value
    session.flush()


def issuer_info(session: Session) -> IssuerInfo | None:
    """This installation's issuer, or None if ``examsite roster init`` has not run."""
    text = _get(session, ISSUER_SETTING)
    if text is None:
        return None
    doc = json.loads(text)
    return IssuerInfo(doc["code"], doc["name"], doc["key_id"], doc["fingerprint"], doc["keystore"])


def pinned_fingerprints(session: Session) -> frozenset[str]:
    """The issuer fingerprints this installation trusts (64 lower-case hex digits each)."""
    text = _get(session, PINS_SETTING)
    return frozenset() if text is None else frozenset(json.loads(text))


def _pin(session: Session, fingerprint_text: str) -> None:
    pins = set(pinned_fingerprints(session)) | {normalise_fingerprint(fingerprint_text)}
    _put(session, PINS_SETTING, json.dumps(sorted(pins)))


def _last(session: Session, code: str) -> RosterCheckpoint | None:
    text = _get(session, f"roster.{code}.last")
    if text is None:
        return None
    doc = json.loads(text)
    return RosterCheckpoint(int(doc["version"]), str(doc["payload_sha256"]))


def _trust(session: Session, code: str) -> RosterTrust:
    pins = pinned_fingerprints(session)
    if not pins:
        raise NotFound(
            "no roster issuer is pinned",
            hint="run `examsite roster init` at the institution, or `examsite roster import FILE --pin "
            "FINGERPRINT` with the fingerprint the institution published",
        )
    return RosterTrust(pins, _last(session, code))


def _record_roster(session: Session, verified: VerifiedRoster, actor: str, action: str) -> None:
    roster = verified.roster
    _put(session, f"roster.{roster.issuer_code}.v{roster.version}", verified.envelope.decode("utf-8"))
    checkpoint = {"version": roster.version, "payload_sha256": verified.checkpoint.payload_sha256}
    _put(session, f"roster.{roster.issuer_code}.last", json.dumps(checkpoint))
    audit.append(
        session,
        actor=actor,
        action=action,
        object_type="roster",
        object_id=f"{roster.issuer_code}/{roster.version}",
        content=verified.envelope,
        detail=f"roster version {roster.version} of {roster.issuer_code}, {len(roster.entries)} keys",
    )


def current_roster(session: Session, issuer_code: str | None = None) -> VerifiedRoster:
    """The newest accepted roster of ``issuer_code`` (default: this installation's issuer), verified
    again against the pinned fingerprints; ``not_found`` if there is none."""
    if issuer_code is None:
        info = issuer_info(session)
        if info is None:
            raise NotFound("this installation has no staff roster yet", hint="run `examsite roster init`")
        issuer_code = info.code
    last = _last(session, issuer_code)
    envelope = None if last is None else _get(session, f"roster.{issuer_code}.v{last.version}")
    if last is None or envelope is None:
        raise NotFound(f"no roster of {issuer_code} has been accepted", hint="import the roster file")
    return _trust(session, issuer_code).verify(envelope.encode("utf-8"))


def roster_versions(session: Session, issuer_code: str) -> list[int]:
    """Versions of ``issuer_code``'s roster kept in the store, oldest first."""
    prefix = f"roster.{issuer_code}.v"
    keys = session.execute(select(Setting.key).where(Setting.key.startswith(prefix))).scalars()
    return sorted(int(key[len(prefix) :]) for key in keys if key[len(prefix) :].isdigit())


# --- passphrase tries ---------------------------------------------------------------------------


def _attempt_entry(session: Session, event: AttemptEvent) -> None:
    audit.append(
        session,
        actor=f"staff:{event.staff_id}" if event.staff_id else "unknown",
        action="key.unlock",
        object_type="staff_key",
        object_id=event.key_id or event.path.name,
        detail=json.dumps(
            {
                "outcome": event.outcome.value,
                "failures": event.failures,
                "locked_until": None if event.locked_until is None else iso_utc(event.locked_until),
                "reason": event.reason,
            },
            sort_keys=True,
        ),
        at=event.at,
    )


def unlock_audited(store: Store, path: Path, passphrase: str, kdf: KdfChoice) -> SigningKey:
    """Unlock a keystore; every try, right or wrong, becomes an audit entry in its own transaction.

    The entries are committed even when the passphrase is wrong (and the error then re-raised), so
    the operation the key was meant for can roll back without losing the record of the try. If the
    entries cannot be written, the key is not handed out.
    """
    events: list[AttemptEvent] = []
    try:
        return unlock(path, passphrase, on_attempt=events.append, allow_weak_kdf=kdf.allow_weak)
    finally:
        with store.session() as session:
            for event in events:
                _attempt_entry(session, event)


def _issuer_path(paths: Paths, info: IssuerInfo) -> Path:
    return paths.keys / info.keystore


def _unlock_issuer(store: Store, paths: Paths, passphrase: str, kdf: KdfChoice) -> tuple[IssuerInfo, Signer]:
    with store.session() as session:
        info = issuer_info(session)
    if info is None:
        raise NotFound("this installation has no roster issuer key", hint="run `examsite roster init` first")
    return info, unlock_audited(store, _issuer_path(paths, info), passphrase, kdf)


# --- issuer -------------------------------------------------------------------------------------


@contextlib.contextmanager
def _new_file_cleanup(path: Path) -> Iterator[None]:
    """Remove a keystore file made inside a transaction that then failed, so no orphan key remains."""
    existed = path.exists()
    try:
        yield
    except BaseException:
        if not existed:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
        raise


def init_issuer(
    store: Store,
    paths: Paths,
    *,
    code: str,
    name: str,
    passphrase: str,
    kdf: KdfChoice = KdfChoice(),  # frozen, so one shared default is safe
    now: datetime | None = None,
) -> IssuerInfo:
    """Create this installation's roster issuer key and roster version 1, and pin its fingerprint.

    Refuses a second issuer (``issuer_exists``): replacing it would orphan every roster signed so far.
    """
    check_id(code, "issuer code")
    check_new_passphrase(passphrase)
    with store.session() as session:
        if issuer_info(session) is not None:
            raise InvalidInput(
                "this installation already has a roster issuer key",
                code="issuer_exists",
                hint="use `examsite roster show` to see it",
            )
    at = now or utc_now()
    private_key = generate_private_key()
    signer = LocalSigner(private_key)
    relative = Path("issuer") / f"{code}-{signer.key_id.split(':')[1][:16]}.keystore"
    path = paths.keys / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    roster = Roster.first(code, name, signer.public_key, at)
    envelope = sign_roster(roster, signer)
    info = IssuerInfo(code, roster.issuer_name, signer.key_id, fingerprint(signer.public_key), str(relative))
    with _new_file_cleanup(path), store.session() as session:
        _pin(session, info.fingerprint)
        verified = _trust(session, code).verify(envelope)
        _record_roster(session, verified, f"issuer:{code}", "roster.issued")
        _put(session, ISSUER_SETTING, json.dumps(info.__dict__, ensure_ascii=False, sort_keys=True))
        create_keystore(
            path,
            code,
            [],
            passphrase,
            private_key=private_key,
            argon_memory_kib=kdf.memory_kib,
            argon_time_cost=kdf.time_cost,
            allow_weak_kdf=kdf.allow_weak,
            clock=lambda: at,
        )
    return info


def _publish(session: Session, roster: Roster, signer: Signer, actor: str, action: str) -> VerifiedRoster:
    """Sign ``roster``, check it against the pins and the last version, and store it."""
    verified = _trust(session, roster.issuer_code).verify(sign_roster(roster, signer))
    _record_roster(session, verified, actor, action)
    return verified


# --- staff --------------------------------------------------------------------------------------


def _member(session: Session, staff_no: str) -> StaffMember | None:
    return session.execute(select(StaffMember).where(StaffMember.staff_no == staff_no)).scalar_one_or_none()


def get_member(session: Session, staff_no: str) -> StaffMember:
    """The staff member with number ``staff_no``; ``not_found`` otherwise."""
    member = _member(session, staff_no)
    if member is None:
        raise NotFound(f"no staff member {staff_no}", hint="`examsite staff list` shows who is enrolled")
    return member


def active_key(member: StaffMember) -> StaffKey | None:
    """The member's key that is not revoked, if any."""
    return next((key for key in member.keys if key.revoked_at is None), None)


def _staff_keystore(paths: Paths, staff_no: str, key_id: str) -> tuple[Path, str]:
    relative = Path("staff") / staff_no / f"{key_id.split(':')[1]}.keystore"
    path = paths.keys / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    return path, str(relative)


def _seal_and_record_key(
    session: Session,
    path: Path,
    relative: str,
    member: StaffMember,
    roles: list[str],
    passphrase: str,
    private_key: Ed25519PrivateKey,
    kdf: KdfChoice,
    at: datetime,
) -> PublicIdentity:
    """Seal a member's new key in its keystore file and record its public part in the store."""
    identity = create_keystore(
        path,
        member.staff_no,
        roles,
        passphrase,
        private_key=private_key,
        argon_memory_kib=kdf.memory_kib,
        argon_time_cost=kdf.time_cost,
        allow_weak_kdf=kdf.allow_weak,
        clock=lambda: at,
    )
    session.add(
        StaffKey(
            key_id=identity.key_id,
            staff_id=member.id,
            public_key=private_key.public_key().public_bytes_raw(),
            keystore_path=relative,
            created_at=at,
        )
    )
    return identity


def enrol_staff(
    store: Store,
    paths: Paths,
    *,
    staff_no: str,
    name: str,
    roles: Iterable[str],
    passphrase: str,
    issuer_passphrase: str,
    id_number: str = "",
    kdf: KdfChoice = KdfChoice(),
    now: datetime | None = None,
) -> PublicIdentity:
    """Enrol a staff member: a new Ed25519 key sealed under ``passphrase``, the next roster version
    signed with the issuer key, and the member's row, roles and public key in the store.

    Refuses before any key work: an invalid number or name, no role, an unknown role
    (``unknown_role``), a short passphrase (``weak_passphrase``), a member with an active key
    (``already_enrolled``). A wrong issuer passphrase changes nothing but the audit log.
    """
    check_id(staff_no, "staff number")
    role_list = parse_roles(roles)
    if not role_list:
        raise InvalidInput(f"staff member {staff_no} needs at least one role", code="no_role")
    check_new_passphrase(passphrase)
    with store.session() as session:
        member = _member(session, staff_no)
        if member is not None and active_key(member) is not None:
            raise InvalidInput(
                f"staff member {staff_no} is already enrolled with an active key",
                code="already_enrolled",
                hint="rotate the key instead",
            )
    info, issuer = _unlock_issuer(store, paths, issuer_passphrase, kdf)
    private_key = generate_private_key()
    person = LocalSigner(private_key)
    path, relative = _staff_keystore(paths, staff_no, person.key_id)
    at = now or utc_now()
    with _new_file_cleanup(path), store.session() as session:
        roster = current_roster(session, info.code).roster
        _publish(
            session,
            roster.enrolled(staff_no, name, role_list, person.public_key, at),
            issuer,
            f"issuer:{info.code}",
            "roster.enrolled",
        )
        member = _member(session, staff_no)
        if member is None:
            member = StaffMember(staff_no=staff_no, name=name, id_number=id_number)
            session.add(member)
        member.name, member.status = name, "active"
        if id_number:
            member.id_number = id_number
        member.roles = [StaffRoleGrant(role=role.value) for role in role_list]
        session.flush()
        # the file is written before the last rows; any later failure removes it again (see above)
        identity = _seal_and_record_key(
            session,
            path,
            relative,
            member,
            [role.value for role in role_list],
            passphrase,
            private_key,
            kdf,
            at,
        )
        audit.append(
            session,
            actor=f"issuer:{info.code}",
            action="staff.enrolled",
            object_type="staff",
            object_id=staff_no,
            content=canonical_bytes(
                {
                    "staff_no": staff_no,
                    "name": name,
                    "roles": [r.value for r in role_list],
                    "key_id": person.key_id,
                }
            ),
        )
    return identity


def rotate_staff_key(
    store: Store,
    paths: Paths,
    *,
    staff_no: str,
    new_passphrase: str,
    issuer_passphrase: str,
    note: str = "",
    kdf: KdfChoice = KdfChoice(),
    now: datetime | None = None,
) -> PublicIdentity:
    """Give ``staff_no`` a new key under ``new_passphrase`` and revoke the old one as superseded.

    Signatures made with the old key stay; the roster says from when it stopped signing.
    """
    check_new_passphrase(new_passphrase)
    with store.session() as session:
        member = get_member(session, staff_no)
        if active_key(member) is None:
            raise InvalidInput(
                f"staff member {staff_no} has no active key to rotate",
                code="no_active_key",
                hint="enrol the person again",
            )
    info, issuer = _unlock_issuer(store, paths, issuer_passphrase, kdf)
    private_key = generate_private_key()
    person = LocalSigner(private_key)
    path, relative = _staff_keystore(paths, staff_no, person.key_id)
    at = now or utc_now()
    with _new_file_cleanup(path), store.session() as session:
        member = get_member(session, staff_no)
        old = active_key(member)
        if old is None:  # revoked by someone else while the passphrases were typed
            raise InvalidInput(f"staff member {staff_no} has no active key to rotate", code="no_active_key")
        roster = current_roster(session, info.code).roster
        _publish(
            session,
            roster.rotated(staff_no, person.public_key, at, note),
            issuer,
            f"issuer:{info.code}",
            "roster.rotated",
        )
        old.revoked_at, old.revocation_reason = at, RevocationReason.SUPERSEDED.value
        identity = _seal_and_record_key(
            session, path, relative, member, member.role_names, new_passphrase, private_key, kdf, at
        )
        audit.append(
            session,
            actor=f"issuer:{info.code}",
            action="staff.key_rotated",
            object_type="staff",
            object_id=staff_no,
            content=canonical_bytes({"old_key_id": old.key_id, "new_key_id": person.key_id}),
            detail=note,
        )
    return identity


def revoke_staff_key(
    store: Store,
    paths: Paths,
    *,
    staff_no: str,
    reason: RevocationReason,
    issuer_passphrase: str,
    note: str = "",
    kdf: KdfChoice = KdfChoice(),
    now: datetime | None = None,
) -> str:
    """Revoke the active key of ``staff_no`` (the person can no longer sign); returns its key id.

    ``compromised`` also voids the key's earlier signatures for verifiers (see
    :mod:`examsite.identity.roster`).
    """
    with store.session() as session:
        member = get_member(session, staff_no)
        if active_key(member) is None:
            raise InvalidInput(f"staff member {staff_no} has no active key", code="no_active_key")
    info, issuer = _unlock_issuer(store, paths, issuer_passphrase, kdf)
    at = now or utc_now()
    with store.session() as session:
        member = get_member(session, staff_no)
        key = active_key(member)
        if key is None:  # revoked by someone else while the passphrase was typed
            raise InvalidInput(f"staff member {staff_no} has no active key", code="no_active_key")
        roster = current_roster(session, info.code).roster
        _publish(
            session,
            roster.revoked(key.key_id, at, reason, note),
            issuer,
            f"issuer:{info.code}",
            "roster.revoked",
        )
        key.revoked_at, key.revocation_reason = at, reason.value
        member.status = "revoked"
        audit.append(
            session,
            actor=f"issuer:{info.code}",
            action="staff.key_revoked",
            object_type="staff",
            object_id=staff_no,
            content=canonical_bytes({"key_id": key.key_id, "reason": reason.value}),
            detail=note,
        )
        return key.key_id


def list_staff(session: Session) -> list[StaffView]:
    """Every staff member with roles, status and active key, ordered by number."""
    out: list[StaffView] = []
    for member in session.execute(select(StaffMember).order_by(StaffMember.staff_no)).scalars():
        key = active_key(member)
        out.append(
            StaffView(
                id=member.id,
                staff_no=member.staff_no,
                name=member.name,
                roles=tuple(member.role_names),
                status=member.status,
                key_id=None if key is None else key.key_id,
                fingerprint=None if key is None else _fingerprint_raw(key.public_key),
            )
        )
    return out


def _fingerprint_raw(raw: bytes) -> str:
    return fingerprint(public_from_raw(raw))


def keystore_path(paths: Paths, session: Session, staff_no: str) -> Path:
    """Where the active key of ``staff_no`` is sealed; ``no_active_key`` if revoked or never made."""
    member = get_member(session, staff_no)
    key = active_key(member)
    if key is None or not key.keystore_path:
        raise InvalidInput(
            f"staff member {staff_no} has no active key on this computer", code="no_active_key"
        )
    return paths.keys / key.keystore_path


def unlock_staff_key(
    store: Store, paths: Paths, staff_no: str, passphrase: str, kdf: KdfChoice = KdfChoice()
) -> SigningKey:
    """Unlock the active key of ``staff_no`` for one signature; every try is audited."""
    with store.session() as session:
        path = keystore_path(paths, session, staff_no)
    key = unlock_audited(store, path, passphrase, kdf)
    if key.staff_id != staff_no:
        # a keystore file swapped in from another person opens with that person's passphrase only
        raise InvalidInput(
            f"the keystore at {path} belongs to {key.staff_id}, not {staff_no}", code="keystore_mismatch"
        )
    return key


# --- export and import --------------------------------------------------------------------------


def export_current_roster(session: Session, path: Path, issuer_code: str | None = None) -> VerifiedRoster:
    """Write the newest accepted roster (verified again first) to ``path`` atomically."""
    verified = current_roster(session, issuer_code)
    export_roster(Path(path), verified.envelope)
    return verified


def import_roster_file(
    session: Session, path: Path, *, pin: str | None = None, actor: str = "system"
) -> VerifiedRoster:
    """Verify a roster file against the pinned fingerprints (plus ``pin``, added only if the roster
    verifies under it) and the last accepted version of its issuer, then store it.

    Refuses an unpinned issuer (``unpinned_issuer``), an older or forked version (``roster_rollback``),
    and a pinned fingerprint that does not match the roster's issuer (``pin_mismatch``).
    """
    pins = set(pinned_fingerprints(session))
    if pin is not None:
        pins.add(normalise_fingerprint(pin))
    if not pins:
        raise NotFound(
            "no roster issuer is pinned",
            hint="give --pin with the fingerprint the institution published (compare it by phone or paper)",
        )
    # the issuer code is inside the signed payload: verify once without history to learn it
    probe = import_roster(Path(path), RosterTrust(frozenset(pins)))
    roster = probe.roster
    if pin is not None and normalise_fingerprint(pin) != normalise_fingerprint(
        fingerprint(roster.ed25519_issuer())
    ):
        raise InvalidInput(
            f"the pinned fingerprint is not that of the roster's issuer {roster.issuer_code}",
            code="pin_mismatch",
            hint="check the fingerprint with the institution",
        )
    verified = RosterTrust(frozenset(pins), _last(session, roster.issuer_code)).verify(probe.envelope)
    last = _last(session, roster.issuer_code)
    if last is not None and last == verified.checkpoint:
        return verified  # the same version again: nothing to record
    if pin is not None:
        _pin(session, pin)
    _record_roster(session, verified, actor, "roster.imported")
    return verified


def describe_roster(roster: Roster) -> dict[str, Any]:
    """A plain summary for ``examsite roster show`` and the window."""
    return {
        "issuer": roster.issuer_code,
        "issuer_name": roster.issuer_name,
        "issuer_fingerprint": fingerprint(roster.ed25519_issuer()),
        "version": roster.version,
        "issued_at": iso_utc(roster.issued_at),
        "entries": [entry.to_json() for entry in roster.entries],
    }


__all__ = [
    "IssuerInfo",
    "KdfChoice",
    "StaffView",
    "active_key",
    "current_roster",
    "describe_roster",
    "enrol_staff",
    "export_current_roster",
    "get_member",
    "import_roster_file",
    "init_issuer",
    "issuer_info",
    "keystore_path",
    "list_staff",
    "revoke_staff_key",
    "roster_versions",
    "rotate_staff_key",
    "unlock_audited",
    "unlock_staff_key",
]
