"""The overview's counts: read once, then again in the background when older than
their limit; a page never waits for a recount, and a failed recount keeps the
last counts."""

from __future__ import annotations

import time

import vqdb
from vqdb.console.counts import CatalogCounts


def test_counts_are_reused_then_recounted_in_the_background(db_url):
    with vqdb.Catalog(db_url, maxconn=2) as db:
        counts = CatalogCounts(db, max_age=2.0)  # longer than the steps below take
        first, age = counts.get()
        assert sum(first["video"].values()) == 0 and age < 2.0
        db.create_video(title="counted later")
        assert counts.get()[0] == first  # still within max_age: the same counts
        time.sleep(2.1)
        stale, age = counts.get()  # starts the recount, answers at once
        assert stale == first and age >= 2.0
        deadline = time.monotonic() + 5
        while sum(counts.get()[0]["video"].values()) != 1:
            assert time.monotonic() < deadline, "the recount never landed"
            time.sleep(0.05)


def test_a_failed_recount_keeps_the_last_counts(db_url):
    db = vqdb.Catalog(db_url, maxconn=1, retry_for=0)
    counts = CatalogCounts(db, max_age=0.1)
    first, _ = counts.get()
    db.close()  # every later call fails
    time.sleep(0.2)
    assert counts.get()[0] == first
    time.sleep(0.3)
    assert counts.get()[0] == first
