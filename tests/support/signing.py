"""A site with an issuer key, enrolled staff and incident records, for the signing tests.

Keystores use the test cost (Argon2id 256 KiB, t=1) through ``allow_weak_kdf``; one test in
test_keystore.py covers the real cost.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from examsite.config import Paths
from examsite.identity.keystore import SigningKey
from examsite.identity.staff import KdfChoice, enrol_staff, init_issuer, unlock_staff_key
from examsite.sites.idnumber import check_character
from examsite.sites.setup import SiteSpec, init_site
from examsite.store.engine import Store
from examsite.store.models import EvidenceItem

WEAK = KdfChoice(memory_kib=256, time_cost=1, allow_weak=True)
ISSUER_CODE = "HB-0427"
ISSUER_PASS = "institution key passphrase"
T0 = datetime(2026, 6, 13, 1, 15, tzinfo=UTC)
CANDIDATE_ID = "42010619900307123" + check_character("42010619900307123")

# staff no -> (name, roles, passphrase)
PEOPLE: dict[str, tuple[str, list[str], str]] = {
    "S1": ("李四", ["invigilator"], "first witness passphrase"),
    "S2": ("王五", ["examiner", "exam_affairs"], "second witness passphrase"),
    "S3": ("赵六", ["external_supervisor"], "third witness passphrase"),
    "H1": ("陈主任", ["room_head"], "room head passphrase"),
    "W1": ("命题人", ["item_writer"], "item writer passphrase"),
    "X1": ("双重", ["invigilator", "room_head"], "both roles passphrase"),
}


def make_site(store: Store) -> None:
    with store.session() as session:
        init_site(
            session,
            SiteSpec("HB-0427", "武汉市某职业技能评价机构", "武汉市", "S01", "第一考点", ("101", "102")),
        )


def make_issuer(store: Store, paths: Paths) -> None:
    init_issuer(
        store, paths, code=ISSUER_CODE, name="武汉市某职业技能评价机构", passphrase=ISSUER_PASS, kdf=WEAK
    )


def enrol(store: Store, paths: Paths, staff_no: str) -> None:
    name, roles, passphrase = PEOPLE[staff_no]
    enrol_staff(
        store,
        paths,
        staff_no=staff_no,
        name=name,
        roles=roles,
        passphrase=passphrase,
        issuer_passphrase=ISSUER_PASS,
        kdf=WEAK,
    )


def unlock_key(store: Store, paths: Paths, staff_no: str) -> SigningKey:
    return unlock_staff_key(store, paths, staff_no, PEOPLE[staff_no][2], WEAK)


@dataclass
class Site:
    """A set-up installation: its store, paths and the unlocked keys of everyone enrolled."""

    store: Store
    paths: Paths
    keys: dict[str, SigningKey] = field(default_factory=dict)


def full_site(store: Store, paths: Paths, people: tuple[str, ...] = tuple(PEOPLE)) -> Site:
    make_site(store)
    make_issuer(store, paths)
    site = Site(store, paths)
    for staff_no in people:
        enrol(store, paths, staff_no)
        site.keys[staff_no] = unlock_key(store, paths, staff_no)
    return site


def add_evidence(store: Store, paths: Paths, data: bytes, name: str = "clip.mp4") -> dict[str, Any]:
    """Store ``data`` as an evidence file and row; return its entry for a record's evidence list."""
    digest = hashlib.sha256(data).hexdigest()
    folder = paths.evidence
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)
    with store.session() as session:
        session.add(
            EvidenceItem(sha256=digest, size=len(data), media_type="video/mp4", kind="video_clip", path=name)
        )
    return {
        "sha256": digest,
        "size": len(data),
        "media_type": "video/mp4",
        "kind": "video_clip",
        "camera": "101-前",
        "span": {"start": "2026-06-13T01:14:00.000Z", "end": "2026-06-13T01:17:00.000Z"},
        "description": "",
        "receipt_number": "",
    }


def evidence_path(paths: Paths, name: str = "clip.mp4") -> Path:
    return paths.evidence / name


def record_fields(**changes: Any) -> dict[str, Any]:
    """The record fields a person types: a candidate using a phone (art. 6(1))."""
    fields: dict[str, Any] = {
        "room": "101",
        "subject": {
            "kind": "candidate",
            "name": "张三",
            "id_number": CANDIDATE_ID,
            "admission_number": "A0001",
            "seat": "12",
        },
        "article": "6.1",
        "facts": "考生在座位上使用手机拍摄试题。",
        "on_site_handling": "监考人员当场收缴手机，开具暂扣收据。",
        "occurred_at": (T0 - timedelta(minutes=1)).isoformat().replace("+00:00", ".000Z"),
        "acknowledgement": {"kind": "refused", "note": "考生拒绝签字"},
        "witnesses": [{"name": "李四", "role": "invigilator", "staff_id": "S1"}],
    }
    fields.update(changes)
    return fields


def staff_subject(staff_no: str) -> dict[str, Any]:
    """A record about a staff member (art. 10) instead of a candidate."""
    return {
        "article": "10",
        "subject": {
            "kind": "staff",
            "name": PEOPLE[staff_no][0] if staff_no in PEOPLE else "某员工",
            "staff_id": staff_no,
            "role": "invigilator",
            "id_number": "",
        },
    }
