"""The audit chain stays one chain when several writers append at once on PostgreSQL (city centre)."""

from __future__ import annotations

import threading

import pytest

from examsite import audit
from examsite.store.engine import Store, open_store
from tests.support.postgres import postgres_server, postgres_url  # noqa: F401

pytestmark = pytest.mark.postgres


def test_concurrent_appends_keep_one_chain(postgres_url: str) -> None:  # noqa: F811
    stores = [open_store(postgres_url) for _ in range(3)]
    errors: list[BaseException] = []

    def writer(store: Store, name: str) -> None:
        try:
            for i in range(25):
                with store.session() as session:
                    audit.append(session, actor=name, action="thing.done", object_type="t", object_id=str(i))
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(s, f"w{n}")) for n, s in enumerate(stores)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with stores[0].session() as session:
        report = audit.verify(session)
    for store in stores:
        store.close()
    assert report.ok, report.problems
    assert report.entries == 75
