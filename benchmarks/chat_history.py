"""What a spoken conversation in AudioChat sends: 20 turns of 5-second recordings, two ways.

Contenders, each a scripted conversation through ``chat.send(audio=...)`` against the emulator (full speed):

- ``transcripts`` (today): each recording is transcribed once, in the background while its reply streams;
  later requests carry it as that text, only the newest recording as audio;
- ``all_audio`` (the baseline, what AudioChat did before): every request carries every earlier recording
  again as audio (``transcription_model=None``): 1 + 2 + ... + 20 recordings.

Printed: the audio seconds sent to the chat model (the bill's audio input), the calls to the transcription
endpoint, and the size of the 1st and the 20th chat request body.

    python benchmarks/chat_history.py [--turns 20] [--seconds 5]
"""

from __future__ import annotations

import argparse
import io
import subprocess
import sys
import time
import wave
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import format_table

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from _client_helpers import audio_seconds


def recording(index: int, seconds: float) -> bytes:
    """A spoken sentence (espeak-ng), padded with silence to ``seconds``: a 16 kHz mono WAV."""
    text = f"This is spoken turn number {index + 1}. Please answer briefly."
    spoken = subprocess.run(["espeak-ng", "--stdout", text], check=True, capture_output=True).stdout
    with wave.open(io.BytesIO(spoken)) as source:
        rate, frames = source.getframerate(), source.readframes(source.getnframes())
    frames = frames[: int(seconds * rate) * 2].ljust(int(seconds * rate) * 2, b"\0")
    out = io.BytesIO()
    with wave.open(out, "wb") as target:
        target.setnchannels(1)
        target.setsampwidth(2)
        target.setframerate(rate)
        target.writeframes(frames)
    return out.getvalue()


def converse(turns: int, seconds: float, transcription_model: str | None) -> dict[str, Any]:
    from or_audio_widgets import AudioChat, OpenRouterAudio, start_emulator

    takes = [recording(i, seconds) for i in range(turns)]
    with start_emulator(port=0, max_requests=4 * turns) as handle:
        chat = AudioChat(client=OpenRouterAudio("k", base_url=handle.base_url),
                         transcription_model=transcription_model)
        started = time.perf_counter()
        for take in takes:
            reply = chat.send(audio=take)
            assert reply is not None and reply.complete, chat.status.value
        elapsed = time.perf_counter() - started
        if chat._transcriber is not None:  # the last recording's transcription runs on after its reply
            chat._transcriber.wait(chat.turns[-2], 30)
        requests = handle.requests
    chats = [r for r in requests if r.path.endswith("/chat/completions")]
    sizes = [body_bytes(r) for r in chats]
    return {
        "audio_sent": sum(audio_seconds(r.json) for r in chats),
        "spoken": turns * seconds,
        "transcriptions": sum(r.path.endswith("/audio/transcriptions") for r in requests),
        "first_body": sizes[0], "last_body": sizes[-1], "seconds": elapsed,
    }


def body_bytes(request: Any) -> int:
    """The size of a recorded request's body, as sent (its Content-Length)."""
    headers = {name.lower(): value for name, value in request.headers.items()}
    return int(headers["content-length"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    rows = []
    for name, model in (("all_audio (baseline)", None), ("transcripts", "openai/whisper-1")):
        got = converse(args.turns, args.seconds, model)
        rows.append([name, got["spoken"], got["audio_sent"], got["audio_sent"] / got["spoken"],
                     got["transcriptions"], got["first_body"], got["last_body"],
                     got["last_body"] / got["first_body"], got["seconds"]])
    print(f"{args.turns} spoken turns of {args.seconds:g} s through chat.send(audio=...), emulator at full "
          "speed")
    print(format_table(["history", "spoken s", "audio sent s", "x spoken", "transcriptions",
                        "1st body B", f"{args.turns}th body B", "last/1st", "wall s"], rows))


if __name__ == "__main__":
    main()
