"""Cancelling a reply: cancel() from another thread, closing the iterator, KeyboardInterrupt.

A paced emulator (real time) keeps the stream running long enough to stop it in the middle. The
pytest timeouts are a safety net for a read that cancel() fails to wake, not a measure of speed.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from _client_helpers import KEY, wav_seconds

from or_audio_widgets import AudioDelta, End, ErrorEvent, OpenRouterAudio, start_emulator
from or_audio_widgets.core._events import Event

SPEAKER = "openai/gpt-audio-mini"
AUDIO = {"voice": "alloy", "format": "wav"}
LONG = {"X-Emulator-Seconds": "30"}


@pytest.fixture(scope="module")
def paced() -> Iterator[Any]:
    handle = start_emulator(port=0, realtime=1.0)
    try:
        yield handle
    finally:
        handle.stop()


@pytest.fixture
def own() -> Iterator[Any]:
    """A paced emulator of the test's own, whose open connections are the test's alone."""
    with start_emulator(port=0, realtime=1.0) as handle:
        yield handle


@pytest.fixture
def client(paced: Any) -> OpenRouterAudio:
    return OpenRouterAudio(KEY, paced.base_url)


def assert_cancelled_but_playable(reply: Any) -> None:
    assert not reply.complete
    assert reply.error_kind == "cancelled"
    assert "cancelled" in reply.error or "KeyboardInterrupt" in reply.error
    assert 0 < reply.duration < 30
    assert wav_seconds(reply.audio) == pytest.approx(reply.duration, abs=0.001)


@pytest.mark.timeout(20)
def test_cancel_from_another_thread_stops_a_paced_stream(client: OpenRouterAudio) -> None:
    events: list[Event] = []
    with client.open("long", model=SPEAKER, audio=AUDIO, headers=LONG) as reply_stream:
        for event in reply_stream:
            events.append(event)
            if isinstance(event, AudioDelta) and sum(isinstance(e, AudioDelta) for e in events) == 2:
                threading.Thread(target=reply_stream.cancel).start()
    assert events[-2] == ErrorEvent("cancelled", kind="cancelled")
    assert events[-1] == End(None, False)
    assert_cancelled_but_playable(reply_stream.reply)


@pytest.mark.timeout(20)
def test_cancel_wakes_a_read_that_is_blocked(own: Any) -> None:
    # The server goes quiet for two minutes after the first audio; the read timeout is longer still,
    # so only cancel() can end this read.
    client = OpenRouterAudio(KEY, own.base_url, timeout=300)
    headers = {**LONG, "X-Emulator-Fault": "stall;seconds=120"}
    with client.open("stall", model=SPEAKER, audio=AUDIO, headers=headers) as reply_stream:
        for event in reply_stream:
            if isinstance(event, AudioDelta):
                timer = threading.Timer(0.2, reply_stream.cancel)  # fires while the read is blocked
                timer.start()
    timer.join()
    assert_cancelled_but_playable(reply_stream.reply)
    assert reply_stream.done
    assert server_connections_after(own) == 0  # the stalled server saw the client go


@pytest.mark.timeout(20)
def test_the_partial_reply_is_readable_while_running(client: OpenRouterAudio) -> None:
    with client.open("live", model=SPEAKER, audio=AUDIO, headers=LONG) as reply_stream:
        seen = []
        for event in reply_stream:
            if isinstance(event, AudioDelta):
                seen.append(reply_stream.reply.duration)
                if len(seen) == 3:
                    break
    assert seen == sorted(seen) and seen[0] > 0
    assert_cancelled_but_playable(reply_stream.reply)


@pytest.mark.timeout(20)
def test_closing_the_iterator_cancels(client: OpenRouterAudio) -> None:
    reply_stream = client.open("close", model=SPEAKER, audio=AUDIO, headers=LONG)
    events = iter(reply_stream)
    while not isinstance(next(events), AudioDelta):
        pass
    events.close()  # type: ignore[attr-defined]
    assert reply_stream.done
    assert_cancelled_but_playable(reply_stream.reply)


def server_connections_after(handle: Any) -> int:
    """The emulator's open connections once it has had time to notice a client leaving (it writes a
    paced chunk every 0.4 s); a connection left open would still count after this wait."""
    for _ in range(100):
        if handle.open_connections == 0:
            break
        threading.Event().wait(0.05)
    return int(handle.open_connections)


@pytest.mark.timeout(20)
def test_closing_the_stream_generator_cancels(own: Any) -> None:
    events = OpenRouterAudio(KEY, own.base_url).stream("gen", model=SPEAKER, audio=AUDIO, headers=LONG)
    while not isinstance(next(events), AudioDelta):
        pass
    assert own.open_connections == 1
    events.close()  # type: ignore[attr-defined]
    # the connection is closed, not returned to the pool: the server stops generating the reply
    assert server_connections_after(own) == 0


@pytest.mark.timeout(20)
def test_keyboard_interrupt_in_a_callback_closes_and_propagates(client: OpenRouterAudio) -> None:
    def interrupt(event: Event) -> None:
        if isinstance(event, AudioDelta):
            raise KeyboardInterrupt

    reply_stream = client.open("ctrl-c", model=SPEAKER, audio=AUDIO, headers=LONG)
    with pytest.raises(KeyboardInterrupt):
        reply_stream.collect(interrupt)
    assert reply_stream.done
    assert_cancelled_but_playable(reply_stream.reply)
    with pytest.raises(KeyboardInterrupt):
        client.speak("ctrl-c", on_event=interrupt, headers=LONG)
    # what speak() received before Ctrl-C is not lost with the exception
    assert client.last_reply is not None
    # the words that had arrived by the first audio chunk (the transcript runs just ahead of the audio)
    assert "Offline emulator speaking. You said: ctrl-c".startswith(client.last_reply.transcript)
    assert client.last_reply.transcript
    assert_cancelled_but_playable(client.last_reply)
    # the client stays usable after an interrupted call
    assert client.speak("after", headers={"X-Emulator-Realtime": "0", "X-Emulator-Seconds": "0.2"}).complete


@pytest.mark.timeout(20)
def test_keyboard_interrupt_in_the_loop_body(client: OpenRouterAudio) -> None:
    reply_stream = client.open("loop", model=SPEAKER, audio=AUDIO, headers=LONG)
    with pytest.raises(KeyboardInterrupt), reply_stream:
        for event in reply_stream:
            if isinstance(event, AudioDelta):
                raise KeyboardInterrupt
    assert_cancelled_but_playable(reply_stream.reply)


def test_cancel_before_reading(client: OpenRouterAudio) -> None:
    with client.open("early", model=SPEAKER, audio=AUDIO, headers=LONG) as reply_stream:
        reply_stream.cancel()
        events = list(reply_stream)
    assert events == [ErrorEvent("cancelled", kind="cancelled"), End(None, False)]
    reply = reply_stream.reply
    assert not reply.complete and reply.error_kind == "cancelled"


def test_cancel_after_the_end_changes_nothing(client: OpenRouterAudio) -> None:
    headers = {"X-Emulator-Realtime": "0", "X-Emulator-Seconds": "0.3"}
    with client.open("done", model=SPEAKER, audio=AUDIO, headers=headers) as reply_stream:
        list(reply_stream)
        reply_stream.cancel()
    assert reply_stream.reply.complete
