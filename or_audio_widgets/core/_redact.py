"""Masking secrets out of text that came from outside the package: one function, used at every entry.

Text from a server (error bodies, mid-stream error events), from libraries underneath (an exception's
message) or from the user (a URL) may hold the API key, an ``Authorization`` header, a URL's
``user:password@`` or a signed query string. :func:`mask_secrets` removes all of them; the client applies
it wherever such text enters, so nothing built from it (errors, replies, saved HTML, logs) carries them.
Pure: no I/O.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

MASK = "***"
# A "secret" shorter than this (the offline emulator's placeholder key) would mask ordinary words; real
# keys are about 70 characters.
SHORTEST_SECRET = 8
_SHORTEST_TAIL = 8  # a cut-off key prefix at least this long is still masked
# "Authorization: Bearer x", "'Authorization': 'Bearer x'", "Bearer x": the credential goes, the label stays
_HEADER = re.compile(
    r"""((?:proxy-)?authorization['"]?\s*[:=]\s*['"]?)(?:bearer\s+|basic\s+)?[^\s'",}]+""", re.IGNORECASE
)
_BEARER = re.compile(r"(\bbearer\s+)[^\s'\",}]+", re.IGNORECASE)
# scheme://[user[:password]@]host[/path][?query][#fragment]
# urllib3's "Max retries exceeded with url: /path?signature=..." names the path without a scheme
_POOL_URL = re.compile(r"(\burl: [^\s?#]*)[?#][^\s)]*", re.IGNORECASE)
_URL = re.compile(r"""(\b[a-z][a-z0-9+.-]*://)([^\s/?#@'"<>]*@)?([^\s?#'"<>]*)(\?[^\s#'"<>]*)?(#[^\s'"<>]*)?""",
                  re.IGNORECASE)


def mask_secrets(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with each of ``secrets`` (the API key), credentials in headers and URLs, and URL query
    strings and fragments (signed tokens) replaced by ``***``.

    A key cut short at the end of ``text`` (an excerpt that ends inside it) is masked too.
    """
    for secret in secrets:
        if len(secret) < SHORTEST_SECRET:
            continue
        text = text.replace(secret, MASK)
        text = _mask_cut_tail(text, secret)
    text = _HEADER.sub(lambda m: m.group(1) + MASK, text)
    text = _BEARER.sub(lambda m: m.group(1) + MASK, text)
    text = _POOL_URL.sub(lambda m: m.group(1) + "?…", text)
    return _URL.sub(_mask_url, text)


def mask_url(url: str) -> str:
    """A URL fit to show: no ``user:password@``, and ``?…`` in place of its query string and fragment."""
    return _URL.sub(_mask_url, url)


def mask_value(value: Any, secrets: Iterable[str] = ()) -> Any:
    """A JSON-like value (dict, list, str, number) with :func:`mask_secrets` applied to every string in it."""
    keep = tuple(secrets)
    if isinstance(value, str):
        return mask_secrets(value, keep)
    if isinstance(value, dict):
        return {mask_secrets(str(k), keep): mask_value(v, keep) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [mask_value(v, keep) for v in value]
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return mask_secrets(json.dumps(value, default=str), keep)


def _mask_cut_tail(text: str, secret: str) -> str:
    for size in range(len(secret) - 1, _SHORTEST_TAIL - 1, -1):
        if text.endswith(secret[:size]):
            return text[: len(text) - size] + MASK
    return text


def _mask_url(match: re.Match[str]) -> str:
    scheme, userinfo, rest, query, fragment = match.groups()
    shown = scheme + (MASK + "@" if userinfo else "") + rest
    return shown + ("?…" if query or fragment else "")
