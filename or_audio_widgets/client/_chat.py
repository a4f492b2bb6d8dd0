"""Chat requests (``POST /chat/completions``): what :meth:`OpenRouterAudio.open` sends and checks.

A chat request that asks for audio, or sends some, is first checked against the model list (with a share
of the call's deadline); then it goes through the client's one request path and its streamed answer
becomes a ReplyStream.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..core._catalogue import CHAT_IN, CHAT_OUT, Catalogue, require_some_audio
from ..core._reply import ReplyBuilder
from ..errors import APIError
from ._calls import Calls
from ._models_api import ModelLists, check, explain_refusal
from ._options import check_finite
from ._parts import with_audio_parts
from ._replystream import ReplyStream
from ._requester import EVENT_STREAM, Requester, Within
from ._wire import Messages, build_body, output_format, sent_audio_formats, wire_format_of


class ChatRequests:
    """Opens chat replies as ReplyStreams, over one client's request path and model lists."""

    def __init__(self, requester: Requester, lists: ModelLists, calls: Calls) -> None:
        self._requester = requester
        self._lists = lists
        self._calls = calls

    def open(self, messages: Messages, *, model: str, audio: Mapping[str, Any] | None,
             headers: Mapping[str, str] | None, wire_format: str, deadline: float | None = None,
             within: Within | None = None, params: dict[str, Any]) -> ReplyStream:
        """Send a chat request and return its ReplyStream once the server answered 2xx.

        The call's deadline is ``within`` when the call began earlier (a transcription that read the
        model list first), else ``deadline`` seconds (or the client's) from when the body is ready.
        """
        self._calls.begin()
        fmt = output_format(audio)
        check_finite(params)
        messages = with_audio_parts(messages, model)  # bad audio fails here, before any network call
        body = build_body(model, messages, audio, params, wire_format=wire_format)
        within = self._requester.within(deadline) if within is None else within
        catalogue = self._check(model, audio, bool(sent_audio_formats(body)), within)
        surface = CHAT_OUT if audio is not None else CHAT_IN

        def explain(error: APIError) -> APIError:
            return error if catalogue is None else explain_refusal(error, model, surface, catalogue)

        answer = self._requester.request("POST", "/chat/completions", accept=EVENT_STREAM, body=body,
                                         headers=headers, within=within, explain=explain)
        # wire_format_of(body): pcm16 when the server refused the format first asked for
        builder = ReplyBuilder(format=fmt, wire_format=wire_format_of(body), model=model)
        return self._calls.opened(ReplyStream(answer.stream(), builder, deadline=within[0],
                                              secrets=self._requester.secrets))

    def _check(self, model: str, audio: Mapping[str, Any] | None, audio_in: bool,
               within: Within) -> Catalogue | None:
        """Refuse, before sending, a chat request the model list says ``model`` cannot serve.

        A text-only request needs no model list (only the rule of models that need audio is checked).
        """
        audio_out = audio is not None
        require_some_audio(model, audio_in, audio_out)
        if not (audio_out or audio_in):
            return None
        catalogue = self._lists.catalogue(within=within)
        key = self._requester.transport.key
        if audio is not None:
            check(key, catalogue.require, model, CHAT_OUT)
            if isinstance(audio.get("voice"), str):
                check(key, catalogue.require_voice, model, audio["voice"])
        if audio_in:
            check(key, catalogue.require, model, CHAT_IN)
        return catalogue
