"""The API key appears in no repr, exception text, traceback (locals included) or log record."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from typing import Any

import pytest
import requests

from or_audio_widgets import OpenRouterAudio
from or_audio_widgets.errors import MissingAPIKeyError, OpenRouterAudioError

CANARY = "sk-or-v1-CANARY-0123456789abcdef"
SPEAKER = "openai/gpt-audio-mini"


def exception_texts(error: BaseException, *, with_locals: bool = True) -> list[str]:
    texts = [str(error), repr(error), "".join(traceback.format_exception(error)), repr(vars(error)),
             repr(error.args)]
    if with_locals:
        captured = traceback.TracebackException.from_exception(error, capture_locals=True)
        texts.append("".join(captured.format()))
    return texts


def error_paths(emulator: Any, no_auth_session: requests.Session) -> dict[str, Callable[[], object]]:
    base = emulator.base_url

    def client(**options: Any) -> OpenRouterAudio:
        return OpenRouterAudio(CANARY, options.pop("base_url", base), max_retries=0, **options)

    def fault(name: str) -> Callable[[], object]:
        return lambda: client().speak("x", headers={"X-Emulator-Fault": name})

    return {
        "401": lambda: client(session=no_auth_session).speak("x"),
        "bad model": lambda: client().speak("x", model="nobody/none"),
        "server echoes the key": lambda: client().speak("x", voice=CANARY),
        "429": fault("429;retry-after=0.1"),
        "html 502": fault("html"),
        "402": fault("402"),
        "403": fault("403"),
        "413": fault("413"),
        "503": fault("503"),
        "refused": lambda: client(base_url="http://127.0.0.1:9/api/v1").speak("x"),
        "bad scheme": lambda: client(base_url="ftp://127.0.0.1/api/v1").models(),
        "models refused": lambda: client(base_url="http://127.0.0.1:9/api/v1").models(),
    }


@pytest.mark.parametrize(
    "path", ["401", "bad model", "server echoes the key", "429", "html 502", "402", "403", "413", "503",
             "refused", "bad scheme", "models refused"],
)
def test_no_error_path_reveals_the_key(
    emulator: Any, no_auth_session: requests.Session, caplog: pytest.LogCaptureFixture, path: str
) -> None:
    caplog.set_level(logging.DEBUG)
    with pytest.raises(OpenRouterAudioError) as caught:
        error_paths(emulator, no_auth_session)[path]()
    # Where the caller itself passed the canary as the voice, its own frame's locals hold it.
    for text in exception_texts(caught.value, with_locals=path != "server echoes the key"):
        assert CANARY not in text
    if path == "server echoes the key":
        assert "***" in str(caught.value)
    assert CANARY not in caplog.text
    assert all(CANARY not in record.getMessage() for record in caplog.records)


@pytest.mark.parametrize("fault", ["drop", "midstream-error", "malformed-json", "stall;seconds=2"])
def test_broken_streams_do_not_reveal_the_key(
    emulator: Any, caplog: pytest.LogCaptureFixture, fault: str
) -> None:
    caplog.set_level(logging.DEBUG)
    client = OpenRouterAudio(CANARY, emulator.base_url, timeout=0.3)
    with client.open("x", model=SPEAKER, audio={"voice": "alloy", "format": "wav"},
                     headers={"X-Emulator-Fault": fault}) as reply_stream:
        events = list(reply_stream)
    reply = reply_stream.reply
    assert not reply.complete
    for text in [repr(events), repr(reply), str(reply.error), repr(reply_stream), caplog.text]:
        assert CANARY not in text


def test_the_client_object_masks_the_key(emulator: Any) -> None:
    client = OpenRouterAudio(CANARY, emulator.base_url)
    shown = [repr(client), str(client), repr(vars(client)), str(vars(client))]
    shown += [repr(value) for value in vars(client).values()]
    session = client._requester.transport.session
    shown += [repr(vars(session)), repr(session.headers)]
    for text in shown:
        assert CANARY not in text
    assert "hidden" in repr(client)


def test_the_key_still_reaches_the_server(emulator: Any) -> None:
    # The emulator answers 401 to a request without a bearer key, so a success proves it was sent.
    client = OpenRouterAudio(CANARY, emulator.base_url)
    assert client.speak("x", headers={"X-Emulator-Seconds": "0.2"}).complete


def test_missing_key_message_says_what_to_do() -> None:
    with pytest.raises(MissingAPIKeyError) as caught:
        OpenRouterAudio()
    assert "OPENROUTER_API_KEY" in str(caught.value)
