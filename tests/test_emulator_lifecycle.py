"""The emulator's lifecycle: recording requests, stopping cleanly, pacing, first byte, the CLI."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import threading

import pytest
from test_emulator import call, chat, speech_request

from or_audio_widgets import EmulatorHandle, start_emulator


def test_requests_are_recorded_without_the_key() -> None:
    with start_emulator() as handle:
        chat(handle, speech_request("recorded"), key="sk-or-secret-value", X_Title="tests")
        (recorded,) = handle.requests
        assert recorded.method == "POST" and recorded.path == "/api/v1/chat/completions"
        assert recorded.json["messages"][0]["content"] == "recorded"
        assert recorded.headers["X-Title"] == "tests"
        assert not any(name.lower() == "authorization" for name in recorded.headers)
        assert "sk-or-secret-value" not in repr(handle.requests)
        handle.clear_requests()
        assert handle.requests == []


# --- lifecycle ----------------------------------------------------------------------------------------


def _socket_fds() -> set[str]:
    fds = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            if os.readlink(f"/proc/self/fd/{fd}").startswith("socket:"):
                fds.add(os.readlink(f"/proc/self/fd/{fd}"))
        except OSError:
            pass
    return fds


def test_stop_leaves_no_thread_or_socket_behind() -> None:
    threads, sockets = set(threading.enumerate()), _socket_fds()
    handle = start_emulator()
    assert handle.base_url == f"http://127.0.0.1:{handle.port}/api/v1"
    # an idle keep-alive connection, a paced stream in progress, and a finished request
    idle = http.client.HTTPConnection("127.0.0.1", handle.port)
    idle.request("GET", "/api/v1/models")
    idle.getresponse().read()
    busy = http.client.HTTPConnection("127.0.0.1", handle.port)
    busy.request(
        "POST",
        "/api/v1/chat/completions",
        json.dumps(speech_request()),
        {"Authorization": "Bearer k", "X-Emulator-Realtime": "0.01"},
    )
    busy.getresponse().read(10)
    chat(handle, speech_request())
    handle.stop()
    handle.stop()  # idempotent
    idle.close()
    busy.close()
    assert not handle.running
    assert set(threading.enumerate()) == threads
    assert _socket_fds() == sockets


def test_context_manager_stops_and_refuses_other_hosts() -> None:
    with start_emulator() as handle:
        assert call(handle, "GET", "/api/v1/models").status == 200
    assert not handle.running
    with pytest.raises(ValueError, match="loopback"):
        start_emulator(host="0.0.0.0")
    with pytest.raises(ValueError, match="realtime"):
        start_emulator(realtime=-1)


def test_first_byte_arrives_before_the_paced_reply_is_done() -> None:
    # At real-time pacing the headers and a keep-alive comment come at once, the audio later.
    with start_emulator(realtime=1.0) as handle:
        conn = http.client.HTTPConnection("127.0.0.1", handle.port, timeout=30)
        conn.request(
            "POST", "/api/v1/chat/completions", json.dumps(speech_request()), {"Authorization": "Bearer k"}
        )
        resp = conn.getresponse()
        assert resp.status == 200
        first = resp.read1(65536)
        assert first.startswith(b": OPENROUTER PROCESSING")
        assert b"[DONE]" not in first
        conn.close()


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
def test_cli_serves_until_interrupted(stop: signal.Signals) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "or_audio_widgets", "emulator", "--port", "0", "--quiet"],
        stdout=subprocess.PIPE,
        text=True,
        preexec_fn=_hear_ctrl_c_in_child,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert "Offline emulator of OpenRouter's API at http://127.0.0.1:" in line
        port = int(line.rsplit(":", 1)[1].split("/")[0])
        assert "as fast as possible" in proc.stdout.readline()  # the default pacing, as start_emulator's
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", "/api/v1/models")
        assert conn.getresponse().status == 200
        conn.close()
        proc.send_signal(stop)
        assert proc.wait(timeout=20) == 0  # a clean stop, not death by the signal
    finally:
        proc.kill()
        proc.wait()


def _hear_ctrl_c_in_child() -> None:
    """In the child before exec: SIGINT unblocked and at its default, as in a terminal, whatever this test
    process inherited (a run started in the background ignores SIGINT, and its children would too)."""
    signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGINT])
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _wait_for_no_connections(handle: EmulatorHandle) -> int:
    # this handle's own count: other emulators in the session may hold idle keep-alive connections
    for _ in range(200):
        if handle.open_connections == 0:
            break
        threading.Event().wait(0.05)
    return handle.open_connections


def test_realtime_header_paces_one_request_and_a_client_leaving_ends_it() -> None:
    with start_emulator() as handle:  # full speed by default
        conn = http.client.HTTPConnection("127.0.0.1", handle.port, timeout=30)
        headers = {"Authorization": "Bearer k", "X-Emulator-Realtime": "1", "X-Emulator-Seconds": "60"}
        conn.request("POST", "/api/v1/chat/completions", json.dumps(speech_request()), headers)
        resp = conn.getresponse()
        received = b""
        while b'"data":"' not in received:
            received += resp.read1(65536)
        assert b"[DONE]" not in received  # a minute of audio at the speed of speech: far from the end
        assert handle.open_connections == 1
        conn.close()
        # the server notices the client has gone at its next write and frees the connection's thread
        assert _wait_for_no_connections(handle) == 0
        assert chat(handle, speech_request()).status == 200


def test_a_client_resetting_its_connection_prints_nothing(capfd: pytest.CaptureFixture[str]) -> None:
    with start_emulator() as handle:
        sock = socket.create_connection(("127.0.0.1", handle.port))
        sock.sendall(b"GET /api/v1/models HTTP/1.1\r\nHost: x\r\n\r\n")
        sock.recv(65536)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.close()  # RST while the server waits for the next request on this connection
        assert _wait_for_no_connections(handle) == 0
    assert "Traceback" not in capfd.readouterr().err


def test_recorded_requests_are_bounded() -> None:
    with start_emulator(max_requests=3) as handle:
        for index in range(5):
            chat(handle, {"model": "openai/gpt-4o", "messages": [{"role": "user", "content": str(index)}]})
        assert [r.json["messages"][0]["content"] for r in handle.requests] == ["2", "3", "4"]
