"""Assembling streamed audio: WAV pieces with repeated headers, carried partial frames, the pcm16 buffer."""

from __future__ import annotations

from test_wav import PCM, read_wav, with_sizes

from or_audio_widgets.core._assembler import FrameAligner, PcmAssembler, WavStream
from or_audio_widgets.core._wav import WAV_HEADER_SIZE, pcm_to_wav


def test_wav_stream_strips_a_header_repeated_in_every_chunk() -> None:
    stream = WavStream()
    pieces = [PCM[:1000], PCM[1000:5000], PCM[5000:]]
    out = b"".join(stream.feed(with_sizes(pcm_to_wav(p, 16000), 0xFFFFFFFF, 0xFFFFFFFF)) for p in pieces)
    assert out == PCM
    assert stream.info is not None and stream.info.sample_rate == 16000


def test_wav_stream_with_the_first_header_split() -> None:
    data = pcm_to_wav(PCM)
    stream = WavStream()
    out = b"".join(stream.feed(data[i : i + 7]) for i in range(0, len(data), 7))
    assert out == PCM


def test_frame_aligner_carries_an_odd_byte() -> None:
    aligner = FrameAligner(2)
    assert aligner.feed(b"\x01") == b""
    assert aligner.feed(b"\x02\x03") == b"\x01\x02"
    assert aligner.pending == b"\x03"
    assert aligner.feed(b"\x04\x05\x06") == b"\x03\x04\x05\x06"


def assemble(wire: str, pieces: list[bytes], rate: int = 24000, channels: int = 1) -> PcmAssembler:
    assembler = PcmAssembler(wire, rate, channels)
    for piece in pieces:
        assembler.write(piece)
    return assembler


def test_assembler_pcm16_with_odd_chunks() -> None:
    pieces = [PCM[:1], PCM[1:1001], PCM[1001:4000], PCM[4000:]]
    assembler = assemble("pcm16", [*pieces, b"\x07"])  # a trailing odd byte is dropped
    assert assembler.pcm_bytes == len(PCM)
    data, offset = assembler.finish()
    assert offset == WAV_HEADER_SIZE
    assert read_wav(data) == (24000, 1, 2, PCM)


def test_assembler_pcm24() -> None:
    samples24 = b"".join(b"\x00" + PCM[i : i + 2] for i in range(0, len(PCM), 2))
    assembler = assemble("pcm24", [samples24[:5], samples24[5:100], samples24[100:]])
    data, _ = assembler.finish()
    assert read_wav(data)[3] == PCM


def test_assembler_wav_wire_with_repeated_headers_and_stereo() -> None:
    pieces = [pcm_to_wav(PCM[:4000], 44100, 2), with_sizes(pcm_to_wav(PCM[4000:], 44100, 2), 0, 0)]
    assembler = assemble("wav", pieces)
    assert (assembler.sample_rate, assembler.channels) == (44100, 2)
    assert read_wav(assembler.finish()[0]) == (44100, 2, 2, PCM)


def test_assembler_wav_wire_that_is_bare_pcm() -> None:
    assert read_wav(assemble("wav", [b"\x01\x02" * 10]).finish()[0])[3] == b"\x01\x02" * 10


def test_assembler_snapshot_is_a_copy_and_writing_goes_on() -> None:
    assembler = assemble("pcm16", [PCM[:101]])
    snap = assembler.snapshot()
    assert read_wav(snap)[3] == PCM[:100]
    assembler.write(PCM[101:])
    assert read_wav(assembler.finish()[0])[3] == PCM
    assert read_wav(snap)[3] == PCM[:100]


def test_assembler_without_a_header_slot() -> None:
    assembler = PcmAssembler("pcm16", header=False)
    assembler.write(PCM)
    assert assembler.snapshot() == PCM
    assert assembler.finish() == (PCM, 0)
