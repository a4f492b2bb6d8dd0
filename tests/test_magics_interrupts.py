"""%%oraudio and Ctrl-C after the reply arrived; option values that are not finite; odd model lists."""

from __future__ import annotations

import socket
from typing import Any

import pytest
from _hostile import KEY, SSE_HEAD, HostileServer, assert_no_secret, event, read_request
from _magics_support import (
    Recorded,
    magics,
)
from IPython.core.error import UsageError

from or_audio_widgets.client._client import OpenRouterAudio
from or_audio_widgets.jupyter.magics import _run


def test_a_reply_received_whole_is_kept_when_ctrl_c_hits_the_saving(
    ip: Any, rec: Recorded, online: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted_finish(*args: Any, **kwargs: Any) -> None:
        raise KeyboardInterrupt  # Ctrl-C while the cell compresses or saves the reply

    monkeypatch.setattr(_run, "finish", interrupted_finish)
    ip.user_ns.pop("_oraudio", None)
    result = ip.run_cell("%%oraudio --out mine\nSay something short")
    assert isinstance(result.error_in_exec, KeyboardInterrupt)
    reply = ip.user_ns["_oraudio"]
    assert reply.complete and reply.transcript and len(reply.pcm)
    assert ip.user_ns["mine"] is reply


@pytest.mark.parametrize("option", ["--timeout nan", "--timeout inf", "--temperature nan", "--max-tokens 0"])
def test_option_values_that_are_not_finite_are_usage_errors(ip: Any, rec: Recorded, online: Any,
                                                            option: str) -> None:
    with pytest.raises(UsageError, match="must be"):
        ip.run_cell_magic("oraudio", option, "hello")


def test_a_timeout_configured_as_nan_is_a_short_cell_error(ip: Any, rec: Recorded, online: Any) -> None:
    magics(ip).timeout = float("nan")
    result = ip.run_cell("%%oraudio\nhello")
    error = result.error_in_exec
    assert error is not None and "OptionError" in error._render_traceback_()[0]


def test_embed_limit_nan_is_a_usage_error(ip: Any, rec: Recorded) -> None:
    with pytest.raises(UsageError, match="embed-limit"):
        ip.run_line_magic("oraudio_config", "--embed-limit nan")


def test_a_model_list_of_odd_shapes_is_cleaned_where_it_enters() -> None:
    body = (b'{"data": [7, "x", {"name": "no id"}, {"id": "a/listens", "architecture": [1]}, '
            b'{"id": "b/speaks", "architecture": {"input_modalities": "audio", '
            b'"output_modalities": ["audio", {}]}, "pricing": "free", "name": 5}]}')

    def handler(conn: socket.socket) -> None:
        read_request(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"
                     b"Content-Length: %d\r\n\r\n" % len(body) + body)

    from or_audio_widgets.jupyter.chat._conversation import model_choices as chat_models
    from or_audio_widgets.jupyter.magics._models_table import kind_rows

    with HostileServer(handler) as server:
        client = OpenRouterAudio(KEY, server.base_url, max_retries=0)
        models = client.models()
        assert [m["id"] for m in models] == ["a/listens", "b/speaks"]
        assert models[1]["architecture"] == {"input_modalities": ["audio"], "output_modalities": ["audio"]}
        catalogue = client.catalogue()
        assert [row[0] for row in kind_rows(catalogue, ("chat audio out",))] == ["b/speaks"]
        assert chat_models(client) == ([("b/speaks", True)], True)


def echoing(conn: socket.socket) -> None:
    """A server that echoes the key it received in the transcript, the model and a mid-stream error."""
    head, _ = read_request(conn)
    auth = next(line for line in head.split(b"\r\n") if line.lower().startswith(b"authorization"))
    key = auth.split(b" ", 2)[2].decode()
    delta = {"audio": {"transcript": f"I saw {key}"}}
    first = event({"id": "gen-1", "model": f"m-{key}", "choices": [{"delta": delta}]})
    error = {"message": f"provider saw {key}", "code": key}
    body = first + event({"error": error}) + b"data: [DONE]\n\n"
    conn.sendall(SSE_HEAD + b"Connection: close\r\n\r\n" + body)


@pytest.mark.parametrize("text", [False, True], ids=["spoken", "text"])
def test_an_echoed_key_stays_out_of_the_cell_outputs_and_the_stored_reply(
    ip: Any, rec: Recorded, monkeypatch: pytest.MonkeyPatch, text: bool
) -> None:
    with HostileServer(echoing) as server:
        monkeypatch.setenv("OPENROUTER_BASE_URL", server.base_url)
        monkeypatch.setenv("OPENROUTER_API_KEY", KEY)
        ip.run_cell("%%oraudio" + (" --text" if text else "") + " --out mine\nhello")
    reply = ip.user_ns["mine"]
    assert reply.transcript == "I saw ***"  # kept, with the key masked
    assert "provider saw" in reply.error
    assert_no_secret(KEY, reply, reply.error, reply.model, rec.everything(), ip.user_ns["_oraudio"])
