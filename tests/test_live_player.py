"""LivePlayer's Python side: what it sends the page (binary, once, replayable), transcript offsets counted
as the page counts them, and the Stop button's way back to the kernel."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from _widget_helpers import Sent, front_end, tone

from or_audio_widgets import AudioReply, OpenRouterAudio, ReplyAudio, ReplyOutcome, start_emulator
from or_audio_widgets.jupyter._js import FOLDER, PLAYER, RECORDER, module_source
from or_audio_widgets.jupyter._widgets import AudioChat, LivePlayer
from or_audio_widgets.jupyter.widgets._feed import feed

CANCELLED = ReplyOutcome(complete=False, error="cancelled")
# Every way a script can turn a string into markup.
HTML_SINKS = ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "createContextualFragment",
              "DOMParser", "srcdoc")  # fmt: skip


def test_pcm_goes_as_binary_buffers_each_chunk_once_with_its_arrival_time() -> None:
    player = LivePlayer()
    sent = Sent(player)
    chunks = [tone(0.4), tone(0.4), tone(0.1)]
    before = time.time() * 1000
    for chunk in chunks:
        player.append_pcm(chunk)
    assert sent.kinds() == ["pcm", "pcm", "pcm"]
    assert [b for _, bufs in sent.messages for b in bufs] == chunks
    assert [c["seq"] for c, _ in sent.messages] == [0, 1, 2]
    assert all(before - 1 <= c["ts"] <= time.time() * 1000 + 1 for c, _ in sent.messages)
    assert player.pcm == b"".join(chunks)
    assert player.traffic["buffers"] == sum(map(len, chunks))


def test_an_odd_byte_waits_for_the_rest_of_its_sample() -> None:
    player = LivePlayer()
    sent = Sent(player)
    player.append_pcm(b"\x01\x02\x03")
    player.append_pcm(b"\x04")
    player.append_pcm(b"\x05")  # alone: nothing to send yet
    assert [bufs[0] for _, bufs in sent.messages] == [b"\x01\x02", b"\x03\x04"]


def test_transcript_goes_as_deltas_with_offsets_and_is_no_synced_trait() -> None:
    player = LivePlayer()
    sent = Sent(player)
    state_before = json.dumps(player.get_state(), default=str)
    for word in ["Hello", " <img src=x onerror=alert(1)>", " world"]:
        player.append_transcript(word)
    assert [(c["at"], c["text"]) for c, _ in sent.messages] == [
        (0, "Hello"),
        (5, " <img src=x onerror=alert(1)>"),
        (34, " world"),
    ]
    assert player.transcript == "Hello <img src=x onerror=alert(1)> world"
    # The synced state does not grow with the reply: same size after the words and audio.
    player.append_pcm(tone(1.0))
    assert json.dumps(player.get_state(), default=str) == state_before
    assert set(player.get_state()) >= {"sample_rate", "player_id"}


def test_a_late_view_learns_the_counts_and_gets_what_it_lacks_replayed() -> None:
    player = LivePlayer()
    chunks = [tone(0.4), tone(0.2)]
    for chunk in chunks:
        player.append_pcm(chunk)
    player.append_transcript("Hi there")
    sent = Sent(player)
    front_end(player, {"t": "ready", "have": 0, "text_len": 0})
    assert sent.messages[-1][0] == {"t": "state", "chunks": 2, "text_len": 8, "finished": False}
    front_end(player, {"t": "need", "from": 1, "text_from": 3})
    pcm, text = sent.messages[-2:]
    assert pcm[0] == {"t": "pcm", "seq": 1, "replay": True} and pcm[1] == [chunks[1]]
    assert text[0] == {"t": "text", "at": 3, "text": "there"}


def test_finish_tells_the_page_to_assemble_its_file_and_replays_it_when_asked() -> None:
    player = LivePlayer()
    pcm = tone(0.5)
    player.append_transcript("Done.")
    player.append_pcm(pcm)
    sent = Sent(player)
    player.finish(AudioReply(ReplyAudio.from_pcm(pcm), transcript="Done."))
    end = sent.messages[-1][0]
    assert end["t"] == "finish" and end["chunks"] == 1 and end["complete"] is True
    assert end["duration"] == pytest.approx(0.5)
    assert "transcript" not in end  # the page has it already
    assert sent.kinds() == ["finish"]  # no audio sent twice
    front_end(player, {"t": "need", "from": 1, "text_from": 5})
    assert sent.kinds() == ["finish", "finish"]
    with pytest.raises(RuntimeError, match="finished"):
        player.append_pcm(pcm)


def test_finish_with_audio_that_differs_from_the_stream_replaces_it_once() -> None:
    player = LivePlayer()
    player.append_pcm(tone(0.2))
    sent = Sent(player)
    final = tone(0.3)
    player.finish(AudioReply(ReplyAudio.from_pcm(final), transcript="other words"))
    assert sent.kinds() == ["replace", "finish"]
    assert sent.messages[0][1] == [final]
    assert sent.messages[1][0]["transcript"] == "other words"


def test_fail_marks_the_reply_incomplete_with_the_reason() -> None:
    player = LivePlayer()
    player.append_pcm(tone(0.1))
    sent = Sent(player)
    player.fail("connection dropped")
    end = sent.messages[-1][0]
    assert end == {"t": "fail", "chunks": 1, "complete": False, "reason": "connection dropped"}
    assert player.finished


def test_a_sixty_second_reply_costs_the_front_end_under_1_1_times_its_pcm(emulator: Any) -> None:
    client = OpenRouterAudio("k", base_url=emulator.base_url)
    player = LivePlayer()
    Sent(player)
    with client.open(
        "Speak for a minute.", model="openai/gpt-audio-mini", audio={"voice": "alloy", "format": "wav"},
        headers={"X-Emulator-Seconds": "60"},
    ) as stream:  # fmt: skip
        feed(stream, player)
        reply = stream.reply
    player.finish(reply)
    traffic = player.traffic
    assert traffic["pcm"] == len(reply.pcm) == 60 * 48000
    assert traffic["buffers"] == traffic["pcm"]  # binary, each byte once
    assert (traffic["buffers"] + traffic["json"]) / traffic["pcm"] < 1.1


def test_the_front_end_code_never_parses_text_as_html_and_each_file_stays_small() -> None:
    files = sorted(FOLDER.glob("*.js"))
    assert {f.name for f in files} >= set(PLAYER) | set(RECORDER)
    for path in files:
        source = path.read_text()
        for sink in HTML_SINKS:
            assert sink not in source, (path.name, sink)
        assert len(source.splitlines()) <= 300, path.name
    assert "textContent" in (FOLDER / "player_view.js").read_text()


@pytest.mark.parametrize("names", [PLAYER, RECORDER], ids=["player", "recorder"])
def test_each_widget_gets_one_module_with_one_default_export_and_no_imports(names: tuple[str, ...]) -> None:
    source = module_source(names)
    lines = source.rstrip().splitlines()
    assert lines[-1].startswith("export default {") and "render" in lines[-1]
    assert not any(line.startswith(("import ", "export ")) for line in lines[:-1])
    assert all(f"// ---- {name} ----" in source for name in names)


def test_sample_rate_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        LivePlayer(sample_rate=0)


# --- transcript offsets: UTF-16 code units, as the page counts ----------------------------------------

# Emoji (astral: two UTF-16 units each), a ZWJ family, a flag, combining marks, Arabic and Hebrew.
MIXED = ["Hi 👋", "🏽 e\u0301te\u0301", " 👨‍👩‍👧", " 🇫🇷 ", "مرحبا", " עולם ", "n\u0303o ✓", "𝄞."]


def _js_length(text: str) -> int:
    """What JavaScript's ``String.length`` gives: one unit per code point, two beyond the BMP."""
    return sum(2 if ord(c) > 0xFFFF else 1 for c in text)


def test_transcript_offsets_count_utf16_units_as_the_page_does() -> None:
    player = LivePlayer()
    sent = Sent(player)
    for piece in MIXED:
        player.append_transcript(piece)
    offsets = [c["at"] for c, _ in sent.messages]
    assert offsets == [_js_length("".join(MIXED[:i])) for i in range(len(MIXED))]
    assert offsets[1] == 5  # "Hi 👋" is 4 code points, 5 units
    front_end(player, {"t": "ready", "have": 0, "text_len": 0})
    assert sent.messages[-1][0]["text_len"] == _js_length("".join(MIXED))


def test_a_replay_cuts_the_transcript_at_the_pages_utf16_offset() -> None:
    player = LivePlayer()
    for piece in MIXED:
        player.append_transcript(piece)
    sent = Sent(player)
    whole = "".join(MIXED)
    for cut in range(1, len(MIXED)):
        have = "".join(MIXED[:cut])
        front_end(player, {"t": "need", "from": 0, "text_from": _js_length(have)})
        assert sent.messages[-1][0] == {"t": "text", "at": _js_length(have), "text": whole[len(have) :]}


def test_a_final_transcript_that_differs_is_counted_in_utf16_units_too() -> None:
    player = LivePlayer()
    player.append_transcript("draft")
    sent = Sent(player)
    player.finish(AudioReply(transcript="Fin 🎉"))
    assert sent.messages[-1][0]["transcript"] == "Fin 🎉"
    front_end(player, {"t": "ready", "have": 0, "text_len": 0})
    assert sent.messages[-1][0]["text_len"] == 6


# --- Stop ---------------------------------------------------------------------------------------------


def test_stop_from_the_page_runs_the_callbacks_once_and_the_end_says_stopped() -> None:
    player = LivePlayer()
    assert player.stoppable is False  # no Stop button until something can stop the stream
    calls: list[LivePlayer] = []
    player.on_stop(calls.append)
    assert player.stoppable is True
    player.append_pcm(tone(0.2))
    sent = Sent(player)
    front_end(player, {"t": "stop"})
    front_end(player, {"t": "stop"})  # pressed twice
    assert calls == [player] and player.stop_requested
    assert sent.messages == []  # the stop itself sends nothing: the end of the stream will
    player.finish(AudioReply(ReplyAudio.from_pcm(player.pcm), outcome=CANCELLED))
    end = sent.messages[-1][0]
    assert end["t"] == "finish" and end["stopped"] is True and end["complete"] is False
    front_end(player, {"t": "stop"})  # after the end
    assert calls == [player]


def test_a_reply_that_completed_despite_a_late_stop_is_not_marked_stopped() -> None:
    player = LivePlayer()
    player.on_stop(lambda _p: None)
    assert player.request_stop() is True
    sent = Sent(player)
    player.finish(AudioReply(ReplyAudio.from_pcm(tone(0.1))))
    assert "stopped" not in sent.messages[-1][0]


def test_stop_after_the_end_does_nothing() -> None:
    player = LivePlayer()
    calls: list[LivePlayer] = []
    player.on_stop(calls.append)
    player.fail("connection dropped")
    assert player.request_stop() is False
    front_end(player, {"t": "stop"})
    assert calls == [] and not player.stop_requested


def test_the_players_stop_button_stops_audio_chats_reply_and_keeps_what_arrived() -> None:
    with start_emulator(port=0, realtime=1.0) as handle:
        chat = AudioChat(client=OpenRouterAudio("k", base_url=handle.base_url))
        chat.prompt.value = "Please say something rather long so that there is time to stop it in the middle."
        chat.send_button.click()  # the button streams in the background: the kernel stays free for Stop
        player = chat.player
        assert player is not None and player.stoppable
        deadline = time.monotonic() + 20
        while len(player.pcm) < 2 * 19200 and time.monotonic() < deadline:
            time.sleep(0.05)
        sent = Sent(player)
        front_end(player, {"t": "stop"})  # what the page sends when Stop is pressed
        assert chat.wait(10)
    reply = chat.turns[-1].reply
    assert not reply.complete and "cancel" in (reply.error or "")
    assert len(reply.pcm) >= 2 * 19200 and player.pcm == reply.pcm
    end = sent.messages[-1][0]
    assert end["t"] == "finish" and end["stopped"] is True
    assert not chat.send_button.disabled and chat.stop_button.disabled
