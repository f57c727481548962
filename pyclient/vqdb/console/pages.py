"""The console's pages: each a plain function of the request that makes a few vq
API calls on the read-only pool and renders one template. Sync functions:
Starlette runs them in its thread pool, where the client's blocking calls belong.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route
from starlette.templating import Jinja2Templates

from vqdb.catalog import Catalog
from vqdb.console import chart
from vqdb.console.security import csrf_token
from vqdb.errors import InvalidArgument, NotFound, PoolTimeout, Unavailable, VqdbError

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")  # autoescaped
PAGE_SIZE = 50
HOUR = 60  # minutes the overview looks back


def render(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
    """A page, with what every page needs: whether actions are on, the CSRF token
    for their forms, and the message the last action left in the session."""
    actions_enabled = request.app.state.actions_enabled
    context = {
        "root": root(request),
        "actions": actions_enabled,
        "csrf": csrf_token(request) if actions_enabled else "",
        "message": request.session.pop("message", None),
        **context,
    }
    return templates.TemplateResponse(request, name, context, status_code=status)


def root(request: Request) -> str:
    """The path the console is mounted at ("" when it is the whole application)."""
    return str(request.scope.get("root_path", ""))


def reader(request: Request) -> Catalog:
    catalog: Catalog = request.app.state.reader
    return catalog


def overview(request: Request) -> Response:
    db = reader(request)
    minutes = db.attempts_per_minute(HOUR)
    bars, peak = chart.bars(minutes)
    counts, counted_ago = request.app.state.counts.get()
    return render(
        request,
        "overview.html",
        {
            "stats": counts,
            "counted_ago": counted_ago,
            "queue": db.queue_stats(),
            "failures": db.recent_failure_counts(HOUR),
            "bars": bars,
            "peak": peak,
            "chart": chart,
            "finished": sum(m.ready for m in minutes),
        },
    )


def videos(request: Request) -> Response:
    q = request.query_params.get("q") or None
    status = request.query_params.get("status") or None
    after = request.query_params.get("after") or None
    context: dict[str, Any] = {
        "q": q or "",
        "wanted_status": status or "",
        "videos": [],
        "next": None,
    }
    try:
        # one more than a page: whether there is a next one, without counting
        found = reader(request).list_videos(status, q, after, PAGE_SIZE + 1)
    except (InvalidArgument, NotFound) as exc:
        return render(request, "videos.html", {**context, "error": str(exc)}, status=400)
    context["videos"] = found[:PAGE_SIZE]
    if len(found) > PAGE_SIZE:
        context["next"] = found[PAGE_SIZE - 1].id
    return render(request, "videos.html", context)


def video(request: Request) -> Response:
    video_id = parse_id(request.path_params["video_id"])
    db = reader(request)
    found = db.get_video(video_id)
    if found is None:
        raise HTTPException(404, f"no video {video_id}: deleted, or never created")
    qualities = db.list_qualities_ordered(video_id)
    attempts = {q.id: db.list_video_quality_attempts(video_id, q.id) for q in qualities}
    return render(
        request,
        "video.html",
        {
            "video": found,
            "qualities": qualities,
            "attempts": attempts,
            "changes": db.list_video_changes(video_id, 50),
        },
    )


def queue(request: Request) -> Response:
    db = reader(request)
    return render(
        request,
        "queue.html",
        {
            "queue": db.queue_stats(),
            "running": db.list_running_qualities(100),
            "failed": db.failed_quality_counts(),
        },
    )


def events(request: Request) -> Response:
    return StreamingResponse(
        request.app.state.live.stream(),
        media_type="text/event-stream",
        headers={"cache-control": "no-store", "x-accel-buffering": "no"},
    )


def healthz(request: Request) -> Response:
    try:
        reader(request).list_quality_levels()
    except VqdbError:
        return PlainTextResponse("database unreachable\n", status_code=503)
    return PlainTextResponse("ok\n")


def parse_id(text: str) -> uuid.UUID:
    try:
        return uuid.UUID(text)
    except ValueError:
        raise HTTPException(404, "not a video id") from None


def routes() -> list[Route]:
    return [
        Route("/", overview, name="overview"),
        Route("/videos", videos, name="videos"),
        Route("/videos/{video_id}", video, name="video"),
        Route("/queue", queue, name="queue"),
        Route("/events", events, name="events"),
        Route("/healthz", healthz, name="healthz"),
    ]


# -- errors: a page that says what happened, never a stack trace or the DSN -------


def error_page(request: Request, status: int, title: str, detail: str) -> Response:
    return templates.TemplateResponse(
        request,
        "error.html",
        {
            "root": root(request),
            "title": title,
            "detail": detail,
            "actions": False,
            "csrf": "",
            "message": None,
        },
        status_code=status,
    )


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    titles = {403: "Not allowed", 404: "Not found", 405: "Not allowed"}
    return error_page(request, exc.status_code, titles.get(exc.status_code, "Error"), exc.detail)


async def unavailable(request: Request, exc: Exception) -> Response:
    return error_page(request, 503, "Database unreachable", "The catalog's database does not "
                      "answer. The page works again as soon as it does.")  # fmt: skip


async def internal_error(request: Request, exc: Exception) -> Response:
    return error_page(request, 500, "Internal error", "The console failed; its log says why.")


def exception_handlers() -> dict[Any, Any]:
    return {
        HTTPException: http_error,
        Unavailable: unavailable,
        PoolTimeout: unavailable,
        Exception: internal_error,
    }
