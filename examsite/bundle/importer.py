"""Import a verified case bundle on the adjudicating side (institution or city centre).

:func:`import_bundle` verifies every layer into a fresh quarantine folder (see
:mod:`examsite.bundle.reader`), remembering earlier bundles through the ``received_bundle`` table
(replays, and audit consistency with the last bundles seen from the same site). Only when every check
passed does it, in one transaction, add the ``received_bundle`` row, open or extend the cases
(:func:`examsite.adjudication.cases.open_cases_from_bundle`), log ``bundle.imported``, and move the
folder from quarantine into the archive (``<data>/bundles/<bundle id>``). If anything in that step
fails, the transaction rolls back and the folder is removed from wherever it got to.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from examsite import audit
from examsite.bundle.auditlog import AuditPoint
from examsite.bundle.errors import BundleError
from examsite.bundle.reader import KnownBundles, RecordVerifier, VerifiedBundle, verify_bundle
from examsite.bundle.recipients import Identity
from examsite.config import Paths
from examsite.errors import InvalidInput, NotFound
from examsite.fsutil import fsync_dir
from examsite.identity.roster import RosterCheckpoint, RosterTrust
from examsite.identity.staff import current_roster, pinned_fingerprints
from examsite.store.engine import Store
from examsite.store.models import ReceivedBundle

ARCHIVE_FOLDER = "bundles"

# opens the adjudication side's cases from a verified bundle, inside the import transaction
OpenCases = Callable[[Session, ReceivedBundle, VerifiedBundle, str], Sequence[str]]


@dataclass(frozen=True)
class ImportResult:
    """A bundle imported: where its members are kept and which cases it opened or extended."""

    bundle: VerifiedBundle
    archive: Path
    case_ids: tuple[str, ...]


def known_bundles(session: Session) -> KnownBundles:
    """What the store remembers of imported bundles: ids, file hashes, checkpoints per site."""
    known = KnownBundles()
    for row in session.execute(select(ReceivedBundle)).scalars():
        known.ids.add(row.id)
        known.hashes.add(row.sha256)
        known.points.setdefault(row.site_code, []).append(
            AuditPoint(row.checkpoint_size, row.checkpoint_root)
        )
    return known


def roster_last(store: Store) -> Callable[[str], RosterCheckpoint | None]:
    """The newest roster version this store accepted from an issuer (None if it has none)."""

    def lookup(issuer_code: str) -> RosterCheckpoint | None:
        with store.session() as session:
            try:
                return current_roster(session, issuer_code).checkpoint
            except NotFound:
                return None

    return lookup


def store_trust(session: Session) -> RosterTrust:
    """The roster issuers this installation pinned (``examsite roster import --pin``)."""
    pins = pinned_fingerprints(session)
    if not pins:
        raise InvalidInput(
            "no institution key is pinned, so no roster (and no site key) can be trusted",
            code="no_pins",
            hint="pin the institution's fingerprint: examsite roster import FILE --pin FINGERPRINT",
        )
    return RosterTrust(pins)


def open_cases(session: Session, row: ReceivedBundle, bundle: VerifiedBundle, actor: str) -> Sequence[str]:
    """Open or extend one case per incident of ``bundle`` (the default :data:`OpenCases`)."""
    from examsite.adjudication.cases import open_cases_from_bundle

    owners = {entry.key_id: entry.staff_id for entry in bundle.roster.roster.entries}
    cases = open_cases_from_bundle(
        session, row, [(r.record, r.envelopes) for r in bundle.records], key_owners=owners, actor=actor
    )
    return [case.id for case in cases]


def import_bundle(
    store: Store,
    paths: Paths,
    path: Path,
    *,
    identities: Sequence[Identity],
    actor: str,
    trust: RosterTrust | None = None,
    record_verifier: RecordVerifier | None = None,
    cases: OpenCases | None = open_cases,
    progress: Callable[[int, int], None] | None = None,
) -> ImportResult:
    """Verify the bundle at ``path`` and import it; raises the first failure's :class:`BundleError`
    (or the case opener's error) with nothing imported and the quarantine folder removed."""
    with store.session() as session:
        known = known_bundles(session)
        trust = trust or store_trust(session)
    bundle = verify_bundle(
        Path(path),
        identities=identities,
        trust=trust,
        quarantine=paths.quarantine,
        record_verifier=record_verifier,
        history=known,
        roster_last=roster_last(store),
        progress=progress,
    )
    manifest = bundle.manifest
    archive_root = paths.data_dir / ARCHIVE_FOLDER
    archive = archive_root / manifest.bundle_id
    moved = False
    try:
        if archive.exists():
            raise BundleError("replayed_bundle", f"the archive already holds bundle {manifest.bundle_id}")
        archive_root.mkdir(parents=True, exist_ok=True)
        with store.session() as session:
            # a second import of the same file could have finished while this one verified
            if known_bundles(session).seen(manifest.bundle_id, bundle.sha256):
                raise BundleError("replayed_bundle", f"bundle {manifest.bundle_id} was imported meanwhile")
            row = ReceivedBundle(
                id=manifest.bundle_id,
                sha256=bundle.sha256,
                received_by=actor,
                site_code=manifest.site.code,
                institution_code=manifest.site.institution_code,
                manifest=bundle.manifest_envelope,
                checkpoint_size=bundle.audit.tree_size,
                checkpoint_root=bundle.audit.root_hash,
                archive_path=f"{ARCHIVE_FOLDER}/{manifest.bundle_id}",
            )
            session.add(row)
            session.flush()
            case_ids = tuple(cases(session, row, bundle, actor)) if cases is not None else ()
            audit.append(
                session,
                actor=actor,
                action="bundle.imported",
                object_type="bundle",
                object_id=manifest.bundle_id,
                content=bundle.manifest_envelope,
                detail=json.dumps(
                    {
                        "sha256": bundle.sha256,
                        "size": bundle.size,
                        "site": manifest.site.code,
                        "records": [f"{r.incident_id}/v{r.version}" for r in manifest.records],
                        "audit": [bundle.audit.previous_size, bundle.audit.tree_size],
                    }
                ),
            )
            # last step before the commit: a rename within the data folder
            os.replace(bundle.folder, archive)
            moved = True
            fsync_dir(archive_root)
    except BaseException:
        if moved:
            shutil.rmtree(archive, ignore_errors=True)
        bundle.discard()
        raise
    return ImportResult(bundle, archive, case_ids)
