"""Routing and the request pipeline, and the stdlib HTTP server that carries them.

For `/v3/application/*` the order is x-api-key (403) → rate limits, per second then per day
(429) → latency → injected failure → route (404) → bearer and scope (401/403) → the operation.
(U) Etsy documents only that the key and the limits apply to every request; the rest of the
order is the sandbox's. Every `/v3/application` answer, whatever its status, carries Etsy's four
rate-limit headers (etsy-api.md §10.16), so a client's header-fed pacing is exercised by every
test; an answer that used no quota (a refused key, a 413) shows the window as it stands. The
token endpoint is Etsy's OAuth server rather than the API: it is not counted (a refresh went
through while the daily limit was spent, open-api#611) and, its headers not being on record,
sends none. Injected failures happen before the operation, so they never
change state (except `set_fail_next(..., after=True)`, which imitates Etsy's "500 after the
create went through", etsy-api.md §8.7).
"""

from __future__ import annotations

import contextlib
import random
import re
import socket
import socketserver
import sys
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any, cast
from urllib.parse import parse_qs, urlsplit

from etsysync_cli.sandbox import images, inspection, oauth, receipts, signin
from etsysync_cli.sandbox.config import SandboxConfig
from etsysync_cli.sandbox.ratelimit import RateLimiter
from etsysync_cli.sandbox.routes import API_ROUTES, Handler, Route
from etsysync_cli.sandbox.state import SandboxState
from etsysync_cli.sandbox.wire import ApiError, Request, Response, json_response

MAX_BODY = 64 * 1024 * 1024
API_PREFIX = "/v3/application"
TOKEN_PATH = "/v3/public/oauth/token"


def is_api_path(path: str) -> bool:
    return path == API_PREFIX or path.startswith(API_PREFIX + "/")


@dataclass
class InjectedFailure:
    status: int
    after: bool = False  # fail after the operation ran (Etsy's 500-after-create)
    operation: str | None = None  # only this operation (e.g. createDraftListing); None: any


def failure_response(status: int) -> Response:
    # Etsy's observed 500 body; 503 is what it answers while unavailable.
    message = "Server Error" if status == 500 else "Service Unavailable"
    return json_response(status, {"error": message})


class App:
    """The sandbox behind the socket: takes a parsed request, returns a Response."""

    def __init__(self, config: SandboxConfig, state: SandboxState, limiter: RateLimiter) -> None:
        self.config = config
        self.state = state
        self.limiter = limiter
        self.base_url = ""
        self.stopping = threading.Event()
        self.on_request: Callable[[dict[str, Any]], None] | None = None
        self.key_disowned = False  # SandboxServer.disown_api_key
        # For tests that check traffic against Etsy's OpenAPI document: every request outside
        # /_sandbox/ with the response it got (never printed or saved by the sandbox itself).
        self.on_exchange: Callable[[Request, Response], None] | None = None
        self._rng = random.Random(config.seed)
        self._failures: dict[str, deque[InjectedFailure]] = {
            "application": deque(),
            "token": deque(),
        }
        self._failure_lock = threading.Lock()

    # --- failure injection --------------------------------------------------------------------

    def fail_next(
        self, n: int, status: int, after: bool, endpoint: str, operation: str | None = None
    ) -> None:
        with self._failure_lock:
            for _ in range(n):
                self._failures[endpoint].append(InjectedFailure(status, after, operation))

    def _take_failure(self, endpoint: str, operation: str | None) -> InjectedFailure | None:
        with self._failure_lock:
            queue = self._failures[endpoint]
            for failure in queue:  # the first one meant for this request, in order
                if failure.operation is None or failure.operation == operation:
                    queue.remove(failure)
                    return failure
            if self.config.fail_rate and self._rng.random() < self.config.fail_rate:
                return InjectedFailure(self._rng.choice((500, 503)))
        return None

    # --- pipeline -------------------------------------------------------------------------------

    def handle(self, method: str, target: str, headers: dict[str, str], body: bytes) -> Response:
        started = time.perf_counter()
        split = urlsplit(target)
        req = Request(
            method=method,
            path=split.path,
            query=parse_qs(split.query, keep_blank_values=True),
            headers=headers,
            body=body,
            base_url=self.base_url,
        )
        operation: str | None = None
        try:
            response, operation = self._dispatch(req)
        except ApiError as exc:
            response = exc.response()
        except Exception:
            # A sandbox bug: answer like Etsy's 500 and keep the traceback for debugging.
            with self.state.lock:
                self.state.server_errors.append(traceback.format_exc())
            traceback.print_exc(file=sys.stderr)
            response = failure_response(500)
        self.add_rate_headers(req.path, response)
        if not req.path.startswith("/_sandbox/"):
            entry = {
                "method": method,
                "path": req.path,  # never the query (codes, states) nor any header
                "status": response.status,
                "duration_ms": round((time.perf_counter() - started) * 1000, 3),
                "operation": operation,
                "time": time.time(),
            }
            self.state.log_request(entry)
            if self.on_request is not None:
                self.on_request(entry)
            if self.on_exchange is not None:
                self.on_exchange(req, response)
        return response

    def add_rate_headers(self, path: str, response: Response) -> None:
        """Give an API answer the four rate-limit headers, if the limiter has not already: those
        of a request it counted are set in `_api`; any other answer shows the current window."""
        if is_api_path(path) and "x-limit-per-second" not in response.headers:
            response.headers.update(self.limiter.headers())

    def _dispatch(self, req: Request) -> tuple[Response, str | None]:
        if is_api_path(req.path):
            return self._api(req)
        if req.path == TOKEN_PATH:
            if req.method != "POST":
                raise ApiError(405, "Method not allowed", headers={"allow": "POST"})
            return self._with_failures("token", lambda: self._locked(oauth.token, req)), "token"
        if req.path == "/oauth/connect":
            if req.method == "GET":
                return self._locked(oauth.connect, req), "oauthConnect"
            if req.method == "POST":
                return self._locked(oauth.decide, req), "oauthConsent"
            raise ApiError(405, "Method not allowed", headers={"allow": "GET, POST"})
        if req.path.startswith("/_sandbox/") and req.method == "GET":
            return self._inspect(req), None
        if req.path.startswith("/_sandbox/") and req.method == "POST":
            return self._act(req), None
        if req.path == "/" and req.method == "GET":
            return json_response(200, self.index()), None
        raise ApiError(404, "Resource not found")

    def _locked(self, handler: Handler, req: Request) -> Response:
        try:
            with self.state.lock:
                return handler(self.state, req)
        except ApiError as exc:  # answered here so the log keeps the operation name
            return exc.response()

    def _with_failures(
        self, endpoint: str, run: Callable[[], Response], operation: str | None = None
    ) -> Response:
        if self.config.latency_ms:
            self.stopping.wait(self.config.latency_ms / 1000)
        failure = self._take_failure(endpoint, operation)
        if failure is not None and not failure.after:
            return failure_response(failure.status)
        response = run()
        if failure is not None:
            return failure_response(failure.status)
        return response

    def _api(self, req: Request) -> tuple[Response, str | None]:
        self._check_api_key(req)
        decision = self.limiter.check()
        if not decision.allowed:
            headers = dict(decision.headers)
            headers["retry-after"] = str(decision.retry_after)
            return json_response(429, {"error": decision.error}, headers), None
        route = self._match(req)

        def run() -> Response:
            if route is None:
                # A known path with another method is a 404 too, not a 405: GET on the
                # write-only `/shops/{shop_id}/listings/{listing_id}` and `…/images` answers
                # "Resource not found" on Etsy (etsy-api.md §10.9, ELA). (U) for other methods.
                raise ApiError(404, "Resource not found")
            with self.state.lock:
                req.caller = oauth.authenticate(self.state, req, route.scope)
                return route.handler(self.state, req)

        try:
            response = self._with_failures("application", run, route.operation if route else None)
        except ApiError as exc:
            response = exc.response()
        response.headers.update(decision.headers)
        return response, route.operation if route else None

    def _match(self, req: Request) -> Route | None:
        path = req.path[len(API_PREFIX) :]
        for route in API_ROUTES:
            found = route.pattern.match(path)
            if found is None or route.method != req.method:
                continue
            req.params = found.groupdict()
            return route
        return None

    def _check_api_key(self, req: Request) -> None:
        """x-api-key must be `keystring:shared_secret` (enforced by Etsy since 9 Feb 2026)."""
        value = req.headers.get("x-api-key", "").strip()
        if not value:
            # (U) Etsy's text for a missing header is not documented.
            raise ApiError(403, "Missing x-api-key header.")
        if ":" not in value:
            raise ApiError(403, "Shared secret is required in x-api-key header.")
        keystring, _, secret = value.partition(":")
        if not keystring or not secret or ":" in secret:
            raise ApiError(
                403, "Invalid API key: should be in the format 'keystring:shared_secret'."
            )
        if keystring != self.config.keystring or self.key_disowned:
            # A well-formed key Etsy does not know (or no longer honours) is a 400, not a 403:
            # `{"error": "Invalid API key"}` (etsy-api.md §10.4, open-api#498).
            raise ApiError(400, "Invalid API key")
        if secret != self.config.shared_secret:
            # (U) Etsy's text for a wrong shared secret is not documented.
            raise ApiError(403, "Invalid shared secret for this API key.")

    def _inspect(self, req: Request) -> Response:
        path = req.path
        with self.state.lock:
            if path == "/_sandbox/requests":
                return inspection.requests(self.state, req)
            if path == "/_sandbox/listings":
                return inspection.listings(self.state, req)
            if path == "/_sandbox/tokens":
                return inspection.tokens(self.state, req)
            if path == "/_sandbox/state":
                return inspection.summary(self.state, self.limiter, req)
            if path == "/_sandbox/shops":
                return json_response(200, signin.shops(self.state))
            found = re.fullmatch(r"/_sandbox/images/(?P<listing_image_id>[^/]+)/[^/]+", path)
            if found:
                req.params = found.groupdict()
                return images.image_bytes(self.state, req)
        raise ApiError(404, "Resource not found")

    def _act(self, req: Request) -> Response:
        """What happens on etsy.com rather than through the API: a seller signs in, a buyer
        buys, a seller cancels an order. The only POSTs under /_sandbox/; like inspection, no
        key, no limits."""
        with self.state.lock:
            if req.path == "/_sandbox/signin":
                return json_response(200, signin.sign_in(self.state, req.json()))
            if req.path == "/_sandbox/purchase":
                return json_response(201, receipts.purchase(self.state, req.json()))
            found = re.fullmatch(r"/_sandbox/receipts/(?P<receipt_id>\d+)/cancel", req.path)
            if found:
                receipt = receipts.cancel(self.state, int(found["receipt_id"]))
                return json_response(200, receipt)
        raise ApiError(404, "Resource not found")

    def index(self) -> dict[str, Any]:
        return {
            "name": "etsysync local Etsy sandbox",
            "api_url": self.base_url + "/v3",
            "oauth_connect": self.base_url + "/oauth/connect",
            "token_url": self.base_url + TOKEN_PATH,
            "inspect": [
                self.base_url + "/_sandbox/" + name
                for name in ("state", "requests", "listings", "tokens", "shops")
            ],
            "signin": self.base_url + "/_sandbox/signin",
            "purchase": self.base_url + "/_sandbox/purchase",
        }


# --- sockets ------------------------------------------------------------------------------------


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like Etsy's front end
    server_version = "EtsySandbox/1.0"
    sys_version = ""
    timeout = 30  # an idle keep-alive connection is closed after this many seconds

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes; without TCP_NODELAY, Nagle's algorithm
        # and delayed ACKs add ~40 ms to every keep-alive response.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def date_time_string(self, timestamp: float | None = None) -> str:
        # The Date header on Etsy's clock (SandboxConfig.clock_offset).
        server = cast(SandboxHTTPServer, self.server)
        return super().date_time_string(server.app.state.now() if timestamp is None else timestamp)

    def do_GET(self) -> None:
        self._serve()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    def _serve(self) -> None:
        server = cast(SandboxHTTPServer, self.server)
        body = self._read_body()
        if body is None:
            response = json_response(413, {"error": "Request body too large"})
            server.app.add_rate_headers(urlsplit(self.path).path, response)
            self.close_connection = True
        else:
            headers = {k.lower(): v for k, v in self.headers.items()}
            response = server.app.handle(self.command, self.path, headers, body)
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("content-length", str(len(response.body)))
        self.end_headers()
        self.wfile.write(response.body)

    def _read_body(self) -> bytes | None:
        if self.headers.get("transfer-encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            total = 0
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return b"".join(chunks)
                total += size
                if total > MAX_BODY:
                    return None
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("content-length") or 0)
        if length > MAX_BODY:
            return None
        return self.rfile.read(length) if length else b""

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the sandbox keeps its own request log, without secrets


class SandboxHTTPServer(HTTPServer):
    """An HTTPServer with a thread per connection that it can close and join on stop.

    socketserver's ThreadingMixIn cannot interrupt idle keep-alive connections, which would
    leave threads and sockets behind (and ResourceWarnings in tests).
    """

    daemon_threads = True

    def __init__(self, port: int, app: App) -> None:
        self.app = app
        self._connections: set[socket.socket] = set()
        self._threads: set[threading.Thread] = set()
        self._tracking = threading.Lock()
        super().__init__(("127.0.0.1", port), _RequestHandler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind resolves the host name, which can stall; 127.0.0.1 needs none.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    def process_request(self, request: Any, client_address: Any) -> None:
        thread = threading.Thread(
            target=self._work, args=(request, client_address), daemon=True, name="sandbox-conn"
        )
        with self._tracking:
            self._connections.add(request)
            self._threads.add(thread)
        thread.start()

    def _work(self, request: Any, client_address: Any) -> None:
        try:
            self.finish_request(request, client_address)
        except Exception:
            self.handle_error(request, client_address)
        finally:
            self.shutdown_request(request)
            with self._tracking:
                self._connections.discard(request)
                self._threads.discard(threading.current_thread())

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], OSError):
            return  # a client went away, or the server is stopping
        super().handle_error(request, client_address)

    def close_connections(self, timeout: float = 5.0) -> None:
        with self._tracking:
            connections = list(self._connections)
            threads = list(self._threads)
        for conn in connections:
            with contextlib.suppress(OSError):  # already closed by the client
                conn.shutdown(socket.SHUT_RDWR)
        deadline = time.monotonic() + timeout
        for thread in threads:
            thread.join(max(deadline - time.monotonic(), 0))
