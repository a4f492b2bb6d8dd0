"""Downloads for URL sources: a body read as a stream, refused past a size limit, given up after a time
limit for the whole download (a server that trickles its bytes cannot hold it for ever).

Every failure is an :class:`AudioInputError` naming the URL without ``user:password@``, query string or
fragment (which may carry a signed token), raised outside ``except`` blocks so that no requests internals
(whose frames hold the URL) are chained to it.
"""

from __future__ import annotations

import time

import requests

from .._version import __version__
from ..core._defaults import CONNECT_TIMEOUT, READ_TIMEOUT
from ..core._redact import mask_secrets, mask_url
from ..errors import AudioInputError
from ._deadline import Watchdog, WatchedAdapter
from ._error_body import short_reason

# The whole download, however its bytes trickle: 25 MB (the transcription limit) at 1 Mbit/s takes 200 s.
DOWNLOAD_SECONDS = 300.0


def download(url: str, *, max_bytes: int, timeout: float = READ_TIMEOUT,
             seconds: float = DOWNLOAD_SECONDS) -> bytes:
    """The body at an http(s) URL, read as a stream, refused past ``max_bytes`` and given up after
    ``seconds`` in all (``timeout`` bounds each wait for data).

    Raises AudioInputError on HTTP errors, connection failures, bodies that are too large and downloads
    that take too long. Messages name the URL without credentials, query string or fragment.
    """
    shown = mask_url(url)
    data, failure = _guarded(url, shown, max_bytes, timeout, seconds)
    del url  # no frame of the traceback below holds the URL's credentials or signature
    if failure is not None:  # raised outside any except block: no chained internals
        raise AudioInputError(mask_secrets(failure))
    return data


def _guarded(url: str, shown: str, max_bytes: int, timeout: float,
             seconds: float) -> tuple[bytes, str | None]:
    if not url.lower().startswith(("http://", "https://")):
        return b"", f"only http(s) URLs can be downloaded, not {shown!r}"
    # The watchdog shuts the download's sockets when its time is up: a blocked read then fails at once.
    with requests.Session() as session, Watchdog(time.monotonic() + seconds) as watchdog:
        for scheme in ("http://", "https://"):
            session.mount(scheme, WatchedAdapter())
        try:
            return _download(session, url, shown, max_bytes, timeout), None
        except AudioInputError as exc:
            return b"", str(exc)
        except Exception as exc:  # requests, urllib3, http.client or the socket underneath: all the same
            if watchdog.fired:
                return b"", (f"could not download {shown} within {seconds:g} s; download it yourself and "
                             "pass the file or its bytes")
            return b"", f"could not download {shown}: {short_reason(exc)}"


def _download(session: requests.Session, url: str, shown: str, max_bytes: int, timeout: float) -> bytes:
    headers = {"User-Agent": f"or-audio-widgets/{__version__}"}
    with session.get(url, stream=True, timeout=(CONNECT_TIMEOUT, timeout), headers=headers) as response:
        if response.status_code >= 400:
            reason = mask_secrets(response.reason or "")
            status = response.status_code
            raise AudioInputError(f"could not download {shown}: HTTP {status} {reason}".rstrip())
        too_large = f"{shown} is larger than the limit of {max_bytes:,} bytes; raise max_bytes to allow it"
        length = response.headers.get("Content-Length", "")
        if length.isascii() and length.isdigit() and int(length) > max_bytes:
            raise AudioInputError(too_large)
        data = bytearray()
        for chunk in response.iter_content(chunk_size=64 * 1024):
            data += chunk
            if len(data) > max_bytes:
                raise AudioInputError(too_large)
    return bytes(data)
