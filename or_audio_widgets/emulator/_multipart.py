"""The OpenAI-style multipart upload of ``POST /audio/transcriptions``, read into the JSON body's shape."""

from __future__ import annotations

import base64
from email import policy
from email.parser import BytesParser
from typing import Any

from ..core._formats import format_for_mime, format_for_suffix
from ._request import APIFailure


def parse_multipart(raw: bytes, content_type: str) -> dict[str, Any]:
    """``{model, input_audio: {data, format}, language, temperature, ...}`` from a form upload.

    The audio is the ``file`` field; its format comes from the file name's suffix, as OpenAI's does, or
    from the part's ``Content-Type`` when the name has none (OpenRouter reads the content type).
    """
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode("latin-1")
    message = BytesParser(policy=policy.HTTP).parsebytes(head + raw)
    if not message.is_multipart():
        raise APIFailure(400, "Invalid multipart body: no parts found")
    body: dict[str, Any] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        if name == "file":
            filename = part.get_filename() or ""
            suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
            known = format_for_suffix(suffix) if suffix else None
            if known is None:  # a file object sent without a name: its part's Content-Type says the format
                known = format_for_mime(part.get_content_type())
            fmt = known.name if known is not None else suffix or part.get_content_type()
            body["input_audio"] = {"data": base64.b64encode(data).decode("ascii"), "format": fmt}
        else:
            body[name] = _value(name, data.decode("utf-8", "replace"))
    if "input_audio" not in body:
        raise APIFailure(400, "Missing required parameter: 'file'.")
    return body


def _value(name: str, text: str) -> Any:
    if name == "temperature":
        try:
            return float(text)
        except ValueError:
            return text
    return text
