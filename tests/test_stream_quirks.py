"""Every quirk of the real streams, on streams the project writes itself (``tests/_synthetic_streams.py``).

These run on every clone; ``test_real_streams.py`` replays the real captures where they are present.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from _synthetic_streams import (
    AUDIO_CHUNKS,
    AUDIO_ID,
    AUDIO_TOKENS,
    AUDIO_TRANSCRIPT,
    ERROR_COMMENTS,
    ERROR_MESSAGE,
    ERROR_THINKING,
    MESSAGE_PCM,
    MESSAGE_TRANSCRIPT,
    NATIVE_COST,
    NATIVE_TEXT,
    PADDED_CHUNKS,
    QUANTUM,
    RATE,
    STREAMS,
    TRAILING_TEXT,
    audio_stream,
    expected_pcm,
    midstream_error_stream,
    native_options_stream,
    non_streamed_audio_reply,
    padded_audio_stream,
    split,
    trailing_usage_stream,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from or_audio_widgets import (
    AudioDelta,
    AudioReply,
    End,
    ErrorEvent,
    KeepAlive,
    OpenRouterAudio,
    ReasoningDelta,
    Started,
    TextDelta,
    TranscriptDelta,
    Usage,
    iter_events,
)

BODIES = {name: make() for name, make in STREAMS.items()}


@pytest.mark.parametrize("name", sorted(BODIES))
def test_every_stream_replays_to_the_exact_pcm_and_ends_with_done(name: str) -> None:
    body = BODIES[name]
    assert AudioReply.from_sse([body]).pcm == expected_pcm(body)
    events = list(iter_events([body]))
    assert events[-1] == End(events[-1].finish_reason, True)


def test_the_audio_stream() -> None:
    body = audio_stream()
    events = list(iter_events([body]))
    assert isinstance(events[0], KeepAlive) and events[1] == Started(AUDIO_ID, "gpt-audio", None)
    kinds = [type(e) for e in events]
    # The transcript runs ahead: every word has arrived before the first audio.
    assert max(i for i, k in enumerate(kinds) if k is TranscriptDelta) < kinds.index(AudioDelta)
    audio = [e.data for e in events if isinstance(e, AudioDelta)]
    assert audio == AUDIO_CHUNKS and all(len(a) % QUANTUM == 0 for a in audio)
    assert [e.cost for e in events if isinstance(e, Usage)] == [0.00125]
    reply = AudioReply.from_sse([body])
    assert reply.complete and reply.transcript == AUDIO_TRANSCRIPT and reply.id == AUDIO_ID
    assert reply.pcm == b"".join(AUDIO_CHUNKS)
    assert reply.duration == pytest.approx(len(reply.pcm) / (2 * RATE))
    assert reply.usage is not None
    assert reply.usage["completion_tokens_details"]["audio_tokens"] == AUDIO_TOKENS
    assert reply.finish_reason is None  # none is ever sent


def test_the_audio_stream_has_the_quirks_it_claims() -> None:
    chunks = [json.loads(line[6:]) for line in audio_stream().decode().splitlines()
              if line.startswith("data: {")]  # fmt: skip
    assert chunks[0]["choices"][0]["delta"] == {"role": "assistant", "content": None, "refusal": None}
    assert any("choices" not in c and "obfuscation" in c for c in chunks)
    assert chunks[-2]["choices"] == [] and "cost" in chunks[-2]["usage"]
    assert set(chunks[-1]["choices"][0]["delta"]["audio"]) == {"id", "expires_at"}
    assert not any(choice.get("finish_reason") for c in chunks for choice in c.get("choices", []))


def test_padded_chunks_keep_every_byte() -> None:
    body = padded_audio_stream()
    datas = [json.loads(line[6:])["choices"][0]["delta"]["audio"]["data"]
             for line in body.decode().splitlines() if '"data":' in line]  # fmt: skip
    assert all(d.endswith("=") for d in datas)
    naive = base64.b64decode("".join(datas))  # what joining the strings first would give
    assert len(naive) < sum(map(len, PADDED_CHUNKS))
    assert AudioReply.from_sse([body]).pcm == b"".join(PADDED_CHUNKS)


def test_the_midstream_error_keeps_the_partial_reply() -> None:
    events = list(iter_events([midstream_error_stream()]))
    assert sum(isinstance(e, KeepAlive) for e in events) == ERROR_COMMENTS
    assert [e for e in events if isinstance(e, ErrorEvent)] == [ErrorEvent(ERROR_MESSAGE, 400, None, "api")]
    assert [e.text for e in events if isinstance(e, ReasoningDelta)] == ERROR_THINKING
    assert not [e for e in events if isinstance(e, TextDelta)]  # only empty content deltas


def test_native_options_comments_between_events_and_cost() -> None:
    events = list(iter_events([native_options_stream()]))
    assert [e.text for e in events if isinstance(e, TextDelta)] == NATIVE_TEXT
    keepalives = [i for i, e in enumerate(events) if isinstance(e, KeepAlive)]
    words = [i for i, e in enumerate(events) if isinstance(e, TextDelta)]
    assert len(keepalives) == 2 + len(NATIVE_TEXT)
    assert keepalives[0] == 0 and any(words[0] < i < words[-1] for i in keepalives)  # before and between
    reply = AudioReply.from_sse([native_options_stream()])
    assert reply.complete and reply.text == "".join(NATIVE_TEXT) and reply.provider == "Talkers"
    assert reply.finish_reason == "stop" and reply.cost == pytest.approx(NATIVE_COST)


def test_usage_in_a_trailing_chunk_keeps_the_finish_reason() -> None:
    reply = AudioReply.from_sse([trailing_usage_stream()])
    assert reply.complete and reply.text == "".join(TRAILING_TEXT)
    assert reply.finish_reason == "stop" and reply.usage is not None and reply.usage["total_tokens"] == 12


@pytest.mark.parametrize("name", sorted(BODIES))
def test_crlf_cr_and_bom_variants_give_the_same_events(name: str) -> None:
    body = BODIES[name]
    events = list(iter_events([body]))
    crlf = b"\xef\xbb\xbf" + body.replace(b"\n", b"\r\n")
    assert list(iter_events(crlf[i : i + 1] for i in range(len(crlf)))) == events
    assert list(iter_events([body.replace(b"\n", b"\r")])) == events


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_any_split_of_a_stream_gives_the_same_events(data: st.DataObject) -> None:
    body = BODIES[data.draw(st.sampled_from(sorted(BODIES)))]
    cuts = data.draw(st.lists(st.integers(0, len(body)), max_size=80))
    assert list(iter_events(split(body, cuts))) == list(iter_events([body]))


# --- over HTTP: what the client makes of these bodies ----------------------------------------------------


@contextmanager
def answering(body: bytes, content_type: str) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """A server on 127.0.0.1 answering every POST with 200 and ``body``; yields its base URL and the
    request bodies it saw."""
    seen: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            seen.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/api/v1", seen
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


def test_an_error_inside_a_200_stream_is_an_incomplete_reply_not_an_exception() -> None:
    with (
        answering(midstream_error_stream(), "text/event-stream") as (base_url, _),
        OpenRouterAudio("sk-or-v1-quirks", base_url, max_retries=0) as client,
        client.open("hi", model="vendor/thinker") as reply_stream,
    ):
        reply = reply_stream.collect()
    assert not reply.complete and (reply.error, reply.error_code) == (ERROR_MESSAGE, 400)
    assert reply.reasoning == "".join(ERROR_THINKING) and reply.text == ""
    assert reply.usage is not None and reply.usage["completion_tokens"] == 7  # from the error chunk
    assert reply.finish_reason == "length" and reply.provider == "Thinkers"


def test_a_non_streamed_message_audio_answer_is_read_as_the_whole_reply() -> None:
    # OpenRouter streams audio output only, so the client always asks for a stream; an OpenAI-compatible
    # server that answers with one chat.completion holding message.audio anyway gives the whole reply.
    body = non_streamed_audio_reply()
    with (
        answering(body, "application/json") as (base_url, seen),
        OpenRouterAudio("sk-or-v1-quirks", base_url, max_retries=0) as client,
    ):
        reply = client.speak("hi")
    assert [request["stream"] for request in seen] == [True]
    assert reply.complete and reply.error is None and reply.finish_reason == "stop"
    assert reply.transcript == MESSAGE_TRANSCRIPT and reply.pcm == MESSAGE_PCM
    assert reply.usage is not None and reply.usage["total_tokens"] == 35
    assert reply.id == "chatcmpl-project-message"


@pytest.mark.parametrize(("body", "says"), [
    (b'  {"choices": [{"message": {"audio": {"transcript": "cut', "cannot be read"),
    (b'{"object": "list", "data": []}', "not a chat completion"),
    (b'{"error": {"message": "Provider returned error", "code": 502}}', "Provider returned error"),
])  # fmt: skip
def test_a_json_document_that_is_not_a_reply_is_an_error_that_says_so(body: bytes, says: str) -> None:
    with (
        answering(body, "application/json") as (base_url, _seen),
        OpenRouterAudio("sk-or-v1-quirks", base_url, max_retries=0) as client,
    ):
        reply = client.speak("hi")
    assert not reply.complete and says in (reply.error or "") and reply.pcm == b""
