"""The model list read before a request: a small share of the call's deadline (or of the timeout), then the
request goes out unchecked; one deadline for both; built once however many threads ask; an entry that says
nothing of its modalities refuses nothing."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import Counter
from typing import Any

import pytest
from _client_helpers import make_wav
from _hostile import KEY, HostileServer, read_request, run_bounded, wait_closed

from or_audio_widgets import OpenRouterAudio
from or_audio_widgets.client._transcription import route
from or_audio_widgets.core._catalogue import SPEECH, TRANSCRIPTION, Catalogue
from or_audio_widgets.errors import RequestTimeoutError

PCM = b"\x01\x00" * 4800
TTS = "openai/gpt-4o-mini-tts-2025-12-15"


class Site:
    """A server whose model lists hang (or come after ``list_delay`` s) and whose speech endpoint answers
    at once; it counts the paths asked for."""

    def __init__(self, list_delay: float | None, models: list[dict[str, Any]] | None = None) -> None:
        self.list_delay = list_delay
        self.models = models or [{"id": TTS, "architecture": {"input_modalities": ["text"],
                                                               "output_modalities": ["speech"]}}]
        self.asked: Counter[str] = Counter()
        self.lock = threading.Lock()

    def __call__(self, conn: socket.socket) -> None:
        head, _ = read_request(conn)
        path = head.split(b" ", 2)[1].decode().split("?")[0].removeprefix("/api/v1")
        with self.lock:
            self.asked[path] += 1
        if path.endswith("/models"):
            if self.list_delay is None:
                wait_closed(conn, 30)  # never answers
                return
            time.sleep(self.list_delay)
            body = json.dumps({"data": self.models if path == "/models" else []}).encode()
            kind = b"application/json"
        else:
            body, kind = PCM, b"audio/pcm;rate=24000;channels=1"
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: " + kind + b"\r\nConnection: close\r\n"
                     b"Content-Length: %d\r\n\r\n" % len(body) + body)


@pytest.mark.parametrize("bound", [{"deadline": 2.0}, {"timeout": 2.0}], ids=["deadline", "no deadline"])
def test_a_list_that_hangs_takes_a_small_share_then_the_request_goes_out(bound: dict[str, float]) -> None:
    site = Site(list_delay=None)
    with HostileServer(site) as server:
        audio = OpenRouterAudio(KEY, server.base_url, max_retries=0, **bound)  # type: ignore[arg-type]
        started = time.monotonic()
        reply = run_bounded(lambda: audio.say("Hello there."), 10)
        seconds = time.monotonic() - started
    assert reply.complete and bytes(reply.pcm) == PCM
    assert site.asked["/audio/speech"] == 1
    assert seconds < 0.2 * 2.0 + 0.5  # the list's share (0.4 s), then the answer at once


def test_the_list_and_the_request_share_one_deadline() -> None:
    def hangs(conn: socket.socket) -> None:
        read_request(conn)
        wait_closed(conn, 30)  # the list and the request alike: only the call's one deadline ends them

    with HostileServer(hangs) as server:
        audio = OpenRouterAudio(KEY, server.base_url, max_retries=0, deadline=2)
        started = time.monotonic()
        with pytest.raises(RequestTimeoutError, match="deadline of 2 s"):
            run_bounded(lambda: audio.transcribe(make_wav(0.2), model="openai/whisper-1"), 10)
        assert time.monotonic() - started < 2 + 0.5


def test_the_catalogue_is_built_once_when_four_threads_ask_at_once() -> None:
    site = Site(list_delay=0.3)
    with HostileServer(site) as server:
        audio = OpenRouterAudio(KEY, server.base_url, max_retries=0)
        catalogues: list[Catalogue] = []
        threads = [threading.Thread(target=lambda: catalogues.append(audio.catalogue())) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
    assert len(catalogues) == 4 and all(c is catalogues[0] for c in catalogues)
    assert catalogues[0].listed and catalogues[0].get(TTS) is not None
    assert site.asked["/models"] == 1 and site.asked["/audio/speech/models"] == 1


@pytest.mark.parametrize("entry", [{"id": TTS}, {"id": TTS, "architecture": None},
                                   {"id": TTS, "architecture": {"input_modalities": None,
                                                                "output_modalities": None}}],
                         ids=["no architecture", "null architecture", "null modalities"])
def test_an_entry_that_says_nothing_of_its_modalities_refuses_nothing(entry: dict[str, Any]) -> None:
    catalogue = Catalogue([entry, {"id": "acme/other", "architecture": {"output_modalities": ["text"]}}])
    catalogue.require(TTS, SPEECH)
    catalogue.require(TTS, TRANSCRIPTION)
    assert route("openai/whisper-1", Catalogue([{"id": "openai/whisper-1"}]), None) == "transcriptions"
    site = Site(list_delay=0.0, models=[entry])
    with HostileServer(site) as server:
        reply = run_bounded(lambda: OpenRouterAudio(KEY, server.base_url, max_retries=0).say("Hi."), 10)
    assert reply.complete and site.asked["/audio/speech"] == 1
