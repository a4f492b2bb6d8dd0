"""transcribe_many's results file survives crashes and odd text, and Ctrl-C closes what is in flight."""

from __future__ import annotations

import itertools
import json
import socket
import threading
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from _client_helpers import ctrl_c_after, hear_ctrl_c, make_wav
from _hostile import KEY, SSE_HEAD, HostileServer, read_request, transcript, wait_closed

from or_audio_widgets.client._batch import transcribe_many
from or_audio_widgets.client._client import OpenRouterAudio
from or_audio_widgets.client._journal import load_done


class Echo:
    """A client whose transcript is the source itself (any text, lone surrogates included)."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def transcribe(self, source: Any, **params: Any) -> Any:
        self.calls.append(source)
        return SimpleNamespace(text=source.upper(), complete=True, error=None)


@pytest.mark.parametrize("torn", [b'{"key": "b", "status": "o', '{"key": "b", "text": "\u00e9'.encode()[:-1]],
                         ids=["mid-record", "mid-utf8-character"])
def test_a_torn_last_line_is_set_aside_and_the_next_record_has_a_line_of_its_own(
    tmp_path: Path, torn: bytes
) -> None:
    out = tmp_path / "r.jsonl"
    out.write_bytes(json.dumps({"key": "a", "status": "ok", "text": "A"}).encode() + b"\n" + torn)
    client = Echo()
    results = transcribe_many(["a", "b"], client=client, results=out, progress=False)
    assert client.calls == ["b"]  # "a" was done; the torn "b" is done again
    assert [r["text"] for r in results] == ["A", "B"]
    lines = out.read_bytes().split(b"\n")
    assert lines[1] == torn  # set aside as it was, on its own line
    assert json.loads(lines[2])["key"] == "b"
    assert set(load_done(out)) == {"a", "b"}


def test_text_the_file_cannot_encode_is_written_escaped(tmp_path: Path) -> None:
    out = tmp_path / "r.jsonl"
    results = transcribe_many(["lone \udc80 half", "fine \u00e9"], client=Echo(), results=out, progress=False)
    assert [r["status"] for r in results] == ["ok", "ok"]
    assert {r["text"] for r in load_done(out).values()} == {"LONE \udc80 HALF", "FINE \u00c9"}
    out.read_bytes().decode("utf-8")  # the file itself stays valid UTF-8


def test_signed_urls_are_kept_without_credentials_or_signature(tmp_path: Path) -> None:
    out = tmp_path / "r.jsonl"
    url = "https://user:pw-secret@example.invalid/clip.wav?X-Amz-Signature=sig-secret#frag"

    class Fails:
        def transcribe(self, source: Any, **params: Any) -> Any:
            raise RuntimeError(f"could not fetch {source}")

    results = transcribe_many([url], client=Fails(), results=out, progress=False)
    assert results[0]["key"] == "https://example.invalid/clip.wav"
    text = out.read_text()
    for secret in ("pw-secret", "sig-secret", "frag"):
        assert secret not in text


def ctrl_c_on_the_third(
    whole: bytes, begun: bytes
) -> tuple[Callable[[socket.socket], None], threading.Semaphore]:
    """A server's handler: the first request gets ``whole``; the others get ``begun`` and then nothing until
    their connection is closed (released on the semaphore); the third to arrive presses Ctrl-C, once."""
    arrivals = itertools.count(1)  # next() is atomic: exactly one handler is the first, one the third
    closed = threading.Semaphore(0)

    def handler(conn: socket.socket) -> None:
        read_request(conn)
        arrival = next(arrivals)
        if arrival == 1:
            conn.sendall(whole)
            return
        if begun:
            conn.sendall(begun)
        if arrival == 3:
            ctrl_c_after(0.3)  # Ctrl-C meanwhile, once
        wait_closed(conn, 20)
        closed.release()

    return handler, closed


def test_ctrl_c_closes_the_connections_in_flight_and_records_what_finished(tmp_path: Path) -> None:
    hear_ctrl_c()  # as in a terminal, however this run was started
    head = SSE_HEAD + b"Connection: close\r\n\r\n"  # the first answer is whole; the others stream forever
    handler, closed = ctrl_c_on_the_third(head + transcript("done") + b"data: [DONE]\n\n",
                                          head + transcript("partial"))
    out = tmp_path / "r.jsonl"
    sources = {name: make_wav(0.2 + i / 10) for i, name in enumerate("abc")}
    with HostileServer(handler) as server:
        client = OpenRouterAudio(KEY, server.base_url, max_retries=0, check_models=False)
        with pytest.raises(KeyboardInterrupt, match=r"1 results done.*2 in flight cancelled"):
            transcribe_many(sources, model="m", client=client, concurrency=3, results=out, progress=False)
        assert closed.acquire(timeout=5) and closed.acquire(timeout=5)  # both streams were closed
    assert [r["status"] for r in load_done(out).values()] == ["ok"]


@pytest.mark.parametrize("hang", ["headers", "body"])
def test_ctrl_c_on_the_transcription_endpoint_is_the_interrupt_and_records_what_finished(
        tmp_path: Path, hang: str) -> None:
    hear_ctrl_c()
    answer = b'{"text": "done", "usage": {"seconds": 0.2, "cost": 0.001}}'
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"
    head += b"Content-Length: %d\r\n\r\n" % len(answer)
    # hanging in the body: headers, then half of the JSON, then nothing
    handler, closed = ctrl_c_on_the_third(head + answer, head + answer[:20] if hang == "body" else b"")
    out = tmp_path / "r.jsonl"
    sources = {name: make_wav(0.2 + i / 10) for i, name in enumerate("abc")}
    with HostileServer(handler) as server:
        client = OpenRouterAudio(KEY, server.base_url, max_retries=0, check_models=False)
        with pytest.raises(KeyboardInterrupt, match=r"1 results done.*2 in flight cancelled") as caught:
            transcribe_many(sources, model="openai/whisper-1", client=client, concurrency=3, results=out,
                            progress=False)
        assert closed.acquire(timeout=5) and closed.acquire(timeout=5)  # both connections were closed
    assert type(caught.value) is KeyboardInterrupt and caught.value.__cause__ is None
    done = load_done(out)  # the one that finished meanwhile: a rerun does not pay for it again
    assert [r["text"] for r in done.values()] == ["done"]
    records = [json.loads(line) for line in out.read_text().splitlines()]
    others = [r for r in records if r["key"] not in done]
    assert sorted(r["key"] for r in records) == ["a", "b", "c"]
    assert all(r["status"] == "cancelled" and r["error_type"] == "CallCancelledError" for r in others)
    assert all("check the network" not in r["error"] for r in others)  # not told as a network failure
