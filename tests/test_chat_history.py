"""AudioChat's history: earlier recordings go as their transcripts, only the newest as audio."""

from __future__ import annotations

import base64
import threading

from or_audio_widgets.jupyter.chat._conversation import Turn
from or_audio_widgets.jupyter.chat._history import Transcriber, history_messages


def spoken(name: str, text: str = "") -> Turn:
    data = base64.b64encode(f"RIFF-{name}".encode()).decode()
    part = {"type": "input_audio", "input_audio": {"data": data, "format": "wav"}}
    return Turn("user", text, [part], [name])


def audio_names(messages: list[dict]) -> list[str]:
    found = []
    for message in messages:
        for part in message["content"] if isinstance(message["content"], list) else ():
            if part.get("type") == "input_audio":
                found.append(base64.b64decode(part["input_audio"]["data"]).decode()[5:])
    return found


class Ears:
    """A transcription function that counts what it was given."""

    def __init__(self, fail: set[str] | None = None) -> None:
        self.heard: list[str] = []
        self.fail = fail or set()

    def __call__(self, audio: bytes) -> str:
        name = audio.decode()[5:]
        self.heard.append(name)
        if name in self.fail:
            raise RuntimeError(f"cannot hear {name}")
        return f"words of {name}"


def conversation(ears: Ears, n: int) -> tuple[list[Turn], Transcriber]:
    transcriber = Transcriber(ears)
    turns: list[Turn] = []
    for i in range(n):
        turn = spoken(f"take{i}")
        turns.append(turn)
        transcriber.start(turn)
        turns.append(Turn("assistant", f"reply {i}"))
    return turns, transcriber


def test_only_the_newest_recording_goes_as_audio_and_earlier_ones_as_their_words() -> None:
    ears = Ears()
    turns, transcriber = conversation(ears, 4)
    messages = history_messages(turns, transcriber=transcriber)
    assert audio_names(messages) == ["take3"]
    assert [m["content"] for m in messages[:6:2]] == ["words of take0", "words of take1", "words of take2"]
    assert [m["content"] for m in messages[1::2]] == ["reply 0", "reply 1", "reply 2", "reply 3"]
    transcriber.close()


def test_each_recording_is_transcribed_once_however_many_requests_follow() -> None:
    ears = Ears()
    turns, transcriber = conversation(ears, 3)
    for _ in range(5):
        history_messages(turns, transcriber=transcriber)
    for turn in turns:
        transcriber.start(turn)  # starting again does nothing
    history_messages(turns, transcriber=transcriber)
    assert sorted(ears.heard) == ["take0", "take1", "take2"]
    transcriber.close()


def test_keep_audio_sets_how_many_recent_recordings_go_as_audio() -> None:
    turns, transcriber = conversation(Ears(), 4)
    assert audio_names(history_messages(turns, keep_audio=2, transcriber=transcriber)) == ["take2", "take3"]
    assert audio_names(history_messages(turns, keep_audio=0, transcriber=transcriber)) == []
    assert len(audio_names(history_messages(turns, keep_audio=9, transcriber=transcriber))) == 4
    transcriber.close()


def test_a_failed_transcription_sends_the_recording_as_audio_and_says_why() -> None:
    turns, transcriber = conversation(Ears(fail={"take1"}), 3)
    messages = history_messages(turns, transcriber=transcriber)
    assert audio_names(messages) == ["take1", "take2"]
    assert turns[2].heard is None and "cannot hear take1" in (turns[2].heard_error or "")
    transcriber.close()


def test_a_late_transcript_does_not_hold_the_request_past_its_wait() -> None:
    gate = threading.Event()

    def slow(audio: bytes) -> str:
        gate.wait(10)
        return "late words"

    transcriber = Transcriber(slow)
    first, second = spoken("a"), spoken("b")
    transcriber.start(first)
    messages = history_messages([first, second], transcriber=transcriber, wait=0.05)
    assert audio_names(messages) == ["a", "b"]  # not transcribed yet: sent as audio, nothing lost
    gate.set()
    assert transcriber.wait(first, 5) == "late words"
    assert audio_names(history_messages([first, second], transcriber=transcriber)) == ["b"]
    transcriber.close()


def test_typed_text_and_transcript_both_reach_the_model() -> None:
    turns, transcriber = conversation(Ears(), 2)
    turns[0].text = "Listen to this:"
    messages = history_messages(turns, transcriber=transcriber)
    assert messages[0] == {"role": "user", "content": "Listen to this:\nwords of take0"}
    transcriber.close()


def test_without_a_transcriber_every_recording_goes_as_audio() -> None:
    turns, transcriber = conversation(Ears(), 3)
    assert audio_names(history_messages(turns)) == ["take0", "take1", "take2"]
    transcriber.close()
