"""AudioReply.save replaces a file only with a whole new one: a failed encoding leaves the old one intact."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import BinaryIO

import pytest

from or_audio_widgets.core import _ffmpeg
from or_audio_widgets.core._atomic import write_atomic
from or_audio_widgets.core._reply import AudioReply
from or_audio_widgets.core._reply_parts import ReplyAudio
from or_audio_widgets.errors import FFmpegNotFoundError

OLD = b"the recording that was there before"


def reply() -> AudioReply:
    return AudioReply(ReplyAudio.from_pcm(b"\x01\x00" * 2400), transcript="hi")


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".part"))


def test_saving_without_ffmpeg_leaves_the_existing_file_untouched(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "take.mp3"
    target.write_bytes(OLD)
    monkeypatch.setattr(_ffmpeg, "find_ffmpeg", lambda: None)
    with pytest.raises(FFmpegNotFoundError):
        reply().save(target)
    assert target.read_bytes() == OLD
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("failure", [OSError(28, "No space left on device"), KeyboardInterrupt()])
def test_a_write_cut_short_leaves_the_existing_file_untouched(tmp_path: Path, failure: BaseException) -> None:
    target = tmp_path / "take.wav"
    target.write_bytes(OLD)

    def half_then_fail(out: BinaryIO) -> None:
        out.write(b"half of the new")
        raise failure

    with pytest.raises(type(failure)):
        write_atomic(target, half_then_fail)
    assert target.read_bytes() == OLD
    assert leftovers(tmp_path) == []


def test_a_save_replaces_the_file_whole_and_keeps_its_permissions(tmp_path: Path) -> None:
    target = tmp_path / "take.wav"
    target.write_bytes(OLD)
    os.chmod(target, 0o640)
    reply().save(target)
    assert target.read_bytes()[:4] == b"RIFF" and len(target.read_bytes()) == 44 + 4800
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o640
    fresh = reply().save(tmp_path / "new.pcm")
    assert fresh.read_bytes() == b"\x01\x00" * 2400
    assert leftovers(tmp_path) == []
