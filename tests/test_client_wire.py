"""The pure request/error helpers in ``_wire.py`` and ``_error_body.py``: bodies, parts, error bodies."""

from __future__ import annotations

import base64
import json
import pickle
from typing import Any

import pytest

from or_audio_widgets.client._error_body import error_for_response, excerpt, parse_error_body, wants_pcm16
from or_audio_widgets.client._wire import (
    Call,
    JsonBody,
    MaskedKey,
    build_body,
    build_messages,
    content_parts,
    output_format,
    sent_audio_formats,
)
from or_audio_widgets.errors import (
    AudioFormatError,
    AuthenticationError,
    BadRequestError,
    ProviderError,
    RateLimitError,
)


def test_a_string_is_one_user_message() -> None:
    assert build_messages("hi") == [{"role": "user", "content": "hi"}]


def test_list_content_turns_strings_into_text_parts_and_keeps_dicts() -> None:
    part = {"type": "input_audio", "input_audio": {"data": "AAAA", "format": "wav"}}
    built = build_messages([{"role": "system", "content": "Be brief."},
                            {"role": "user", "content": ["one", part, "two"]}])
    assert built[0] == {"role": "system", "content": "Be brief."}
    assert built[1]["content"] == [{"type": "text", "text": "one"}, part, {"type": "text", "text": "two"}]
    assert built[1]["content"][1] is not part  # the caller's dict is copied, never changed


def test_messages_are_checked() -> None:
    with pytest.raises(TypeError, match="role"):
        build_messages([{"content": "no role"}])
    with pytest.raises(TypeError, match="role"):
        build_messages(["just a string"])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="empty"):
        build_messages([])


def test_audio_sources_become_parts_before_the_body_is_built() -> None:
    from _client_helpers import make_wav

    from or_audio_widgets.client._parts import with_audio_parts

    messages = with_audio_parts([{"role": "user", "content": ["hi", make_wav(0.25)]}], "openai/gpt-audio")
    parts = content_parts(messages[0]["content"])
    assert parts[0] == {"type": "text", "text": "hi"}
    assert parts[1]["type"] == "input_audio"
    assert parts[1]["input_audio"]["format"] == "wav"
    with pytest.raises(TypeError, match="part dict"):  # the wire itself does no audio I/O
        content_parts([make_wav(0.25)])


def test_audio_output_is_always_streamed_in_the_wire_format() -> None:
    body = build_body("m/x", "hi", {"voice": "alloy", "format": "mp3"}, {"stream": False, "temperature": 0})
    assert body["stream"] is True
    assert body["modalities"] == ["text", "audio"]
    assert body["audio"] == {"voice": "alloy", "format": "pcm16"}
    assert body["temperature"] == 0
    assert build_body("m/x", "hi", {"voice": "alloy"}, {}, wire_format="wav")["audio"]["format"] == "wav"


def test_text_requests_are_streamed_without_audio() -> None:
    body = build_body("m/x", "hi", None, {})
    assert body["stream"] is True and "audio" not in body and "modalities" not in body
    with pytest.raises(ValueError, match="model"):
        build_body("", "hi", None, {})


@pytest.mark.parametrize("fmt", ["wav", "mp3", "flac", "opus", "pcm16", "WAV"])
def test_output_formats(fmt: str) -> None:
    assert output_format({"format": fmt}) == fmt.lower()


def test_unknown_output_format() -> None:
    assert output_format({"voice": "alloy"}) == "wav"
    with pytest.raises(AudioFormatError, match="ogg"):
        output_format({"format": "ogg"})


def test_pcm16_only_refusals_are_recognised() -> None:
    live = "'audio.format' does not support 'wav' when stream=true. Supported values are: 'pcm16'."
    assert wants_pcm16(400, BadRequestError(live))
    assert wants_pcm16(400, BadRequestError("Provider returned error", metadata={"raw": live}))
    every = "Invalid value: 'ogg'. Supported values are: 'wav', 'mp3', 'flac', 'opus', 'pcm16'."
    assert not wants_pcm16(400, BadRequestError(every))
    assert not wants_pcm16(400, BadRequestError("bad model"))
    assert not wants_pcm16(500, ProviderError(live))


def test_openrouter_error_body() -> None:
    body = json.dumps({"error": {"code": 429, "message": "Rate limited", "metadata": {"retry": 1}}}).encode()
    assert parse_error_body(body) == ("Rate limited", 429, {"retry": 1})
    error = error_for_response(429, "Too Many Requests", body)
    assert isinstance(error, RateLimitError)
    assert (error.status, error.code, error.metadata) == (429, 429, {"retry": 1})
    assert error.message == "Rate limited"


def test_provider_raw_message_is_added() -> None:
    error = {"message": "Provider returned error", "metadata": {"raw": "quota exceeded"}}
    body = json.dumps({"error": error})
    assert error_for_response(400, None, body.encode()).message == "Provider returned error (quota exceeded)"


@pytest.mark.parametrize(
    "body", [b"", b"null", b"[1, 2]", b'{"error": 3}', b"\xff\xfe not utf-8", b"plain text"],
)
def test_odd_bodies_still_give_a_message(body: bytes) -> None:
    error = error_for_response(502, "Bad Gateway", body)
    assert isinstance(error, ProviderError)
    assert error.message.startswith("Bad Gateway")


def test_html_bodies_are_stripped_and_shortened() -> None:
    page = ("<html><head><title>x</title><style>body{color:red}</style></head><body>"
            "<script>alert(1)</script><h1>502 Bad&nbsp;Gateway</h1>" + "<p>more</p>" * 200 + "</body></html>")
    text = excerpt(page)
    assert text.startswith("502 Bad Gateway") and "alert" not in text and "color" not in text
    assert "<" not in text and len(text) <= 200


def test_an_echoed_key_is_masked() -> None:
    body = json.dumps({"error": {"message": "bad key sk-secret", "metadata": {"key": "sk-secret"}}})
    error = error_for_response(401, None, body.encode(), scrub="sk-secret")
    assert isinstance(error, AuthenticationError)
    assert "sk-secret" not in str(error) and "sk-secret" not in repr(error.metadata)


# --- the body sent in pieces ---------------------------------------------------------------------------


def audio_body(*datas: str, text: str = "hi") -> dict[str, Any]:
    parts: list[dict[str, Any]] = [{"type": "text", "text": text}]
    parts += [{"type": "input_audio", "input_audio": {"data": d, "format": "wav"}} for d in datas]
    return {"model": "m/x", "messages": [{"role": "user", "content": parts}], "stream": True}


LONG = base64.b64encode(bytes(range(256)) * 10_000).decode()  # 3.4 MB of base64


@pytest.mark.parametrize(
    "body",
    [
        audio_body(LONG, "AAAA", LONG[:100_001], text="é \"quoted\" \\ <tag>"),
        audio_body(LONG[:1000] + "\n" + LONG[:1000] * 40),  # MIME line breaks: escaped, not sliced
        audio_body("ü" * 70_000),  # not ASCII: serialised as json.dumps does
        {"model": "m/x", "messages": "not a list"},
        {"model": "m/x", "messages": [{"role": "user", "content": "plain"}, "odd"]},
    ],
)
def test_the_pieces_are_exactly_the_json_requests_would_send(body: dict[str, Any]) -> None:
    sent = JsonBody(body)
    expected = json.dumps(body, allow_nan=False).encode()
    assert b"".join(sent) == expected
    assert len(sent) == len(expected)
    assert b"".join(sent) == expected  # every iteration starts again: a retry sends it all


def test_long_audio_goes_in_slices_and_is_never_copied_whole() -> None:
    sent = JsonBody(audio_body(LONG))
    sizes = [len(piece) for piece in sent]
    assert max(sizes) <= 1 << 20 and len(sizes) >= 4
    assert sent._pieces[2] is LONG  # the caller's string itself, not a copy


def test_a_value_json_refuses_fails_before_sending() -> None:
    with pytest.raises(ValueError):
        JsonBody({"model": "m/x", "messages": [], "temperature": float("nan")})


def test_asking_for_pcm16_rebuilds_the_payload() -> None:
    body = build_body("m/x", "hi", {"voice": "alloy"}, {}, wire_format="wav")
    call = Call("POST", "http://127.0.0.1/x", body, {}, None, 60.0, 2)
    first = call.payload()
    assert call.payload() is first and b'"format": "wav"' in b"".join(first or [])
    call.ask_for_pcm16()
    assert b'"format": "pcm16"' in b"".join(call.payload() or [])
    assert call.wire_format == "pcm16" and call.pcm16_fallback


def test_sent_audio_formats() -> None:
    body = audio_body("AAAA", "BBBB")
    body["messages"][0]["content"][2]["input_audio"]["format"] = "MP3"
    assert sent_audio_formats(body) == ["wav", "mp3"]
    assert sent_audio_formats({"messages": "x"}) == []


# --- hints for a refused input format -------------------------------------------------------------------


def refusal(message: str, request: dict[str, Any] | None, status: int = 400) -> str:
    body = json.dumps({"error": {"message": message}}).encode()
    return error_for_response(status, None, body, request=request).hint


def test_an_input_format_refusal_names_a_format_that_works() -> None:
    request = {**audio_body("AAAA"), "model": "openai/gpt-4o-audio-preview"}
    request["messages"][0]["content"][1]["input_audio"]["format"] = "flac"
    hint = refusal("Unsupported audio format: flac", request)
    assert "refused flac audio" in hint and "mp3, wav" in hint


@pytest.mark.parametrize(
    ("message", "status", "with_audio"),
    [
        ("'audio.format' does not support 'wav' when stream=true. Supported values are: 'pcm16'.", 400, True),
        ("Audio output requires stream: true", 400, True),
        ("Invalid audio data: input_audio.data is not valid base64", 400, True),
        ("Unsupported audio format: wav", 400, False),
        ("Unsupported audio format: wav", 502, True),
    ],
)
def test_other_errors_keep_their_own_hint(message: str, status: int, with_audio: bool) -> None:
    request = audio_body("AAAA") if with_audio else {"model": "m/x", "messages": "hi"}
    hint = refusal(message, request, status)
    assert "refused" not in hint
    assert hint == error_for_response(status, None, b"").hint


def test_the_masked_key_pickles_scrambled() -> None:
    key = MaskedKey("sk-or-v1-pickled-secret")
    blob = pickle.dumps(key)
    assert b"pickled-secret" not in blob
    copy = pickle.loads(blob)  # noqa: S301 - our own bytes, made a line above
    assert copy.reveal() == "sk-or-v1-pickled-secret" and repr(copy) == "<api key hidden>"
