"""Offline cost of one passphrase guess against a stolen keystore, against a PKCS8 baseline.

A thief who copies a keystore file is not slowed by the try limit; only the key derivation stands in
the way. This script plays that thief: it reads a real keystore made at the default parameters
(Argon2id, 64 MiB, t=3, p=1), and for each guess derives the key and tries AES-256-GCM, exactly as
an attacker would from the file format. The baseline, measured in the same run, is the same Ed25519
key in PKCS8 PEM with ``BestAvailableEncryption`` (what examsite deliberately does not use), where
each wrong guess is one ``load_pem_private_key`` call.

Run: ``.venv/bin/python bench/keystore_guess.py [--argon-guesses N] [--pkcs8-guesses N]``.
Figures are CPU-seconds of this process on one core (Argon2id runs with one lane).
"""

from __future__ import annotations

import argparse
import base64
import json
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.serialization import (
    BestAvailableEncryption,
    Encoding,
    PrivateFormat,
    load_pem_private_key,
)

from examsite.canonical import canonical_bytes
from examsite.identity.keystore import KdfParams, create_keystore, derive_key

PASSPHRASE = "青山 绿水 长流 2025"


def per_guess(guess: Callable[[str], bool], count: int) -> float:
    """CPU-seconds per wrong guess, over ``count`` distinct guesses."""
    start = time.process_time()
    for n in range(count):
        if guess(f"wrong guess {n:06d}"):
            raise SystemExit("a wrong guess opened the key: the benchmark is broken")
    return (time.process_time() - start) / count


def keystore_guesser(path: Path) -> Callable[[str], bool]:
    """What a thief runs against one keystore file."""
    doc = json.loads(path.read_bytes())
    sealed = base64.b64decode(doc.pop("sealed"))
    kdf = doc["kdf"]
    params = KdfParams(kdf["memory_kib"], kdf["time_cost"], kdf["parallelism"], base64.b64decode(kdf["salt"]))
    nonce = base64.b64decode(doc["cipher"]["nonce"])
    associated = canonical_bytes(doc)

    def guess(passphrase: str) -> bool:
        try:
            AESGCM(derive_key(passphrase, params)).decrypt(nonce, sealed, associated)
        except InvalidTag:
            return False
        return True

    if not guess(PASSPHRASE):
        raise SystemExit("the right passphrase did not open the keystore: the benchmark is broken")
    return guess


def pkcs8_guesser(private_key: Ed25519PrivateKey) -> Callable[[str], bool]:
    """The baseline: the same key as PKCS8 PEM under BestAvailableEncryption."""
    pem = private_key.private_bytes(
        Encoding.PEM, PrivateFormat.PKCS8, BestAvailableEncryption(PASSPHRASE.encode("utf-8"))
    )

    def guess(passphrase: str) -> bool:
        try:
            load_pem_private_key(pem, passphrase.encode("utf-8"))
        except ValueError:
            return False
        return True

    if not guess(PASSPHRASE):
        raise SystemExit("the right passphrase did not open the PKCS8 key: the benchmark is broken")
    return guess


def human(seconds: float) -> str:
    for unit, size in (("days", 86400), ("hours", 3600), ("minutes", 60)):
        if seconds >= size:
            return f"{seconds / size:,.1f} {unit}"
    return f"{seconds:,.1f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--argon-guesses", type=int, default=10)
    parser.add_argument("--pkcs8-guesses", type=int, default=2000)
    args = parser.parse_args()

    private_key = Ed25519PrivateKey.generate()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.key"
        create_keystore(path, "BENCH", ["invigilator"], PASSPHRASE, private_key=private_key)
        kdf = json.loads(path.read_bytes())["kdf"]
        argon = per_guess(keystore_guesser(path), args.argon_guesses)
    pkcs8 = per_guess(pkcs8_guesser(private_key), args.pkcs8_guesses)

    million = 1_000_000  # every six-digit PIN
    print(
        f"keystore (Argon2id m={kdf['memory_kib']} KiB t={kdf['time_cost']} p={kdf['parallelism']} "
        f"+ AES-256-GCM): {argon * 1000:9.2f} ms CPU per guess, {1 / argon:10.1f} guesses/s/core, "
        f"10^6 guesses: {human(argon * million)}"
    )
    print(
        f"baseline (PKCS8 BestAvailableEncryption):            {pkcs8 * 1000:9.3f} ms CPU per guess, "
        f"{1 / pkcs8:10.1f} guesses/s/core, 10^6 guesses: {human(pkcs8 * million)}"
    )
    print(f"ratio: one keystore guess costs {argon / pkcs8:,.0f}x a PKCS8 guess (and needs 64 MiB of memory)")


if __name__ == "__main__":
    main()
