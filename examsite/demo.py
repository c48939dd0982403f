"""The demo site: everything a newcomer needs to try each step at once, with nothing configured.

A demo institution and site with one room, a generated camera (a test pattern with the laptop's
clock), an exam session running now, a few candidates, and three enrolled staff (two invigilators
and the exam-room head) whose passphrases are printed, so marking, recording, clips, both
signatures and the confirmation can all be tried. Everything it creates is labelled 演示 (demo).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from examsite.bundle.recipients import generate_identity, identity_recipient, write_identity
from examsite.clock import utc_now
from examsite.config import Paths
from examsite.errors import InvalidInput
from examsite.sites.cameras import CameraSpec, add_camera
from examsite.sites.candidates import RosterPreview, RosterRow, import_roster
from examsite.sites.idnumber import check_character
from examsite.sites.sessions import SessionSpec, assign_staff, create_session, find_session
from examsite.sites.setup import SiteSpec, init_site
from examsite.store.engine import Store
from examsite.store.models import CameraKind, ExamSubject, Setting, Site, StaffMember, StaffRole

ACTOR = "demo"
ROOM = "演示考场"
SESSION_CODE = "DEMO-1"
ISSUER_PASSPHRASE = "demo-issuer-passphrase"


@dataclass(frozen=True)
class DemoStaff:
    staff_no: str
    name: str
    role: str
    passphrase: str


DEMO_STAFF = (
    DemoStaff("D001", "演示监考甲", "invigilator", "demo-invigilator-1"),
    DemoStaff("D002", "演示监考乙", "invigilator", "demo-invigilator-2"),
    DemoStaff("D003", "演示考场负责人", "room_head", "demo-room-head-3"),
)
# The site device key signs bundle manifests; the institution's roster lists it under the site code.
SITE_DEVICE = DemoStaff("DEMO-S1", "演示考点设备密钥", "site_device", "demo-site-device-key")
RECIPIENT_FILE = "demo-institution.agekey"
RECIPIENT_SETTING = "bundle.recipients"
DEMO_CANDIDATES = (("演示考生一", "1"), ("演示考生二", "2"), ("演示考生三", "3"), ("演示考生四", "4"))


def _demo_id(index: int) -> str:
    body = f"42010620000101{index:03d}"
    return body + check_character(body)


def create_demo(store: Store, paths: Paths, *, kdf: object | None = None) -> list[DemoStaff]:
    """Create the demo site in an empty store; returns the demo staff with their passphrases.

    Also enrols the site device key (passphrase ``SITE_DEVICE.passphrase``) and writes a recipient
    identity standing in for the institution to ``keys/demo-institution.agekey``.
    """
    from examsite.identity.staff import KdfChoice, enrol_staff, init_issuer

    with store.session() as session:
        if session.query(Site).count():
            raise InvalidInput("a site is set up already; the demo is only offered on an empty installation")
        site = init_site(
            session, SiteSpec("DEMO", "演示评价机构", "武汉市", "DEMO-S1", "演示考点", (ROOM,)), ACTOR
        )
        add_camera(session, site, CameraSpec(ROOM, "演示摄像头", CameraKind.DEMO), actor=ACTOR)
        now = utc_now().replace(second=0, microsecond=0)
        spec = SessionSpec(
            SESSION_CODE,
            "电工（演示）",
            "四级",
            ExamSubject.THEORY,
            now - timedelta(minutes=10),
            now + timedelta(hours=4),
            (ROOM,),
        )
        exam = create_session(session, site, spec, actor=ACTOR)
        preview = RosterPreview(
            rows=[
                RosterRow(i + 2, name, _demo_id(i + 1), f"DEMO{i + 1:04d}", seat, ROOM)
                for i, (name, seat) in enumerate(DEMO_CANDIDATES)
            ]
        )
        import_roster(session, exam, preview, actor=ACTOR)
    choice = kdf if isinstance(kdf, KdfChoice) else KdfChoice.from_env()
    init_issuer(store, paths, code="DEMO", name="演示评价机构", passphrase=ISSUER_PASSPHRASE, kdf=choice)
    for person in (*DEMO_STAFF, SITE_DEVICE):
        enrol_staff(
            store,
            paths,
            staff_no=person.staff_no,
            name=person.name,
            roles=[person.role],
            passphrase=person.passphrase,
            issuer_passphrase=ISSUER_PASSPHRASE,
            kdf=choice,
        )
    with store.session() as session:
        exam = find_session(session, SESSION_CODE)
        for person in DEMO_STAFF:
            member = session.execute(
                select(StaffMember).where(StaffMember.staff_no == person.staff_no)
            ).scalar_one()
            assign_staff(session, exam, member, StaffRole(person.role), actor=ACTOR)
        # a recipient key standing in for the institution, so a demo bundle can be exported and opened
        identity = generate_identity()
        write_identity(paths.keys / RECIPIENT_FILE, identity)
        session.merge(Setting(key=RECIPIENT_SETTING, value=json.dumps([identity_recipient(identity)])))
    return list(DEMO_STAFF)
