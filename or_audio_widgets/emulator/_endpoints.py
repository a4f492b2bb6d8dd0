"""The dedicated audio endpoints: ``POST /audio/speech`` (raw audio back) and ``/audio/transcriptions``.

Speech answers with the audio bytes themselves, streamed in chunked encoding: pcm with its layout in the
``Content-Type`` (the default), or mp3. Transcription takes a JSON body with base64 ``input_audio`` or an
OpenAI-style multipart upload, and answers ``{text, usage}``. Both name the generation in
``X-Generation-Id``; errors are OpenRouter's JSON error bodies. ``X-Emulator-Latency`` (seconds) holds
the answer back, like a provider's queue; ``X-Emulator-Recognise: off`` describes the audio instead of
recognising its words (so that a benchmark measures the client, not this machine's recogniser);
``X-Emulator-Speech-Rate`` (Hz) answers speech pcm at that rate, as a provider with another native rate
would, its ``Content-Type`` saying so. Transcription keeps the upstream time budget and answers
``verbose_json`` as the live service does (``X-Emulator-Upstream-Budget`` and ``-Speed``, see ``_stt_time``).
"""

from __future__ import annotations

import json
import math
import secrets
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..core._formats import mime_type
from ..core._transcode import encode_pcm
from . import _assumptions as rules
from . import _stt_time as stt_time
from ._audio_models import find_speech_model, find_transcription_model
from ._request import APIFailure, Headers, header_number
from ._said import remember
from ._speech import BYTES_PER_SECOND, SAMPLE_RATE, resample, synthesize
from ._transcribe import transcribe_timed

if TYPE_CHECKING:
    from ._handler import Handler

CHUNK = BYTES_PER_SECOND // 10  # 100 ms of pcm per write


def serve_audio_endpoint(handler: Handler, route: str) -> None:
    """Answer one request to an audio endpoint (``route`` is "speech" or "transcriptions")."""
    try:
        raw = _read_raw(handler)
        if raw is None:
            return
        content_type = handler.headers.get("Content-Type") or ""
        body = _parse(raw, content_type, route)
        handler._record(body)
        handler._check_key()
        handler._faults()
        latency = header_number(handler.headers, "X-Emulator-Latency", 0.0, 600.0) or 0.0
        realtime = header_number(handler.headers, "X-Emulator-Realtime", 0.0, 1e6)
        listen = (handler.headers.get("X-Emulator-Recognise") or "on").strip().lower() not in ("off", "0")
        rate = int(header_number(handler.headers, "X-Emulator-Speech-Rate", 8000, 48000) or SAMPLE_RATE)
        asked = handler.headers
        answer = _speech(body, rate, asked) if route == "speech" else _transcription(body, listen, asked)
    except APIFailure as failure:
        handler.send_failure(failure)
        return
    if latency and handler.server.stopping.wait(latency):
        return
    try:
        answer(handler, handler.server.realtime if realtime is None else realtime)
    except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
        handler.close_connection = True  # the client went away: stop, as the live API does
        handler.server.note_client_left()


def _read_raw(handler: Handler) -> bytes | None:
    length = handler.headers.get("Content-Length")
    if length is None or not length.isdigit():
        handler.close_connection = True
        handler.send_failure(APIFailure(411, "Content-Length is required"))
        return None
    if int(length) > handler.server.max_body_bytes:
        handler._refuse_large(int(length))
        return None
    raw = handler.rfile.read(int(length))
    handler._body_size = len(raw)  # what the recording counts against its bound in bytes
    return raw


def _parse(raw: bytes, content_type: str, route: str) -> dict[str, Any]:
    if route == "transcriptions" and content_type.lower().startswith("multipart/form-data"):
        from ._multipart import parse_multipart

        return parse_multipart(raw, content_type)
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise APIFailure(400, "Invalid JSON in request body") from None
    if not isinstance(body, dict):
        raise APIFailure(400, "Invalid request body: expected a JSON object")
    return body


def _model_check(body: dict[str, Any], found: object, refusal: str) -> None:
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise APIFailure(400, "Missing required parameter: 'model'.")
    if found is None:
        from ._models import find_model

        known = find_model(model) is not None or find_speech_model(model) or find_transcription_model(model)
        raise APIFailure(400, refusal.format(model=model) if known else f"{model} is not a valid model ID")


def _speech(body: dict[str, Any], rate: int = SAMPLE_RATE, asked: Headers | None = None
            ) -> Callable[[Handler, float], None]:
    model = find_speech_model(body.get("model"))
    _model_check(body, model, rules.NOT_A_SPEECH_MODEL)
    assert model is not None
    # Validation first, answered in its own error shape (rules.SPEECH_VALIDATION_SHAPE); the provider's
    # refusals after it, in OpenRouter's usual one.
    text = body.get("input")
    if not isinstance(text, str) or not text.strip():
        raise APIFailure(400, "Required: 'input' (the text to speak)", field="input")
    if len(text) > rules.SPEECH_INPUT_LIMIT:
        raise APIFailure(400, f"'input' is {len(text)} characters; the limit is {rules.SPEECH_INPUT_LIMIT}.",
                         field="input")
    fmt = body.get("response_format") or "pcm"
    if fmt not in rules.SPEECH_FORMATS:
        supported = ", ".join(repr(f) for f in rules.SPEECH_FORMATS)
        raise APIFailure(400, f"Invalid enum value. Expected {supported}, received {fmt!r}",
                         field="response_format")
    speed = body.get("speed", 1.0)
    if isinstance(speed, bool) or not isinstance(speed, (int, float)) or not 0.25 <= speed <= 4.0:
        raise APIFailure(400, "'speed' must be a number from 0.25 to 4.0.", field="speed")
    if asked is not None and (asked.get("X-Emulator-Provider-Terms") or "").strip().lower() == "unaccepted":
        provider = model.id.split("/", 1)[0]
        raise APIFailure(403, rules.PROVIDER_TERMS_MESSAGE.format(provider=provider))
    if not body.get("voice") and model.id in rules.EXPLICIT_VOICE_MODELS:
        raise APIFailure(400, rules.EXPLICIT_VOICE_MESSAGE)
    voice = body.get("voice") or model.voices[0]
    if voice not in model.voices:
        voices = ", ".join(model.voices)
        raise APIFailure(400, rules.UNKNOWN_VOICE.format(voice=voice, model=model.id, voices=voices))
    pcm = synthesize(text.strip(), voice).pcm
    remember(text)  # the recogniser expects to hear it back
    seconds = len(pcm) / BYTES_PER_SECOND
    if fmt == "pcm":
        audio = resample(pcm, SAMPLE_RATE, rate)
        kind = rules.speech_pcm_type(rate)
    else:
        audio, kind = encode_pcm(pcm, "mp3", SAMPLE_RATE, 1), mime_type("mp3")
    generation = f"{rules.SPEECH_GENERATION_PREFIX}{secrets.token_hex(12)}"
    per_byte = seconds / max(1, len(audio))  # seconds of speech per byte sent

    def answer(handler: Handler, realtime: float) -> None:
        _write_audio(handler, audio, kind, generation, per_byte / realtime if realtime else 0.0)

    return answer


def _write_audio(handler: Handler, audio: bytes, kind: str, generation: str, pace: float) -> None:
    """The audio in chunked encoding, ``pace`` seconds per byte (0: as fast as the socket takes it)."""
    handler.send_response(200)
    handler.send_header("Content-Type", kind)
    handler.send_header("Transfer-Encoding", "chunked")
    handler.send_header("X-Generation-Id", generation)
    handler.send_header("X-Emulator", "offline emulator of OpenRouter's API")
    handler.end_headers()
    size = CHUNK if pace else 1 << 20
    for start in range(0, len(audio), size):
        piece = audio[start : start + size]
        handler.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
        handler.wfile.flush()
        if pace and handler.server.stopping.wait(len(piece) * pace):
            return
    handler.wfile.write(b"0\r\n\r\n")


def _transcription(body: dict[str, Any], listen: bool, asked: Headers) -> Callable[[Handler, float], None]:
    model = find_transcription_model(body.get("model"))
    _model_check(body, model, rules.NOT_A_TRANSCRIPTION_MODEL)
    assert model is not None
    try:
        payload, seconds = transcribe_timed(body, model, listen=listen, headers=asked)
    except APIFailure as failure:
        if failure.status != 408:
            raise
        late = failure  # the provider ran out of time: the refusal comes once its time is up, as live
        return lambda handler, realtime: _after(handler, stt_time.processing_seconds(
            model.id, math.inf, asked, realtime), lambda: handler.send_failure(late))
    generation = f"{rules.TRANSCRIPTION_GENERATION_PREFIX}{secrets.token_hex(12)}"
    headers = {"X-Generation-Id": generation, "X-Emulator": "offline emulator of OpenRouter's API"}
    return lambda handler, realtime: _after(handler, stt_time.processing_seconds(
        model.id, seconds, asked, realtime), lambda: handler.send_json(200, payload, headers))


def _after(handler: Handler, seconds: float, answer: Callable[[], None]) -> None:
    """``answer`` once ``seconds`` have passed (at once when the server is stopping)."""
    if seconds and handler.server.stopping.wait(seconds):
        return
    answer()
