"""AudioChat's conversation kept as static output: every turn's words, the user's own recording and each
reply's player, so a reopened notebook shows and plays it without the kernel; the text form counts turns."""

from __future__ import annotations

import base64
import re
from typing import Any

import pytest
from _audio_samples import make_recorder_webm
from _client_helpers import make_wav
from _magics_support import Recorded, RecordingPublisher, decoded_seconds

from or_audio_widgets import OpenRouterAudio
from or_audio_widgets.jupyter._widgets import AudioChat
from or_audio_widgets.jupyter.chat._chat_record import RECORD_CLASS


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
    # what an untrusted copy shows in place of the three links: one note for the record, not one per turn
    assert page.count('class="or-audio-untrusted"') == 1 and page.count("Trust Notebook") == 1
    assert page.index("Trust Notebook") < page.index('class="or-audio-reply"')  # at the record's head
    text = record_of(chat)["text/plain"]
    assert text.startswith("AudioChat conversation, 3 turns") and "You: Third" in text
    assert repr(chat).startswith("<AudioChat 3 turns,")  # a turn: a message and its reply


def test_a_turn_still_streaming_shows_the_question_and_each_finished_turn_is_rendered_once(
    emulator: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from or_audio_widgets.jupyter.chat import _chat_record

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
    from or_audio_widgets.jupyter.chat._chat_record import ChatRecord
    from or_audio_widgets.jupyter.chat._conversation import Turn

    hostile = {"type": "input_audio", "input_audio": {"data": 'AAAA" onerror="alert(1)', "format": "wav"}}
    page = ChatRecord().bundle([Turn("user", "hi", [hostile], ["x.wav"])])["text/html"]
    assert "onerror" not in page and "<audio" not in page and "not kept in the notebook" in page


def test_a_spoken_turn_without_words_is_labelled_with_its_player_under_the_label() -> None:
    from or_audio_widgets.jupyter.chat._chat_record import ChatRecord, user_html
    from or_audio_widgets.jupyter.chat._conversation import Turn

    wav = base64.b64encode(make_wav(0.5)).decode("ascii")
    part = {"type": "input_audio", "input_audio": {"data": wav, "format": "wav"}}
    spoken = Turn("user", "", [part], ["microphone, hands-free (0.5 s, wav)"])
    box = user_html(spoken)
    label = re.search(r'<div class="or-audio-chat-who">(.*?)</div>', box)
    assert label and re.sub(r"<[^>]+>", "", label.group(1)) == "You sent a recording:"  # never a bare "You:"
    assert box.index("or-audio-chat-who") < box.index("<audio") < box.index("microphone, hands-free")
    assert "display:block" in box.split("<audio", 1)[1].split(">", 1)[0]  # a line of its own
    typed = user_html(Turn("user", "Hi <there>", [part], ["take.wav (0.5 s, wav)"]))
    assert "<b>You</b>: <span" in typed and "Hi &lt;there&gt;" in typed and "with audio: take.wav" in typed
    # no reply with a download link yet: the record has no trust note to give
    assert "Trust Notebook" not in ChatRecord().bundle([spoken])["text/html"]
