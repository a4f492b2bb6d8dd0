"""Transcribing many audio files: concurrent, resumable, with a progress bar and per-item errors.

Each result is appended to a JSON Lines file as soon as it is known (flushed and fsynced, see
``_journal.py``), so an interrupted run loses nothing that finished, and a rerun with the same ``results``
file skips what is done. Ctrl-C closes the connections in flight (they stop billing), records what had
finished, and says how many were cancelled. URLs are keyed and shown without credentials or signature.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Mapping
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ThreadPoolExecutor, wait
from pathlib import Path
from typing import Any

from ..core._redact import mask_secrets
from ..core._sources import display_url
from ..errors import CallCancelledError, OptionError
from ._batch_progress import BatchProgress, BatchResults
from ._journal import append_record, load_done, open_journal

_KEEP = ("text", "transcript", "model", "id", "usage", "cost", "complete", "error")
_GRACE = 1.0  # seconds the connections cancelled by Ctrl-C get to hand back what they hold


def transcribe_many(
    sources: Iterable[Any] | Mapping[str, Any],
    *,
    prompt: str | None = None,
    model: str | None = None,
    concurrency: int = 4,
    executor: Executor | None = None,
    results: str | os.PathLike[str] | None = "transcripts.jsonl",
    client: Any = None,
    progress: bool = True,
    **params: Any,
) -> BatchResults:
    """Transcribe every source; return one result dict per source, in input order.

    ``model`` defaults to the client's transcription model (``openai/whisper-1``, over
    ``POST /audio/transcriptions``); a chat model that listens is sent ``prompt`` with each source.
    The returned list's ``cost`` is the sum of the results' costs (those already recorded included).

    ``sources``: anything :func:`prepare_audio` takes (paths, URLs, bytes, arrays, ...), or a mapping
    ``{key: source}`` to name them yourself. Each result has ``key``, ``source``, ``status`` (``"ok"``,
    ``"incomplete"``, ``"error"``, or ``"cancelled"`` for a call Ctrl-C stopped), ``text`` and, when it
    failed, ``error`` and ``error_type``; errors are recorded, never raised. ``results`` is a JSON Lines
    file: each result is appended as it finishes, and a rerun skips every key already recorded ``"ok"``
    (so it resumes; failures are retried).
    ``None`` keeps nothing on disk. ``progress`` shows a bar counting ok, failed and skipped files, and
    a summary line at the end. The list returned also has ``.table()`` (a pandas DataFrame when pandas
    is there) and ``.summary``.

    ``executor`` is any :class:`concurrent.futures.Executor` (default: a thread pool of ``concurrency``
    workers); at most ``concurrency`` items are in flight at once either way. To run on a cluster (the
    client and the sources must pickle and be reachable from the workers; pass ``results`` as usual,
    it is written by this process)::

        # Dask: its client hands out a concurrent.futures Executor
        executor = dask.distributed.Client("scheduler:8786").get_executor()
        transcribe_many(paths, executor=executor, concurrency=32)

        # Ray ships no Executor (ray-project/ray#29456); ObjectRef.future() makes a two-line one
        class RayExecutor(concurrent.futures.Executor):
            def submit(self, fn, /, *args, **kwargs): return ray.remote(fn).remote(*args, **kwargs).future()
        transcribe_many(paths, executor=RayExecutor(), concurrency=32)

    ``client`` is an :class:`OpenRouterAudio` (default: one built from the environment, so the offline
    emulator under ``OR_AUDIO_OFFLINE=1``; the summary then says so); ``params`` go
    to :meth:`OpenRouterAudio.transcribe`.
    """
    items = _keyed(sources)
    path = Path(results) if results is not None else None
    if path is not None:  # fail now, not after the first (paid) result
        open_journal(path)
    done = load_done(path)
    own_client = client is None
    if client is None:
        from ._client import OpenRouterAudio

        client = OpenRouterAudio()
    call: dict[str, Any] = dict(params)
    if prompt is not None:
        call["prompt"] = prompt
    if model is not None:
        call["model"] = model
    finished: dict[str, dict[str, Any]] = {key: done[key] for key, _ in items if key in done}
    todo = [(key, source) for key, source in items if key not in finished]
    own = executor is None
    pool = executor if executor is not None else ThreadPoolExecutor(max_workers=max(1, concurrency))
    shown = BatchProgress(len(items), len(items) - len(todo), show=progress,
                          results=str(path) if path is not None else None,
                          notice="offline emulator" if getattr(client, "offline", False) else None)
    try:
        _run(pool, client, todo, call, max(1, concurrency), path, finished, shown)
    finally:
        shown.close()
        if own:
            pool.shutdown(wait=False, cancel_futures=True)
        if own_client:
            client.close()
    out = BatchResults(finished[key] for key, _ in items if key in finished)
    out.summary = shown.summary()
    return out


def _run(pool: Executor, client: Any, todo: list[tuple[str, Any]], call: dict[str, Any], limit: int,
         path: Path | None, finished: dict[str, dict[str, Any]], shown: BatchProgress) -> None:
    pending: dict[Future[dict[str, Any]], tuple[str, Any]] = {}
    queue = iter(todo)
    try:
        while True:
            for key, source in queue:
                pending[pool.submit(transcribe_one, client, source, call)] = (key, source)
                if len(pending) >= limit:
                    break
            if not pending:
                return
            ready, _ = wait(pending, return_when=FIRST_COMPLETED)
            for result in _record(ready, pending, path, finished):
                shown.add(result["status"], result.get("cost"))
    except KeyboardInterrupt:
        raise KeyboardInterrupt(_interrupt(client, pending, path, finished)) from None
    finally:
        for future in pending:
            future.cancel()


def _record(ready: Iterable[Future[dict[str, Any]]], pending: dict[Future[dict[str, Any]], tuple[str, Any]],
            path: Path | None, finished: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Take the results of ``ready`` out of ``pending``, journal them and return them."""
    recorded = []
    for future in ready:
        key, source = pending.pop(future)
        result = {"key": key, "source": _describe(source), **_outcome(future)}
        finished[key] = result
        if path is not None:
            append_record(path, result)
        recorded.append(result)
    return recorded


def _interrupt(client: Any, pending: dict[Future[dict[str, Any]], tuple[str, Any]], path: Path | None,
               finished: dict[str, dict[str, Any]]) -> str:
    """Ctrl-C: close the connections in flight, record what finished meanwhile; what to tell the user."""
    cancel_all = getattr(client, "_cancel_all", None)
    if callable(cancel_all):
        cancel_all()  # closing the connections stops generation, and billing
    in_flight = len(pending)
    ready, _ = wait(pending, timeout=_GRACE) if pending else (set(), set())
    # each outcome is read by _record, which keeps a worker's error as the item's: re-raising it here
    # would replace the interrupt with the error of the call it cancelled
    handed_back = _record([f for f in ready if not f.cancelled()], pending, path, finished)
    done = sum(1 for result in finished.values() if result.get("status") == "ok")
    cancelled = in_flight - sum(1 for result in handed_back if result["status"] == "ok")
    where = f" in {path}" if path is not None else ""
    again = " Run it again with the same results file to do the rest." if path is not None else ""
    return f"transcribe_many interrupted: {done} results done{where}, {cancelled} in flight cancelled.{again}"


def transcribe_one(client: Any, source: Any, call: dict[str, Any]) -> dict[str, Any]:
    """Transcribe one source; the fields of its result that come from the reply (runs on a worker)."""
    reply = client.transcribe(source, **call)
    fields = {name: getattr(reply, name, None) for name in _KEEP}
    fields["status"] = "ok" if fields.get("complete", True) else "incomplete"
    return fields


def _outcome(future: Future[dict[str, Any]]) -> dict[str, Any]:
    try:
        return future.result()
    except Exception as exc:  # recorded per item: one bad file must not stop the batch
        error = mask_secrets(str(exc))
        status = "cancelled" if isinstance(exc, CallCancelledError) else "error"
        return {"status": status, "error": error, "error_type": type(exc).__name__, "text": None}


def _keyed(sources: Iterable[Any] | Mapping[str, Any]) -> list[tuple[str, Any]]:
    if isinstance(sources, Mapping):
        return [(str(key), source) for key, source in sources.items()]
    items = [(_key(source, index), source) for index, source in enumerate(sources)]
    seen: set[str] = set()
    for key, _ in items:
        if key in seen:
            raise OptionError(f"source {key!r} appears twice; pass a dict {{key: source}} to name them apart")
        seen.add(key)
    return items


def _key(source: Any, index: int) -> str:
    """A key that is stable across runs: the path or URL, a digest of bytes, else the position."""
    if isinstance(source, (str, os.PathLike)):
        return _shown(os.fspath(source))
    if isinstance(source, (bytes, bytearray, memoryview)):
        return "sha256:" + hashlib.sha256(source).hexdigest()[:32]
    return f"#{index}"


def _describe(source: Any) -> str:
    if isinstance(source, (str, os.PathLike)):
        return _shown(os.fspath(source))
    if isinstance(source, (bytes, bytearray, memoryview)):
        return f"{len(source)} bytes"
    return type(source).__name__


def _shown(text: str) -> str:
    """A path as it is; a URL without credentials, query string or fragment (signed URLs change per run)."""
    return display_url(text) if text.lower().startswith(("http://", "https://")) else text
