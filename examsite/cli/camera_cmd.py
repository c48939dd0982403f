"""``examsite camera add|list|test``."""

from __future__ import annotations

import argparse
import getpass
import os
from typing import Any

from examsite.cli.context import CliContext
from examsite.errors import InvalidInput
from examsite.sites.cameras import CameraSpec, add_camera, check_camera, describe, find_camera, list_cameras
from examsite.sites.setup import current_site
from examsite.store.models import CameraKind


def register(sub: Any) -> None:
    p = sub.add_parser("camera", help="the cameras of each room")
    csub = p.add_subparsers(dest="camera_command", metavar="ACTION", required=True)
    a = csub.add_parser("add", help="register a camera")
    a.add_argument("--room", required=True)
    a.add_argument("--name", required=True)
    a.add_argument("--kind", choices=[k.value for k in CameraKind], default="rtsp")
    a.add_argument("--main", default="", help="main stream URL (rtsp), device (usb) or file path (file)")
    a.add_argument("--sub", default="", help="sub stream URL for the live view")
    a.add_argument("--user", default="")
    a.add_argument("--password-fd", type=int, help="read the camera password from this file descriptor")
    a.add_argument("--ask-password", action="store_true", help="prompt for the camera password")
    a.set_defaults(func=run_add)
    li = csub.add_parser("list", help="list cameras (no passwords shown)")
    li.add_argument("--room")
    li.set_defaults(func=run_list)
    t = csub.add_parser("test", help="connect to a camera and read one frame")
    t.add_argument("camera", help="camera name, ROOM/NAME or id")
    t.set_defaults(func=run_test)


def _password(args: argparse.Namespace) -> str:
    if args.password_fd is not None:
        with os.fdopen(args.password_fd, "r", closefd=False) as fh:
            return fh.readline().rstrip("\n")
    if args.ask_password:
        try:
            return getpass.getpass("camera password: ")
        except EOFError:
            raise InvalidInput("no password was typed", hint="use --password-fd N in scripts") from None
    return ""


def run_add(args: argparse.Namespace, ctx: CliContext) -> int:
    spec = CameraSpec(
        args.room, args.name, CameraKind(args.kind), args.main, args.sub, args.user, _password(args)
    )
    with ctx.store.session() as session:
        camera = add_camera(session, current_site(session), spec, actor="cli")
        print(f"camera {camera.id[:8]} {describe(camera)}")
    return 0


def run_list(args: argparse.Namespace, ctx: CliContext) -> int:
    with ctx.store.session() as session:
        for camera in list_cameras(session, args.room):
            state = "" if camera.enabled else " (disabled)"
            print(f"{camera.id[:8]} {describe(camera)}{state}")
    return 0


def run_test(args: argparse.Namespace, ctx: CliContext) -> int:
    with ctx.store.session() as session:
        camera = find_camera(session, args.camera)
        label = describe(camera)
    result = check_camera(camera)
    print(f"{label}: {'OK' if result.ok else 'FAILED'} — {result.detail}")
    return 0 if result.ok else 1
