"""Named errors of staff identity and signatures; ``code`` values are stable for scripts and tests."""

from __future__ import annotations

from datetime import datetime

from examsite.errors import ExamsiteError


class BadPassphrase(ExamsiteError):
    """The passphrase does not open the keystore (or the sealed part of the file was changed)."""

    code = "bad_passphrase"


class KeystoreLocked(ExamsiteError):
    """Too many wrong passphrases: the keystore refuses tries until ``locked_until``."""

    code = "keystore_locked"

    def __init__(self, message: str, *, locked_until: datetime, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.locked_until = locked_until


class KeystoreCorrupt(ExamsiteError):
    """The keystore file cannot be read as a keystore (damaged, truncated, foreign)."""

    code = "keystore_corrupt"


class WeakKeystore(ExamsiteError):
    """The keystore's key derivation is cheaper than policy allows."""

    code = "weak_keystore"


class AttemptLedgerCorrupt(ExamsiteError):
    """The record of failed tries is damaged; tries are refused rather than silently reset."""

    code = "attempt_ledger_corrupt"


class MalformedEnvelope(ExamsiteError):
    """The bytes are not a DSSE envelope of the form examsite writes."""

    code = "malformed_envelope"


class WrongPayloadType(ExamsiteError):
    """The envelope is well formed but signs a different kind of statement than expected."""

    code = "wrong_payload_type"


class UnknownKey(ExamsiteError):
    """The envelope names a key the verifier was not given."""

    code = "unknown_key"


class BadSignature(ExamsiteError):
    """The signature does not verify over the payload under the named key."""

    code = "bad_signature"


class MalformedRoster(ExamsiteError):
    """The roster payload breaks the roster format or its own consistency rules."""

    code = "malformed_roster"


class UnpinnedIssuer(ExamsiteError):
    """The roster is signed by a key whose fingerprint the verifier has not pinned."""

    code = "unpinned_issuer"


class RosterRollback(ExamsiteError):
    """The roster is older than (or forks from) the last one accepted."""

    code = "roster_rollback"


class UntrustedSigner(ExamsiteError):
    """The key is not in the accepted roster."""

    code = "untrusted_signer"


class RevokedSigner(ExamsiteError):
    """The key is in the roster but revoked."""

    code = "revoked_signer"

    def __init__(self, message: str, *, revoked_at: datetime, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.revoked_at = revoked_at
