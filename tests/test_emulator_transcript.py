"""The emulator's transcript streams as in the real captures: a cut-off reply holds the words that had
arrived, not the whole sentence (the interleaving itself is checked in test_emulator and
test_emulator_speech)."""

from __future__ import annotations

from typing import Any

import pytest

from or_audio_widgets import OpenRouterAudio


def test_a_cut_off_reply_shows_the_words_that_had_arrived(emulator: Any) -> None:
    client = OpenRouterAudio("k", base_url=emulator.base_url, max_retries=0)
    prompt = "tell the story of the lighthouse keeper who climbed the stairs every evening"
    full = client.speak(prompt, headers={"X-Emulator-Seconds": "8"}).transcript
    cut = client.speak(prompt, headers={"X-Emulator-Fault": "drop;after=5", "X-Emulator-Seconds": "8"})
    # five of twenty audio chunks (2 s of 8): the words spoken so far and a little more, not the sentence
    assert not cut.complete and cut.duration == pytest.approx(2.0)
    assert full.startswith(cut.transcript) and 0 < len(cut.transcript) < len(full) / 2
