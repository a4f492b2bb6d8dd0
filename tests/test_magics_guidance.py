"""Messages that point the right way, in a real IPython shell: what a cell lacks, the option meant, the
model meant, and ``%%oraudio?`` opening with examples. Offline: the kernel's emulator over 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from _magics_support import Recorded
from IPython.core.error import UsageError

from or_audio_widgets import OpenRouterAudio, UnknownModelError
from or_audio_widgets.jupyter._offline import current_emulator, stop_emulator


@pytest.fixture
def offline(ip: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("OR_AUDIO_OFFLINE", "1")
    yield ip
    stop_emulator()


def _usage_error(ip: Any, cell: str) -> str:
    """The UsageError a cell ends with, as run from a notebook (input transformers included)."""
    error = ip.run_cell(cell).error_in_exec
    assert isinstance(error, UsageError), error
    return str(error)


def _sent(path: str) -> int:
    handle = current_emulator()
    return 0 if handle is None else sum(r.path.endswith(path) for r in handle.requests)


@pytest.mark.parametrize("cell", ["%oraudio --transcribe", "%%oraudio --transcribe\n",
                                  "%%oraudio --transcribe\n\n"])
def test_transcribe_without_input_asks_for_minus_i(offline: Any, cell: str) -> None:
    text = _usage_error(offline, cell)
    assert text.startswith("Nothing to transcribe: --transcribe writes down the audio you give with -i")
    assert "%oraudio --transcribe -i meeting.m4a" in text
    assert "write a prompt" not in text


@pytest.mark.parametrize("cell", ["%%oraudio --say", "%%oraudio --say\n", "%%oraudio --say\n   \n",
                                  "%oraudio --say"])
def test_an_empty_say_cell_says_there_is_nothing_to_read(offline: Any, cell: str) -> None:
    text = _usage_error(offline, cell)
    assert text.startswith("Nothing to read aloud: --say reads the text written under the first line")
    assert "%%oraudio --say\n    Every word" in text and "%oraudio --say Good morning!" in text
    assert "single %" not in text  # IPython's own guess, wrong here, no longer shows


def test_an_empty_transcribe_cell_with_input_runs(offline: Any, rec: Recorded, tmp_path: Any) -> None:
    offline.run_cell("%%oraudio --say --out spoken --save spoken.wav\nHello there.")
    result = offline.run_cell("%%oraudio --transcribe -i spoken.wav")  # nothing under the first line
    assert result.error_in_exec is None, result.error_in_exec
    assert offline.user_ns["_oraudio"].text


def test_an_empty_chat_cell_says_where_the_prompt_goes(offline: Any) -> None:
    text = _usage_error(offline, "%%oraudio --voice nova")
    assert text.startswith("Nothing to send: write a prompt under the first line of the %%oraudio cell")


@pytest.mark.parametrize(("line", "meant"), [("--voise nova Hi", "--voice"), ("--formt mp3 Hi", "--format"),
                                             ("--transcibe -i a.wav", "--transcribe"),
                                             ("--voise=nova Hi", "--voice"), ("-voice nova Hi", "--voice")])
def test_an_unknown_option_names_the_closest(offline: Any, line: str, meant: str) -> None:
    text = _usage_error(offline, f"%oraudio {line}")
    word = line.split()[0].split("=")[0]
    assert text == f"%oraudio has no option {word}: did you mean {meant}? %%oraudio? lists every option."


def test_an_unknown_option_of_another_magic_and_one_far_from_all(offline: Any) -> None:
    assert "did you mean --speech-voice?" in _usage_error(offline, "%oraudio_config --speech-voise nova")
    text = _usage_error(offline, "%oraudio --zzzzzz Hi")
    assert text == "%oraudio has no option --zzzzzz. %%oraudio? lists every option."


@pytest.mark.parametrize(("cell", "meant"), [
    ("%oraudio -m openai/gpt-audio-mimi Hello", "openai/gpt-audio-mini"),
    ("%%oraudio --say -m openai/gpt-4o-mini-tts\nHello", "openai/gpt-4o-mini-tts-2025-12-15"),
    ("%oraudio --text -m google/gemini-2.5-flahs Say hello.", "google/gemini-2.5-flash"),
])
def test_an_unknown_model_is_refused_before_sending(offline: Any, cell: str, meant: str) -> None:
    text = _usage_error(offline, cell)
    assert "is not in OpenRouter's model list, so nothing was sent. Did you mean " in text
    assert meant in text.split("Did you mean ")[1] and "%oraudio_models" in text
    assert _sent("/chat/completions") == _sent("/audio/speech") == 0


def test_an_unknown_default_model_is_explained_with_the_magic(offline: Any) -> None:
    offline.run_line_magic("oraudio_config", "-m openai/gpt-audio-minni")
    error = offline.run_cell("%%oraudio\nHello").error_in_exec
    lines = error._render_traceback_()
    assert "Unknown model" in lines[0] and "Did you mean openai/gpt-audio-mini" in lines[0]
    assert "%oraudio_models" in lines[0] and _sent("/chat/completions") == 0


def test_the_plain_client_refuses_an_unknown_model_with_its_catalogue(offline: Any) -> None:
    with OpenRouterAudio() as client:
        meant = r"Did you mean openai/whisper-1\?.*client\.catalogue\(\)"
        with pytest.raises(UnknownModelError, match=meant):
            client.transcribe(b"RIFF", model="openai/whisper-2")
        with pytest.raises(UnknownModelError, match="openai/gpt-audio-mini"):
            client.speak("Hi", model="openai/gpt-audio-mimi")
    assert _sent("/chat/completions") == _sent("/audio/transcriptions") == 0


def test_an_unreadable_list_lets_the_request_go_out(emulator: Any) -> None:
    unchecked = OpenRouterAudio("sk-or-v1-x0123456789", emulator.base_url, check_models=False)
    with pytest.raises(Exception, match="is not a valid model ID") as caught:  # the server's own refusal
        unchecked.speak("Hi", model="openai/gpt-audio-mimi")
    assert not isinstance(caught.value, UnknownModelError)


def test_the_help_starts_with_an_example_per_surface(ip: Any) -> None:
    text = ip.object_inspect_text("%%oraudio")
    head = text[: text.index("Usage:")]
    for example in ("%%oraudio --voice nova\n  In one short sentence", "%%oraudio --text -i meeting.m4a\n",
                    "%%oraudio --say\n  Every word", "%oraudio --transcribe -i meeting.m4a"):
        assert example in head, example
    assert head.index("Examples") < head.index("%%oraudio --voice nova")
