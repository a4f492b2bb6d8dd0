"""Audio going in through the client, against the emulator: large bodies sent in slices, sources prepared
for the model, (array, rate) tuples, refusal hints, and a client that survives pickling."""

from __future__ import annotations

import base64
import pickle
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from _client_helpers import KEY, make_wav

from or_audio_widgets import OpenRouterAudio, prepare_audio
from or_audio_widgets.client import _retry
from or_audio_widgets.client._client import audio_sources
from or_audio_widgets.errors import BadRequestError

SPEAKER = "openai/gpt-audio-mini"
LISTENER = "google/gemini-2.5-flash"  # a chat model that listens: transcribe() sends it a prompt
LINE = re.compile(r"audio (\d+): format=(\w+) duration=([\d.]+)s rate=(\d+) channels=(\d+)")


def heard(text: str) -> list[tuple[str, float, int]]:
    return [(m[2], float(m[3]), int(m[4])) for m in LINE.finditer(text)]


def posts(emulator: Any) -> list[Any]:
    return [r for r in emulator.requests if r.method == "POST"]


def test_a_long_part_arrives_whole(client: OpenRouterAudio, emulator: Any, tmp_path: Path) -> None:
    # 40 s of 16 kHz WAV: 1.7 MB of base64, sent in slices rather than inside one serialised string.
    path = tmp_path / "long.wav"
    path.write_bytes(make_wav(40.0))
    reply = client.transcribe([path, make_wav(0.5)], prompt="Two parts", model=LISTENER)
    assert heard(reply.text) == [("wav", 40.0, 16000), ("wav", 0.5, 16000)]
    sent = posts(emulator)[0].json["messages"][0]["content"]
    assert base64.b64decode(sent[1]["input_audio"]["data"]) == path.read_bytes()
    assert sent[0] == {"type": "text", "text": "Two parts"}


def test_a_retry_sends_the_whole_body_again(
    client: OpenRouterAudio, emulator: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_retry, "retry_delay", lambda attempt, retry_after: 0.01)
    reply = client.transcribe(make_wav(10.0), model=LISTENER, headers={"X-Emulator-Fault": "503;times=1"})
    assert heard(reply.text) == [("wav", 10.0, 16000)]
    assert len(posts(emulator)) == 2


def test_sources_are_converted_for_openai_models(
    client: OpenRouterAudio, emulator: Any, tmp_path: Path
) -> None:
    flac = tmp_path / "speech.flac"
    flac.write_bytes(prepare_audio_bytes(make_wav(1.0), "flac"))
    reply = client.transcribe(flac, model=SPEAKER)
    assert heard(reply.text) == [("wav", 1.0, 16000)]  # OpenAI's audio models read only wav and mp3
    reply = client.transcribe(flac, model=LISTENER)  # Google's model takes flac as it is
    assert heard(reply.text) == [("flac", 1.0, 16000)]


def prepare_audio_bytes(wav: bytes, target: str) -> bytes:
    return base64.b64decode(prepare_audio(wav, target=target).part["input_audio"]["data"])


def test_a_prepared_part_is_sent_as_the_caller_made_it(client: OpenRouterAudio) -> None:
    prepared = prepare_audio(make_wav(1.0), target="flac")
    assert heard(client.transcribe(prepared, model=SPEAKER).text)[0][0] == "flac"


def test_a_refused_input_format_names_one_that_works(client: OpenRouterAudio) -> None:
    # A ready part is sent as it is: the emulator refuses webm with a 400, as the API does.
    part = {"type": "input_audio",
            "input_audio": {"data": base64.b64encode(make_wav(0.5)).decode(), "format": "webm"}}
    with pytest.raises(BadRequestError, match="Invalid audio format") as caught:
        client.transcribe(part, model=SPEAKER)
    hint = caught.value.hint
    assert "refused webm audio" in hint and "mp3, wav" in hint and "target='wav'" in hint
    assert hint in str(caught.value)


def test_an_output_format_refusal_gets_no_input_hint(client: OpenRouterAudio) -> None:
    part = {"type": "input_audio", "input_audio": {"data": base64.b64encode(make_wav(0.2)).decode(),
                                                   "format": "wav"}}
    unchecked = OpenRouterAudio(KEY, client.base_url, check_models=False)  # let the server refuse the voice
    with pytest.raises(BadRequestError) as caught:
        unchecked.speak("hi", voice="robot", inputs=[part])
    assert "refused" not in caught.value.hint


def test_an_array_with_its_rate_is_one_source(client: OpenRouterAudio) -> None:
    tone = np.sin(np.arange(8000) * 2 * np.pi * 440 / 16000).astype(np.float32) * 0.3
    assert heard(client.transcribe((tone, 16000), model=LISTENER).text) == [("wav", 0.5, 16000)]
    assert heard(client.transcribe((tone, np.int64(8000)), model=LISTENER).text) == [("wav", 1.0, 8000)]
    assert len(heard(client.transcribe([(tone, 16000), (tone, 8000)], model=LISTENER).text)) == 2


def test_which_arguments_are_one_source_and_which_are_several(tmp_path: Path) -> None:
    tone = np.zeros(100)
    assert audio_sources((tone, 16000)) == [(tone, 16000)]
    assert audio_sources([tone, tone]) == [tone, tone]
    assert audio_sources(("a.wav", "b.wav")) == ["a.wav", "b.wav"]
    assert audio_sources(("a.wav", 3)) == ["a.wav", 3]  # a path and a number are not (array, rate)
    assert audio_sources((tone, True)) == [tone, True]
    assert audio_sources(tmp_path) == [tmp_path]
    with pytest.raises(ValueError, match="at least one"):
        OpenRouterAudio(KEY).transcribe([])


def test_a_pickled_client_works_and_hides_the_key(client: OpenRouterAudio, emulator: Any) -> None:
    client.models()  # a used client: open connections, a lock and a cache do not travel
    blob = pickle.dumps(client)
    assert KEY.encode() not in blob
    copy = pickle.loads(blob)  # noqa: S301 - our own bytes, made a line above
    assert copy._requester.transport.session is not client._requester.transport.session
    assert (copy.base_url, copy.timeout, copy.max_retries) == (client.base_url, 60.0, 2)
    for text in [repr(copy), repr(vars(copy)), *(repr(v) for v in vars(copy).values())]:
        assert KEY not in text
    assert copy.speak("after pickling", headers={"X-Emulator-Seconds": "0.2"}).complete  # 401 without key
    assert copy.models()
    copy.close()
