"""The loopback redirect target of `auth login`: http://localhost:PORT/callback.

Etsy matches the registered redirect URI exactly, so the port is fixed (configurable), not
picked at random. The server answers one callback with a short page and hands its query string to
the waiting login; anything else gets a 404. It binds to the loopback interface only.
"""

from __future__ import annotations

import errno
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from etsysync_cli.errors import ConsentError, EtsysyncError

CALLBACK_PATH = "/callback"

_DONE_PAGE = b"""<!doctype html><html><head><meta charset="utf-8"><title>etsysync</title></head>
<body style="font-family:sans-serif;margin:3em">
<h1>%s</h1><p>You can close this tab and return to the terminal.</p></body></html>"""


def redirect_uri(port: int) -> str:
    return f"http://localhost:{port}{CALLBACK_PATH}"


class CallbackServer:
    """Waits for one request to /callback on 127.0.0.1:PORT."""

    def __init__(self, port: int) -> None:
        self.port = port
        self._query: str | None = None
        self._arrived = threading.Event()
        handler = self._make_handler()
        try:
            self._server = ThreadingHTTPServer(("127.0.0.1", port), handler)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise EtsysyncError(
                    f"port {port} is already in use, so the login callback cannot be received",
                    hint="stop the program using it, or pass --port with another port that is "
                    "also registered as a redirect URI of your Etsy app",
                ) from None
            raise
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def _make_handler(self) -> type[BaseHTTPRequestHandler]:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urllib.parse.urlsplit(self.path)
                if parts.path != CALLBACK_PATH or outer._arrived.is_set():
                    self.send_error(404)
                    return
                granted = "code=" in parts.query and "error=" not in parts.query
                title = "etsysync got Etsy's answer" if granted else "etsysync was not connected"
                body = _DONE_PAGE % title.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                outer._query = parts.query
                outer._arrived.set()

            def log_message(self, format: str, *args: object) -> None:
                pass  # the query holds the authorization code: never log requests

        return Handler

    def __enter__(self) -> CallbackServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def wait(self, timeout: float) -> str:
        """The query string of the callback (parse it with `etsy.oauth.parse_callback`)."""
        if not self._arrived.wait(timeout):
            raise ConsentError(
                f"no answer from Etsy reached {redirect_uri(self.port)} within {timeout:g} s",
                hint="run `etsysync auth login` again (--timeout to wait longer). If the browser "
                "said 'The requested redirect URL is not permitted', register "
                f"{redirect_uri(self.port)} as a callback URL of your Etsy app",
            )
        assert self._query is not None
        return self._query
