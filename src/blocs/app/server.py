"""The app's web server: a Starlette application (ASGI), served by uvicorn.

Routes: ``/`` (the page), ``/static/*`` (its script and style, shipped in the package),
``/api/meta`` (data sets, built-in scenarios, countries, groups, model options),
``/api/scenario/{name}`` (a built-in scenario as a document), ``/api/map`` (the world map),
``POST /api/solve`` (solve a document: ``{"client", "seq", "scenario", "upload"?}``),
``POST /api/coalition`` (start a coalition batch; ``GET /api/coalition/{job}`` its progress
and results, ``POST /api/coalition/{job}/cancel``), ``POST /api/download/toml``, ``/csv``
and ``/report`` (the scenario file; the results; the HTML report of ``blocs run --report``),
``POST /api/upload`` (own data tables as text, :mod:`blocs.app.uploads`).

Solves run on one worker thread (:class:`~blocs.app.engine.Engine`), downloads and uploads
on another, so the event loop stays free and a report never holds up a slider; request bodies are size-limited; every scenario goes through the CLI's schema; every
response carries a Content-Security-Policy allowing only the app's own origin.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
from collections.abc import AsyncIterator, Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from importlib import resources
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from blocs.app.coalitions import CoalitionJobs
from blocs.app.documents import builtin_document, error_location
from blocs.app.engine import Engine, toml_download
from blocs.app.geometry import map_document
from blocs.app.uploads import MAX_UPLOAD_BYTES
from blocs.data import load_dataset
from blocs.errors import BlocsError
from blocs.models.registry import get_model, model_for
from blocs.scenario import BUILTIN_GROUPS, DATA_MODELS, builtin_scenarios

__all__ = [
    "CSP",
    "MAX_BODY_BYTES",
    "MAX_UPLOAD_BYTES",
    "WARM_SCENARIOS",
    "create_app",
    "warm_documents",
]

#: Largest request body accepted (a scenario document is a few kB).
MAX_BODY_BYTES = 256 * 1024

#: The page may load and contact its own origin only; no inline script, no eval.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'none'"
)

#: Solved at start-up, so the first edit finds the models compiled.
WARM_SCENARIOS = ("allied-front",)

#: Model options the page edits (those the scenario's model has).
EDITED_OPTIONS = ("trade_elasticity", "revenue", "deficits")

_STATIC = resources.files("blocs.app").joinpath("static")


class _Headers(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        response = await call_next(request)
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Cache-Control"] = "no-store"
        return response


def warm_documents() -> list[dict[str, Any]]:
    """The scenarios solved at start-up: :data:`WARM_SCENARIOS` and a second tariff (so the
    continuation path a slider takes is compiled too)."""
    docs = [builtin_document(n) for n in WARM_SCENARIOS]
    moved = builtin_document(WARM_SCENARIOS[0])
    for rule in moved.get("tariffs", []):
        if isinstance(rule.get("rate"), float):
            rule["rate"] = rule["rate"] * 0.6
    return [*docs, moved, docs[0]]


def create_app(*, warm: bool = True, engine: Engine | None = None) -> Starlette:
    """The app. ``warm``: solve :data:`WARM_SCENARIOS` before serving the first request."""
    engine = engine or Engine()
    jobs = CoalitionJobs()
    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="blocs-solve")
    files = ThreadPoolExecutor(max_workers=1, thread_name_prefix="blocs-files")

    async def in_worker(fn: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(executor, fn, *args)

    async def in_files(fn: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(files, fn, *args)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await in_worker(_meta)
        if warm:
            app.state.warm_seconds = await in_worker(engine.warm, warm_documents())
        yield
        jobs.shutdown()
        executor.shutdown(wait=False, cancel_futures=True)
        files.shutdown(wait=False, cancel_futures=True)

    async def index(request: Request) -> Response:
        return FileResponse(str(_STATIC.joinpath("index.html")), media_type="text/html")

    async def favicon(request: Request) -> Response:
        return Response(status_code=204)

    async def meta(request: Request) -> Response:
        return JSONResponse(_meta())

    async def world(request: Request) -> Response:
        return JSONResponse(map_document())

    async def scenario(request: Request) -> Response:
        try:
            return JSONResponse(builtin_document(request.path_params["name"]))
        except BlocsError as exc:
            return JSONResponse({"status": "error", "message": str(exc), "where": ""}, 404)

    async def solve(request: Request) -> Response:
        body = await _body(request)
        if isinstance(body, Response):
            return body
        client = str(body.get("client", ""))[:64] or "anonymous"
        seq = body.get("seq", 0)
        if not isinstance(seq, int) or isinstance(seq, bool):
            return _bad("seq must be an integer (the number of the edit)")
        engine.submit(client, seq)
        upload = _upload_id(body)
        return JSONResponse(
            await in_worker(engine.solve, client, seq, body.get("scenario"), upload)
        )

    async def upload(request: Request) -> Response:
        # JSON escapes (a line break is two bytes): the tables' own size is checked after
        body = await _body(request, 2 * MAX_UPLOAD_BYTES + 64 * 1024)
        if isinstance(body, Response):
            return body
        try:
            up = await in_files(engine.uploads.add, body.get("flows"), body.get("countries"))
        except BlocsError as exc:
            # bad input is an answer (as for a solve), not a failed request
            return JSONResponse({"status": "error", "message": str(exc), "where": "upload"})
        eco = up.economy
        kind = model_for(eco).name
        return JSONResponse(
            {
                "status": "ok",
                "id": up.id,
                "data": up.data,
                "model": kind,
                "countries": [
                    {"code": c, "name": n} for c, n in zip(eco.iso3, eco.names, strict=True)
                ],
                "options": _options(kind),
            }
        )

    async def coalition_start(request: Request) -> Response:
        body = await _body(request)
        if isinstance(body, Response):
            return body
        client = str(body.get("client", ""))[:64] or "anonymous"
        return JSONResponse(jobs.start(client, body.get("scenario")))

    async def coalition_state(request: Request) -> Response:
        return JSONResponse(jobs.state(request.path_params["job"]))

    async def coalition_cancel(request: Request) -> Response:
        return JSONResponse(jobs.cancel(request.path_params["job"]))

    def download(kind: str) -> Callable[[Request], Any]:
        media = {"toml": "application/toml", "csv": "text/csv", "report": "text/html"}[kind]

        def make(document: Any, upload: str | None) -> tuple[str, str]:
            if kind == "toml":
                return toml_download(document)
            if kind == "csv":
                return engine.results_csv(document, upload)
            return engine.report_html(document, upload)

        async def handler(request: Request) -> Response:
            body = await _body(request)
            if isinstance(body, Response):
                return body
            try:
                name, text = await in_files(make, body.get("scenario"), _upload_id(body))
            except BlocsError as exc:
                message = str(exc)
                where = error_location(message)
                return JSONResponse({"status": "error", "message": message, "where": where})
            safe = "".join(c if c.isalnum() or c in "-_." else "-" for c in name)
            headers = {"Content-Disposition": f'attachment; filename="{safe}"'}
            return Response(text, media_type=media, headers=headers)

        return handler

    routes = [
        Route("/", index),
        Route("/favicon.ico", favicon),
        Route("/api/meta", meta),
        Route("/api/map", world),
        Route("/api/scenario/{name}", scenario),
        Route("/api/solve", solve, methods=["POST"]),
        Route("/api/coalition", coalition_start, methods=["POST"]),
        Route("/api/coalition/{job}", coalition_state),
        Route("/api/coalition/{job}/cancel", coalition_cancel, methods=["POST"]),
        Route("/api/download/toml", download("toml"), methods=["POST"]),
        Route("/api/download/csv", download("csv"), methods=["POST"]),
        Route("/api/download/report", download("report"), methods=["POST"]),
        Route("/api/upload", upload, methods=["POST"]),
        Mount("/static", StaticFiles(directory=str(_STATIC)), name="static"),
    ]
    app = Starlette(routes=routes, middleware=[Middleware(_Headers)], lifespan=lifespan)
    app.state.engine = engine
    app.state.warm_seconds = 0.0
    return app


def _upload_id(body: Mapping[str, Any]) -> str | None:
    uid = body.get("upload")
    return uid[:64] if isinstance(uid, str) else None


async def _body(request: Request, limit: int = MAX_BODY_BYTES) -> Mapping[str, Any] | Response:
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        return _bad("send the request as application/json", 415)
    size = request.headers.get("content-length")
    too_large = f"request too large (over {limit // 1024} kB)"
    if size is not None and (not size.isdigit() or int(size) > limit):
        return _bad(too_large, 413)
    raw = b""
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > limit:
            return _bad(too_large, 413)
    try:
        body = json.loads(raw)
    except ValueError:
        return _bad("the request is not JSON")
    if not isinstance(body, dict):
        return _bad("the request must be a JSON object")
    return body


def _bad(message: str, code: int = 400) -> Response:
    return JSONResponse({"status": "error", "message": message, "where": ""}, code)


def _options(kind: str) -> dict[str, Any]:
    """The options the page edits for model ``kind``: default, choices, minimum, help."""
    props = get_model(kind).Options.model_json_schema().get("properties", {})
    options = {}
    for key in EDITED_OPTIONS:
        if key in props:
            p = props[key]
            options[key] = {
                "default": p.get("default"),
                "choices": p.get("enum"),
                "minimum": p.get("exclusiveMinimum", p.get("minimum")),
                "description": p.get("description", ""),
            }
    return options


@functools.cache
def _meta() -> dict[str, Any]:
    data = {}
    for name, kind in DATA_MODELS.items():
        if name == "cp2015":
            continue  # the NAFTA replication data: its scenarios name its own sectors
        economy = load_dataset(name)
        options = _options(kind)
        data[name] = {
            "model": kind,
            "countries": [
                {"code": c, "name": n} for c, n in zip(economy.iso3, economy.names, strict=True)
            ],
            "options": options,
        }
    scenarios = []
    for name in builtin_scenarios():
        doc = builtin_document(name)
        header = doc.get("scenario", {})
        if header.get("data", "world2023") in data:
            scenarios.append(
                {
                    "name": name,
                    "data": header.get("data", "world2023"),
                    "description": header.get("description", ""),
                }
            )
    groups = [{"code": g, "members": list(m)} for g, m in BUILTIN_GROUPS.items()]
    return {"data": data, "scenarios": scenarios, "groups": groups}
