"""The emulator's WSGI application: routing, faults, request log, and the threaded server."""

from __future__ import annotations

import copy
import select
import socket
import sys
import time
import traceback
from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, RequestRedirect, Rule
from werkzeug.serving import ThreadedWSGIServer, WSGIRequestHandler
from werkzeug.wrappers import Request, Response
from werkzeug.wsgi import LimitedStream

from . import (
    api_mirror,
    api_org_mirror,
    api_registry,
    api_repos,
    control,
    logs,
    oauth,
    sync,
    web_ui,
)
from .auth import Ctx, bearer_token, bearer_value
from .capacity import Capacity
from .faults import Faults, garbled
from .responses import ApiError, json_response, not_found
from .seed import load_seed
from .state import Options, State

BROWSER_ERROR = (
    '{\n  "error": "API calls must be invoked with an X-Requested-With header if called from a '
    'browser"\n}\n'
)
MASKED_FIELDS = ("client_secret", "password")

Handler = Callable[..., Response]
ROUTES: list[tuple[str, str, Handler]] = [
    ("/api/v1/user/", "GET", api_repos.get_user),
    ("/api/v1/user/robots", "GET", api_repos.user_robots),
    ("/api/v1/user/logs", "GET", logs.user_logs),
    ("/api/v1/user/aggregatelogs", "GET", logs.user_aggregate),
    ("/api/v1/repository", "GET", api_repos.list_repositories),
    ("/api/v1/repository/mirror/health", "GET", api_repos.mirror_health),
    ("/api/v1/repository/<namespace>/<name>", "GET", api_repos.get_repository),
    ("/api/v1/repository/<namespace>/<name>/changestate", "PUT", api_repos.change_state),
    ("/api/v1/repository/<namespace>/<name>/mirror", "GET", api_mirror.get_mirror),
    ("/api/v1/repository/<namespace>/<name>/mirror", "POST", api_mirror.create_mirror),
    ("/api/v1/repository/<namespace>/<name>/mirror", "PUT", api_mirror.update_mirror),
    ("/api/v1/repository/<namespace>/<name>/mirror/sync-now", "POST", api_mirror.sync_now),
    ("/api/v1/repository/<namespace>/<name>/mirror/sync-cancel", "POST", api_mirror.sync_cancel),
    ("/api/v1/repository/<namespace>/<name>/logs", "GET", logs.repository_logs),
    ("/api/v1/repository/<namespace>/<name>/aggregatelogs", "GET", logs.repository_aggregate),
    ("/api/v1/repository/<namespace>/<name>/tag/", "GET", api_repos.repository_tags),
    ("/api/v1/organization/<org>", "GET", api_repos.organization),
    ("/api/v1/organization/<org>/robots", "GET", api_repos.org_robots),
    ("/api/v1/organization/<org>/robots/<shortname>", "PUT", api_repos.create_org_robot),
    ("/api/v1/organization/<org>/logs", "GET", logs.organization_logs),
    ("/api/v1/organization/<org>/aggregatelogs", "GET", logs.organization_aggregate),
    ("/api/v1/organization/<org>/mirror", "GET", api_org_mirror.get_config),
    ("/api/v1/organization/<org>/mirror", "POST", api_org_mirror.create_config),
    ("/api/v1/organization/<org>/mirror", "PUT", api_org_mirror.update_config),
    ("/api/v1/organization/<org>/mirror", "DELETE", api_org_mirror.delete_config),
    ("/api/v1/organization/<org>/mirror/sync-now", "POST", api_org_mirror.sync_now),
    ("/api/v1/organization/<org>/mirror/sync-cancel", "POST", api_org_mirror.sync_cancel),
    ("/api/v1/organization/<org>/mirror/verify", "POST", api_org_mirror.verify),
    ("/api/v1/organization/<org>/mirror/repositories", "GET", api_org_mirror.list_repositories),
    ("/api/v1/registry/capabilities", "GET", api_registry.capabilities),
    ("/config", "GET", api_registry.web_config),
    ("/oauth/authorize", "GET", oauth.authorize),
    ("/oauth/authorizeapp", "POST", oauth.authorize_app),
    ("/oauth/denyapp", "POST", oauth.deny_app),
    ("/oauth/access_token", "POST", oauth.access_token),
    ("/signin", "GET", oauth.signin_form),
    ("/signin", "POST", oauth.signin),
    ("/signout", "POST", oauth.signout),
    ("/", "GET", oauth.index),
    # Quay's own web pages, which the dashboard links to (stand-ins: web_ui.py).
    ("/repository/<namespace>/<path:name>", "GET", web_ui.repository),
    ("/organization/<name>", "GET", web_ui.organization),
    ("/user/<name>", "GET", web_ui.user),
]


def _build_map() -> tuple[Map, dict[str, Handler]]:
    rules, handlers = [], {}
    for index, (path, method, handler) in enumerate(ROUTES):
        endpoint = f"{handler.__name__}-{index}"
        rules.append(Rule(path, methods=[method], endpoint=endpoint))
        handlers[endpoint] = handler
    return Map(rules), handlers


class EmulatorApp:
    """A plain WSGI application holding the emulator's state."""

    def __init__(self, options: Options) -> None:
        self.cli_options = copy.deepcopy(options)
        self.state = State(copy.deepcopy(options))
        self.faults = Faults()
        self.capacity = Capacity()
        self.url_map, self.handlers = _build_map()
        #: Read what a handler left of a request body (keep-alive connections only).
        self.drain_requests = False
        self.reset()

    def reset(self, repos: int | None = None) -> None:
        """Back to the seed: state, options, clock, faults, log, stats, OAuth sessions and
        tokens."""
        self.faults.release_all()
        options = copy.deepcopy(self.cli_options)
        if repos is not None:
            options.repos = repos
        fresh = State(options)
        load_seed(fresh, options.repos)
        with self.state.lock:
            for name, value in vars(fresh).items():
                if name != "lock":
                    setattr(self.state, name, value)
        self.capacity.reset_stats()
        self.capacity.limit_changed()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        request = Request(environ)
        response = self.dispatch(request)
        if self.drain_requests:  # a kept-alive connection's next request follows this body
            while request.stream.read(65536):
                pass
        return response(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        path = request.path
        if path.startswith("/_emulator/") or path == "/_emulator":
            return control.handle(self, request)
        if path.startswith("/api/v1"):
            with self.capacity.in_flight():
                return self.serve(request)
        if path.startswith("/oauth"):
            return self.serve(request)
        return self.route(request)[0]

    def serve(self, request: Request) -> Response:
        """An /api/v1 or /oauth call: the rate limiter in front of Quay, then Quay's service
        time and slots (calls with a Bearer token), faults and the handler; the request log;
        an answer held after a write (apply then delay)."""
        response = self.faults.rate_limit(self.state)
        if response is not None:
            self.record(request, response, None)
            return response
        if request.path.startswith("/api/v1") and bearer_value(request) is not None:
            with self.state.lock:
                seconds = self.state.options.latency_ms / 1000.0
            with self.capacity.served(self._max_inflight, seconds):
                response, username, handled = self.handle(request)
        else:
            response, username, handled = self.handle(request)
        self.record(request, response, username)
        if handled:
            self.faults.hold_answer(self.state, request)
        return response

    def _max_inflight(self) -> int:
        return self.state.options.max_inflight

    def handle(self, request: Request) -> tuple[Response, str | None, bool]:
        """(answer, caller, whether Quay's code handled the call rather than a fault)."""
        response = self.faults.before(self.state, request.path, request.method)
        if response is not None:
            return response, None, False
        response, username = self.route(request)
        return garbled(self.state, request, response), username, True

    def route(self, request: Request) -> tuple[Response, str | None]:
        adapter = self.url_map.bind_to_environ(request.environ)
        is_api = request.path.startswith("/api/")
        try:
            endpoint, args = adapter.match()
        except RequestRedirect as redirect:
            return redirect.get_response(request.environ), None
        except MethodNotAllowed:
            message = {"message": "The method is not allowed for the requested URL."}
            return json_response(message, 405), None
        except NotFound:
            if is_api:
                return not_found(request).response, None
            return Response("Not Found", status=404, content_type="text/plain"), None
        except HTTPException as error:  # pragma: no cover - defensive
            return error.get_response(request.environ), None
        user_agent = request.headers.get("User-Agent", "")
        if is_api and "Mozilla" in user_agent and not request.headers.get("X-Requested-With"):
            return Response(
                BROWSER_ERROR, status=400, content_type="text/html; charset=utf-8"
            ), None
        state = self.state
        with state.lock:
            now = state.now()
            sync.advance(state, now)
            _sent, token = bearer_token(state, request)
            ctx = Ctx(state, request, token, now)
            try:
                response = self.handlers[endpoint](ctx, **args)
            except ApiError as error:
                response = error.response
            except Exception:
                traceback.print_exc(file=sys.stderr)
                response = json_response({"error": "Internal Server Error"}, 500)
            finally:
                # A handler changes at most the repository its URL names: file it again.
                repo = state.repos.get((args.get("namespace"), args.get("name")))
                if repo is not None:
                    sync.track(state, repo)
            return response, token.username if token else None

    def record(self, request: Request, response: Response, username: str | None) -> None:
        """Append the call to the request log the control API serves."""
        form = None
        if request.mimetype == "application/x-www-form-urlencoded":
            form = {
                key: ("********" if key in MASKED_FIELDS else value)
                for key, value in request.form.items()
            }
        query = {
            key: values[0] if len(values) == 1 else values for key, values in request.args.lists()
        }
        entry = {
            "method": request.method,
            "path": request.path,
            "query": query,
            "json": request.get_json(silent=True) if request.is_json else None,
            "form": form,
            "status": response.status_code,
            "user": username,
        }
        with self.state.lock:
            self.state.request_log.append(entry)


class RequestHandler(WSGIRequestHandler):
    """Werkzeug's handler, with keep-alive connections closed after a while idle when the
    server says so (Quay straight under gunicorn: 2 s). Otherwise every answer closes its
    connection (Werkzeug's way, and what Quay's own nginx does for ``/api/``).

    Werkzeug closes every connection and, after each answer, discards whatever the client
    sent meanwhile; on a kept-alive connection that would be the next request. So a request
    reads its input through a stream that ends where its body ends."""

    server: EmulatorServer
    answered = False
    answered_at = 0.0
    connection_input: Any = None

    def handle_one_request(self) -> None:
        if self.connection_input is not None:
            self.rfile = self.connection_input  # the next request line comes from the socket
        idle = self.server.idle_close_seconds
        if idle > 0 and self.answered and self.server.idle_close_late:
            # The close crosses the next request: the client sent it on a connection it
            # thought alive, and the server drops it unanswered (and unprocessed).
            select.select([self.connection], [], [], 3600)
            if time.monotonic() - self.answered_at >= idle:
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
        elif idle > 0 and self.answered:
            readable, _, _ = select.select([self.connection], [], [], idle)
            if not readable:  # idle too long: close, as gunicorn's keepalive does
                self.close_connection = True
                return
        self.answered = True
        super().handle_one_request()
        self.answered_at = time.monotonic()

    def parse_request(self) -> bool:
        if not super().parse_request():
            return False
        if self._keeps_alive():
            try:
                length = max(0, int(self.headers.get("Content-Length") or 0))
            except ValueError:
                length = 0
            self.connection_input = self.rfile
            self.rfile = LimitedStream(self.rfile, length)  # type: ignore[assignment]
        return True

    def finish(self) -> None:
        if self.connection_input is not None:
            self.rfile = self.connection_input
        super().finish()

    def send_header(self, keyword: str, value: str) -> None:
        """Werkzeug always answers ``Connection: close``; keep the connection open instead
        when idle connections are closed by time."""
        if keyword.lower() == "connection" and self._keeps_alive():
            value = "keep-alive"
        super().send_header(keyword, value)

    def _keeps_alive(self) -> bool:
        """Idle connections are closed by time, and this is an HTTP/1.1 request that did not
        ask to close and has no chunked body (whose end only the body itself tells)."""
        headers = getattr(self, "headers", None)  # none yet for a request line refused
        if headers is None or self.server.idle_close_seconds <= 0:
            return False
        return (
            self.request_version == "HTTP/1.1"
            and headers.get("Connection", "").lower() != "close"
            and "chunked" not in headers.get("Transfer-Encoding", "").lower()
        )


class QuietHandler(RequestHandler):
    """The handler without the per-request access log line."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return


class EmulatorServer(ThreadedWSGIServer):
    """A thread per request, a deep listen queue for bursts of parallel calls; with
    ``idle_close_seconds`` > 0, keep-alive connections closed after that long idle (with
    ``idle_close_late``, just as the client sends its next request on it: the race a client
    of Quay under gunicorn meets now and then, made certain)."""

    request_queue_size = 1024
    idle_close_seconds = 0.0
    idle_close_late = False


def make_server(
    host: str,
    port: int,
    app: EmulatorApp,
    log_requests: bool = False,
    idle_close_seconds: float = 0.0,
    idle_close_late: bool = False,
) -> EmulatorServer:
    handler = RequestHandler if log_requests else QuietHandler
    server = EmulatorServer(host, port, app, handler=handler)
    server.idle_close_seconds = idle_close_seconds
    server.idle_close_late = idle_close_late
    app.drain_requests = idle_close_seconds > 0
    return server
