"""age X25519 recipients and identities for case bundles (through ``pyrage``).

A recipient (``age1...``) is the public half a site encrypts to: the institution's and/or the city
centre's. An identity (``AGE-SECRET-KEY-1...``) is the private half, kept by the recipient in an
identity file in the format of ``age-keygen``, so Debian's ``age -d -i FILE`` opens the same bundle.

A recipient fingerprint is SHA-256 of the recipient text (lower case, as age writes it): the
manifest lists these rather than the keys, and people compare them in groups of four.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from pathlib import Path

import pyrage
from pyrage import x25519

from examsite.bundle import age
from examsite.bundle.errors import BundleError
from examsite.clock import iso_utc, utc_now
from examsite.fsutil import atomic_write_bytes

MAX_IDENTITY_FILE = 64 * 1024


def parse_recipient(text: str) -> x25519.Recipient:
    """An age X25519 recipient from its ``age1...`` text; anything else raises ``bad_recipient``."""
    cleaned = text.strip()
    try:
        recipient = x25519.Recipient.from_str(cleaned)
    except (pyrage.RecipientError, ValueError):
        raise BundleError("bad_recipient", f"{text!r} is not an age X25519 recipient") from None
    return recipient


def recipient_fingerprint(recipient: str | x25519.Recipient) -> str:
    """SHA-256 (64 lower-case hex digits) of the recipient's ``age1...`` text in lower case.

    bech32 is case-insensitive; ``str`` of a parsed recipient is the lower-case spelling age prints.
    """
    text = str(recipient) if isinstance(recipient, x25519.Recipient) else str(parse_recipient(recipient))
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def show_fingerprint(fp: str) -> str:
    """A fingerprint as people compare it: groups of four upper-case hex digits."""
    upper = fp.upper()
    return " ".join(upper[i : i + 4] for i in range(0, len(upper), 4))


def identity_recipient(identity: x25519.Identity) -> str:
    """The ``age1...`` recipient of ``identity``."""
    return str(identity.to_public())


def generate_identity() -> x25519.Identity:
    """A fresh X25519 identity from the operating system's random source."""
    return x25519.Identity.generate()


def identity_file_text(identity: x25519.Identity) -> bytes:
    """``identity`` as ``age-keygen`` writes it: two comment lines and the secret key."""
    return (
        f"# created: {iso_utc(utc_now())}\n# public key: {identity_recipient(identity)}\n{identity}\n"
    ).encode("ascii")


def write_identity(path: Path, identity: x25519.Identity) -> None:
    """Write ``identity`` to a new file readable only by its owner; never overwrites a file."""
    path = Path(path)
    if path.exists():
        raise BundleError("bad_identity", f"{path} already exists; an identity file is never overwritten")
    atomic_write_bytes(path, identity_file_text(identity), mode=0o600)


def load_identities(path: Path) -> list[x25519.Identity]:
    """Read the X25519 identities of an age identity file (comments and blank lines skipped)."""
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


def parse_identities(lines: Iterable[str]) -> list[x25519.Identity]:
    """Identities from identity-file lines; a line that is not one raises ``bad_identity``."""
    out: list[x25519.Identity] = []
    for number, line in enumerate(lines, 1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        try:
            out.append(x25519.Identity.from_str(stripped))
        except (pyrage.IdentityError, ValueError):  # never echo the line, it may be a damaged secret
            raise BundleError(
                "bad_identity", f"line {number} of the identity file is not an X25519 identity"
            ) from None
    return out


def age_recipient(recipient: x25519.Recipient) -> age.X25519Recipient:
    """The same recipient for :mod:`examsite.bundle.age` (keys are parsed and made by pyrage)."""
    return age.X25519Recipient.from_str(str(recipient))


def age_identity(identity: x25519.Identity) -> age.X25519Identity:
    """The same identity for :mod:`examsite.bundle.age`."""
    return age.X25519Identity.from_str(str(identity))


def fingerprints(recipients: Sequence[str]) -> tuple[str, ...]:
    """Sorted, distinct fingerprints of ``recipients``; refuses an empty or repeated list."""
    prints = [recipient_fingerprint(text) for text in recipients]
    if not prints:
        raise BundleError("bad_recipient", "a bundle needs at least one recipient")
    if len(set(prints)) != len(prints):
        raise BundleError("bad_recipient", "a recipient is given twice")
    return tuple(sorted(prints))
