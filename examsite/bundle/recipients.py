"""age recipients and identities for case bundles: X25519 (through ``pyrage``) and post-quantum.

A recipient is the public half a site encrypts to: the institution's and/or the city centre's, either
an X25519 key (``age1...``) or a hybrid post-quantum MLKEM768-X25519 key (``age1pq1...``,
:mod:`examsite.bundle.agepq`; pyrage has none, so those are parsed and made here). An identity
(``AGE-SECRET-KEY-1...`` or ``AGE-SECRET-KEY-PQ-1...``) is the private half, kept by the recipient
in an identity file in the format of ``age-keygen`` (which may hold both kinds of line), so
``age -d -i FILE`` opens the same bundle (age 1.3 or later for a post-quantum one).

One bundle goes either to post-quantum recipients only or to X25519 ones only: an X25519 stanza
beside a post-quantum one would let a future quantum computer open the file after all, and age
refuses the mix, so :func:`postquantum` (and with it :func:`fingerprints`) refuses it too.

A recipient fingerprint is SHA-256 of the recipient text (lower case, as age writes it): the
manifest lists these rather than the keys, and people compare them in groups of four.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TypeAlias

import pyrage
from pyrage import x25519

from examsite.bundle import age
from examsite.bundle.agepq import HybridIdentity, HybridRecipient
from examsite.bundle.errors import MIXED_RECIPIENTS_HINT, BundleError
from examsite.clock import iso_utc, utc_now
from examsite.fsutil import atomic_write_bytes

MAX_IDENTITY_FILE = 64 * 1024
PQ_RECIPIENT_PREFIX = "age1pq1"
PQ_IDENTITY_PREFIX = "AGE-SECRET-KEY-PQ-1"

# a recipient or identity of either kind, as the rest of the bundle code passes them around
Recipient: TypeAlias = x25519.Recipient | HybridRecipient
Identity: TypeAlias = x25519.Identity | HybridIdentity


def _shown(text: str) -> str:
    """A recipient as an error repeats it: a post-quantum key is 1,959 characters long."""
    return repr(text) if len(text) <= 80 else repr(f"{text[:24]}…{text[-12:]}")


def parse_recipient(text: str) -> Recipient:
    """An age recipient from its ``age1...`` (X25519) or ``age1pq1...`` (post-quantum) text; anything
    else raises ``bad_recipient``."""
    cleaned = text.strip()
    try:
        if cleaned.lower().startswith(PQ_RECIPIENT_PREFIX):
            return HybridRecipient.from_str(cleaned)
        return x25519.Recipient.from_str(cleaned)
    except (age.KeyFormatError, pyrage.RecipientError, ValueError):
        raise BundleError(
            "bad_recipient", f"{_shown(text)} is not an age recipient (age1… or age1pq1…)"
        ) from None


def recipient_fingerprint(recipient: str | Recipient) -> str:
    """SHA-256 (64 lower-case hex digits) of the recipient's ``age1...`` text in lower case.

    bech32 is case-insensitive; ``str`` of a parsed recipient is the lower-case spelling age prints.
    """
    parsed = parse_recipient(recipient) if isinstance(recipient, str) else recipient
    return hashlib.sha256(str(parsed).encode("ascii")).hexdigest()


def postquantum(recipients: Sequence[Recipient]) -> bool:
    """Whether ``recipients`` are post-quantum ones; a mix of both kinds raises ``bad_recipient``."""
    kinds = {isinstance(r, HybridRecipient) for r in recipients}
    if len(kinds) > 1:
        raise BundleError(
            "bad_recipient",
            "post-quantum (age1pq1…) and X25519 (age1…) recipients cannot share a bundle: the X25519 "
            "key would let a future quantum computer open it",
            hint=MIXED_RECIPIENTS_HINT,
        )
    return kinds == {True}


def show_fingerprint(fp: str) -> str:
    """A fingerprint as people compare it: groups of four upper-case hex digits."""
    upper = fp.upper()
    return " ".join(upper[i : i + 4] for i in range(0, len(upper), 4))


def identity_recipient(identity: Identity) -> str:
    """The ``age1...`` (or ``age1pq1...``) recipient of ``identity``."""
    return str(identity.to_public())


def generate_identity(pq: bool = False) -> Identity:
    """A fresh identity from the operating system's random source: X25519, or with ``pq`` a hybrid
    post-quantum MLKEM768-X25519 one."""
    return HybridIdentity.generate() if pq else x25519.Identity.generate()


def identity_file_text(identity: Identity) -> bytes:
    """``identity`` as ``age-keygen`` writes it: two comment lines and the secret key."""
    return (
        f"# created: {iso_utc(utc_now())}\n# public key: {identity_recipient(identity)}\n{identity}\n"
    ).encode("ascii")


def write_identity(path: Path, identity: Identity) -> None:
    """Write ``identity`` to a new file readable only by its owner; never overwrites a file."""
    path = Path(path)
    if path.exists():
        raise BundleError("bad_identity", f"{path} already exists; an identity file is never overwritten")
    atomic_write_bytes(path, identity_file_text(identity), mode=0o600)


def load_identities(path: Path) -> list[Identity]:
    """Read the identities of an age identity file, X25519 and post-quantum ones alike (comments and
    blank lines skipped)."""
    path = Path(path)
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_IDENTITY_FILE + 1)
    except OSError as exc:
        raise BundleError("bad_identity", f"identity file {path} cannot be read: {exc.strerror}") from None
    if len(data) > MAX_IDENTITY_FILE:
        raise BundleError("bad_identity", f"{path} is too large to be an identity file")
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError:
        raise BundleError("bad_identity", f"{path} is not an age identity file (not ASCII)") from None
    identities = parse_identities(text.splitlines())
    if not identities:
        raise BundleError("bad_identity", f"{path} holds no AGE-SECRET-KEY line")
    return identities


def parse_identities(lines: Iterable[str]) -> list[Identity]:
    """Identities from identity-file lines; a line that is not one raises ``bad_identity``."""
    out: list[Identity] = []
    for number, line in enumerate(lines, 1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        try:
            if stripped.upper().startswith(PQ_IDENTITY_PREFIX):
                out.append(HybridIdentity.from_str(stripped))
            else:
                out.append(x25519.Identity.from_str(stripped))
        except (age.KeyFormatError, pyrage.IdentityError, ValueError):  # never echo a damaged secret
            raise BundleError(
                "bad_identity",
                f"line {number} of the identity file is not an age identity "
                "(AGE-SECRET-KEY-1… or AGE-SECRET-KEY-PQ-1…)",
            ) from None
    return out


def age_recipient(recipient: Recipient) -> age.Recipient:
    """The same recipient for :mod:`examsite.bundle.age` (X25519 keys are parsed and made by pyrage,
    post-quantum ones already are ours)."""
    if isinstance(recipient, HybridRecipient):
        return recipient
    return age.X25519Recipient.from_str(str(recipient))


def age_identity(identity: Identity) -> age.Identity:
    """The same identity for :mod:`examsite.bundle.age`."""
    if isinstance(identity, HybridIdentity):
        return identity
    return age.X25519Identity.from_str(str(identity))


def fingerprints(recipients: Sequence[str]) -> tuple[str, ...]:
    """Sorted, distinct fingerprints of ``recipients``; refuses an empty or repeated list, or one
    that mixes post-quantum and X25519 recipients."""
    parsed = [parse_recipient(text) for text in recipients]
    if not parsed:
        raise BundleError("bad_recipient", "a bundle needs at least one recipient")
    postquantum(parsed)
    prints = [recipient_fingerprint(recipient) for recipient in parsed]
    if len(set(prints)) != len(prints):
        raise BundleError("bad_recipient", "a recipient is given twice")
    return tuple(sorted(prints))
