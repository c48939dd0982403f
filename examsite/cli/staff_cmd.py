"""``examsite staff enroll|list|revoke|rotate`` and ``examsite roster init|show|export|import``.

Passphrases never come from the command line (argv is visible to every user of the machine and
lands in shell history): they are typed at a prompt, or a script passes them on a file descriptor
with ``--passphrase-fd N`` / ``--issuer-passphrase-fd N``, one per line. ``EXAMSITE_TEST_WEAK_KDF=1``
selects a cheap Argon2id cost for the test suite only (see :mod:`examsite.identity.staff`).
"""

from __future__ import annotations

import argparse
import getpass
import os
from pathlib import Path
from typing import Any

from examsite.cli.context import CliContext
from examsite.clock import to_local
from examsite.errors import InvalidInput
from examsite.identity.roster import ROLE_LABELS_ZH, RevocationReason, Role
from examsite.identity.staff import (
    KdfChoice,
    current_roster,
    describe_roster,
    enrol_staff,
    export_current_roster,
    import_roster_file,
    init_issuer,
    issuer_info,
    list_staff,
    revoke_staff_key,
    rotate_staff_key,
)
from examsite.sites.setup import current_site

MAX_PASSPHRASE_BYTES = 4096


def read_line_from_fd(fd: int) -> str:
    """One line from ``fd``, read a byte at a time so later lines stay for the next read."""
    data = bytearray()
    try:
        while len(data) <= MAX_PASSPHRASE_BYTES:
            chunk = os.read(fd, 1)
            if not chunk or chunk == b"\n":
                break
            data += chunk
    except OSError as exc:
        raise InvalidInput(f"cannot read a passphrase from file descriptor {fd}: {exc.strerror}") from None
    if len(data) > MAX_PASSPHRASE_BYTES:
        raise InvalidInput(f"the line on file descriptor {fd} is too long to be a passphrase")
    try:
        return data.decode("utf-8").removesuffix("\r")
    except UnicodeDecodeError:
        raise InvalidInput(f"the passphrase on file descriptor {fd} is not UTF-8") from None


def read_passphrase(fd: int | None, prompt: str, *, confirm: bool = False) -> str:
    """A passphrase from ``fd`` if given, else typed at a hidden prompt (twice when ``confirm``)."""
    if fd is not None:
        return read_line_from_fd(fd)
    first = getpass.getpass(prompt)
    if confirm and getpass.getpass("again: ") != first:
        raise InvalidInput("the two passphrases differ", code="passphrase_mismatch", hint="type it again")
    return first


def add_fd_option(
    parser: argparse.ArgumentParser, name: str = "--passphrase-fd", whose: str = "the person's"
) -> None:
    """Add an option naming a file descriptor to read a passphrase line from."""
    parser.add_argument(
        name,
        type=int,
        metavar="N",
        help=f"read {whose} passphrase from file descriptor N (scripts; else a prompt)",
    )


def register(sub: Any) -> None:
    p = sub.add_parser("staff", help="staff members and their signing keys (art. 15)")
    ssub = p.add_subparsers(dest="staff_command", metavar="ACTION", required=True)
    en = ssub.add_parser("enroll", help="enrol a staff member: new key, new roster version")
    en.add_argument("--staff-no", required=True, help="工号 / staff number (letters, digits, . _ -)")
    en.add_argument("--name", required=True)
    roles = ", ".join(f"{r.value} ({ROLE_LABELS_ZH[r]})" for r in Role)
    en.add_argument("--role", action="append", required=True, dest="roles", help=f"repeatable: {roles}")
    en.add_argument(
        "--id-number", default="", help="身份证号, to recognise the person as an incident's subject"
    )
    add_fd_option(en)
    add_fd_option(en, "--issuer-passphrase-fd", "the institution key's")
    en.set_defaults(func=run_enroll)
    li = ssub.add_parser("list", help="staff, roles and key fingerprints")
    li.set_defaults(func=run_list)
    rv = ssub.add_parser("revoke", help="revoke a staff member's key (new roster version)")
    rv.add_argument("staff_no")
    rv.add_argument("--reason", required=True, choices=[r.value for r in RevocationReason])
    rv.add_argument("--note", default="")
    add_fd_option(rv, "--issuer-passphrase-fd", "the institution key's")
    rv.set_defaults(func=run_revoke)
    ro = ssub.add_parser("rotate", help="give a staff member a new key; the old one is superseded")
    ro.add_argument("staff_no")
    ro.add_argument("--note", default="")
    add_fd_option(ro, whose="the new")
    add_fd_option(ro, "--issuer-passphrase-fd", "the institution key's")
    ro.set_defaults(func=run_rotate)

    r = sub.add_parser("roster", help="the signed staff roster: create, show, export, import")
    rsub = r.add_subparsers(dest="roster_command", metavar="ACTION", required=True)
    ini = rsub.add_parser("init", help="create the institution's roster key and roster version 1")
    ini.add_argument("--code", help="issuer code (default: the institution's code)")
    ini.add_argument("--name", help="issuer name (default: the institution's name)")
    add_fd_option(ini, whose="the new institution key's")
    ini.set_defaults(func=run_roster_init)
    sh = rsub.add_parser("show", help="the current roster and the issuer's fingerprint")
    sh.add_argument("--issuer", help="issuer code (default: this installation's)")
    sh.set_defaults(func=run_roster_show)
    ex = rsub.add_parser("export", help="write the signed roster to a file")
    ex.add_argument("file", type=Path)
    ex.add_argument("--issuer", help="issuer code (default: this installation's)")
    ex.set_defaults(func=run_roster_export)
    im = rsub.add_parser("import", help="verify and accept a roster file")
    im.add_argument("file", type=Path)
    im.add_argument(
        "--pin", metavar="FINGERPRINT", help="trust this issuer fingerprint (compare it by phone or paper)"
    )
    im.set_defaults(func=run_roster_import)


def run_enroll(args: argparse.Namespace, ctx: CliContext) -> int:
    passphrase = read_passphrase(args.passphrase_fd, f"new passphrase for {args.staff_no}: ", confirm=True)
    issuer = read_passphrase(args.issuer_passphrase_fd, "institution key passphrase: ")
    identity = enrol_staff(
        ctx.store,
        ctx.paths,
        staff_no=args.staff_no,
        name=args.name,
        roles=args.roles,
        passphrase=passphrase,
        issuer_passphrase=issuer,
        id_number=args.id_number,
        kdf=KdfChoice.from_env(),
    )
    print(f"enrolled {identity.staff_id} {args.name}: key {identity.key_id}")
    print(f"fingerprint {identity.fingerprint}")
    return 0


def run_list(args: argparse.Namespace, ctx: CliContext) -> int:
    with ctx.store.session() as session:
        people = list_staff(session)
    if not people:
        print("no staff enrolled (examsite staff enroll)")
    for person in people:
        roles = ",".join(person.roles)
        print(
            f"{person.staff_no:<10} {person.name:<10} {person.status:<8} {roles:<32} {person.key_id or '-'}"
        )
    return 0


def run_revoke(args: argparse.Namespace, ctx: CliContext) -> int:
    issuer = read_passphrase(args.issuer_passphrase_fd, "institution key passphrase: ")
    key_id = revoke_staff_key(
        ctx.store,
        ctx.paths,
        staff_no=args.staff_no,
        reason=RevocationReason(args.reason),
        issuer_passphrase=issuer,
        note=args.note,
        kdf=KdfChoice.from_env(),
    )
    print(f"revoked key {key_id} of {args.staff_no} ({args.reason}); export the roster to the verifiers")
    return 0


def run_rotate(args: argparse.Namespace, ctx: CliContext) -> int:
    passphrase = read_passphrase(args.passphrase_fd, f"new passphrase for {args.staff_no}: ", confirm=True)
    issuer = read_passphrase(args.issuer_passphrase_fd, "institution key passphrase: ")
    identity = rotate_staff_key(
        ctx.store,
        ctx.paths,
        staff_no=args.staff_no,
        new_passphrase=passphrase,
        issuer_passphrase=issuer,
        note=args.note,
        kdf=KdfChoice.from_env(),
    )
    print(f"new key {identity.key_id} for {identity.staff_id}; the old key is superseded")
    return 0


def run_roster_init(args: argparse.Namespace, ctx: CliContext) -> int:
    code, name = args.code, args.name
    if code is None or name is None:
        with ctx.store.session() as session:
            institution = current_site(session).institution
            code, name = code or institution.code, name or institution.name
    passphrase = read_passphrase(args.passphrase_fd, "new institution key passphrase: ", confirm=True)
    info = init_issuer(
        ctx.store, ctx.paths, code=code, name=name, passphrase=passphrase, kdf=KdfChoice.from_env()
    )
    print(f"roster issuer {info.code} {info.name}: key {info.key_id}")
    print(f"fingerprint {info.fingerprint}")
    print("publish this fingerprint to the verifiers (city centre) on paper or by phone")
    return 0


def run_roster_show(args: argparse.Namespace, ctx: CliContext) -> int:
    with ctx.store.session() as session:
        roster = current_roster(session, args.issuer).roster
        mine = issuer_info(session)
    summary = describe_roster(roster)
    local = " (this installation)" if mine is not None and mine.code == roster.issuer_code else ""
    print(f"roster of {roster.issuer_code} {roster.issuer_name}{local}, version {roster.version}")
    print(f"issued {to_local(roster.issued_at):%Y-%m-%d %H:%M:%S}")
    print(f"issuer fingerprint {summary['issuer_fingerprint']}")
    for entry in roster.entries:
        roles = ",".join(r.value for r in entry.roles)
        state = entry.status.value if entry.revoked_at is None else f"revoked ({entry.revocation_reason})"
        print(f"  {entry.staff_id:<10} {entry.name:<10} {roles:<32} {entry.key_id} {state}")
    return 0


def run_roster_export(args: argparse.Namespace, ctx: CliContext) -> int:
    with ctx.store.session() as session:
        verified = export_current_roster(session, args.file, args.issuer)
    print(f"roster version {verified.roster.version} of {verified.roster.issuer_code} written to {args.file}")
    return 0


def run_roster_import(args: argparse.Namespace, ctx: CliContext) -> int:
    with ctx.store.session() as session:
        verified = import_roster_file(session, args.file, pin=args.pin, actor="cli")
    roster = verified.roster
    print(f"accepted roster version {roster.version} of {roster.issuer_code} ({len(roster.entries)} keys)")
    return 0
