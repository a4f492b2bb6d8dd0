"""AudioChat's conversation kept as static output: every turn's words, the user's own recording and each
reply's player, so a reopened notebook shows and plays it without the kernel; the text form counts turns."""

from __future__ import annotations

import base64
import re
from typing import Any

import pytest
from _audio_samples import make_recorder_webm
from _magics_support import Recorded, RecordingPublisher, decoded_seconds

from or_audio_widgets import OpenRouterAudio
from or_audio_widgets.jupyter._chat_record import RECORD_CLASS
from or_audio_widgets.jupyter._widgets import AudioChat


@pytest.fixture
def shell_rec(monkeypatch: pytest.MonkeyPatch) -> Recorded:
    from IPython.testing.globalipapp import get_ipython

    recorded = Recorded()
    monkeypatch.setattr(get_ipython(), "display_pub", RecordingPublisher(recorded))
    return recorded


def record_of(chat: AudioChat) -> dict[str, str]:
    return chat._record.bundle(chat.turns)


def test_three_turns_are_kept_with_players_a_recording_and_named_downloads(emulator: Any) -> None:
    chat = AudioChat(client=OpenRouterAudio("k", base_url=emulator.base_url))
    chat.recorder._handle_custom_msg({"t": "recording", "mime": "audio/webm"}, [make_recorder_webm(1.2)])
    for prompt in ("First <b>question</b>", "Second", "Third"):
        chat.send(prompt)
        assert chat.wait(30)
    page = record_of(chat)["text/html"]
    assert page.startswith(f'<div class="{RECORD_CLASS}">') and "3 turns" in page
    assert "First &lt;b&gt;question&lt;/b&gt;" in page and "<b>question" not in page
    players = re.findall(r'<audio controls preload="metadata" src="data:(audio/[\w-]+);base64,([^"]+)"', page)
    # the user's own recording (first turn), then one player per reply, each the length of its reply
    assert len(players) == 4 and players[0][0] in ("audio/wav", "audio/mpeg")
    assert decoded_seconds(base64.b64decode(players[0][1])) == pytest.approx(1.2, abs=0.1)
    replies = [t.reply for t in chat.turns if t.role == "assistant"]
    for (mime, data), reply in zip(players[1:], replies, strict=True):
        assert mime == "audio/mpeg" and decoded_seconds(base64.b64decode(data)) == pytest.approx(
            reply.duration, abs=0.08)
    assert re.findall(r'download="([^"]+)"', page) == ["turn-1.mp3", "turn-2.mp3", "turn-3.mp3"]
    text = record_of(chat)["text/plain"]
    assert text.startswith("AudioChat conversation, 3 turns") and "You: Third" in text
    assert repr(chat).startswith("<AudioChat 3 turns,")  # a turn: a message and its reply


def test_a_turn_still_streaming_shows_the_question_and_each_finished_turn_is_rendered_once(
    emulator: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from or_audio_widgets.jupyter import _chat_record

    chat = AudioChat(client=OpenRouterAudio("k", base_url=emulator.base_url))
    chat.send("Hello")
    assert chat.wait(30)
    record_of(chat)  # the finished turn is rendered now, and kept
    rendered: list[int] = []
    real = _chat_record._reply_html
    monkeypatch.setattr(_chat_record, "_reply_html", lambda r, n: rendered.append(n) or real(r, n))
    chat.turns.append(type(chat.turns[0])("user", "Still waiting"))
    page = record_of(chat)["text/html"]
    assert "Still waiting" in page and page.count('class="or-audio-reply"') == 1 and rendered == []
    assert record_of(chat)["text/plain"].startswith("AudioChat conversation, 2 turns")


def test_displaying_the_chat_adds_the_record_and_each_turn_updates_it(emulator: Any,
                                                                   shell_rec: Recorded) -> None:
    from IPython.display import display

    chat = AudioChat(client=OpenRouterAudio("k", base_url=emulator.base_url))
    display(chat)
    panel, record = shell_rec.displays()[-2:]
    assert "application/vnd.jupyter.widget-view+json" in panel["data"]
    assert "conversation is kept below" in panel["data"]["text/plain"]  # no stale "0 turns" in the file
    display_id = record["transient"]["display_id"]
    assert "0 turns" in record["data"]["text/plain"]
    chat.send("Hello there")
    assert chat.wait(30)
    updates = [m for m in shell_rec.displays() if m["update"] and m["transient"]["display_id"] == display_id]
    assert updates and "1 turn" in updates[-1]["data"]["text/plain"]
    assert "You said: Hello there" in updates[-1]["data"]["text/html"]


def test_a_part_that_is_not_base64_is_not_put_into_the_page() -> None:
    from or_audio_widgets.jupyter._chat_record import ChatRecord
    from or_audio_widgets.jupyter._conversation import Turn

    hostile = {"type": "input_audio", "input_audio": {"data": 'AAAA" onerror="alert(1)', "format": "wav"}}
    page = ChatRecord().bundle([Turn("user", "hi", [hostile], ["x.wav"])])["text/html"]
    assert "onerror" not in page and "<audio" not in page and "not kept in the notebook" in page
