"""The offline emulator listens: it writes down speech (its own and espeak-ng's) as what was said, calls
noise and tones unclear instead of inventing words, and its chat answers to audio say what it heard."""

from __future__ import annotations

import io
import math
import random
import re
import shutil
import subprocess
import wave
from pathlib import Path

import pytest

from or_audio_widgets import OpenRouterAudio
from or_audio_widgets.emulator import _listen, _said
from or_audio_widgets.emulator._lm import Counts, _Model, arpa, sentences_of
from or_audio_widgets.emulator._phones import to_arpabet
from or_audio_widgets.emulator._quiet import RATE
from or_audio_widgets.emulator._transcribe import decode_16k

pytest.importorskip("pocketsphinx")
needs_listening = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="needs espeak-ng")


@pytest.fixture(autouse=True)
def _fresh_session() -> None:
    """What other tests made the emulator say would weigh in the language model: start from the corpus."""
    _said.forget()


def words(text: str) -> list[str]:
    return re.findall(r"[a-z']+", text.removeprefix("[offline emulator]").lower())


def error_rate(said: str, heard: str) -> float:
    ref, hyp = words(said), words(heard)
    row = list(range(len(hyp) + 1))
    for i, word in enumerate(ref, 1):
        previous, row[0] = row[0], i
        for j, other in enumerate(hyp, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (word != other))
    return row[-1] / len(ref)


def wav_of(samples: list[int], rate: int = 16000) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"".join(max(-32768, min(32767, s)).to_bytes(2, "little", signed=True)
                               for s in samples))  # fmt: skip
    return out.getvalue()


def espeak_wav(text: str, voice: str | None = None) -> bytes:
    command = ["espeak-ng", *(["-v", voice] if voice else []), "--stdout", text]
    return subprocess.run(command, capture_output=True, check=True).stdout


@needs_listening
def test_the_emulators_own_speech_is_written_down_as_said(client: OpenRouterAudio) -> None:
    said = "The kettle is on. Meet me at the station at noon."
    heard = client.transcribe(client.say(said, voice="nova").audio).text
    assert heard.startswith("[offline emulator] ")
    assert error_rate(said, heard) <= 0.2, heard


@needs_listening
def test_espeak_speech_in_a_voice_the_emulator_does_not_use(client: OpenRouterAudio) -> None:
    said = "Hello from the fake microphone. This is a recording made for the browser test."
    heard = client.transcribe(espeak_wav(said)).text
    assert error_rate(said, heard) <= 0.25, heard


@pytest.mark.parametrize("kind", ["noise", "tone"])
def test_noise_and_tones_are_unclear_not_words(client: OpenRouterAudio, kind: str) -> None:
    rng = random.Random(7)
    if kind == "noise":
        samples = [round(rng.gauss(0, 6000)) for _ in range(24000)]
    else:
        samples = [round(9000 * math.sin(2 * math.pi * 440 * n / 16000)) for n in range(24000)]
    text = client.transcribe(wav_of(samples)).text
    assert text.startswith("[offline emulator] (unclear"), text


@needs_listening
@pytest.mark.parametrize(("voice", "said"), [("fr", "Je voudrais un café, s'il vous plaît."),
                                             ("es", "El tren sale a las ocho de la mañana."),
                                             ("pl", "Dzień dobry, jak się masz dzisiaj?")])  # fmt: skip
def test_speech_in_another_language_is_unclear_not_english_nonsense(client: OpenRouterAudio, voice: str,
                                                                    said: str) -> None:
    text = client.transcribe(espeak_wav(said, voice)).text
    assert text.startswith("[offline emulator] (unclear"), text


@needs_listening
def test_a_spoken_answer_to_audio_says_what_it_heard(client: OpenRouterAudio) -> None:
    said = "Every word of this cell is read aloud, exactly as written."
    spoken = client.say(said, voice="alloy").audio
    reply = client.speak("", inputs=[spoken], voice="alloy")
    head, _, rest = reply.transcript.partition("You said: ")
    assert head == "Offline emulator speaking. " and error_rate(said, rest) <= 0.2, reply.transcript


def test_a_spoken_answer_to_a_tone_says_nothing_clear_was_heard(client: OpenRouterAudio) -> None:
    tone = wav_of([round(9000 * math.sin(2 * math.pi * 440 * n / 16000)) for n in range(16000)])
    reply = client.speak("", inputs=[tone], voice="alloy")
    assert reply.transcript == "Offline emulator speaking. I heard nothing clear in your audio."


@needs_listening
def test_asking_for_a_transcription_in_chat_returns_the_words(client: OpenRouterAudio) -> None:
    said = "The kettle is on. Meet me at the station at noon."
    spoken = client.say(said, voice="nova").audio
    ask = "Transcribe this audio, word for word."
    reply = client.transcribe(spoken, model="google/gemini-2.5-flash", prompt=ask)
    first, *rest = reply.text.splitlines()
    assert first.startswith("[offline emulator] ") and error_rate(said, first) <= 0.2, reply.text
    assert rest[0] == "Offline emulator received 1 audio part."  # what arrived is still described after


@pytest.mark.parametrize("prior", [None, {"umbrella": 3e-6, "the": 0.04, "station": 1e-4}])
def test_every_history_of_the_language_model_sums_to_one(prior: dict[str, float] | None) -> None:
    counts = Counts()
    for sentence in sentences_of("The kettle is on. Meet me at the station. The station is on the hill."):
        counts.add(sentence)
    model = _Model(counts, prior, 0.2)
    vocabulary = [gram for gram in model.prob[0] if gram != ("<s>",)]
    assert (("umbrella",) in vocabulary) == (prior is not None)  # a word of the prior alone is within reach
    for history in [("the",), ("<s>", "the"), ("at", "the"), ("hill",)]:
        total = sum(model.lower(history + word) for word in vocabulary)
        assert total == pytest.approx(1.0, abs=1e-9), history
    text = arpa(counts, prior, 0.2)
    assert text.startswith("\\data\\\nngram 1=") and "-99.00000 <s>" in text and text.endswith("\\end\\\n")


def test_the_shipped_word_list_and_adapted_model_are_read() -> None:
    words = _listen.general_words()
    assert len(words) >= 10000 and {"jacket", "camera", "bicycle"} <= words.keys()
    assert words["the"] > words["jacket"] > 0 and sum(words.values()) < 1.0
    assert {Path(path).name for path in _listen._adapted().values()} == {"means", "variances"}


@needs_listening
@pytest.mark.parametrize("voice", [None, "en-us+m3"])
def test_the_fake_microphones_sentences_are_written_down_as_said(client: OpenRouterAudio,
                                                                 voice: str | None) -> None:
    """The hands-free tests' sentences, in espeak-ng's default voice (theirs) and one the emulator lacks."""
    for said in ("Hello there. This is the first thing I want to say.",
                 "And this is the second thing, after a pause."):  # fmt: skip
        heard = client.transcribe(espeak_wav(said, voice)).text
        assert error_rate(said, heard) <= 0.1, heard


@needs_listening
def test_everyday_words_beyond_the_corpus_are_within_reach(client: OpenRouterAudio) -> None:
    """Words the shipped sentences never use ("jacket", "camera") come from the general word list."""
    corpus = set(" ".join(" ".join(w) for w in sentences_of(_listen.CORPUS.read_text())).split())
    said = "Bring your jacket and the camera."
    assert not {"jacket", "camera"} & corpus
    heard = client.transcribe(espeak_wav(said, "en-us")).text
    assert {"jacket", "camera"} <= set(words(heard)), heard


@needs_listening
def test_timed_words_are_the_same_take_as_the_words(client: OpenRouterAudio) -> None:
    """listen() and listen_timed() read one take the same way; the times run forward within the audio, the
    first word starting near where the speech does (not where the recogniser's added lead-in ends)."""
    pcm = decode_16k(client.say("Turn left after the bridge.", voice="echo").audio, "wav")
    heard = _listen.listen(pcm)
    timed = _listen.listen_timed(pcm)
    assert heard is not None and heard.clear and timed is not None
    assert " ".join(word for word, _, _ in timed) == heard.words
    ends = [t for _, start, end in timed for t in (start, end)]
    assert ends == sorted(ends) and 0 <= ends[0] < 0.2 and ends[-1] <= len(pcm) / 2 / RATE


def test_espeak_phonemes_become_the_models_phones() -> None:
    assert to_arpabet("dZ'VpaIt#3r-") == "JH AH P AY T ER"
    assert to_arpabet("n'oUv@") == "N OW V AH"


@needs_listening
def test_the_same_take_reads_the_same_whatever_was_heard_before(client: OpenRouterAudio) -> None:
    """The recogniser's running cepstral mean and noise estimate would carry one take into the next."""
    take = espeak_wav("Hello from the fake microphone. This is a recording made for the browser test.")
    first = client.transcribe(take).text
    rng = random.Random(7)
    for before in (wav_of([round(rng.gauss(0, 6000)) for _ in range(24000)]), wav_of([0] * 16000),
                   espeak_wav("Quiet whispers in the dark hall.", voice="en-us+f3"),
                   espeak_wav("Loud", voice="de")):  # fmt: skip
        client.transcribe(before)
        assert client.transcribe(take).text == first
