"""Transcribing many audio files: concurrent, resumable, with a progress bar and per-item errors.

Each result is appended to a JSON Lines file as soon as it is known (flushed and fsynced), so an
interrupted run loses nothing that finished, and a rerun with the same ``results`` file skips what is done.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ThreadPoolExecutor, wait
from pathlib import Path
from typing import Any

from ..core._sources import display_url
from ._batch_progress import BatchProgress, BatchResults

_KEEP = ("text", "transcript", "model", "id", "usage", "cost", "complete", "error")


def transcribe_many(
    sources: Iterable[Any] | Mapping[str, Any],
    *,
    prompt: str = "Transcribe this audio.",
    model: str | None = None,
    concurrency: int = 4,
    executor: Executor | None = None,
    results: str | os.PathLike[str] | None = "transcripts.jsonl",
    client: Any = None,
    progress: bool = True,
    **params: Any,
) -> BatchResults:
    """Transcribe every source; return one result dict per source, in input order.

    ``sources``: anything :func:`prepare_audio` takes (paths, URLs, bytes, arrays, ...), or a mapping
    ``{key: source}`` to name them yourself. Each result has ``key``, ``source``, ``status`` (``"ok"``,
    ``"incomplete"`` or ``"error"``), ``text`` and, when it failed, ``error`` and ``error_type``; errors
    are recorded, never raised. ``results`` is a JSON Lines file: each result is appended as it
    finishes, and a rerun skips every key already recorded ``"ok"`` (so it resumes; failures are retried).
    ``None`` keeps nothing on disk. ``progress`` shows a bar counting ok, failed and skipped files, and
    a summary line at the end. The list returned also has ``.table()`` (a pandas DataFrame when pandas
    is there) and ``.summary``.

    ``executor`` is any :class:`concurrent.futures.Executor` (default: a thread pool of ``concurrency``
    workers); at most ``concurrency`` items are in flight at once either way. To run on a cluster (the
    client and the sources must pickle and be reachable from the workers; pass ``results`` as usual,
    it is written by this process)::

        # Dask: its client hands out a concurrent.futures Executor
        executor = dask.distributed.Client("scheduler:8786").get_executor()
        transcribe_many(paths, model="google/gemini-2.5-flash", executor=executor, concurrency=32)

        # Ray ships no Executor (ray-project/ray#29456); ObjectRef.future() makes a two-line one
        class RayExecutor(concurrent.futures.Executor):
            def submit(self, fn, /, *args, **kwargs): return ray.remote(fn).remote(*args, **kwargs).future()
        transcribe_many(paths, model="google/gemini-2.5-flash", executor=RayExecutor(), concurrency=32)

    ``client`` is an :class:`OpenRouterAudio` (default: one built from the environment); ``params`` go
    to :meth:`OpenRouterAudio.transcribe`.
    """
    items = _keyed(sources)
    path = Path(results) if results is not None else None
    if path is not None:  # fail now, not after the first (paid) result
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()
    done = _load_done(path)
    own_client = client is None
    if client is None:
        from ._client import OpenRouterAudio

        client = OpenRouterAudio()
    call: dict[str, Any] = {"prompt": prompt, **params}
    if model is not None:
        call["model"] = model
    finished: dict[str, dict[str, Any]] = {key: done[key] for key, _ in items if key in done}
    todo = [(key, source) for key, source in items if key not in finished]
    own = executor is None
    pool = executor if executor is not None else ThreadPoolExecutor(max_workers=max(1, concurrency))
    shown = BatchProgress(len(items), len(items) - len(todo), show=progress,
                          results=str(path) if path is not None else None)
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
            for future in ready:
                key, source = pending.pop(future)
                result = {"key": key, "source": _describe(source), **_outcome(future)}
                finished[key] = result
                _append(path, result)
                shown.add(result["status"])
    finally:
        for future in pending:
            future.cancel()


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
        return {"status": "error", "error": str(exc), "error_type": type(exc).__name__, "text": None}


def _append(path: Path | None, result: dict[str, Any]) -> None:
    if path is None:
        return
    line = json.dumps(result, ensure_ascii=False, default=str) + "\n"
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(line)
        handle.flush()
        os.fsync(handle.fileno())  # a crash right after must not lose a finished (and paid for) result


def _load_done(path: Path | None) -> dict[str, dict[str, Any]]:
    """Results recorded "ok" in an earlier run, by key (the last record of a key wins)."""
    if path is None or not path.exists():
        return {}
    latest: dict[str, dict[str, Any]] = {}
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                continue  # a line cut short by a crash mid-write
            if isinstance(record, dict) and "key" in record:
                latest[str(record["key"])] = record
    return {key: record for key, record in latest.items() if record.get("status") == "ok"}


def _keyed(sources: Iterable[Any] | Mapping[str, Any]) -> list[tuple[str, Any]]:
    if isinstance(sources, Mapping):
        return [(str(key), source) for key, source in sources.items()]
    items = [(_key(source, index), source) for index, source in enumerate(sources)]
    seen: set[str] = set()
    for key, _ in items:
        if key in seen:
            raise ValueError(f"source {key!r} appears twice; pass a dict {{key: source}} to name them apart")
        seen.add(key)
    return items


def _key(source: Any, index: int) -> str:
    """A key that is stable across runs: the path or URL, a digest of bytes, else the position."""
    if isinstance(source, (str, os.PathLike)):
        return os.fspath(source)
    if isinstance(source, (bytes, bytearray, memoryview)):
        return "sha256:" + hashlib.sha256(source).hexdigest()[:32]
    return f"#{index}"


def _describe(source: Any) -> str:
    if isinstance(source, (str, os.PathLike)):
        text = os.fspath(source)
        return display_url(text) if text.lower().startswith(("http://", "https://")) else text
    if isinstance(source, (bytes, bytearray, memoryview)):
        return f"{len(source)} bytes"
    return type(source).__name__
