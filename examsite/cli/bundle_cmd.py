"""``examsite bundle keygen|export|verify|import|slip``: signed, encrypted case bundles (issue 6).

The site exports confirmed incidents for the institution and/or the city centre (their age
``age1…`` public keys, or post-quantum ``age1pq1…`` ones from ``keygen --pq``; one bundle takes one
kind); the recipient verifies or imports with its identity file. The site device
key's passphrase is typed at a prompt or passed on ``--passphrase-fd N``, never on the command line.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from examsite.bundle.export import export_bundle
from examsite.bundle.importer import import_bundle, known_bundles, roster_last, store_trust
from examsite.bundle.reader import KnownBundles, VerifiedBundle, verify_bundle
from examsite.bundle.recipients import (
    generate_identity,
    identity_recipient,
    load_identities,
    recipient_fingerprint,
    show_fingerprint,
    write_identity,
)
from examsite.bundle.slip import slip_fields
from examsite.cli.context import CliContext
from examsite.cli.staff_cmd import add_fd_option, read_passphrase
from examsite.errors import ExamsiteError
from examsite.identity.roster import RosterTrust
from examsite.identity.staff import KdfChoice, unlock_staff_key
from examsite.sites.setup import current_site


def register(sub: Any) -> None:
    p = sub.add_parser("bundle", help="case bundles: export, verify, import (age-encrypted, signed)")
    bsub = p.add_subparsers(dest="bundle_command", metavar="ACTION", required=True)

    kg = bsub.add_parser("keygen", help="make a recipient identity file; prints its public key (age1…)")
    kg.add_argument("--out", type=Path, required=True, help="identity file to create (never overwritten)")
    kg.add_argument(
        "--pq",
        action="store_true",
        help="a post-quantum key (age1pq1…, MLKEM768-X25519); the public age tool needs version 1.3+",
    )
    kg.set_defaults(func=run_keygen)

    ex = bsub.add_parser("export", help="export confirmed incidents as a bundle for the recipients")
    ex.add_argument("--recipient", action="append", required=True, dest="recipients", metavar="AGE1…")
    ex.add_argument("--incident", action="append", required=True, dest="incidents", metavar="ID")
    ex.add_argument("--out", type=Path, required=True, help="the bundle file to write")
    ex.add_argument(
        "--site-key", metavar="STAFF_NO", help="staff number of the site device key (default: site code)"
    )
    ex.add_argument("--actor", default="cli", help="who exports, for the audit log")
    ex.add_argument(
        "--slip", type=Path, metavar="FILE.pdf", help="also write the hand-over slip (交接单) PDF"
    )
    add_fd_option(ex, whose="the site device key's")
    ex.set_defaults(func=run_export)

    sl = bsub.add_parser(
        "slip", help="write the hand-over slip (交接单) of a bundle this site exported, as PDF"
    )
    sl.add_argument(
        "bundle_id", metavar="EXPORTED_BUNDLE_ID", help="the bundle id (or its first 8 characters)"
    )
    sl.add_argument("--out", type=Path, required=True, metavar="FILE.pdf")
    sl.set_defaults(func=run_slip)

    for name, helptext in (
        ("verify", "check every layer of a bundle; imports nothing"),
        ("import", "verify a bundle, then record it and open its cases"),
    ):
        sp = bsub.add_parser(name, help=helptext)
        sp.add_argument("file", type=Path)
        sp.add_argument("--identity", type=Path, required=True, help="the recipient's age identity file")
        sp.add_argument("--actor", default="cli", help="who receives, for the audit log")
        if name == "verify":
            sp.add_argument(
                "--trust",
                action="append",
                metavar="FINGERPRINT",
                help="institution key fingerprint to trust (default: the store's pinned ones)",
            )
        sp.set_defaults(func=run_verify if name == "verify" else run_import)


def run_keygen(args: argparse.Namespace, ctx: CliContext) -> int:
    identity = generate_identity(pq=args.pq)
    write_identity(args.out, identity)
    recipient = identity_recipient(identity)
    print(f"identity written to {args.out} (keep it secret; back it up)")
    print(f"public key (give this to the site): {recipient}")
    print(f"fingerprint: {show_fingerprint(recipient_fingerprint(recipient))}")
    return 0


def run_export(args: argparse.Namespace, ctx: CliContext) -> int:
    with ctx.store.session() as session:
        staff_no = args.site_key or current_site(session).code
    passphrase = read_passphrase(args.passphrase_fd, f"passphrase of site key {staff_no}: ")
    key = unlock_staff_key(ctx.store, ctx.paths, staff_no, passphrase, KdfChoice.from_env())
    result = export_bundle(
        ctx.store,
        ctx.paths,
        out=args.out,
        incident_ids=args.incidents,
        recipients=args.recipients,
        site_key=key,
        actor=args.actor,
    )
    print("\n".join(result.slip))
    if args.slip is not None:
        try:
            write_slip_pdf(ctx, result.bundle.bundle_id, args.slip)
        except ExamsiteError as exc:  # the bundle is written and recorded: say how to get the slip later
            raise ExamsiteError(
                f"bundle {result.bundle.bundle_id} was exported, but its hand-over slip was not "
                f"written: {exc}",
                code=exc.code,
                hint=f"examsite bundle slip {result.bundle.bundle_id} --out FILE.pdf",
            ) from exc
    return 0


def write_slip_pdf(ctx: CliContext, bundle_id: str, out: Path) -> None:
    """Render the 交接单 of an exported bundle to ``out`` (Qt is loaded only here, offscreen)."""
    from examsite.bundle.handover import handover_document, load_handover

    with ctx.store.session() as session:
        doc = handover_document(load_handover(session, bundle_id))
    try:
        from examsite.gui.headless_pdf import render_documents_offscreen
    except ImportError as exc:
        raise ExamsiteError(
            f"making a PDF needs PySide6, which cannot be loaded: {exc}",
            code="qt_missing",
            hint="install the GUI dependencies, then: examsite bundle slip BUNDLE_ID --out FILE.pdf",
        ) from exc
    render_documents_offscreen([(doc, out)])
    print(f"hand-over slip written: {out}")


def run_slip(args: argparse.Namespace, ctx: CliContext) -> int:
    write_slip_pdf(ctx, args.bundle_id, args.out)
    return 0


def _summary(bundle: VerifiedBundle, file_name: str) -> list[str]:
    """The slip's fields of a received bundle, plus what was verified."""
    fields = slip_fields(bundle.manifest, file_name=file_name, sha256=bundle.sha256, size=bundle.size)
    lines = [f"{field.label}: {field.value}" for field in fields]
    roster = bundle.roster.roster
    lines.append(
        f"roster {roster.issuer_code} v{roster.version} trusted; site key {bundle.manifest.site.key_id}"
    )
    checked = len(bundle.audit.checked_against)
    lines.append(
        f"audit: {len(bundle.audit.entries)} new entries, consistent with {checked} earlier checkpoint(s)"
    )
    return lines


def run_verify(args: argparse.Namespace, ctx: CliContext) -> int:
    identities = load_identities(args.identity)
    if args.trust:
        trust, history, last = RosterTrust(frozenset(args.trust)), KnownBundles(), None
    else:
        with ctx.store.session() as session:
            trust, history = store_trust(session), known_bundles(session)
        last = roster_last(ctx.store)
    bundle = verify_bundle(
        args.file,
        identities=identities,
        trust=trust,
        quarantine=ctx.paths.quarantine,
        history=history,
        roster_last=last,
    )
    try:
        print("\n".join(_summary(bundle, args.file.name)))
        print(f"bundle OK: every layer verified ({len(bundle.records)} record(s)); nothing was imported")
    finally:
        bundle.discard()
    return 0


def run_import(args: argparse.Namespace, ctx: CliContext) -> int:
    identities = load_identities(args.identity)
    result = import_bundle(ctx.store, ctx.paths, args.file, identities=identities, actor=args.actor)
    print("\n".join(_summary(result.bundle, args.file.name)))
    print(f"imported into {result.archive}; cases: {', '.join(c[:8] for c in result.case_ids) or 'none'}")
    return 0
