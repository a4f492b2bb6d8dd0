"""Transcribing a recording of any length: split at pauses, pieces in parallel, one text with times.

A transcription request carries at most 25 MB, and OpenRouter's upstream providers stop at 60 s per
request (measured), so a lecture cannot go in one request. The recording is read in place
(``_long_recording``), cut at its pauses (``core._pauses``), and each piece is sent as a 16-bit WAV
through ``transcribe()`` itself, so the pieces take the client's one request path with its retries and
deadlines. At most ``concurrency`` pieces are in flight, and only their bytes are held. Pieces are
joined in order (``core._stitch``) with their times made the recording's. A piece that still fails after
``retries`` more tries is marked in the text where it was, never dropped. With ``journal`` each finished
piece is appended to a JSON Lines file as it arrives, so a rerun (after Ctrl-C, a crash or a failed
piece) sends only what is missing; the journal names its recording and model and is not mixed.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core._catalogue import ModelEntry, transcription_seconds
from ..core._defaults import TRANSCRIPTION_MAX_BYTES
from ..core._pauses import Piece, loudness_windows, plan_pieces
from ..core._redact import mask_secrets
from ..core._reply import AudioReply
from ..core._reply_parts import ReplyOrigin, ReplyOutcome
from ..core._stitch import drop_repeated
from ..core._timed import Segment, clock
from ..core._wav import WAV_HEADER_SIZE, wav_header
from ..errors import OptionError
from ._journal import append_record, open_journal
from ._long_recording import Recording, open_recording, wav_seconds

TIMED_MODELS = ("openai/whisper-1", "openai/gpt-4o-mini-transcribe")  # verbose_json: OpenAI-compatible
IN_FLIGHT_BYTES = 8_000_000  # raw audio of all pieces in flight at most: memory stays flat with length
MIN_PIECE_SECONDS = 15.0
OVERLAP_SECONDS = 2.0
TIMESTAMPS = ("segment", "word")


@dataclass
class _Done:
    """One piece's outcome: its words, timed segments and cost, or why it failed."""

    index: int
    text: str
    segments: list[Segment]
    words: list[Segment]
    cost: float | None = None
    error: str | None = None


@dataclass(frozen=True)
class Limits:
    """The most audio one transcription request of a model may carry: ``seconds`` and ``bytes``."""

    seconds: float
    bytes: int


def piece_limits(model: str, entry: ModelEntry | None, max_piece_seconds: float | None) -> Limits:
    """What one request of ``model`` carries: ``max_piece_seconds`` when given, else the model list's
    figures (``entry``) where it has them, else the table (``core._catalogue``) and the 25 MB cap."""
    size = entry.audio_bytes if entry is not None and entry.audio_bytes else TRANSCRIPTION_MAX_BYTES
    if max_piece_seconds is None:
        return Limits(transcription_seconds(model, entry), size)
    if not max_piece_seconds >= 2 * MIN_PIECE_SECONDS / 3:
        raise OptionError(f"max_piece_seconds must be at least 10 seconds, not {max_piece_seconds!r}")
    return Limits(float(max_piece_seconds), size)


def verbose_params(model: str, timestamps: str | None) -> dict[str, Any]:
    """What asks ``model`` for times: ``verbose_json`` where its provider has them, else nothing (the
    pieces' own times are used)."""
    if timestamps is None:
        return {}
    if timestamps not in TIMESTAMPS:
        raise OptionError(f"timestamps must be 'segment' or 'word' (or None), not {timestamps!r}")
    if model not in TIMED_MODELS:
        return {}
    return {"response_format": "verbose_json", "timestamp_granularities": [timestamps]}


def transcribe_long(transcribe: Callable[..., AudioReply], source: Any, *, model: str, limits: Limits,
                    concurrency: int = 8, retries: int = 1,
                    journal: str | os.PathLike[str] | None = None, progress: bool = True,
                    timestamps: str | None = "segment", cancel: Callable[[], object] | None = None,
                    **params: Any) -> AudioReply:
    """Transcribe ``source`` piece by piece with ``transcribe(piece_wav, model=..., **params)``, each
    piece within ``limits``; ``cancel`` closes the connections
    in flight on Ctrl-C (they stop billing)."""
    if concurrency < 1 or retries < 0:
        raise OptionError("concurrency must be at least 1 and retries at least 0")
    recording = open_recording(source)
    try:
        per_second = 2 * recording.channels * recording.rate
        # within the request's size, and short enough that all pieces in flight hold at most
        # IN_FLIGHT_BYTES of audio: the memory used stays the same however long the recording is
        limit = min(limits.seconds, (limits.bytes - WAV_HEADER_SIZE) / per_second,
                    max(MIN_PIECE_SECONDS, IN_FLIGHT_BYTES / concurrency / per_second))
        levels = loudness_windows(recording.samples, recording.channels, recording.rate)
        pieces = plan_pieces(levels, recording.rate, recording.frames, limit, OVERLAP_SECONDS)
        call = {**params, **verbose_params(model, timestamps), "model": model}
        runner = _Runner(transcribe, recording, pieces, call, retries, cancel)
        done = _load(journal, recording, model, pieces)
        runner.run(done, concurrency, journal, progress)
        return _stitched(recording, pieces, done, model)
    finally:
        recording.close()


class _Runner:
    """Sends the pieces, at most ``concurrency`` at once, each retried ``retries`` times."""

    def __init__(self, transcribe: Callable[..., AudioReply], recording: Recording, pieces: list[Piece],
                 call: dict[str, Any], retries: int, cancel: Callable[[], object] | None) -> None:
        self.transcribe, self.recording, self.pieces = transcribe, recording, pieces
        self.call, self.retries, self.cancel = call, retries, cancel
        self.stopped = threading.Event()  # Ctrl-C: no piece is sent or retried after it

    def wav(self, piece: Piece) -> bytes:
        """The piece as a WAV file (the only copy of its samples this makes)."""
        rec = self.recording
        pcm = rec.samples[piece.start * rec.channels : piece.end * rec.channels].cast("B")
        return wav_header(len(pcm), rec.rate, rec.channels) + pcm

    def one(self, index: int) -> _Done:
        piece = self.pieces[index]
        if piece.silent:  # digital silence: nothing is said, nothing to pay for
            return _Done(index, "", [], [], 0.0)
        error = ""
        for _ in range(self.retries + 1):
            if self.stopped.is_set():
                return _Done(index, "", [], [], None, "cancelled")
            try:
                reply = self.transcribe(self.wav(piece), **self.call)
            except (KeyboardInterrupt, SystemExit):
                raise
            except Exception as exc:  # recorded in the text, never raised: the other pieces go on
                error = mask_secrets(f"{type(exc).__name__}: {exc}")
                continue
            offset = piece.start / self.recording.rate
            segments = [s.shifted(offset) for s in reply.segments]
            words = segments if self.call.get("timestamp_granularities") == ["word"] else []
            return _Done(index, reply.text, segments, words, reply.cost)
        return _Done(index, "", [], [], None, error or "no answer")

    def run(self, done: dict[int, _Done], concurrency: int, journal: str | os.PathLike[str] | None,
            progress: bool) -> None:
        from tqdm.auto import tqdm

        todo = [i for i in range(len(self.pieces)) if i not in done]
        bar = tqdm(total=len(self.pieces), initial=len(done), desc="transcribing", unit="piece",
                   disable=not progress)
        spent = sum(d.cost or 0.0 for d in done.values())
        pool = ThreadPoolExecutor(max_workers=concurrency)
        pending: set[Future[_Done]] = set()
        queue = iter(todo)
        try:
            while True:
                for index in queue:  # at most ``concurrency`` submitted: only their audio is held
                    pending.add(pool.submit(self.one, index))
                    if len(pending) >= concurrency:
                        break
                if not pending:
                    return
                ready, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in ready:
                    result = future.result()
                    done[result.index] = result
                    spent += result.cost or 0.0
                    if journal is not None and result.error is None:
                        append_record(Path(journal), _record(result))
                    bar.update(1)
                    bar.set_postfix({"cost": f"${spent:.4g}"}, refresh=False)
        except KeyboardInterrupt:
            self.stopped.set()
            if self.cancel is not None:
                self.cancel()
            where = f"; run it again with journal={os.fspath(journal)!r} to do the rest" if journal else ""
            raise KeyboardInterrupt(f"transcription interrupted: {len(done)} of {len(self.pieces)} pieces "
                                    f"done{where}") from None
        finally:
            for future in pending:
                future.cancel()
            pool.shutdown(wait=False, cancel_futures=True)
            bar.close()


def _record(done: _Done) -> dict[str, Any]:
    return {"piece": done.index, "text": done.text, "cost": done.cost,
            "segments": [[s.start, s.end, s.text] for s in done.segments],
            "words": [[s.start, s.end, s.text] for s in done.words]}


def _fingerprint(recording: Recording, pieces: list[Piece]) -> str:
    """A digest of the recording's layout and of samples spread over it (not all: an hour is 100 MB)."""
    digest = hashlib.sha256(f"{recording.rate}/{recording.channels}/{recording.frames}".encode())
    samples = recording.samples
    for k in range(64):
        at = len(samples) * k // 64
        digest.update(samples[at : at + 512].cast("B"))
    digest.update(json.dumps([(p.start, p.end) for p in pieces]).encode())
    return digest.hexdigest()[:32]


def _load(journal: str | os.PathLike[str] | None, recording: Recording, model: str,
          pieces: list[Piece]) -> dict[int, _Done]:
    """The pieces a journal holds for this recording and model; a journal of another is refused."""
    if journal is None:
        return {}
    path = Path(journal)
    open_journal(path)
    head = {"recording": _fingerprint(recording, pieces), "model": model, "pieces": len(pieces)}
    done: dict[int, _Done] = {}
    seen_head = False
    with open(path, "rb") as handle:
        for line in handle:
            try:
                record = json.loads(line)
            except (ValueError, RecursionError):  # a torn line: that piece is done again
                continue
            if not isinstance(record, dict):
                continue
            if "recording" in record:
                seen_head = True
                if record.get("recording") != head["recording"] or record.get("model") != model:
                    raise OptionError(
                        f"the journal {path.name} holds pieces of another {_what_differs(record, head)}; "
                        f"pass another journal file (or model={record.get('model')!r} to go on with it)")
            elif seen_head and isinstance(record.get("piece"), int) and 0 <= record["piece"] < len(pieces):
                done[record["piece"]] = _Done(record["piece"], str(record.get("text") or ""),
                                              _timed(record.get("segments")), _timed(record.get("words")),
                                              record.get("cost") if isinstance(record.get("cost"), float)
                                              else None)
    if not seen_head:
        append_record(path, head)
    return done


def _what_differs(record: Mapping[str, Any], head: Mapping[str, Any]) -> str:
    if record.get("recording") != head["recording"]:
        return "recording (or one cut otherwise)"
    return f"model ({record.get('model')!r}, not {head['model']!r})"


def _timed(raw: object) -> list[Segment]:
    if not isinstance(raw, list):
        return []
    return [Segment(float(r[0]), float(r[1]), str(r[2])) for r in raw
            if isinstance(r, list) and len(r) == 3 and all(isinstance(x, (int, float)) for x in r[:2])]


def _stitched(recording: Recording, pieces: list[Piece], done: dict[int, _Done], model: str) -> AudioReply:
    """One reply: the pieces' words in order, overlaps kept once, failures marked where they were."""
    rate = recording.rate
    # each piece speaks for its own stretch: an overlap is split at its middle
    bounds = [piece.start / rate + piece.overlap / rate / 2 for piece in pieces] + [recording.seconds]
    texts: list[str] = []
    segments: list[Segment] = []
    failed = []
    for index, piece in enumerate(pieces):
        result = done[index]
        start, end = piece.start / rate, piece.end / rate
        lo, hi = bounds[index], bounds[index + 1]
        if result.error is not None:
            mark = f"[... {clock(start)}-{clock(end)} not transcribed: {result.error} ...]"
            failed.append(mark)
            texts.append(mark)
            segments.append(Segment(start, end, mark))
            continue
        text = result.text.strip()
        own = result.segments or ([Segment(start, end, text)] if text else [])
        before = done.get(index - 1)
        if piece.overlap and before is not None and before.error is None:
            if result.words and before.words:  # timed words: each side keeps its half of the overlap
                text = " ".join(w.text for w in result.words if lo <= w.start < hi)
            elif texts:
                texts[-1], text = drop_repeated(texts[-1], text)
            own = [s for s in own if s.start >= lo] or ([Segment(lo, end, text)] if text else [])
        if result.words and index + 1 < len(pieces) and pieces[index + 1].overlap:
            text = " ".join(w.text for w in result.words if lo <= w.start < hi)
            own = [s for s in own if s.start < hi]
        if text:
            texts.append(text)
        segments.extend(own)
    text = _note_once(texts)
    cost = sum(d.cost for d in done.values() if d.cost is not None)
    usage = {"seconds": round(recording.seconds, 3), "pieces": len(pieces), "cost": cost}
    outcome = ReplyOutcome(finish_reason="stop") if not failed else ReplyOutcome(
        complete=False, error=f"{len(failed)} of {len(pieces)} pieces not transcribed (marked in the text)",
        error_kind="api")
    return AudioReply(text=text, origin=ReplyOrigin(model=model, usage=usage,
                      cost=cost), outcome=outcome, segments=tuple(segments))


LONG_OPTIONS = ("timestamps", "concurrency", "journal", "max_piece_seconds", "retries", "progress")


def pop_long_options(params: dict[str, Any]) -> dict[str, Any]:
    """The options of a long transcription taken out of ``params`` (the rest go in the request)."""
    return {name: params.pop(name) for name in LONG_OPTIONS if name in params}


def too_long(source: Any, limits: Limits, seconds: float | None = None) -> bool:
    """Whether ``source`` (a file path or bytes) holds more than one request carries: over
    ``limits.bytes``, or longer than ``limits.seconds`` (``seconds`` when known, else a WAV's header
    says)."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        size, data = len(source), source
    elif isinstance(source, (str, os.PathLike)) and Path(source).is_file():
        size, data = os.path.getsize(source), None
    else:
        return False
    if size > limits.bytes:
        return True
    if seconds is None:
        if data is None:
            with open(source, "rb") as handle:
                data = handle.read(min(size, 1 << 16))
            seconds = wav_seconds(data, size) if data[:4] == b"RIFF" else None
        else:
            seconds = wav_seconds(memoryview(data).cast("B"), size)
    return seconds is not None and seconds > limits.seconds


def one_piece_times(reply: AudioReply, seconds: float, timestamps: str | None) -> AudioReply:
    """A reply sent whole, given one segment over the whole take when times were asked for and the
    model gave none."""
    if timestamps is None or reply.segments or not reply.text.strip():
        return reply
    reply.segments = (Segment(0.0, seconds, reply.text.strip()),)
    return reply


def _note_once(texts: list[str]) -> str:
    """The pieces' texts joined; a bracketed note that begins every piece (the offline emulator's
    "[offline emulator]") is kept once, at the start."""
    match = re.match(r"\[(?!\.\.\. )[^\]]{1,40}\] ", texts[0]) if texts else None
    if match is None or not all(t.startswith((match.group(0), "[... ")) for t in texts):
        return " ".join(t for t in texts if t)
    note = match.group(0)
    rest = [t[len(note):] if t.startswith(note) else t for t in texts]
    return note + " ".join(t for t in rest if t)
