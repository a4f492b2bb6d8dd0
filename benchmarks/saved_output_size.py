"""Bytes a spoken reply leaves in the notebook: ``--embed auto`` against IPython's ``Audio``, for a common
5-second reply and a 60-second one.

Each reply is real speech from the offline emulator (espeak-ng, 24 kHz pcm16). Contenders,
each in a fresh interpreter (seconds and peak memory of building the output):

- ``IPython.display.Audio(wav)``: the WAV as a base64 data URI (what most notebooks do);
- ``--embed auto``: this package's saved record (an MP3 for every reply of a second or more, with ffmpeg);
- ``--embed auto, no ffmpeg``: the audio goes next to the notebook and is linked;
- ``--embed inline``: the WAV itself inline (the record's own overhead: waveform, transcript, usage).

Must reach: ``--embed auto`` at most 1/6 of ``IPython.display.Audio`` at both lengths, with ffmpeg present.

    python benchmarks/saved_output_size.py
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import emit, format_table, measure, median, run_contender

SENTENCE = ("The keeper climbed the spiral stairs each evening to light the lamp, and watched the ships "
            "pass in the dark water below.")
CONTENDERS = ["ipython-audio", "auto", "auto-no-ffmpeg", "inline"]
LENGTHS = (5, 60)  # seconds: a common short reply, and a long one


def make_reply_wav(folder: Path, seconds: int) -> Path:
    """``seconds`` of real speech from the emulator, as a WAV file."""
    from or_audio_widgets import OpenRouterAudio, start_emulator

    with start_emulator(port=0) as emulator:
        headers = {"X-Emulator-Seconds": str(seconds)}
        client = OpenRouterAudio("offline", emulator.base_url, extra_headers=headers)
        reply = client.speak(" ".join([SENTENCE] * max(1, seconds // 4)))
    path = folder / f"reply-{seconds}.wav"
    path.write_bytes(reply.audio)
    (folder / f"transcript-{seconds}.txt").write_text(reply.transcript, encoding="utf-8")
    return path


def child(name: str, folder: Path, seconds: str) -> None:
    from or_audio_widgets import AudioReply, ReplyAudio, ReplyOrigin
    from or_audio_widgets.jupyter import _saved

    wav = (folder / f"reply-{seconds}.wav").read_bytes()
    transcript = (folder / f"transcript-{seconds}.txt").read_text(encoding="utf-8")
    os.chdir(folder)

    def build() -> int:
        if name == "ipython-audio":
            from IPython.display import Audio

            return len(Audio(data=wav)._repr_html_())
        sound = ReplyAudio.from_file(wav, "wav")
        reply = AudioReply(sound, transcript=transcript, origin=ReplyOrigin(id="gen-bench"))
        if name == "auto-no-ffmpeg":
            _saved.compress = lambda reply: None  # type: ignore[assignment]
        placement = _saved.place_audio(reply, embed="inline" if name == "inline" else "auto")
        return len(_saved.saved_bundle(reply, placement)["text/html"])

    emit(measure(build))


def main() -> int:
    from or_audio_widgets.core._ffmpeg import find_ffmpeg

    met = True
    print(f"ffmpeg: {find_ffmpeg() or 'not found'}")
    for seconds in LENGTHS:
        met &= compare(seconds) >= 6
    print(f"--embed auto at most 1/6 of IPython.display.Audio at {' and '.join(map(str, LENGTHS))} s: "
          f"{'OK' if met or not find_ffmpeg() else 'NOT MET'}")
    return 0


def compare(seconds: int) -> float:
    """Print the table for one length; how many times smaller ``--embed auto`` is than IPython's Audio."""
    with tempfile.TemporaryDirectory() as tmp:
        wav = make_reply_wav(Path(tmp), seconds)
        results = {}
        for name in CONTENDERS:
            command = [sys.executable, __file__, "--child", name, tmp, str(seconds)]
            runs = [run_contender(command) for _ in range(3)]
            results[name] = {"bytes": runs[0]["value"], "seconds": median([r["seconds"] for r in runs]),
                             "peak": median([r["peak_bytes"] for r in runs])}
        wav_size = wav.stat().st_size
    base = results["ipython-audio"]["bytes"]
    rows = [[name, round(r["bytes"] / 1e6, 3), f"1/{base / r['bytes']:.1f}" if r["bytes"] < base else
             f"{r['bytes'] / base:.2f}x", r["seconds"], round(r["peak"] / 1e6, 1)]
            for name, r in results.items()]
    print(f"\nA {seconds}-second reply ({wav_size / 1e6:.2f} MB WAV)")
    print(format_table(["contender", "MB in the notebook", "vs IPython Audio", "seconds", "peak MB"], rows))
    ratio: float = base / results["auto"]["bytes"]
    print(f"--embed auto is 1/{ratio:.1f} of IPython.display.Audio")
    return ratio


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], Path(sys.argv[3]), sys.argv[4])
    else:
        sys.exit(main())
