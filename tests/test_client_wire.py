"""The pure request/error helpers in ``_wire.py`` and ``_error_body.py``: bodies, parts, error bodies."""

from __future__ import annotations

import json

import pytest

from or_audio_widgets._errors import (
    AudioFormatError,
    AuthenticationError,
    BadRequestError,
    ProviderError,
    RateLimitError,
)
from or_audio_widgets._error_body import error_for_response, excerpt, parse_error_body, wants_pcm16
from or_audio_widgets._wire import build_body, build_messages, content_parts, output_format


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


def test_audio_sources_go_through_prepare_audio() -> None:
    from _client_helpers import make_wav

    parts = content_parts([make_wav(0.25)])
    assert parts[0]["type"] == "input_audio"
    assert parts[0]["input_audio"]["format"] == "wav"


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
