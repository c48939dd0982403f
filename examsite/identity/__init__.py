"""Staff identity and signatures (issue 3, art. 15): keys, keystores, DSSE envelopes, the roster.

Store-independent primitives: the incident signing workflow builds on these.
"""

from examsite.identity.dsse import PayloadType, VerifiedEnvelope, sign_envelope, verify_envelope
from examsite.identity.keys import LocalSigner, Signer, fingerprint, key_id
from examsite.identity.keystore import (
    AttemptEvent,
    AttemptLedger,
    AttemptOutcome,
    FileAttemptLedger,
    LockoutPolicy,
    PublicIdentity,
    SigningKey,
    change_passphrase,
    create_keystore,
    read_identity,
    unlock,
)
from examsite.identity.roster import (
    RevocationReason,
    Role,
    Roster,
    RosterEntry,
    RosterTrust,
    sign_roster,
    verify_roster,
)

__all__ = [
    "AttemptEvent",
    "AttemptLedger",
    "AttemptOutcome",
    "FileAttemptLedger",
    "LocalSigner",
    "LockoutPolicy",
    "PayloadType",
    "PublicIdentity",
    "RevocationReason",
    "Role",
    "Roster",
    "RosterEntry",
    "RosterTrust",
    "Signer",
    "SigningKey",
    "VerifiedEnvelope",
    "change_passphrase",
    "create_keystore",
    "fingerprint",
    "key_id",
    "read_identity",
    "sign_envelope",
    "sign_roster",
    "unlock",
    "verify_envelope",
    "verify_roster",
]
