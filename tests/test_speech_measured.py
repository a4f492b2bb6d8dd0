"""The speech endpoint as measured on the live service, played by the emulator and read by the client:
validation errors in their own (zod) shape, a provider that wants an explicit voice, a provider whose terms
the account has not accepted (403), and the lists: text-output models by default, transcription models in a
listing of their own."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest

from or_audio_widgets import OpenRouterAudio
from or_audio_widgets.client._error_body import error_for_response, parse_error_body
from or_audio_widgets.emulator import _assumptions as rules
from or_audio_widgets.errors import BadRequestError, ModerationError

KEY = "sk-or-v1-measured0123456789abcdef"


def post(emulator: Any, path: str, body: dict[str, Any], **headers: str) -> tuple[int, dict[str, Any]]:
    sent = {"Authorization": f"Bearer {KEY}", "Content-Type": "application/json", **headers}
    request = urllib.request.Request(f"{emulator.base_url}{path}", json.dumps(body).encode(), sent)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, {}
    except urllib.error.HTTPError as refused:
        return refused.code, json.loads(refused.read())


def get(emulator: Any, path: str) -> dict[str, Any]:
    with urllib.request.urlopen(f"{emulator.base_url}{path}", timeout=30) as response:
        return dict(json.loads(response.read()))


@pytest.mark.parametrize(("field", "value"), [("response_format", "wav"), ("response_format", "opus"),
                                              ("speed", 9), ("input", "")])
def test_a_request_that_fails_validation_is_answered_in_the_zod_shape(emulator: Any, field: str,
                                                                      value: Any) -> None:
    body = {"model": "openai/gpt-4o-mini-tts-2025-12-15", "input": "Hello.", "voice": "alloy", field: value}
    status, answer = post(emulator, "/audio/speech", body)
    assert status == 400 and answer["success"] is False and answer["error"]["name"] == "ZodError"
    assert answer["error"]["issues"][0]["path"] == [field]
    # ... and the client reads it like the usual shape: the field and what is wrong with it
    message, _, _ = parse_error_body(json.dumps(answer).encode())
    assert message is not None and message.startswith(f"{field}: ")
    error = error_for_response(400, "Bad Request", json.dumps(answer).encode())
    assert isinstance(error, BadRequestError) and field in str(error)


def test_a_provider_that_wants_an_explicit_voice_says_so(emulator: Any) -> None:
    model = rules.EXPLICIT_VOICE_MODELS[0]
    status, answer = post(emulator, "/audio/speech", {"model": model, "input": "Hello."})
    assert status == 400 and answer["error"]["message"] == rules.EXPLICIT_VOICE_MESSAGE
    error = error_for_response(status, "Bad Request", json.dumps(answer).encode())
    assert "Name a voice" in str(error)
    # with a voice, the same provider reads it
    assert post(emulator, "/audio/speech", {"model": model, "input": "Hello.", "voice": "nova"})[0] == 200


def test_unaccepted_provider_terms_are_a_403_that_says_what_to_do(emulator: Any) -> None:
    client = OpenRouterAudio(KEY, base_url=emulator.base_url)
    try:
        with pytest.raises(ModerationError) as refused:
            client.say("Hello.", model="elevenlabs/eleven-turbo-v2", voice="rachel",
                       headers={"X-Emulator-Provider-Terms": "unaccepted"})
    finally:
        client.close()
    said = str(refused.value)
    assert refused.value.status == 403 and "accept" in said and "settings" in said
    assert "moderation" not in said.lower() and KEY not in said  # the right advice, and no key


def test_transcription_models_have_a_listing_of_their_own(emulator: Any) -> None:
    listed = {m["id"] for m in get(emulator, "/audio/transcriptions/models")["data"]}
    assert listed == {row[0] for row in rules.TRANSCRIPTION_MODELS}
    everything = get(emulator, "/models?output_modalities=all")["data"]
    assert listed <= {m["id"] for m in everything}
    by_default = {m["id"] for m in get(emulator, "/models")["data"]}
    assert not listed & by_default  # GET /models without output_modalities: text-output models only
