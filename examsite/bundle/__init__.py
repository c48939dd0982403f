"""Signed, encrypted case bundles (issue 6): the format, writing, reading and verifying, export and
import on the store. The format is specified in ``docs/bundle-format.md``.

- :func:`write_bundle` / :func:`verify_bundle`: the store-free core (age, strict tar, signed manifest,
  audit section, records through the incident verifier);
- :func:`export_bundle` / :func:`import_bundle`: the site's and the recipient's store around them
  (in :mod:`examsite.bundle.export` and :mod:`examsite.bundle.importer`, imported on use);
- :class:`BundleError`: every refusal, with a named ``code`` and a sentence for a person.
"""

from examsite.bundle.errors import HINTS, BundleError
from examsite.bundle.reader import KnownBundles, VerifiedBundle, incident_record_verifier, verify_bundle
from examsite.bundle.recipients import generate_identity, load_identities, recipient_fingerprint
from examsite.bundle.writer import (
    BundleRequest,
    EvidenceFile,
    RecordItem,
    SiteInfo,
    WrittenBundle,
    write_bundle,
)

__all__ = [
    "HINTS",
    "BundleError",
    "BundleRequest",
    "EvidenceFile",
    "KnownBundles",
    "RecordItem",
    "SiteInfo",
    "VerifiedBundle",
    "WrittenBundle",
    "generate_identity",
    "incident_record_verifier",
    "load_identities",
    "recipient_fingerprint",
    "verify_bundle",
    "write_bundle",
]
