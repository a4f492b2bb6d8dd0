"""transcribe_many over the transcription endpoint on a real dask.distributed cluster of 2 worker processes,
with the JSON Lines journal and resume, and long recordings cut into pieces and stitched on a worker,
against the emulator."""

from __future__ import annotations

import json
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import distributed
import pytest
from _client_helpers import KEY, make_wav

from or_audio_widgets import OpenRouterAudio
from or_audio_widgets.client._batch import transcribe_many
from or_audio_widgets.core._wav import pcm_to_wav


@pytest.fixture(scope="module")
def dask_client() -> Iterator[Any]:
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=2, processes=True,
                                       host="127.0.0.1", dashboard_address=None)
    client = distributed.Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()


def files(folder: Path, count: int) -> list[Path]:
    made = []
    for index in range(count):
        path = folder / f"clip{index:02d}.wav"
        path.write_bytes(make_wav(0.2 + 0.05 * index))
        made.append(path)
    return made


@pytest.mark.slow
def test_a_two_worker_cluster_transcribes_records_and_resumes(dask_client: Any, emulator: Any,
                                                              tmp_path: Path) -> None:
    sources = files(tmp_path, 8)
    journal = tmp_path / "transcripts.jsonl"
    client = OpenRouterAudio(KEY, emulator.base_url)
    executor = dask_client.get_executor()
    with distributed.get_task_stream(client=dask_client) as tasks:
        first = transcribe_many(sources[:5], client=client, executor=executor, concurrency=4,
                                results=journal, progress=False)
    assert [r["status"] for r in first] == ["ok"] * 5
    ids = {r["id"] for r in first}
    assert len(ids) == 5 and all(i.startswith("gen-stt-") for i in ids)  # the endpoint answered
    ran = [t for t in tasks.data if t["key"].startswith("transcribe_one")]
    assert len(ran) == 5 and {t["worker"] for t in ran} <= set(dask_client.scheduler_info()["workers"])
    posts_before = sum(1 for r in emulator.requests if r.path.endswith("/audio/transcriptions"))
    results = transcribe_many(sources, client=client, executor=executor, concurrency=4, results=journal,
                              progress=False)
    posts = sum(1 for r in emulator.requests if r.path.endswith("/audio/transcriptions")) - posts_before
    assert posts == 3  # only what the journal did not hold
    assert [r["key"] for r in results] == [str(s) for s in sources]
    seconds = [r["usage"]["seconds"] for r in results]
    assert seconds == pytest.approx([0.2 + 0.05 * i for i in range(8)], abs=0.01)
    assert results.cost == pytest.approx(sum(seconds) * 0.0001, rel=1e-3)  # whisper-1: $0.006 a minute
    lines = [json.loads(line) for line in journal.read_text().splitlines()]
    assert sorted(r["key"] for r in lines) == sorted(str(s) for s in sources)
    assert len(dask_client.scheduler_info()["workers"]) == 2


def _talk(stretches: int, rate: int = 16000) -> bytes:
    buzz = struct.pack(f"<{6 * rate}h", *((5000 if (i // 20) % 2 else -5000) for i in range(6 * rate)))
    return pcm_to_wav((buzz + bytes(2 * rate)) * stretches, rate, 1)


@pytest.mark.slow
def test_long_files_go_in_pieces_on_a_dask_worker(dask_client: Any, emulator: Any, tmp_path: Path) -> None:
    sources = []
    for n in (8, 6):  # 56 s and 42 s
        sources.append(tmp_path / f"talk{n}.wav")
        sources[-1].write_bytes(_talk(n))
    emulator.clear_requests()
    client = OpenRouterAudio(KEY, emulator.base_url)
    with distributed.get_task_stream(client=dask_client) as tasks:
        results = transcribe_many(sources, client=client, executor=dask_client.get_executor(), concurrency=2,
                                  results=None, progress=False, max_piece_seconds=20,
                                  headers={"X-Emulator-Recognise": "off"})
    assert [r["status"] for r in results] == ["ok", "ok"]
    assert len([t for t in tasks.data if t["key"].startswith("transcribe_one")]) == 2  # on the worker
    posts = [r for r in emulator.requests if r.path.endswith("/audio/transcriptions")]
    assert len(posts) >= 6  # each file in pieces of at most 20 s
    assert all(r["usage"]["pieces"] >= 3 for r in results)
    assert all(r["text"].count("[offline emulator]") == 1 for r in results)
