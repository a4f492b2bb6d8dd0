"""A speech answer whose Content-Type says stereo 48 kHz, sent in chunks of odd sizes and ending on an odd
byte: no sample is lost or shifted between the channels, in the reply and on the way to a live player."""

from __future__ import annotations

import array
import socket
import time

from _hostile import HostileServer, read_request

from or_audio_widgets import OpenRouterAudio
from or_audio_widgets.jupyter.widgets._feed import feed
from or_audio_widgets.jupyter.widgets._player import LivePlayer

KEY = "sk-or-v1-layout0123456789abcdef"
FRAMES = 4801  # a tenth of a second and one frame


def stereo_pcm() -> bytes:
    """Left counts up from 1, right counts down from -1: a frame shifted by a byte or a sample shows."""
    samples = array.array("h")
    for k in range(FRAMES):
        samples.extend((1 + k % 30000, -1 - k % 30000))
    return samples.tobytes()


def serve_in_odd_chunks(conn: socket.socket) -> None:
    read_request(conn)
    body = stereo_pcm() + b"\x7f"  # and one stray byte at the end
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: audio/pcm; rate=48000; channels=2\r\n"
                 b"Transfer-Encoding: chunked\r\n\r\n")
    at = 0
    for size in [1, 3, 5, 7, 1001, 3333] * 1000:
        piece = body[at:at + size]
        if not piece:
            break
        conn.sendall(b"%x\r\n%s\r\n" % (len(piece), piece))
        at += size
        time.sleep(0.0005)
    conn.sendall(b"0\r\n\r\n")


def test_stereo_48k_in_odd_chunks_keeps_every_sample_in_its_channel() -> None:
    with HostileServer(serve_in_odd_chunks) as server:
        client = OpenRouterAudio(KEY, server.base_url, max_retries=0, check_models=False)
        try:
            with client.open_speech("hi", model="acme/tts", voice="x", format="wav", wire="pcm") as stream:
                player = LivePlayer()
                known = stream.reply
                player.use_layout(known.sample_rate, known.channels)
                feed(stream, player)
                reply = stream.reply
        finally:
            client.close()
    assert (reply.sample_rate, reply.channels) == (48000, 2)
    assert bytes(reply.pcm) == stereo_pcm()  # the stray byte dropped, nothing else
    assert (player.sample_rate, player.channels) == (48000, 2)
    samples = array.array("h", bytes(player.pcm))  # what the live player sent the page
    assert len(samples) == 2 * FRAMES and samples[0::2][:3].tolist() == [1, 2, 3]
    assert samples[1::2][:3].tolist() == [-1, -2, -3]
    assert bytes(player.pcm) == stereo_pcm()
