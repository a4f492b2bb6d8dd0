"""AudioChat's spoken conversation from code: chat.send(audio=...) against the emulator, the bill's audio
kept flat (each recording transcribed once, sent as audio once), a transcription that fails, barge-in."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest
from _audio_samples import make_audio
from _client_helpers import audio_seconds

from or_audio_widgets import AudioChat, OpenRouterAudio, start_emulator

TURNS = 20
SECONDS = 1.0


def body_bytes(request: Any) -> int:
    return int({k.lower(): v for k, v in request.headers.items()}["content-length"])


@pytest.fixture(scope="module")
def take(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_audio(tmp_path_factory.mktemp("takes"), "wav", seconds=SECONDS)


def test_a_spoken_conversation_sends_each_recording_once_as_audio_and_once_to_be_transcribed(
    take: Path,
) -> None:
    with start_emulator(port=0, max_requests=4 * TURNS) as handle:
        chat = AudioChat(client=OpenRouterAudio("k", base_url=handle.base_url))
        replies = [chat.send(audio=take) for _ in range(TURNS)]
        assert chat._transcriber is not None and chat._transcriber.wait(chat.turns[-2], 30)  # the last one
        requests = handle.requests
    assert all(reply is not None and reply.complete for reply in replies)
    assert [t.role for t in chat.turns] == ["user", "assistant"] * TURNS
    assert chat.turns[1].reply is replies[0] and chat.turns[-1].reply is replies[-1]
    chats = [r for r in requests if r.path.endswith("/chat/completions")]
    heard = [r for r in requests if r.path.endswith("/audio/transcriptions")]
    assert len(chats) == TURNS
    assert sum(audio_seconds(r.json) for r in chats) == pytest.approx(TURNS * SECONDS, rel=0.01)
    assert len(heard) == TURNS and {r.json["model"] for r in heard} == {"openai/whisper-1"}
    assert body_bytes(chats[-1]) <= 2 * body_bytes(chats[0])
    # earlier turns went as what they were heard as; the history shows recording and transcript
    words = chat.turns[0].heard
    assert words and chats[-1].json["messages"][0] == {"role": "user", "content": words}
    box = chat.history.children[0].value
    assert "<audio controls" in box and "heard:" in box


def test_without_transcripts_every_recording_goes_again_each_time(emulator: Any, take: Path) -> None:
    chat = AudioChat(client=OpenRouterAudio("k", base_url=emulator.base_url), transcription_model=None)
    emulator.clear_requests()
    for _ in range(3):
        chat.send(audio=take)
    chats = [r for r in emulator.requests if r.path.endswith("/chat/completions")]
    assert [round(audio_seconds(r.json)) for r in chats] == [1, 2, 3]
    assert not any(r.path.endswith("/audio/transcriptions") for r in emulator.requests)


class _DeafClient(OpenRouterAudio):
    def transcribe(self, audio: Any, **kwargs: Any) -> Any:
        raise RuntimeError("transcription service down")


def test_a_failed_transcription_keeps_the_turn_and_sends_it_again_as_audio(emulator: Any, take: Path) -> None:
    chat = AudioChat(client=_DeafClient("k", base_url=emulator.base_url))
    emulator.clear_requests()
    chat.send(audio=take)
    chat.send("and now?")
    first = chat.turns[0]
    assert first.heard is None and "transcription service down" in (first.heard_error or "")
    messages = emulator.requests[-1].json["messages"]
    assert audio_seconds({"messages": messages[:1]}) == pytest.approx(SECONDS, rel=0.01)
    assert "not transcribed" in chat.history.children[0].value
    assert chat.turns[-1].reply.complete


def test_text_and_audio_from_code_and_nothing_to_send(emulator: Any, take: Path) -> None:
    chat = AudioChat(client=OpenRouterAudio("k", base_url=emulator.base_url), model="google/gemini-2.5-flash")
    chat.prompt.value = "typed but not sent"
    reply = chat.send("What is this?", audio=[take])
    assert reply is chat.turns[-1].reply and "audio 1: format=wav duration=1.0" in reply.text
    assert chat.prompt.value == "typed but not sent"  # send(text=...) leaves the prompt box alone
    assert chat.send(audio=b"not audio") is None and "cannot be sent" in chat.status.value
    assert chat.send("  ") is None and len(chat.turns) == 2


def test_speech_over_a_streaming_reply_cancels_it_and_keeps_it_marked_interrupted(take: Path) -> None:
    with start_emulator(port=0, realtime=1.0) as handle:
        chat = AudioChat(client=OpenRouterAudio("k", base_url=handle.base_url))
        runner = threading.Thread(target=chat.send, args=("Please say something rather long, for a while.",))
        runner.start()
        deadline = time.monotonic() + 20
        while (chat.player is None or len(chat.player.pcm) < 19200) and time.monotonic() < deadline:
            time.sleep(0.05)
        chat.recorder._handle_custom_msg({"t": "speech"}, [])  # the page heard speech begin
        runner.join(10)
        assert not runner.is_alive()
        deadline = time.monotonic() + 10
        while handle.clients_left < 1 and time.monotonic() < deadline:  # seen at the emulator's next write
            time.sleep(0.05)
        assert handle.clients_left == 1  # the connection closed before the end: generation stops
    answer = chat.turns[-1]
    assert answer.interrupted and not answer.reply.complete and answer.reply.pcm
    assert "Interrupted" in chat.history.children[-1].value
    record = chat._record.bundle(chat.turns)
    assert "Interrupted" in record["text/html"] and "Reply (interrupted)" in record["text/plain"]


def spoken_turn(chat: AudioChat, take: Path) -> None:
    """What the page sends when hands-free hears a turn end (a WAV and when it ended)."""
    message = {"t": "turn", "ms": 1000, "ended": time.time() * 1000}
    chat.recorder._handle_custom_msg(message, [take.read_bytes()])


def test_hands_free_turns_run_in_the_background_and_a_reply_failing_mid_stream_keeps_the_conversation(
    emulator: Any, take: Path
) -> None:
    fault = {"X-Emulator-Fault": "midstream-error"}
    client = OpenRouterAudio("k", base_url=emulator.base_url, extra_headers=fault)
    chat = AudioChat(client=client)
    chat.hands_free.value = True
    assert chat.recorder.hands_free and "listening" in chat.status.value
    spoken_turn(chat, take)
    deadline = time.monotonic() + 30
    while len(chat.turns) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert chat.wait(30)
    user, answer = chat.turns
    assert user.parts and user.sources == ["microphone, hands-free (1.0 s, wav)"]
    assert {"ended", "received", "request", "open"} <= set(user.times)
    assert not answer.reply.complete and not answer.interrupted and answer.reply.error
    assert "incomplete" in chat.status.value and chat.hands_free.value  # still listening, and says so
    chat._client = OpenRouterAudio("k", base_url=emulator.base_url)
    spoken_turn(chat, take)
    deadline = time.monotonic() + 30
    while len(chat.turns) < 4 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert chat.wait(30) and chat.turns[-1].reply.complete and len(chat.turns) == 4


def test_the_page_leaving_hands_free_turns_the_toggle_off_and_says_why(emulator: Any) -> None:
    chat = AudioChat(client=OpenRouterAudio("k", base_url=emulator.base_url))
    chat.hands_free.value = True
    chat.recorder._handle_custom_msg({"t": "hands_free_off", "reason": "No microphone was found."}, [])
    assert not chat.hands_free.value and not chat.recorder.hands_free
    assert chat.status.value == "Hands-free stopped: No microphone was found."
    chat.recorder._handle_custom_msg({"t": "turn", "ended": 0}, [b"not audio at all"])
    assert chat.turns == []  # an unreadable take is refused in the widget, nothing is sent


def test_closing_the_chat_stops_its_reply_and_lets_go_of_its_thread_and_widgets(take: Path) -> None:
    with start_emulator(port=0, realtime=1.0) as handle:
        chat = AudioChat(client=OpenRouterAudio("k", base_url=handle.base_url))
        runner = threading.Thread(target=chat.send, kwargs={"audio": take})
        runner.start()
        deadline = time.monotonic() + 20
        while (chat.player is None or not chat.player.pcm) and time.monotonic() < deadline:
            time.sleep(0.05)
        widgets = [chat.player, chat.recorder, chat.model_picker, chat.history, *chat.history.children]
        chat.close()
        runner.join(10)
        assert not runner.is_alive()  # the reply stopped: the chat does not stream on unseen
        deadline = time.monotonic() + 10
        while handle.clients_left < 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert handle.clients_left == 1
    assert all(widget is not None and widget.comm is None for widget in widgets)
    assert chat.comm is None and chat.turns[-1].reply is not None  # the conversation is kept
    assert chat._transcriber is not None
    workers = list(chat._transcriber._pool._threads)  # the transcription thread ends with its last job
    for worker in workers:
        worker.join(10)
    assert workers and not any(worker.is_alive() for worker in workers)
