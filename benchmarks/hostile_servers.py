"""The client against hostile servers on 127.0.0.1: memory on an endless line, time to return after
[DONE] on a connection held open, and the deadline against headers trickled a byte a second.

1. One SSE line of 200 MB with no newline. Each contender runs in a fresh interpreter with the server in
   a thread of its own (it sends one 64 KiB block again and again: it allocates nothing); peak = VmHWM
   above the baseline after imports. Contenders: ``speak()`` (this package: the event is bounded, a
   protocol error ends the reply, what came before is kept) and a plain client that splits lines in a
   buffer with no bound, as a hand-written SSE reader does (it holds the whole line; ``requests``'
   ``iter_lines`` does too, and joins its pieces in quadratic time). Target: ours under 64 MiB.
2. A reply whose server sends ``[DONE]`` and keeps the connection open, against one that closes it:
   time from the server's write of ``[DONE]`` to ``speak()`` returning. Target: under 100 ms.
3. ``deadline=2`` against a server that sends its headers (and, second case, its error body) a byte a
   second: time until the call raises, on each endpoint (chat ``speak()``, speech ``say()``,
   transcription ``transcribe()``: one request path, one deadline). Target: within 2.5 s on each.

    .venv/bin/python benchmarks/hostile_servers.py [--megabytes 200] [--runs 5]
"""

from __future__ import annotations

import argparse
import socket
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _common import MB, emit, format_table, measure, median, run_contender  # the script's own folder

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from _hostile import KEY, SSE_HEAD, HostileServer, chunked, read_request, transcript, trickle, wait_closed

MEMORY_TARGET = 64 * 2**20
DONE_TARGET = 0.100
DEADLINE_TARGET = 2.5
BLOCK = b"A" * 65536
MEMORY_CONTENDERS = ("speak() (this package)", "a line buffer without a bound (plain client)")


def endless_line(megabytes: int) -> Callable[[socket.socket], None]:
    def handler(conn: socket.socket) -> None:
        read_request(conn)
        conn.sendall(SSE_HEAD + b"Connection: close\r\n\r\n" + transcript("kept") + b"data: ")
        for _ in range(megabytes * 2**20 // len(BLOCK)):
            conn.sendall(BLOCK)

    return handler


def memory_child(name: str, megabytes: int) -> None:
    import requests

    from or_audio_widgets.client._client import OpenRouterAudio

    server = HostileServer(endless_line(megabytes))
    client = OpenRouterAudio(KEY, server.base_url, max_retries=0, check_models=False)

    def work() -> Any:
        if name.startswith("speak"):
            reply = client.speak("hi")
            assert reply.transcript == "kept" and reply.error_kind == "protocol", reply.error
            return reply.error_kind
        longest, pending = 0, bytearray()
        url = f"{server.base_url}/chat/completions"
        with requests.post(url, json={}, stream=True, timeout=60) as response:
            for chunk in response.iter_content(chunk_size=65536):
                pending += chunk
                if b"\n" in chunk:
                    *lines, rest = bytes(pending).split(b"\n")
                    longest = max([longest, *map(len, lines)])
                    pending = bytearray(rest)
        return max(longest, len(pending))

    emit(measure(work))
    server.close()


def after_done(keep_open: bool, runs: int) -> list[float]:
    """Seconds from the server's write of [DONE] to speak() returning, per run."""
    from or_audio_widgets.client._client import OpenRouterAudio

    sent: list[float] = []

    def handler(conn: socket.socket) -> None:
        read_request(conn)
        conn.sendall(SSE_HEAD + b"Transfer-Encoding: chunked\r\n\r\n" + chunked(transcript("whole")))
        time.sleep(0.05)
        sent.append(time.perf_counter())
        if keep_open:
            conn.sendall(chunked(b"data: [DONE]\n\n"))
            wait_closed(conn, 30)
        else:
            conn.sendall(chunked(b"data: [DONE]\n\n") + b"0\r\n\r\n")

    seconds = []
    with HostileServer(handler) as server:
        client = OpenRouterAudio(KEY, server.base_url, max_retries=0, check_models=False)
        for _ in range(runs):
            reply = client.speak("hi")
            seconds.append(time.perf_counter() - sent[-1])
            assert reply.complete and reply.transcript == "whole"
    return seconds


def trickled(endpoint: str, error_body: bool) -> float:
    """Seconds until a call with deadline=2 gives up on a server that trickles a byte a second (the model
    list, read before an audio request, is trickled too, and counts against the same deadline)."""
    from _client_helpers import make_wav  # tests/, on the path (above)

    from or_audio_widgets.client._client import OpenRouterAudio
    from or_audio_widgets.errors import RequestTimeoutError

    calls = {"chat": lambda c: c.speak("hi"), "speech": lambda c: c.say("hi"),
             "transcription": lambda c: c.transcribe(make_wav(0.2), model="openai/whisper-1")}

    head = b"HTTP/1.1 400 Bad Request\r\nContent-Length: 100\r\n\r\n" if error_body else b""
    slow = b"x" * 100 if error_body else b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n"

    with HostileServer(trickle(head, slow, pause=1)) as server:
        client = OpenRouterAudio(KEY, server.base_url, max_retries=0, deadline=2)
        start = time.perf_counter()
        try:
            calls[endpoint](client)
        except RequestTimeoutError:
            return time.perf_counter() - start
    raise AssertionError("the call did not time out")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--child", nargs=2, metavar=("NAME", "MEGABYTES"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        memory_child(args.child[0], int(args.child[1]))
        return 0
    peaks = {name: max(run_contender([sys.executable, __file__, "--child", name, str(args.megabytes)])
                       ["peak_bytes"] for _ in range(2)) for name in MEMORY_CONTENDERS}
    held, closed = after_done(True, args.runs), after_done(False, args.runs)
    endpoints = ("chat", "speech", "transcription")
    trickles = {(name, error_body): trickled(name, error_body)
                for name in endpoints for error_body in (False, True)}
    ours = peaks[MEMORY_CONTENDERS[0]]
    rows = [
        [f"{args.megabytes} MB line, no newline: {name}", f"peak {peak / MB:.1f} MB",
         "< 64 MiB" if name == MEMORY_CONTENDERS[0] else "(for comparison)"] for name, peak in peaks.items()
    ]
    rows += [
        ["[DONE], connection held open: return after", f"median {median(held) * 1000:.1f} ms, max "
         f"{max(held) * 1000:.1f} ms", "< 100 ms"],
        ["[DONE], connection closed: return after", f"median {median(closed) * 1000:.1f} ms, max "
         f"{max(closed) * 1000:.1f} ms", "(for comparison)"],
    ]
    rows += [[f"deadline=2, {'error body' if error_body else 'headers'} a byte a second: {name}",
              f"{seconds:.2f} s", "<= 2.5 s"] for (name, error_body), seconds in trickles.items()]
    print(format_table(["case", "measured", "target"], rows))
    met = ours < MEMORY_TARGET and max(held) < DONE_TARGET and max(trickles.values()) <= DEADLINE_TARGET
    print(f"\nall targets {'met' if met else 'NOT met'}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
