"""Request handling: routing, the live API's checks, status faults, and writing the reply."""

from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from ._audio_models import speech_models_payload, transcription_models_payload
from ._endpoints import serve_audio_endpoint
from ._faults import STREAM_FAULTS, Fault, FaultSyntaxError, parse_faults
from ._models import models_payload
from ._recording import RecordedRequest, drop_uploads
from ._request import APIFailure, Plan, header_number, plan_reply
from ._stream import Context, usage, words
from ._writer import write_stream

if TYPE_CHECKING:
    from ._server import EmulatorServer

_DRAIN_LIMIT = 256 * 1024 * 1024  # a refused body beyond this is not even read: the connection is closed
PREFIX = "/api/v1"
AUDIO_ROUTES = {f"{PREFIX}/audio/speech": "speech", f"{PREFIX}/audio/transcriptions": "transcriptions"}
_SECRET_HEADERS = ("authorization", "proxy-authorization", "cookie")  # never recorded
_NUMBERS = ("times", "after", "seconds", "keepalive", "retry-after")  # fault parameters that are numbers
# What a reverse proxy in front of the API sends when the upstream is down (the ``html`` fault).
_HTML_502 = (
    "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center>"
    "<hr><center>offline emulator (injected by X-Emulator-Fault: html)</center></body></html>"
)

_STATUS_MESSAGES = {
    400: "Bad request (injected by X-Emulator-Fault)",
    401: "No auth credentials found",
    402: "Insufficient credits. Add more using https://openrouter.ai/settings/credits",
    403: "Your input was flagged by the moderation model (injected by X-Emulator-Fault)",
    408: "Request timed out (injected by X-Emulator-Fault)",
    413: "Request body too large (injected by X-Emulator-Fault)",
    429: "Rate limit exceeded: too many requests (injected by X-Emulator-Fault)",
    500: "Internal Server Error (injected by X-Emulator-Fault)",
    502: "Provider returned error (injected by X-Emulator-Fault)",
    503: "No instances available for this model (injected by X-Emulator-Fault)",
}


class Handler(BaseHTTPRequestHandler):
    """One connection; HTTP/1.1 keep-alive, SSE bodies in chunked transfer encoding."""

    protocol_version = "HTTP/1.1"
    server: EmulatorServer

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet unless the server runs verbose (the CLI); request lines never carry the key."""
        if self.server.verbose:
            super().log_message(format, *args)

    def _path(self) -> str:
        return urlsplit(self.path).path.rstrip("/")

    def _record(self, body: Any) -> None:
        headers = {k: v for k, v in self.headers.items() if k.lower() not in _SECRET_HEADERS}
        size = getattr(self, "_body_size", 0) if body is not None else 0
        if not self.server.keep_uploads:
            body, dropped = drop_uploads(body)
            size = max(0, size - dropped)
        self.server.record(RecordedRequest(self.command, self.path, headers, body), size)

    def send_json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        """A complete JSON response with Content-Length."""
        self._send(status, "application/json", json.dumps(payload, ensure_ascii=False).encode(), headers)

    def send_failure(self, failure: APIFailure) -> None:
        """An OpenRouter-shaped error body (or, for the ``html`` fault, a proxy's HTML page)."""
        if failure.headers.get("Content-Type") == "text/html":
            self._send(failure.status, "text/html", _HTML_502.encode())
        else:
            self.send_json(failure.status, failure.body(), failure.headers)

    def _send(self, status: int, kind: str, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        """``GET /api/v1/models`` (public, like the live API)."""
        self._record(None)
        query = parse_qs(urlsplit(self.path).query)
        if self._path() == f"{PREFIX}/models":
            wanted = {k: query[k][-1] for k in ("output_modalities", "input_modalities") if k in query}
            self.send_json(200, models_payload(**wanted))
        elif self._path() == f"{PREFIX}/audio/speech/models":
            self.send_json(200, speech_models_payload())
        elif self._path() == f"{PREFIX}/audio/transcriptions/models":
            self.send_json(200, transcription_models_payload())
        else:
            self.send_failure(APIFailure(404, f"Not found: GET {self._path()}"))

    def do_POST(self) -> None:
        """``POST /api/v1/chat/completions``, ``/audio/speech`` and ``/audio/transcriptions``."""
        route = AUDIO_ROUTES.get(self._path())
        if route is not None:
            serve_audio_endpoint(self, route)
            return
        try:
            body = self._read_body()
            if body is None:
                return
            self._record(body)
            if self._path() != f"{PREFIX}/chat/completions":
                raise APIFailure(404, f"Not found: POST {self._path()}")
            self._check_key()
            faults = self._faults()
            plan = plan_reply(body, self.headers)
            realtime = header_number(self.headers, "X-Emulator-Realtime", 0.0, 1e6)
            if realtime is None:
                realtime = self.server.realtime
        except APIFailure as failure:
            self.send_failure(failure)
            return
        except (ValueError, TypeError, KeyError, AttributeError, RecursionError) as exc:
            # a request shaped in a way no check above foresaw: still an answer, and the server goes on
            self.send_failure(APIFailure(400, f"Malformed request: {type(exc).__name__}: {exc}"[:500]))
            return
        try:
            if plan.stream:
                write_stream(self, plan, faults, realtime)
            else:
                self._send_completion(plan)
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            self.close_connection = True  # the client went away: stop generating, as the live API does
            self.server.note_client_left()

    def _read_body(self) -> Any:
        length_header = self.headers.get("Content-Length")
        if length_header is None or not (length_header.isascii() and length_header.isdigit()):
            self.close_connection = True
            self.send_failure(APIFailure(411, "Content-Length is required"))
            return None
        length = int(length_header)
        if length > self.server.max_body_bytes:
            self._refuse_large(length)
            return None
        raw = self.rfile.read(length)
        self._body_size = len(raw)
        try:
            return json.loads(raw)
        except (ValueError, RecursionError):  # not UTF-8, not JSON, or nested too deeply to read
            self._record(None)
            self.send_failure(APIFailure(400, "Invalid JSON in request body"))
            return None

    def _refuse_large(self, length: int) -> None:
        self._record(None)
        if length <= _DRAIN_LIMIT:
            left = length
            while left > 0:
                got = self.rfile.read(min(left, 1 << 20))
                if not got:
                    break
                left -= len(got)
        else:
            self.close_connection = True
        limit = self.server.max_body_bytes
        message = f"Request body too large: {length} bytes; the emulator's limit is {limit / 2**20:g} MB"
        self.send_failure(APIFailure(413, message, {"limit_bytes": limit}))

    def _check_key(self) -> None:
        scheme, _, key = (self.headers.get("Authorization") or "").partition(" ")
        if scheme.lower() != "bearer" or not key.strip():
            raise APIFailure(401, "No auth credentials found")

    def _faults(self) -> tuple[Fault, ...]:
        header = self.headers.get("X-Emulator-Fault")
        try:
            faults = parse_faults(header)
            for fault in faults:  # every number now, not when the stream is half sent
                for key in set(_NUMBERS) & set(fault.params):
                    fault.number(key, 0)
        except FaultSyntaxError as exc:
            raise APIFailure(400, f"X-Emulator-Fault: {exc}") from None
        for fault in faults:
            if fault.name in STREAM_FAULTS or not self.server.faults.should_fail(header or "", fault):
                continue
            self._raise_status_fault(fault)
        return tuple(f for f in faults if f.name in STREAM_FAULTS)

    def _raise_status_fault(self, fault: Fault) -> None:
        if fault.name == "html":
            raise APIFailure(502, "Bad Gateway", headers={"Content-Type": "text/html"})
        status = fault.status or 500
        headers = {}
        if status == 429 or "retry-after" in fault.params:
            headers["Retry-After"] = fault.params.get("retry-after", "1")
        metadata = {"provider_name": "Offline Emulator", "injected": True}
        raise APIFailure(
            status,
            fault.params.get("message", _STATUS_MESSAGES.get(status, "Injected error")),
            metadata,
            headers,
        )

    def _send_completion(self, plan: Plan) -> None:
        ctx = Context(plan.model)
        message = {"role": "assistant", "content": plan.text, "refusal": None, "reasoning": None}
        payload = {**ctx.head(), "object": "chat.completion", "system_fingerprint": None}
        payload["choices"] = [
            {
                "index": 0,
                "logprobs": None,
                "finish_reason": "stop",
                "native_finish_reason": "stop",
                "message": message,
            }
        ]
        payload["usage"] = usage(ctx, plan.prompt_tokens, len(words(plan.text)), 0)
        self.send_json(200, payload)
