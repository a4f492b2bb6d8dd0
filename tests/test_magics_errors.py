"""%%oraudio when things go wrong, offline mode, the key, %oraudio_config/_login/_models."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from _client_helpers import ctrl_c_after, hear_ctrl_c
from _magics_support import FAKE_KEY, Recorded, audio_uris, decoded_seconds, login, magics
from IPython.core.error import UsageError

from or_audio_widgets.errors import OpenRouterAudioError
from or_audio_widgets.jupyter._offline import current_emulator
from or_audio_widgets.jupyter.magics import _display


def _cell_error(ip: Any, cell: str) -> Any:
    result = ip.run_cell(cell)
    error = result.error_in_exec
    assert error is not None and hasattr(error, "_render_traceback_")
    return error


def test_no_key_says_how_to_set_one_or_go_offline(ip: Any, rec: Recorded) -> None:
    error = _cell_error(ip, "%%oraudio\nHi")
    text = "\n".join(error._render_traceback_())
    assert "OPENROUTER_API_KEY" in text and "%oraudio_login" in text and "OR_AUDIO_OFFLINE=1" in text
    assert len(error._render_traceback_()) <= 2


def test_offline_from_the_environment(ip: Any, rec: Recorded, monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("OR_AUDIO_OFFLINE", "1")
    ip.run_cell_magic("oraudio", "", "Hello offline")
    assert "Offline emulator speaking" in ip.user_ns["_oraudio"].transcript
    assert all("offline emulator" in m["data"]["text/plain"] for m in rec.displays())
    assert "offline emulator" in rec.final_html()


def test_offline_emulator_pacing_follows_the_environment(ip: Any, rec: Recorded,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OR_AUDIO_OFFLINE", "1")
    monkeypatch.setenv("OR_AUDIO_EMULATOR_REALTIME", "4")
    ip.run_cell_magic("oraudio", "", "Hi")
    assert current_emulator().realtime == 4.0


def test_offline_from_config_wins_over_a_key(ip: Any, rec: Recorded, online: Any) -> None:
    ip.run_line_magic("oraudio_config", "--offline")
    ip.run_cell_magic("oraudio", "", "Hi")
    assert not online.requests  # the session emulator (the "online" one) saw nothing
    assert "offline emulator" in rec.final_html()
    ip.run_line_magic("oraudio_config", "--online")
    ip.run_cell_magic("oraudio", "", "Hi")
    assert online.requests


def test_api_error_shows_openrouters_message_and_what_to_do(ip: Any, rec: Recorded, online: Any) -> None:
    magics(ip).headers = {"X-Emulator-Fault": "402"}
    error = _cell_error(ip, "%%oraudio\nHi")
    lines = error._render_traceback_()
    assert "HTTP 402" in lines[0] and "credits" in lines[0].lower() and len(lines) == 1
    assert not [m for m in rec.final() if "<audio" in m["data"].get("text/html", "")]


def test_midstream_error_keeps_the_partial_reply(ip: Any, rec: Recorded, online: Any) -> None:
    magics(ip).headers = {"X-Emulator-Fault": "midstream-error"}
    ip.run_cell_magic("oraudio", "", "Tell me a long story about a lighthouse keeper")
    reply = ip.user_ns["_oraudio"]
    assert not reply.complete and reply.error
    saved = rec.final_html()
    assert "incomplete" in saved.lower()
    for _mime, data in audio_uris(saved):
        assert decoded_seconds(data) == pytest.approx(reply.duration, abs=0.08)  # WAV, or MP3 from 1 s


def test_dropped_connection_keeps_the_partial_reply(ip: Any, rec: Recorded, online: Any) -> None:
    magics(ip).headers = {"X-Emulator-Fault": "drop"}
    ip.run_cell_magic("oraudio", "", "Tell me a long story about a lighthouse keeper")
    assert not ip.user_ns["_oraudio"].complete
    assert "incomplete" in rec.final_html().lower()


def test_interrupt_keeps_a_playable_partial_record(ip: Any, rec: Recorded, online: Any,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    feed = _display.LiveDisplay.feed
    seen = {"audio": 0}

    def interrupting_feed(self: Any, event: Any) -> None:
        feed(self, event)
        if type(event).__name__ == "AudioDelta":
            seen["audio"] += 1
            if seen["audio"] == 3:
                raise KeyboardInterrupt

    monkeypatch.setattr(_display.LiveDisplay, "feed", interrupting_feed)
    magics(ip).headers = {"X-Emulator-Seconds": "8"}
    error = _cell_error(ip, "%%oraudio\nCount slowly to twenty")
    assert "Cancelled" in error._render_traceback_()[0]
    assert isinstance(error, OpenRouterAudioError)  # catchable with the package's base class
    reply = ip.user_ns["_oraudio"]
    assert not reply.complete and "cancel" in str(reply.error).lower()
    assert 0 < reply.duration < 8
    saved = rec.final_html()
    assert "incomplete" in saved.lower()
    assert reply.transcript and html.escape(reply.transcript) in saved  # the partial words are kept
    (_mime, data), = audio_uris(saved)
    assert decoded_seconds(data) == pytest.approx(reply.duration, abs=0.08)  # WAV, or MP3 from 1 s


def test_login_keeps_the_key_in_memory_only(ip: Any, rec: Recorded, emulator: Any,
                                            monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    login(ip, emulator, monkeypatch)
    ip.run_cell_magic("oraudio", "", "Hi")
    ip.run_line_magic("oraudio_config", "")
    out = capsys.readouterr()
    assert ip.user_ns["_oraudio"].complete
    assert "%oraudio_login" in rec.everything()  # the config table names where the key comes from
    assert FAKE_KEY not in out.out + out.err + rec.everything()
    assert not [k for k, v in ip.user_ns.items() if isinstance(v, str) and FAKE_KEY in v]
    assert FAKE_KEY not in repr(magics(ip)._session)
    ip.run_line_magic("oraudio_login", "--forget")
    assert _cell_error(ip, "%%oraudio\nHi")


def test_login_refuses_an_argument_without_echoing_it(ip: Any, rec: Recorded) -> None:
    with pytest.raises(UsageError) as info:
        ip.run_line_magic("oraudio_login", FAKE_KEY)
    assert FAKE_KEY not in str(info.value)


def test_config_shows_and_validates(ip: Any, rec: Recorded) -> None:
    ip.run_line_magic("oraudio_config", "--voice nova --embed file --embed-limit 0.5 --base-url http://127.0.0.1:1/v1")
    m = magics(ip)
    assert (m.voice, m.embed, m.embed_limit, m.base_url) == ("nova", "file", 500_000, "http://127.0.0.1:1/v1")
    shown = rec.displays()[-1]["data"]
    assert "nova" in shown["text/html"] and "0.5 MB" in shown["text/plain"]
    with pytest.raises(UsageError):
        ip.run_line_magic("oraudio_config", "--format aiff")
    with pytest.raises(UsageError):
        ip.run_line_magic("oraudio_config", "--offline --online")
    with pytest.raises(UsageError, match="saved in the notebook"):
        ip.run_line_magic("oraudio_config", "--key abc")


def test_config_is_a_traitlets_configurable(ip: Any) -> None:
    ip.run_line_magic("config", "OrAudioMagics.embed = 'none'")
    assert magics(ip).embed == "none"
    with pytest.raises(Exception, match="embed"):
        magics(ip).embed = "sometimes"


def test_models_table(ip: Any, rec: Recorded, online: Any) -> None:
    ip.run_line_magic("oraudio_models", "--output")
    out = rec.displays()[-1]["data"]
    assert "openai/gpt-audio-mini" in out["text/html"] and "<table" in out["text/html"]
    assert "openai/gpt-4o-audio-preview" not in out["text/html"]  # audio in only on OpenRouter today
    ip.run_line_magic("oraudio_models", "--input")
    assert "google/gemini-2.5-flash" in rec.displays()[-1]["data"]["text/plain"]
    ip.run_line_magic("oraudio_models", "")
    rows = {line.split()[0]: line for line in rec.displays()[-1]["data"]["text/plain"].splitlines()[2:]}
    assert "chat (audio in)" in rows["google/gemini-2.5-flash"]
    assert "chat (audio in and out)" in rows["openai/gpt-audio-mini"]
    assert "speech" in rows["openai/gpt-4o-mini-tts-2025-12-15"] and "alloy" in rows[
        "openai/gpt-4o-mini-tts-2025-12-15"]
    assert "transcription" in rows["openai/whisper-1"]
    assert re.search(r"\$0.0060 +minute", rows["openai/whisper-1"])


def test_models_table_offline_says_so(ip: Any, rec: Recorded, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OR_AUDIO_OFFLINE", "1")
    ip.run_line_magic("oraudio_models", "")
    assert "offline emulator" in rec.displays()[-1]["data"]["text/html"]


def test_unloading_stops_the_offline_emulator(ip: Any, rec: Recorded,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OR_AUDIO_OFFLINE", "1")
    ip.run_cell_magic("oraudio", "", "Hi")
    handle = current_emulator()
    assert handle is not None and handle.running
    ip.run_line_magic("unload_ext", "or_audio_widgets")
    assert not handle.running
    ip.run_line_magic("load_ext", "or_audio_widgets")
    ip.run_cell_magic("oraudio", "", "Hi again")  # a new emulator starts on demand
    assert "Hi again" in ip.user_ns["_oraudio"].transcript
    magics(ip).close()


def test_the_magics_and_audiochat_share_one_offline_emulator(ip: Any, rec: Recorded,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    from or_audio_widgets.jupyter.chat._conversation import offline_client

    def servers() -> set[threading.Thread]:
        return {t for t in threading.enumerate() if t.name == "or-audio-emulator" and t.is_alive()}

    monkeypatch.setenv("OR_AUDIO_OFFLINE", "1")
    before = servers()  # the test suite's own emulators
    ip.run_cell_magic("oraudio", "", "Hi")
    chat_client = offline_client()
    assert chat_client.base_url == current_emulator().base_url
    assert len(servers() - before) == 1
    ip.run_line_magic("unload_ext", "or_audio_widgets")  # stops the one both were using
    assert current_emulator() is None and servers() == before
    chat_client.close()
    ip.run_line_magic("load_ext", "or_audio_widgets")


def test_forgetting_or_replacing_the_key_closes_the_clients(ip: Any, rec: Recorded, online: Any,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from or_audio_widgets import OpenRouterAudio

    closed: list[object] = []
    real_close = OpenRouterAudio.close
    monkeypatch.setattr(OpenRouterAudio, "close", lambda self: (closed.append(self), real_close(self))[1])
    ip.run_cell_magic("oraudio", "", "Hi")
    first = list(magics(ip)._session._clients.values())
    monkeypatch.setattr("getpass.getpass", lambda prompt="": "sk-or-v1-another")
    ip.run_line_magic("oraudio_login", "")
    assert closed == first and not magics(ip)._session._clients
    ip.run_cell_magic("oraudio", "", "Hi")
    second = list(magics(ip)._session._clients.values())
    ip.run_line_magic("oraudio_login", "--forget")
    assert closed == first + second


def test_a_real_sigint_during_the_stream(ip: Any, rec: Recorded, online: Any,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C as the kernel delivers it: SIGINT while the main thread waits on the socket."""
    hear_ctrl_c()  # as in a terminal, however this run was started
    import threading

    feed = _display.LiveDisplay.feed
    timers: list[threading.Timer] = []

    def feed_then_interrupt(self: Any, event: Any) -> None:
        feed(self, event)
        if type(event).__name__ == "AudioDelta" and not timers:
            timers.append(ctrl_c_after(0.3))

    monkeypatch.setattr(_display.LiveDisplay, "feed", feed_then_interrupt)
    magics(ip).headers = {"X-Emulator-Realtime": "1", "X-Emulator-Seconds": "20"}
    result = ip.run_cell("%%oraudio\nCount slowly to fifty")
    timers[0].join()
    assert "Cancelled" in result.error_in_exec._render_traceback_()[0]
    reply = ip.user_ns["_oraudio"]
    assert not reply.complete and 0 < reply.duration < 20
    (_mime, data), = audio_uris(rec.final_html())
    assert decoded_seconds(data) == pytest.approx(reply.duration, abs=0.08)  # WAV, or MP3 from 1 s
