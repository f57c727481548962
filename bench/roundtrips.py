"""Round trips per call, counted by the server itself (pg_stat_statements).

With pg_stat_statements.track = top, every statement a client sends is one
call in pg_stat_statements (BEGIN and COMMIT included, as utility
statements), and statements run inside a function are not counted. Each
method runs `repeat` times from its own login role; the statements of that
role divided by the calls is the number of round trips per call. It is a
count, not a time, so it is exact on any machine.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from vqdb import Catalog

from bench.baseline import BaselineService
from bench.flows import LADDER, _metadata, _url
from bench.server import PLAIN, WORKER, BenchServer


def _statements_of(server: BenchServer, role: str, action: Callable[[], Any], repeat: int) -> float:
    admin = server.connect()
    try:
        with admin.cursor() as cur:
            cur.execute("select pg_stat_statements_reset()")
            for _ in range(repeat):
                action()
            cur.execute(
                "select coalesce(sum(s.calls), 0) from pg_stat_statements s "
                "join pg_roles r on r.oid = s.userid "
                "where r.rolname = %s and s.dbid = (select oid from pg_database "
                "where datname = current_database())",
                (role,),
            )
            total = cur.fetchone()[0]  # type: ignore[index]
    finally:
        admin.close()
    return float(total) / repeat


def _fresh_video(server: BenchServer) -> uuid.UUID:
    conn = server.connect()
    try:
        with conn.cursor() as cur:
            cur.execute("insert into vq.videos (title) values ('round trips') returning id")
            return uuid.UUID(str(cur.fetchone()[0]))  # type: ignore[index]
    finally:
        conn.close()


def measure(server: BenchServer, repeat: int = 20) -> dict[str, dict[str, float]]:
    """{"client": {method: statements per call}, "baseline": {...}}."""
    label, width, height, kbps = LADDER[3]
    db = Catalog(server.dsn(WORKER), minconn=1, maxconn=1)
    svc = BaselineService(server.dsn(PLAIN), minconn=1, maxconn=1)
    try:
        vid = _fresh_video(server)
        q = db.create_video_quality(vid, label, _url(vid, label), status="processing")
        db.update_quality_metadata(q.id, status="ready")
        ladder = [{"quality": lab, "url": _url(vid, lab)} for lab, _, _, _ in LADDER[4:]]
        others = [r.id for r in db.create_video_qualities(vid, ladder)]
        meta = _metadata(width, height, kbps)
        meta.pop("status")
        client: dict[str, Callable[[], Any]] = {
            "create_video": lambda: db.create_video("round trips"),
            "get_video": lambda: db.get_video(vid),
            "update_video_status": lambda: db.update_video_status(vid, "processing"),
            "create_video_quality": lambda: db.create_video_quality(
                vid, label, _url(vid, label), status="ready"
            ),
            "create_video_qualities": lambda: db.create_video_qualities(vid, ladder),
            "update_quality_metadata": lambda: db.update_quality_metadata(q.id, **meta),
            "update_qualities_metadata": lambda: db.update_qualities_metadata(
                [{"quality_id": i, "bitrate": 100} for i in others]
            ),
            "update_quality_status": lambda: db.update_quality_status(q.id, "ready"),
            "update_qualities_status": lambda: db.update_qualities_status(others, "pending"),
            "list_qualities_ordered": lambda: db.list_qualities_ordered(vid),
            "set_default_quality": lambda: db.set_default_quality(vid, q.id),
            "get_default_quality": lambda: db.get_default_quality(vid),
        }
        results = {
            "client": {
                name: _statements_of(server, WORKER, action, repeat)
                for name, action in client.items()
            }
        }

        bvid = _fresh_video(server)
        bq = svc.create_video_quality(bvid, label, _url(bvid, label), status="ready")
        baseline: dict[str, Callable[[], Any]] = {
            "get_video_by_id": lambda: svc.get_video_by_id(bvid),
            "update_video_status": lambda: svc.update_video_status(bvid, "processing"),
            "create_video_quality": lambda: svc.create_video_quality(
                bvid, LADDER[0][0], _url(bvid, "x"), status="processing"
            ),
            "update_video_quality": lambda: svc.update_video_quality(bq["id"], **meta),
            "update_video_quality_status": lambda: svc.update_video_quality_status(
                bq["id"], "ready"
            ),
            "get_video_qualities": lambda: svc.get_video_qualities(bvid),
            "set_default_quality": lambda: svc.set_default_quality(bvid, bq["id"]),
        }
        # create_video_quality once only: the plain INSERT cannot repeat a label
        results["baseline"] = {
            name: _statements_of(
                server, PLAIN, action, 1 if name == "create_video_quality" else repeat
            )
            for name, action in baseline.items()
        }
        return results
    finally:
        db.close()
        svc.close_all()
