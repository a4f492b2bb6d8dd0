"""``python -m or_audio_widgets replay FILE.sse -o OUT.wav``: reassemble a captured stream.

Writes the audio (format from the output's suffix) and prints the words. Exits 1 when the stream
reported an error or was cut short, after writing whatever audio arrived, so scripts notice.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import OpenRouterAudioError
from ._reply import AudioReply


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m or_audio_widgets replay",
        description="Reassemble a captured chat-completions SSE stream: write its audio, print its words.",
    )
    parser.add_argument("source", type=Path, help="the captured response body (.sse)")
    parser.add_argument("-o", "--output", type=Path, default=None,
                        help="where to write the audio; the suffix picks the format (.wav, .mp3, .flac, ...)")
    parser.add_argument("--sample-rate", type=int, default=24000, help="pcm16 sample rate (default 24000)")
    parser.add_argument("--wire-format", default="pcm16", help="audio format in the stream (default pcm16)")
    return parser


def main(argv: list[str]) -> int:
    """Run the replay command; returns the exit status (0 ok, 1 stream error, 2 usage or file error)."""
    args = _parser().parse_args(argv)
    try:
        reply = AudioReply.from_sse(args.source, sample_rate=args.sample_rate, wire_format=args.wire_format)
    except (OSError, OpenRouterAudioError) as exc:
        print(f"replay: cannot read {args.source}: {exc}", file=sys.stderr)
        return 2
    if reply.words:
        print(reply.words)
    if args.output is not None:
        try:
            path = reply.save(args.output)
        except (OSError, OpenRouterAudioError) as exc:
            print(f"replay: cannot write {args.output}: {exc}", file=sys.stderr)
            return 2
        print(f"wrote {path} ({reply.duration:.2f} s of audio)", file=sys.stderr)
    elif len(reply.pcm):
        print(f"{reply.duration:.2f} s of audio not written (give -o OUT.wav)", file=sys.stderr)
    if not reply.complete:
        print(f"replay: incomplete: {reply.error}", file=sys.stderr)
        return 1
    return 0
