"""vqdb.Worker across a server restart: it keeps claiming (a claim that finds the
server away is retried after a pause), a completion lost to the restart leaves the
quality to its lease's expiry and a later claim, and every quality ends ready."""

from __future__ import annotations

import threading
import time

import psycopg2
import vqdb

from tests.python.reliability.clusters import migrated_cluster


def test_a_worker_rides_out_a_server_restart() -> None:
    with migrated_cluster() as (cluster, url):
        with vqdb.Catalog(url, maxconn=1) as db:
            for i in range(10):
                video = db.create_video(title=f"restart {i}")
                db.create_video_qualities(
                    video.id, [{"quality": q, "url": f"s3://r/{i}/{q}"} for q in ("720p", "480p")]
                )
        with vqdb.Catalog(url, maxconn=3, retries=1) as db:
            worker = vqdb.Worker(db, "rider", lease_seconds=2, poll_seconds=0.2)

            def encode(quality, lease):
                time.sleep(0.1)
                return {"bitrate": 100}

            thread = threading.Thread(target=worker.run, args=(encode,))
            thread.start()
            while worker.done < 5:
                time.sleep(0.05)
            cluster.restart(mode="fast")
            deadline = time.monotonic() + 60
            ready = 0
            while time.monotonic() < deadline and ready < 20:
                time.sleep(0.5)
                try:
                    with psycopg2.connect(url) as c, c.cursor() as cur:
                        cur.execute(
                            "select count(*) from vq.video_qualities where status = 'ready'"
                        )
                        ready = cur.fetchone()[0]
                except psycopg2.Error:
                    pass
            worker.stop()
            thread.join(30)
    assert not thread.is_alive(), "the worker did not stop"
    assert ready == 20, f"{ready} of 20 ready after the restart"
