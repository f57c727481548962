"""The work queue under chaos: real worker processes, SIGKILLed mid-encode, SIGSTOPped
past their lease and resumed (zombies that heartbeat and complete late), and a server
restart in the middle. Every call is logged by the workers with the server's time
(reliability/queue_worker.py); at the end the catalog and the logs must agree:

  * every quality is ready exactly once, or failed with its attempts used up;
  * the lease that completed a quality is the last one claimed on it, and no call
    under a lease was accepted after the next claim of that quality (no stale
    completion or heartbeat got through, never two live leases at once);
  * nothing is left processing (or pending); attempts never exceed the limit.

    pytest tests/python/reliability/test_reliability_queue_chaos.py -s    # figures
    VQDB_SOAK=full ...                                                   # the long soak

Failed attempts back off 30 s and more; so that the test does not wait for the
clock, a thread moves the due time of pending qualities to now, every 0.2 s, as
an operator retrying at once would.
"""

from __future__ import annotations

from pathlib import Path

from tests.python.reliability.clusters import migrated_cluster
from tests.python.reliability.queue_chaos import run_chaos
from tests.python.reliability.soak import scale


def test_workers_killed_stopped_and_a_restart_lose_nothing(tmp_path: Path) -> None:
    with migrated_cluster() as (cluster, url):
        figures = run_chaos(
            url, tmp_path, videos=scale(250, 2500),  # 2,000 qualities; 20,000 in the soak
            seconds=scale(240, 1800), restart=lambda: cluster.restart(mode="fast"),
        )  # fmt: skip
    print("\n" + figures)
