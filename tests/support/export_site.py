"""A site ready to export case bundles: staff S1, S2, H1 and the site device key S01 (the site code),
with real keystores at the test cost, and confirmed incidents with real evidence files."""

from __future__ import annotations

import os

from examsite.config import Paths
from examsite.identity.staff import enrol_staff
from examsite.store.engine import Store
from tests.support.bundle_factory import SITE_KEY_PASS, confirmed
from tests.support.signing import ISSUER_PASS, WEAK, Site, full_site

SITE_DEVICE = "S01"  # the site code of tests.support.signing.make_site: the default site key


def exporting_site(store: Store, paths: Paths) -> Site:
    """A set-up site whose device key S01 opens with :data:`SITE_KEY_PASS`."""
    built = full_site(store, paths, people=("S1", "S2", "H1"))
    enrol_staff(
        store,
        paths,
        staff_no=SITE_DEVICE,
        name="第一考点设备",
        roles=["site_device"],
        passphrase=SITE_KEY_PASS,
        issuer_passphrase=ISSUER_PASS,
        kdf=WEAK,
    )
    return built


def confirmed_incidents(site: Site, sizes: tuple[int, ...] = (40_000, 60_000)) -> list[str]:
    """One confirmed incident per size, each with its own random clip of that many bytes."""
    return [confirmed(site, os.urandom(size), f"clip-{n}.mp4") for n, size in enumerate(sizes)]
