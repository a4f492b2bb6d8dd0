"""What the transcription endpoint answers: the audio checked and decoded, recognised when it can be.

With ``pocketsphinx`` installed (its wheel carries an English model) the words are recognised for real,
and the text says it comes from the offline emulator; without it the text describes the audio. Usage is
priced by the second or by the token, as the model's entry says.
"""

from __future__ import annotations

import base64
import binascii
import math
import os
import tempfile
from typing import Any

from ..core._ffmpeg import run_ffmpeg
from ..core._formats import encoder_of
from ..core._wav import wav_to_pcm16
from ..errors import AudioFormatError, AudioInputError, FFmpegNotFoundError
from . import _assumptions as rules
from . import _stt_time as _time
from ._answer import unclear
from ._audio_models import TranscriptionModel
from ._inputs import loudness
from ._listen import RATE, listen, listen_timed
from ._request import APIFailure, Headers
from ._speech import downmix, resample

OFFLINE_TEXT_PREFIX = "[offline emulator] "


def transcribe_body(body: dict[str, Any], model: TranscriptionModel, *, listen: bool = True,
                    headers: Headers | None = None) -> dict[str, Any]:
    """:func:`transcribe_timed`'s answer alone."""
    return transcribe_timed(body, model, listen=listen, headers=headers)[0]


def transcribe_timed(body: dict[str, Any], model: TranscriptionModel, *, listen: bool = True,
                     headers: Headers | None = None) -> tuple[dict[str, Any], float]:
    """The ``{text, usage}`` answer to a transcription request; :class:`APIFailure` when refused.

    ``listen=False`` describes the audio without recognising it, as when pocketsphinx is absent.
    ``verbose_json`` adds the duration and timed segments and words (see ``_stt_time``); audio longer
    than the upstream budget is refused there too (the caller holds the answer back first).
    """
    fmt_out = _time.check_format(body, model.id)
    wanted = _time.granularities(body) if fmt_out == "verbose_json" else ()
    audio = body.get("input_audio")
    audio = audio if isinstance(audio, dict) else {}
    fmt, data = audio.get("format"), audio.get("data")
    if fmt not in rules.STT_FORMATS:
        raise APIFailure(400, f"Invalid input_audio.format {fmt!r}; supported: "
                              f"{', '.join(rules.STT_FORMATS)}.")
    if not isinstance(data, str) or not data or data.startswith("data:"):
        raise APIFailure(400, "input_audio.data must be base64-encoded audio (without a data: prefix).")
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise APIFailure(400, "input_audio.data is not valid base64.") from None
    if len(raw) > rules.STT_MAX_BYTES:
        limit = rules.STT_MAX_BYTES
        raise APIFailure(413, f"Audio file is {len(raw)} bytes; the limit is {limit}.")
    temperature = body.get("temperature", 0)
    number = isinstance(temperature, (int, float)) and not isinstance(temperature, bool)
    if not number or not 0 <= temperature <= 1:
        raise APIFailure(400, "'temperature' must be a number from 0 to 1.")
    pcm = decode_16k(raw, str(fmt))
    seconds = len(pcm) / 2 / RATE
    failure = _time.over_budget(model.id, seconds, headers or {})
    if failure is not None:
        raise failure
    timed = _listen_timed(pcm) if listen and wanted else None
    words = (" ".join(w for w, _, _ in timed) if timed is not None else recognise(pcm)) if listen else None
    if words is None:
        why = "install pocketsphinx to have the words recognised" if listen else "recognition turned off"
        level = loudness(pcm)
        text = f"{OFFLINE_TEXT_PREFIX}heard {seconds:.2f} s of {fmt} audio at {level:.1f} dBFS ({why})"
    elif not words:
        text = f"{OFFLINE_TEXT_PREFIX}{unclear(seconds)}"
    else:
        text = OFFLINE_TEXT_PREFIX + words
    answer = {"text": text, "usage": _usage(model, seconds, text)}
    if fmt_out == "verbose_json":
        answer.update(_time.verbose(text, seconds, timed or [], wanted))
    return answer, seconds


def _usage(model: TranscriptionModel, seconds: float, text: str) -> dict[str, Any]:
    if model.priced_by == "seconds":
        return {"seconds": round(seconds, 3), "cost": round(seconds * model.price, 8)}
    tokens_in, tokens_out = max(1, math.ceil(seconds * 10)), max(1, len(text.split()))
    cost = (tokens_in + 4 * tokens_out) * model.price
    return {"input_tokens": tokens_in, "output_tokens": tokens_out, "total_tokens": tokens_in + tokens_out,
            "cost": round(cost, 8)}


def decode_16k(raw: bytes, fmt: str) -> bytes:
    """Mono 16 kHz pcm16 of ``raw``: integer-PCM WAV read here, anything else through ffmpeg."""
    if fmt == "wav":
        try:
            info, pcm = wav_to_pcm16(raw)
        except AudioFormatError:
            pass  # not plain PCM (a float or compressed WAV): ffmpeg decodes it
        else:
            if not pcm:
                raise APIFailure(400, "Invalid audio data in input_audio: it holds no samples.")
            return resample(downmix(pcm, info.channels), info.sample_rate, RATE)
    return _ffmpeg_16k(raw, fmt)


def _ffmpeg_16k(raw: bytes, fmt: str) -> bytes:
    # ffmpeg reads from a file, not a pipe: m4a keeps its index at the end and needs seeking
    fd, path = tempfile.mkstemp(prefix="or-audio-emulator-", suffix=f".{fmt}")
    failure: str | None = None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(raw)
        args = ["-i", path, "-vn", "-ac", "1", "-ar", str(RATE), *encoder_of("wav").args(1), "pipe:1"]
        _, pcm = wav_to_pcm16(run_ffmpeg(args, purpose="decoding the upload", name="input_audio"))
    except FFmpegNotFoundError:
        failure = f"the emulator needs ffmpeg to decode {fmt}, and none is installed"
    except (AudioInputError, AudioFormatError) as exc:
        failure = f"the {fmt} audio could not be decoded ({exc})"
    finally:
        os.unlink(path)
    if failure is not None:
        raise APIFailure(400, f"Invalid audio data in input_audio: {failure}.")
    if not pcm:
        raise APIFailure(400, "Invalid audio data in input_audio: it holds no samples.")
    return pcm


def _listen_timed(pcm: bytes) -> list[tuple[str, float, float]] | None:
    return listen_timed(pcm)


def recognise(pcm: bytes) -> str | None:
    """The words in mono 16 kHz pcm16 ("" when unclear); None when pocketsphinx is not installed."""
    heard = listen(pcm)
    return None if heard is None else heard.words
