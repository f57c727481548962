"""The migrations under concurrency and interruption, with the real `yoyo` CLI.

- two `yoyo apply` on one empty database at once: both succeed, each migration
  is applied (and logged) once;
- `yoyo apply` in two databases of one fresh cluster at once: both succeed,
  although the roles are cluster-wide and both migrations create them;
- an apply interrupted while a migration runs leaves nothing half-done (a
  migration is one transaction) and a second run completes.

To make "at once" real and not a matter of luck, a test holds a lock the
processes need, waits until every process is blocked on it, then lets go.
"""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import psycopg2
import psycopg2.extensions
from vqdb.testing.cluster import ThrowawayCluster

from tests.python.conftest import MIGRATIONS_DIR
from tests.python.sql.test_migrations import (
    YOYO,
    applied,
    assert_same_catalog,
    catalog_snapshot,
    migration_ids,
    new_db,  # noqa: F401  (fixture)
    only,
    query,
    yoyo,
)

WAIT_LIMIT = 60.0  # seconds; a deadline for waiting on a state, not a speed assertion


def start_yoyo(url: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [YOYO, "apply", "--batch", "--no-config-file", "--database", url, *args,
         str(MIGRATIONS_DIR)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip


def finish(proc: subprocess.Popen[str]) -> tuple[int, str]:
    out, _ = proc.communicate(timeout=120)
    return proc.returncode, out


def wait_until(what: str, condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + WAIT_LIMIT
    while not condition():
        assert time.monotonic() < deadline, f"still waiting for: {what}"
        time.sleep(0.05)


def blocked_backends(url: str, relation: str) -> list[int]:
    """Backends of url's database waiting for a lock on relation."""
    rows = query(
        url,
        """select distinct l.pid from pg_locks l
            where not l.granted and l.relation = to_regclass(%s)
              and l.database = (select oid from pg_database where datname = current_database())""",
        (relation,),
    )
    return [r[0] for r in rows]


@contextmanager
def holding_lock(url: str, relation: str) -> Iterator[psycopg2.extensions.connection]:
    """An open transaction holding an ACCESS EXCLUSIVE lock on relation."""
    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute(f"lock table {relation} in access exclusive mode")
        yield conn
    finally:
        conn.rollback()
        conn.close()


def applications(url: str) -> dict[str, int]:
    """How many times yoyo's log says each migration was applied (the post-apply hook,
    which runs after every apply, aside)."""
    rows = query(
        url,
        "select migration_id, count(*) from _yoyo_log"
        " where operation = 'apply' and migration_id not like 'post-apply%' group by 1",
    )
    return dict(rows)


def reference_catalog(make_db: Callable[[], str]) -> dict[str, Any]:
    """The catalog of a database migrated by one plain `yoyo apply`."""
    url = make_db()
    yoyo("apply", url)
    return catalog_snapshot(url)


# ---------------------------------------------------------------- tests --


def test_two_applies_started_together_on_an_empty_database(new_db) -> None:  # noqa: F811
    url = new_db()
    first, second = start_yoyo(url), start_yoyo(url)
    results = [finish(first), finish(second)]
    for rc, out in results:
        assert rc == 0, out
    assert applied(url) == migration_ids()
    assert applications(url) == dict.fromkeys(migration_ids(), 1)
    assert_same_catalog(catalog_snapshot(url), reference_catalog(new_db), "two applies")


def test_two_applies_forced_to_overlap(new_db) -> None:  # noqa: F811
    url = new_db()
    # yoyo's own tables exist (as after any earlier yoyo command), so that both
    # processes meet at its lock row: hold the lock table until both wait on it.
    subprocess.run(
        [YOYO, "list", "--no-config-file", "--database", url, str(MIGRATIONS_DIR)],
        check=True, capture_output=True,
    )  # fmt: skip
    with holding_lock(url, "yoyo_lock"):
        procs = [start_yoyo(url), start_yoyo(url)]
        wait_until(
            "both yoyo processes blocked", lambda: len(blocked_backends(url, "yoyo_lock")) == 2
        )
    for rc, out in map(finish, procs):
        assert rc == 0, out
    assert applied(url) == migration_ids()
    assert applications(url) == dict.fromkeys(migration_ids(), 1)
    assert query(url, "select count(*) from yoyo_lock") == [(0,)]


def test_migrations_in_two_databases_of_one_cluster_at_once() -> None:
    """A fresh cluster (no vq roles yet): both databases' 0001 create the roles."""
    with ThrowawayCluster() as cluster:
        urls = [cluster.create_database("first"), cluster.create_database("second")]
        assert query(urls[0], "select count(*) from pg_roles where rolname like 'vq\\_%%'") == [
            (0,)
        ]
        for url in urls:
            subprocess.run(
                [YOYO, "list", "--no-config-file", "--database", url, str(MIGRATIONS_DIR)],
                check=True, capture_output=True,
            )  # fmt: skip
        with holding_lock(urls[0], "yoyo_lock"), holding_lock(urls[1], "yoyo_lock"):
            procs = [start_yoyo(url) for url in urls]
            wait_until(
                "yoyo blocked in both databases",
                lambda: all(len(blocked_backends(u, "yoyo_lock")) == 1 for u in urls),
            )
        for rc, out in map(finish, procs):
            assert rc == 0, out
        for url in urls:
            assert applied(url) == migration_ids()
        assert query(
            urls[0],
            "select rolname from pg_roles where rolname like 'vq\\_%%' order by 1",
        ) == [("vq_owner",), ("vq_reader",), ("vq_worker",)]
        assert_same_catalog(catalog_snapshot(urls[0]), catalog_snapshot(urls[1]), "two databases")


def interrupted_apply(url: str, interrupt: Callable[[subprocess.Popen[str], int], None]) -> None:
    """Apply 0001, then start the rest while 0002 cannot get its lock, and interrupt it."""
    ids = migration_ids()
    yoyo("apply", url, "--match", only(ids[:1]))
    # migration 0002 creates a trigger on vq.video_qualities: it waits for this lock
    with holding_lock(url, "vq.video_qualities"):
        proc = start_yoyo(url)
        wait_until(
            "the migration blocked", lambda: len(blocked_backends(url, "vq.video_qualities")) == 1
        )
        (backend,) = blocked_backends(url, "vq.video_qualities")
        interrupt(proc, backend)
        rc, out = finish(proc)
        assert rc != 0, out
    # the migration's backend is gone once it notices its client is
    wait_until(
        "the interrupted backend gone",
        lambda: (
            query(url, "select count(*) from pg_stat_activity where pid = %s", (backend,)) == [(0,)]
        ),
    )
    # nothing of the interrupted migration remains: it was one transaction
    assert applied(url) == ids[:1]
    assert query(url, "select count(*) from pg_proc where pronamespace = 'vq'::regnamespace") == [
        (0,)
    ]


def test_an_apply_whose_backend_is_terminated_completes_when_run_again(new_db) -> None:  # noqa: F811
    url = new_db()

    def terminate(proc: subprocess.Popen[str], backend: int) -> None:
        query(url, "select pg_terminate_backend(%s)", (backend,))

    interrupted_apply(url, terminate)
    # the yoyo process survived the loss of its backend and removed its lock row
    assert query(url, "select count(*) from yoyo_lock") == [(0,)]
    yoyo("apply", url)
    assert applied(url) == migration_ids()
    assert_same_catalog(catalog_snapshot(url), reference_catalog(new_db), "after the re-run")


def test_a_killed_yoyo_leaves_its_lock_and_break_lock_recovers(new_db) -> None:  # noqa: F811
    """SIGKILL gives yoyo no chance to delete its lock row: that is yoyo's design
    (`yoyo apply` would wait 10 s and fail with "run yoyo break-lock"). The
    documented recovery, once no other yoyo runs, completes the migrations."""
    url = new_db()
    killed: list[int] = []

    def kill(proc: subprocess.Popen[str], backend: int) -> None:
        killed.append(proc.pid)
        proc.send_signal(signal.SIGKILL)

    interrupted_apply(url, kill)
    assert query(url, "select pid from yoyo_lock") == [(killed[0],)]
    subprocess.run(
        [YOYO, "break-lock", "--batch", "--no-config-file", "--database", url],
        check=True, capture_output=True,
    )  # fmt: skip
    yoyo("apply", url)
    assert applied(url) == migration_ids()
    assert applications(url) == dict.fromkeys(migration_ids(), 1)
    assert_same_catalog(catalog_snapshot(url), reference_catalog(new_db), "after recovery")
