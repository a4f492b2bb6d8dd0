"""transcribe_many of long recordings on a real dask.distributed worker process: each file is cut into
pieces and stitched on the worker, against the emulator."""

from __future__ import annotations

import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import distributed
import pytest
from _client_helpers import KEY

from or_audio_widgets import OpenRouterAudio
from or_audio_widgets.client._batch import transcribe_many
from or_audio_widgets.core._wav import pcm_to_wav


@pytest.fixture(scope="module")
def dask_client() -> Iterator[Any]:
    cluster = distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=True,
                                       host="127.0.0.1", dashboard_address=None)
    client = distributed.Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()


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
