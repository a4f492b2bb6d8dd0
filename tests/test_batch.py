"""transcribe_many: results in order, per-item errors, JSONL appended as it goes, resume, executors."""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from _audio_samples import make_audio
from _client_helpers import ctrl_c_after, hear_ctrl_c, posts  # posts: requests that transcribed

from or_audio_widgets import OpenRouterAudio, transcribe_many


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("batch")


@pytest.fixture
def sources(folder: Path) -> list[Path]:
    return [make_audio(folder, kind, seconds=seconds) for kind, seconds in
            (("wav", 0.5), ("mp3", 0.6), ("flac", 0.7), ("webm", 0.8))]


def records(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_results_in_order_and_on_disk(client: OpenRouterAudio, sources: list[Path], tmp_path: Path) -> None:
    out = tmp_path / "results.jsonl"
    results = transcribe_many(sources, model="google/gemini-2.5-flash", client=client, results=out,
                              progress=False)
    assert [r["key"] for r in results] == [str(s) for s in sources]
    assert all(r["status"] == "ok" for r in results)
    durations = [float(r["text"].split("duration=")[1].split("s")[0]) for r in results]
    assert durations == pytest.approx([0.5, 0.6, 0.7, 0.8], abs=0.03)
    assert sorted(r["key"] for r in records(out)) == sorted(str(s) for s in sources)


def test_per_item_errors_are_recorded_not_raised(client: OpenRouterAudio, sources: list[Path],
                                                 tmp_path: Path, emulator: Any) -> None:
    missing = tmp_path / "missing.wav"
    before = posts(emulator)
    results = transcribe_many([sources[0], missing, sources[1]], client=client, results=tmp_path / "r.jsonl",
                              progress=False)
    assert [r["status"] for r in results] == ["ok", "error", "ok"]
    assert results[1]["error_type"] == "AudioInputError" and "audio file not found" in results[1]["error"]
    assert posts(emulator) - before == 2  # the bad item never reached the server


def test_rerun_resumes_and_retries_failures(client: OpenRouterAudio, sources: list[Path], folder: Path,
                                            tmp_path: Path, emulator: Any) -> None:
    out = tmp_path / "resume.jsonl"
    late = tmp_path / "late.wav"
    transcribe_many([*sources[:2], late], client=client, results=out, progress=False)
    assert [r["status"] for r in records(out)].count("error") == 1
    late.write_bytes(make_audio(folder, "wav", seconds=0.4).read_bytes())  # the failed item is fixed
    with out.open("a") as handle:
        handle.write('{"key": "cut short by a cra')  # a crash mid-write leaves half a line
    before = posts(emulator)
    results = transcribe_many([*sources, late], client=client, results=out, progress=False)
    assert posts(emulator) - before == 3  # sources[2], sources[3] and the retried late.wav
    assert [r["key"] for r in results] == [*map(str, sources), str(late)]
    assert all(r["status"] == "ok" for r in results)


def test_explicit_thread_pool_is_used_and_left_open(client: OpenRouterAudio, sources: list[Path],
                                                    tmp_path: Path) -> None:
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="mine") as pool:
        results = transcribe_many(sources, client=client, executor=pool, results=None, progress=False)
        assert pool.submit(lambda: 42).result() == 42  # not shut down by transcribe_many
    assert [r["status"] for r in results] == ["ok"] * 4


def test_a_process_pool_runs_it_as_a_cluster_executor_would(client: OpenRouterAudio, sources: list[Path],
                                                             tmp_path: Path) -> None:
    """Another process per item (as on Dask or Ray): the client and the sources travel pickled."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    out = tmp_path / "cluster.jsonl"
    with ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("spawn")) as pool:
        results = transcribe_many([*sources, tmp_path / "absent.wav"], client=client, executor=pool,
                                  results=out, progress=False)
    assert [r["status"] for r in results] == ["ok"] * 4 + ["error"]
    assert "audio file not found" in results[-1]["error"]
    assert results[0]["text"].startswith("[offline emulator]")  # openai/whisper-1 on the emulator
    assert results[0]["usage"]["seconds"] == pytest.approx(0.5, abs=0.01)
    assert len(records(out)) == 5  # written by this process as each finished


class SlowClient:
    """Counts how many calls run at once."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.running = 0
        self.peak = 0

    def transcribe(self, source: Any, **params: Any) -> Any:
        with self.lock:
            self.running += 1
            self.peak = max(self.peak, self.running)
        time.sleep(0.02)
        with self.lock:
            self.running -= 1
        if source == "boom":
            raise RuntimeError("provider exploded")
        return SimpleNamespace(text=f"{source}:{params.get('prompt')}", complete=source != "cut", error=None)


def test_concurrency_bounds_an_outside_executor_and_items_are_keyed(tmp_path: Path) -> None:
    fake = SlowClient()
    items = {f"k{i}": f"s{i}" for i in range(12)} | {"bad": "boom", "partial": "cut"}
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = transcribe_many(items, prompt="P", client=fake, executor=pool, concurrency=3,
                                  results=tmp_path / "r.jsonl", progress=False)
    assert fake.peak <= 3
    assert [r["key"] for r in results] == list(items)
    assert results[0]["text"] == "s0:P"
    by_key = {r["key"]: r for r in results}
    assert by_key["bad"]["status"] == "error" and by_key["bad"]["error"] == "provider exploded"
    assert by_key["partial"]["status"] == "incomplete"


def test_bytes_are_keyed_by_digest_and_duplicates_refused(tmp_path: Path) -> None:
    results = transcribe_many([b"one", b"two"], client=SlowClient(), results=None, progress=False)
    assert all(r["key"].startswith("sha256:") for r in results)
    assert results[0]["source"] == "3 bytes"
    with pytest.raises(ValueError, match="appears twice"):
        transcribe_many(["a.wav", "a.wav"], client=SlowClient(), results=None, progress=False)


def test_progress_bar(capsys: pytest.CaptureFixture[str]) -> None:
    transcribe_many(["x", "y"], client=SlowClient(), results=None)
    assert "transcribing" in capsys.readouterr().err


def test_ctrl_c_keeps_what_finished_and_a_rerun_does_only_the_rest(tmp_path: Path) -> None:
    hear_ctrl_c()  # as in a terminal, however this run was started

    release = threading.Event()

    class HangsOnC:
        def __init__(self) -> None:
            self.calls: list[str] = []

        def transcribe(self, source: Any, **params: Any) -> Any:
            self.calls.append(source)
            if source == "c" and not release.is_set():
                ctrl_c_after(0.2)  # Ctrl-C meanwhile
                release.wait(10)
            return SimpleNamespace(text=source.upper(), complete=True, error=None)

    out = tmp_path / "partial.jsonl"
    try:
        with pytest.raises(KeyboardInterrupt):
            transcribe_many(["a", "b", "c", "d"], client=HangsOnC(), concurrency=1, results=out,
                            progress=False)
    finally:
        release.set()
    assert [r["key"] for r in records(out)] == ["a", "b"]
    again = HangsOnC()
    results = transcribe_many(["a", "b", "c", "d"], client=again, concurrency=1, results=out, progress=False)
    assert again.calls == ["c", "d"] and [r["text"] for r in results] == ["A", "B", "C", "D"]
