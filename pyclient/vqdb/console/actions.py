"""What an operator may do from the console, each through one vq API function on
the writing pool: a GET shows what will happen and asks to confirm, the POST does
it. Every POST needs the session's CSRF token; a console started without
actions answers 403 to both, whatever the page showed.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from vqdb.catalog import Catalog
from vqdb.console.pages import parse_id, reader, render, root
from vqdb.console.security import csrf_ok
from vqdb.errors import NotFound, VqdbError
from vqdb.models import Video, VideoQuality


@dataclasses.dataclass(frozen=True)
class Action:
    title: str  # the button and the confirmation's heading
    question: str  # "{video}" and "{quality}" filled in
    # the statuses a quality must have for it (None: an action on the whole video)
    statuses: tuple[str, ...] | None
    run: Callable[[Catalog, uuid.UUID, uuid.UUID | None], str]  # the message when done
    # checked here before the call, because in another status the same call would
    # do something else (retry and release are both "pending again"); otherwise the
    # API function is the judge, and its refusal is what the operator reads
    guarded: bool = False


def _set_default(db: Catalog, video_id: uuid.UUID, quality_id: uuid.UUID | None) -> str:
    if not db.set_default_quality(video_id, quality_id or video_id):
        raise NotFound(None, "the video or the quality is gone")
    return "is the default now"


def _restart(db: Catalog, video_id: uuid.UUID, quality_id: uuid.UUID | None) -> str:
    db.restart_video_quality(video_id, quality_id or video_id)
    return "restarted: pending, due now, a new series of attempts"


def _to_pending(done: str) -> Callable[[Catalog, uuid.UUID, uuid.UUID | None], str]:
    def run(db: Catalog, video_id: uuid.UUID, quality_id: uuid.UUID | None) -> str:
        if not db.update_video_quality_status(video_id, quality_id or video_id, "pending"):
            raise NotFound(None, "the video or the quality is gone")
        return done

    return run


def _delete(db: Catalog, video_id: uuid.UUID, quality_id: uuid.UUID | None) -> str:
    urls = db.delete_video(video_id)
    return f"deleted, with its {len(urls)} files' records (remove the files from storage)"


VIDEO_ACTIONS: dict[str, Action] = {
    "set-default": Action(
        "Make default",
        "Make {quality} the default quality of “{video}”? Players start with it.",
        ("ready",),
        _set_default,
    ),
    "restart": Action(
        "Restart",
        "Encode {quality} of “{video}” again from the start? A worker holding it loses it.",
        ("pending", "processing", "failed"),
        _restart,
    ),
    "retry": Action(
        "Retry",
        "Retry the failed {quality} of “{video}” with a new series of attempts?",
        ("failed",),
        _to_pending("pending again, due now"),
        guarded=True,
    ),
    "release": Action(
        "Release lease",
        "Take {quality} of “{video}” from its worker? The attempt counts; another worker "
        "takes it now.",
        ("processing",),
        _to_pending("lease released: pending, due now"),
        guarded=True,
    ),
    "delete": Action(
        "Delete video",
        "Delete “{video}” and every one of its qualities? This cannot be undone.",
        None,
        _delete,
    ),
}


def writer(request: Request) -> Catalog:
    """The writing pool, or 403: a read-only console does nothing, whatever is asked."""
    catalog: Catalog | None = request.app.state.writer
    if catalog is None:
        raise HTTPException(403, "this console is read-only: start it with --actions")
    return catalog


def _target(request: Request, query: Any) -> tuple[Action, Video, VideoQuality | None]:
    action = VIDEO_ACTIONS.get(request.path_params["action"])
    if action is None:
        raise HTTPException(404, "no such action")
    video_id = parse_id(request.path_params["video_id"])
    video = reader(request).get_video(video_id)
    if video is None:
        raise HTTPException(404, f"no video {video_id}: deleted, or never created")
    if action.statuses is None:
        return action, video, None
    quality_id = query.get("quality", "")
    quality = next(
        (q for q in reader(request).list_qualities_ordered(video_id) if str(q.id) == quality_id),
        None,
    )
    if quality is None:
        raise HTTPException(404, "no such quality of this video")
    return action, video, quality


def _confirm(
    request: Request,
    action: Action,
    video: Video,
    quality: VideoQuality | None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    return render(
        request,
        "confirm.html",
        {
            "title": action.title,
            "question": action.question.format(
                video=video.title, quality=quality.quality if quality else ""
            ),
            "post": request.url.path,
            "fields": {"quality": str(quality.id)} if quality else {},
            "back": f"{root(request)}/videos/{video.id}",
            "error": error,
        },
        status=status,
    )


def confirm_video_action(request: Request) -> Response:
    writer(request)
    action, video, quality = _target(request, request.query_params)
    if quality is not None and action.statuses and quality.status not in action.statuses:
        return _confirm(request, action, video, quality, _wrong_status(quality, action), 409)
    return _confirm(request, action, video, quality)


async def video_action(request: Request) -> Response:
    form = await request.form()
    db = writer(request)
    if not csrf_ok(request, form.get("csrf")):
        raise HTTPException(403, "the form's token is missing or stale: open the page again")
    action, video, quality = await run_in_threadpool(_target, request, form)
    if quality is not None and action.guarded and quality.status not in (action.statuses or ()):
        return _confirm(request, action, video, quality, _wrong_status(quality, action), 409)
    try:
        done = await run_in_threadpool(action.run, db, video.id, quality.id if quality else None)
    except VqdbError as exc:
        return _confirm(request, action, video, quality, str(exc).strip(), 409)
    what = f"{quality.quality} of “{video.title}”" if quality else f"“{video.title}”"
    request.session["message"] = f"{what}: {done}"
    page = "/videos" if action.statuses is None else f"/videos/{video.id}"
    return RedirectResponse(f"{root(request)}{page}", 303)


def _wrong_status(quality: VideoQuality, action: Action) -> str:
    wanted = " or ".join(action.statuses or ())
    return f"{quality.quality} is {quality.status} now, not {wanted}: nothing was done"


# -- the queue page's action: a class of failures retried in one call ------------


def _failure_class(query: Any) -> tuple[str | None, str | None]:
    return query.get("quality") or None, query.get("error_code") or None


def _retry_question(quality: str | None, error_code: str | None) -> str:
    return (
        f"Retry every failed {quality or 'quality'} "
        f"{f'whose error is {error_code}' if error_code else 'whatever its error'}, "
        "each with a new series of attempts?"
    )


def confirm_retry_failed(request: Request) -> Response:
    writer(request)
    quality, error_code = _failure_class(request.query_params)
    return _render_retry(request, quality, error_code)


def _render_retry(
    request: Request, quality: str | None, error_code: str | None, error: str | None = None
) -> Response:
    return render(
        request,
        "confirm.html",
        {
            "title": "Retry failed",
            "question": _retry_question(quality, error_code),
            "post": f"{root(request)}/queue/retry-failed",
            "fields": {"quality": quality or "", "error_code": error_code or ""},
            "back": f"{root(request)}/queue",
            "error": error,
        },
        status=409 if error else 200,
    )


async def retry_failed(request: Request) -> Response:
    form = await request.form()
    db = writer(request)
    if not csrf_ok(request, form.get("csrf")):
        raise HTTPException(403, "the form's token is missing or stale: open the page again")
    quality, error_code = _failure_class(form)
    try:
        count = await run_in_threadpool(db.retry_failed_qualities, quality, error_code)
    except VqdbError as exc:
        return _render_retry(request, quality, error_code, str(exc).strip())
    request.session["message"] = f"{count} failed qualities pending again"
    return RedirectResponse(f"{root(request)}/queue", 303)


def routes() -> list[Route]:
    return [
        Route("/queue/retry-failed", confirm_retry_failed, methods=["GET"]),
        Route("/queue/retry-failed", retry_failed, methods=["POST"]),
        Route("/videos/{video_id}/{action}", confirm_video_action, methods=["GET"]),
        Route("/videos/{video_id}/{action}", video_action, methods=["POST"]),
    ]
