"""The widgets' Python side: Recorder's conversion, AudioChat's conversation against the emulator, and that no
secret reaches widget state (LivePlayer's protocol is in test_live_player.py)."""

from __future__ import annotations

import datetime
import json
import subprocess
import time
from pathlib import Path
from typing import Any

import ipywidgets
import ipywidgets.embed
import pytest
from _audio_samples import make_recorder_webm
from _widget_helpers import Sent, front_end

from or_audio_widgets import (
    AudioChat,
    AudioReply,
    LivePlayer,
    OpenRouterAudio,
    Recorder,
    ReplyAudio,
    ReplyOutcome,
    start_emulator,
)
from or_audio_widgets.errors import AudioInputError, MissingAPIKeyError
from or_audio_widgets.jupyter.chat import _conversation

SECRET = "sk-or-v1-0123456789abcdef-do-not-leak"
NOW = datetime.datetime.now(datetime.timezone.utc)


# --- Recorder --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def webm_recording() -> bytes:
    """What Chromium's MediaRecorder makes: opus in a live-written webm (1.5 s of a tone)."""
    return make_recorder_webm(1.5)


def test_a_webm_recording_arrives_as_an_accepted_format(webm_recording: bytes) -> None:
    recorder = Recorder()
    sent = Sent(recorder)
    seen: list[Any] = []
    recorder.on_recording(seen.append)
    front_end(recorder, {"t": "recording", "mime": "audio/webm;codecs=opus", "ms": 1500}, [webm_recording])
    prepared = recorder.prepared
    assert recorder.recording == webm_recording and recorder.mime_type == "audio/webm;codecs=opus"
    assert prepared.format in {"wav", "mp3"} and prepared.part["input_audio"]["format"] == prepared.format
    assert prepared.duration == pytest.approx(1.5, abs=0.1)
    assert seen == [prepared]
    content = sent.messages[-1][0]
    assert content["t"] == "prepared" and content["format"] == prepared.format
    recorder.clear()
    assert recorder.prepared is None and sent.kinds()[-1] == "cleared"


def test_an_unreadable_recording_is_reported_in_the_widget() -> None:
    recorder = Recorder()
    sent = Sent(recorder)
    front_end(recorder, {"t": "recording", "mime": "audio/webm"}, [b"\x1aE\xdf\xa3 not really webm"])
    assert recorder.prepared is None and recorder.error
    assert sent.messages[-1][0]["t"] == "error" and "could not be used" in sent.messages[-1][0]["message"]
    with pytest.raises(AudioInputError):
        recorder.take(b"")


# --- AudioChat -------------------------------------------------------------------------------------------


def test_the_pickers_list_audio_models_and_voice_follows_the_model(emulator: Any) -> None:
    chat = AudioChat(client=OpenRouterAudio("k", base_url=emulator.base_url))
    ids = [value for _, value in chat.model_picker.options]
    assert "openai/gpt-audio-mini" in ids and "google/gemini-2.5-flash" in ids
    assert "openai/gpt-4o" not in ids  # text only: no audio either way
    assert "openai/whisper-1" not in ids and "openai/gpt-4o-mini-tts-2025-12-15" not in ids  # not chat models
    assert not chat.voice_picker.disabled
    chat.model_picker.value = "google/gemini-2.5-flash"
    assert chat.voice_picker.disabled and chat.format_picker.disabled


def test_the_pickers_choose_voice_format_and_a_text_reply_for_a_listening_model(emulator: Any) -> None:
    chat = AudioChat(client=OpenRouterAudio("k", base_url=emulator.base_url))
    chat.voice_picker.value, chat.format_picker.value = "nova", "mp3"
    chat.send("hi")
    assert chat.wait(30)
    body = emulator.requests[-1].json
    assert body["modalities"] == ["text", "audio"]
    assert body["audio"] == {"voice": "nova", "format": "pcm16"}  # the wire's format; mp3 is made here
    reply = chat.turns[-1].reply
    assert reply.format == "mp3" and reply.audio[:3] == b"ID3" and reply.complete
    chat.model_picker.value = "google/gemini-2.5-flash"
    chat.send("text please")
    assert chat.wait(30)
    body = emulator.requests[-1].json
    assert body["model"] == "google/gemini-2.5-flash" and "audio" not in body and "modalities" not in body
    assert chat.turns[-1].reply.text.endswith("You said: text please")


def test_later_turns_carry_the_earlier_ones_with_the_spoken_reply_as_text(emulator: Any) -> None:
    chat = AudioChat(client=OpenRouterAudio("k", base_url=emulator.base_url))
    emulator.clear_requests()
    assert chat.send("First <b>question</b>") is not None
    assert chat.wait(30)
    first = chat.turns[1]
    assert first.role == "assistant" and first.reply.complete and first.reply.pcm
    assert chat.player is not None and chat.player.finished
    chat.send("Second")
    assert chat.wait(30)
    messages = emulator.requests[-1].json["messages"]
    assert messages == [
        {"role": "user", "content": "First <b>question</b>"},
        {"role": "assistant", "content": first.text},
        {"role": "user", "content": "Second"},
    ]
    assert first.text == "Offline emulator speaking. You said: First <b>question</b>"
    # The history keeps every turn: each question, and each reply's own player with its audio.
    user_box, first_player, _, second_player = chat.history.children
    assert isinstance(first_player, LivePlayer) and first_player is not second_player
    assert first_player.finished and first_player.pcm == first.reply.pcm
    assert second_player is chat.player and second_player.pcm == chat.turns[3].reply.pcm
    assert "First &lt;b&gt;question&lt;/b&gt;" in user_box.value and "<b>question" not in user_box.value
    assert "complete" in chat.status.value


def test_a_recording_is_sent_and_the_listening_model_names_its_duration(
    emulator: Any, webm_recording: bytes
) -> None:
    chat = AudioChat(client=OpenRouterAudio("k", base_url=emulator.base_url), model="google/gemini-2.5-flash")
    front_end(chat.recorder, {"t": "recording", "mime": "audio/webm"}, [webm_recording])
    chat.send("")
    assert chat.wait(30)
    turn, answer = chat.turns
    assert turn.parts and turn.parts[0]["type"] == "input_audio"
    duration = turn.sources[0]
    assert "microphone recording" in duration
    assert "audio 1: format=wav duration=1.5" in answer.text
    assert chat.recorder.prepared is None  # sent once, then cleared


def test_an_uploaded_file_is_sent_as_an_input_audio_part(emulator: Any, tmp_path: Path) -> None:
    wav = tmp_path / "note.wav"
    subprocess.run(
        ["ffmpeg", "-nostdin", "-loglevel", "error", "-f", "lavfi", "-i", "sine=duration=0.8", str(wav)],
        check=True,
    )
    chat = AudioChat(client=OpenRouterAudio("k", base_url=emulator.base_url), model="google/gemini-2.5-flash")
    data = wav.read_bytes()
    chat.upload.value = (
        {"name": "note.wav", "type": "audio/wav", "size": len(data), "content": memoryview(data),
         "last_modified": NOW},
    )  # fmt: skip
    chat.send("What is this?")
    assert chat.wait(30)
    user, answer = chat.turns
    assert user.sources == ["note.wav (0.8 s, wav)"] and user.parts[0]["input_audio"]["format"] == "wav"
    assert "audio 1: format=wav duration=0.800s" in answer.text
    assert chat.upload.value == ()  # sent once: not kept in the widget (or its saved state)
    junk = {"name": "junk.wav", "type": "audio/wav", "size": 4, "content": memoryview(b"junk")}
    chat.upload.value = ({**junk, "last_modified": NOW},)
    assert chat.send("again") is None and "cannot be sent" in chat.status.value


def test_stop_keeps_the_partial_reply_playable() -> None:
    with start_emulator(port=0, realtime=1.0) as handle:
        chat = AudioChat(client=OpenRouterAudio("k", base_url=handle.base_url))
        chat.prompt.value = "Please say something rather long so that there is time to stop it in the middle."
        chat.send_button.click()  # the button streams in the background: the kernel stays free for Stop
        # one Stop on screen while it streams: the panel's, beside Send; the player's own is hidden
        assert not chat.stop_button.disabled
        assert chat.player is not None and chat.player.stoppable and not chat.player.show_stop
        deadline = time.monotonic() + 20
        while chat.player is not None and len(chat.player.pcm) < 2 * 19200 and time.monotonic() < deadline:
            time.sleep(0.05)
        chat.stop()
        assert chat.wait(10)
    reply = chat.turns[-1].reply
    assert not reply.complete and "cancel" in (reply.error or "")
    assert len(reply.pcm) >= 2 * 19200 and reply.audio[:4] == b"RIFF"
    assert chat.player is not None and chat.player.finished
    assert "stopped, what arrived is kept" in chat.status.value and not chat.send_button.disabled


def test_stop_with_nothing_streaming_does_not_cancel_the_next_reply(emulator: Any) -> None:
    chat = AudioChat(client=OpenRouterAudio("k", base_url=emulator.base_url))
    chat.stop()
    chat.send("hello")
    assert chat.wait(30)
    assert chat.turns[-1].reply.complete


def test_nothing_to_send_says_so() -> None:
    chat = AudioChat(client=_NoModels())
    assert chat.send("   ") is None
    assert "Type a message" in chat.status.value
    assert "Could not list models" in AudioChat(client=_NoModels(fail=True)).status.value


def test_no_secret_in_widget_state_or_saved_state(emulator: Any) -> None:
    client = OpenRouterAudio(SECRET, base_url=emulator.base_url)
    chat = AudioChat(client=client)
    chat.send("hello")
    assert chat.wait(30)
    widgets = [chat, *_descendants(chat)]
    for widget in widgets:
        assert SECRET not in json.dumps(widget.get_state(), default=repr)
        assert SECRET not in repr(widget)
    embedded = json.dumps(ipywidgets.embed.embed_data(views=[chat]), default=repr)
    assert SECRET not in embedded and "sk-or" not in embedded


def test_offline_mode_uses_the_in_process_emulator(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OR_AUDIO_OFFLINE", "1")
    chat = AudioChat()
    assert chat.offline and "offline emulator" in chat.status.value
    chat.send("hi")
    assert chat.wait(30)
    assert chat.turns[-1].reply.complete and "offline emulator" in chat.status.value
    monkeypatch.delenv("OR_AUDIO_OFFLINE")
    with pytest.raises(MissingAPIKeyError):
        AudioChat()


class _NoModels:
    def __init__(self, fail: bool = False) -> None:
        self.fail = fail

    def catalogue(self) -> Any:
        if self.fail:
            from or_audio_widgets.errors import APIConnectionError

            raise APIConnectionError("no route to host")
        from or_audio_widgets.core._catalogue import Catalogue

        return Catalogue([])


def _descendants(widget: Any) -> list[Any]:
    found: list[Any] = []
    for child in getattr(widget, "children", ()):
        if isinstance(child, ipywidgets.Widget):
            found += [child, *_descendants(child)]
    return found


CANCELLED = ReplyOutcome(complete=False, error="cancelled")


@pytest.mark.parametrize(
    ("reply", "said"),
    [
        (AudioReply(ReplyAudio.from_pcm(b"\0\0" * 24000), transcript="Hi"), "1.0 s of audio · complete"),
        (AudioReply(text="Hello there"), "text reply · complete"),
        (AudioReply(transcript="Hi", outcome=CANCELLED), "words, no audio yet · incomplete"),
        (AudioReply(outcome=CANCELLED), "nothing arrived · incomplete (cancelled)"),
    ],
)
def test_a_turn_summary_says_what_arrived(reply: AudioReply, said: str) -> None:
    assert _conversation.summary(reply, offline=True).startswith(said)
    assert _conversation.summary(reply, offline=True).endswith("offline emulator")


def test_a_stopped_turn_is_said_calmly_and_a_broken_one_with_its_reason() -> None:
    cut = AudioReply(ReplyAudio.from_pcm(b"\0\0" * 12000), transcript="Hi", outcome=CANCELLED)
    said = _conversation.summary(cut, offline=False, stopped=True)
    assert said == "0.5 s of audio · stopped, what arrived is kept"
    broken = AudioReply(transcript="Hi", outcome=ReplyOutcome(complete=False, error="the provider left"))
    said = _conversation.summary(broken, offline=False)
    assert "incomplete (the provider left), partial reply kept" in said and "stopped" not in said


def test_a_live_player_names_its_download_safely() -> None:
    assert LivePlayer().file_name == "reply"
    assert LivePlayer(file_name="turn-3").file_name == "turn-3"
    assert LivePlayer(file_name="../a b/<c>").file_name == ".._a_b_c_"
