"""``examsite init``: the institution, the site and its rooms."""

from __future__ import annotations

import argparse
from typing import Any

from examsite.cli.context import CliContext
from examsite.sites.setup import SiteSpec, init_site


def register(sub: Any) -> None:
    p = sub.add_parser("init", help="set up the institution, the site and its rooms")
    p.add_argument("--institution-code", required=True, help="评价机构代码")
    p.add_argument("--institution-name", required=True, help="评价机构名称")
    p.add_argument("--city", default="", help="市州, e.g. 武汉市")
    p.add_argument("--site-code", required=True, help="考点代码")
    p.add_argument("--site-name", required=True, help="考点名称")
    p.add_argument("--address", default="")
    p.add_argument("--room", action="append", default=[], dest="rooms", help="room name (repeatable)")
    p.set_defaults(func=run_init)


def run_init(args: argparse.Namespace, ctx: CliContext) -> int:
    spec = SiteSpec(
        institution_code=args.institution_code,
        institution_name=args.institution_name,
        city=args.city,
        site_code=args.site_code,
        site_name=args.site_name,
        rooms=tuple(args.rooms),
        address=args.address,
    )
    with ctx.store.session() as session:
        site = init_site(session, spec)
        rooms = ", ".join(room.name for room in site.rooms) or "(none)"
        print(f"site {site.code} {site.name} of {site.institution.name}; rooms: {rooms}")
        print(f"store: {ctx.store.url}")
    return 0
