"""%%oraudio in a real IPython shell against the emulator over HTTP: prompts, options, outputs."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import pytest
from _client_helpers import make_wav, wav_seconds
from _magics_support import (
    FAKE_KEY,
    Recorded,
    audio_uris,
    decoded_seconds,
    last_body,
    login,
    magics,
    user_text,
)
from IPython.core.error import UsageError


def test_cell_streams_and_leaves_a_playable_escaped_record(ip: Any, rec: Recorded, online: Any,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    ip.run_cell_magic("oraudio", "", "Say <img src=x onerror=alert(1)> & stop")
    reply = ip.user_ns["_oraudio"]
    assert reply.complete and reply.duration > 0.5
    assert "You said: Say <img src=x onerror=alert(1)> & stop" in reply.transcript
    # live: the words went out as plain text, the status line through a display handle
    assert "You said: Say <img" in capsys.readouterr().out
    status = rec.displays()[0]
    assert status["transient"].get("display_id")
    assert "openai/gpt-audio-mini" in status["data"]["text/plain"]
    # saved: static HTML with the transcript escaped and one playable copy (MP3: a second or more)
    saved = rec.final_html()
    assert "<img src=x" not in saved and html.escape("<img src=x onerror=alert(1)>") in saved
    assert "<audio" in saved and "controls" in saved and "autoplay" not in saved and "loop" not in saved
    (mime, data), = audio_uris(saved)
    assert mime == "audio/mpeg" and abs(decoded_seconds(data) - reply.duration) < 0.08
    body = last_body(online)
    assert body["model"] == "openai/gpt-audio-mini" and body["stream"] is True
    assert body["audio"] == {"voice": "alloy", "format": "pcm16"}
    assert FAKE_KEY not in rec.everything()


def test_line_form(ip: Any, rec: Recorded, online: Any) -> None:
    ip.run_line_magic("oraudio", "--voice nova Hello there")
    body = last_body(online)
    assert user_text(body) == "Hello there" and body["audio"]["voice"] == "nova"
    assert "You said: Hello there" in ip.user_ns["_oraudio"].transcript


def test_names_are_filled_from_the_namespace(ip: Any, rec: Recorded, online: Any) -> None:
    ip.user_ns["city"] = "Lyon"
    ip.user_ns["n"] = 3
    ip.run_cell_magic("oraudio", "", "Weather in {city}, {n:02d} days, json {{\"a\": 1}}")
    assert user_text(last_body(online)) == 'Weather in Lyon, 03 days, json {"a": 1}'


def test_a_missing_name_is_a_usage_error_naming_it(ip: Any, rec: Recorded, online: Any) -> None:
    with pytest.raises(UsageError, match="nowhere_defined"):
        ip.run_cell_magic("oraudio", "", "Hello {nowhere_defined}")
    with pytest.raises(UsageError, match="literal braces"):
        ip.run_cell_magic("oraudio", "", "a lone { brace")
    assert not online.requests


def test_key_option_is_refused_with_the_reason(ip: Any, rec: Recorded, online: Any) -> None:
    for line in ("--key sk-or-secret", "--api-key=sk-or-secret", "--voice nova --key x"):
        with pytest.raises(UsageError, match="saved in the notebook") as info:
            ip.run_cell_magic("oraudio", line, "hi")
        assert "sk-or-secret" not in str(info.value)
    assert not online.requests


@pytest.mark.parametrize("line", ["--format aiff", "--embed sometimes", "--temperature hot", "--bogus",
                                  "--max-tokens 0", "--timeout -1", "--out 1bad", "words in the line",
                                  "--text --save a.wav", "--text --voice nova"])
def test_bad_options_are_usage_errors(ip: Any, rec: Recorded, online: Any, line: str) -> None:
    with pytest.raises(UsageError):
        ip.run_cell_magic("oraudio", line, "hi")
    assert not online.requests


def test_nothing_to_send_is_a_usage_error(ip: Any, rec: Recorded, online: Any) -> None:
    with pytest.raises(UsageError, match="Nothing to send"):
        ip.run_cell_magic("oraudio", "", "   \n")


def test_model_system_temperature_max_tokens(ip: Any, rec: Recorded, online: Any) -> None:
    ip.user_ns["tone"] = "cheerful"
    ip.run_cell_magic("oraudio", "-m openai/gpt-audio-mini --system 'Be {tone}.' "
                      "--temperature 0.3 --max-tokens 50", "Hi")
    body = last_body(online)
    assert body["model"] == "openai/gpt-audio-mini"
    assert body["messages"][0] == {"role": "system", "content": "Be cheerful."}
    assert body["temperature"] == 0.3 and body["max_tokens"] == 50


def test_format_mp3_gives_an_mp3_player(ip: Any, rec: Recorded, online: Any) -> None:
    ip.run_cell_magic("oraudio", "--format mp3", "Hi")
    reply = ip.user_ns["_oraudio"]
    assert reply.format == "mp3" and reply.audio[:3] in (b"ID3", b"\xff\xf3", b"\xff\xfb", b"\xff\xf2")
    (mime, data), = audio_uris(rec.final_html())
    assert mime == "audio/mpeg" and data == reply.audio


def test_format_pcm16_is_played_as_wav(ip: Any, rec: Recorded, online: Any) -> None:
    ip.run_cell_magic("oraudio", "--format pcm16 --embed inline", "Hi")
    (mime, data), = audio_uris(rec.final_html())
    assert mime == "audio/wav" and data[44:] == bytes(ip.user_ns["_oraudio"].pcm)


def test_text_reply_uses_the_listening_model(ip: Any, rec: Recorded, online: Any,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    ip.run_cell_magic("oraudio", "--text", "Say <b>bold</b>")
    body = last_body(online)
    assert body["model"] == "google/gemini-2.5-flash" and "audio" not in body
    reply = ip.user_ns["_oraudio"]
    assert "<b>bold</b>" in reply.text and "<b>bold</b>" in capsys.readouterr().out
    saved = rec.final_html()
    assert "&lt;b&gt;bold&lt;/b&gt;" in saved and "<audio" not in saved


def test_inputs_paths_variables_and_several(ip: Any, rec: Recorded, online: Any, tmp_path: Path) -> None:
    (tmp_path / "one.wav").write_bytes(make_wav(1.0))
    ip.user_ns["clip"] = make_wav(0.5)
    ip.run_cell_magic("oraudio", "--text -i one.wav clip", "What do you hear?")
    text = ip.user_ns["_oraudio"].text
    assert "received 2 audio parts" in text
    assert "audio 1: format=wav duration=1.000s" in text and "audio 2: format=wav duration=0.500s" in text
    ip.run_line_magic("oraudio", "--text -i one.wav -i clip Compare them")
    assert user_text(last_body(online)) == "Compare them"


def test_audio_in_without_text_speaks_with_the_speech_model(ip: Any, rec: Recorded, online: Any,
                                                            tmp_path: Path) -> None:
    (tmp_path / "q.wav").write_bytes(make_wav(0.5))
    ip.run_line_magic("oraudio", "-i q.wav")
    body = last_body(online)
    assert body["model"] == "openai/gpt-audio-mini" and body["audio"]["format"] == "pcm16"
    assert [p["type"] for p in body["messages"][-1]["content"]] == ["text", "input_audio"]


def test_a_bad_input_fails_before_any_request(ip: Any, rec: Recorded, online: Any) -> None:
    result = ip.run_cell("%%oraudio --text -i missing.wav\nhi")
    assert "missing.wav" in str(result.error_in_exec)
    assert not [r for r in online.requests if r.method == "POST"]


def test_out_and_last_reply(ip: Any, rec: Recorded, online: Any) -> None:
    ip.run_cell_magic("oraudio", "--out answer", "first")
    ip.run_cell_magic("oraudio", "", "second")
    assert "first" in ip.user_ns["answer"].transcript and "second" in ip.user_ns["_oraudio"].transcript


def test_save_writes_the_requested_format(ip: Any, rec: Recorded, online: Any, tmp_path: Path) -> None:
    ip.run_cell_magic("oraudio", "--save out/reply.wav", "Hi")
    saved = wav_seconds((tmp_path / "out" / "reply.wav").read_bytes())
    assert saved == pytest.approx(ip.user_ns["_oraudio"].duration, abs=0.01)


def test_autoplay_only_when_asked(ip: Any, rec: Recorded, online: Any) -> None:
    ip.run_cell_magic("oraudio", "--autoplay", "Hi")
    assert "autoplay" in rec.final_html() and "loop" not in rec.final_html()


def test_timeout_reaches_the_client(ip: Any, rec: Recorded, online: Any) -> None:
    ip.run_cell_magic("oraudio", "--timeout 7.5", "Hi")
    clients = list(magics(ip)._session._clients.values())
    assert [c.timeout for c in clients] == [7.5]


def test_config_defaults_apply(ip: Any, rec: Recorded, online: Any) -> None:
    ip.run_line_magic("config", "OrAudioMagics.voice = 'shimmer'")
    ip.run_line_magic("oraudio_config", "--model openai/gpt-audio-mini --format flac")
    ip.run_cell_magic("oraudio", "", "Hi")
    body = last_body(online)
    assert body["audio"]["voice"] == "shimmer" and body["model"] == "openai/gpt-audio-mini"
    assert ip.user_ns["_oraudio"].format == "flac"


def test_save_with_an_unknown_suffix_fails_before_the_request(ip: Any, rec: Recorded, online: Any) -> None:
    with pytest.raises(UsageError, match=r"reply\.xyz"):
        ip.run_cell_magic("oraudio", "--save reply.xyz", "Hi")
    assert not online.requests


def test_embed_none_and_a_small_limit(ip: Any, rec: Recorded, online: Any) -> None:
    ip.run_cell_magic("oraudio", "--embed none", "Hi")
    assert "<audio" not in rec.final_html() and not audio_uris(rec.final_html())
    ip.run_line_magic("oraudio_config", "--embed-limit 0.05")
    ip.run_cell_magic("oraudio", "", "Hi again")
    (mime, data), = audio_uris(rec.final_html())
    assert mime == "audio/mpeg" and len(data) < len(ip.user_ns["_oraudio"].audio) / 4


def test_input_from_a_url(ip: Any, rec: Recorded, online: Any, tmp_path: Path) -> None:
    import functools
    import threading
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    (tmp_path / "web.wav").write_bytes(make_wav(0.75))
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(tmp_path))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/web.wav"
        ip.run_line_magic("oraudio", f"--text -i {url} What is this?")
    finally:
        server.shutdown()
        server.server_close()
    assert "audio 1: format=wav duration=0.750s" in ip.user_ns["_oraudio"].text


def test_the_key_stays_out_of_a_verbose_traceback(ip: Any, rec: Recorded, emulator: Any,
                                                  monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    from or_audio_widgets.jupyter.magics import _display

    login(ip, emulator, monkeypatch)

    def broken_feed(self: Any, event: Any) -> None:
        raise RuntimeError("a bug in the display")

    monkeypatch.setattr(_display.LiveDisplay, "feed", broken_feed)
    ip.run_line_magic("xmode", "Verbose")
    try:
        result = ip.run_cell("%%oraudio\nHi")
    finally:
        ip.run_line_magic("xmode", "Context")
    out = capsys.readouterr()
    assert isinstance(result.error_in_exec, RuntimeError) and "a bug in the display" in out.out + out.err
    assert FAKE_KEY not in out.out + out.err + rec.everything()


def test_inputs_numpy_arrays_and_earlier_replies(ip: Any, rec: Recorded, online: Any) -> None:
    import numpy as np

    t = np.arange(8000) / 16000
    ip.user_ns["tone"] = (0.3 * np.sin(2 * np.pi * 440 * t), 16000)
    ip.run_cell_magic("oraudio", "--out answer", "Say something")
    ip.run_cell_magic("oraudio", "--text -i tone answer", "What are these?")
    text = ip.user_ns["_oraudio"].text
    assert "audio 1: format=wav duration=0.500s rate=16000" in text
    assert f"audio 2: format=wav duration={ip.user_ns['answer'].duration:.3f}s rate=24000" in text
