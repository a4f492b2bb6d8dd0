"""The client's view of the model list: ``GET /models`` cached, and the :class:`Catalogue` built from it.

The checks made before sending read the cached list. When it cannot be read (no network, a server
that is not OpenRouter), :meth:`ModelLists.catalogue` gives the stand-in of known models, which refuses
nothing: the request goes out and the server decides.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from ..core._catalogue import Catalogue
from ..core._defaults import MODELS_TTL
from ..errors import APIError, ModelCapabilityError, OpenRouterAudioError
from ._model_list import clean_models, filter_models
from ._requester import JSON, Requester, Within

_log = logging.getLogger("or_audio_widgets.client")

#: The (time.monotonic() deadline, seconds as given) of a call, or None: what the list reading shares.
Deadline = Within | None

# A list that could not be read is not asked for again for this long (each call would wait otherwise).
_FAILED_TTL = 60.0
# Reading the list for a check must not hold a request up for long, nor be retried: it gets this share of
# the call's deadline (or of the client's timeout), at most _LIST_TIMEOUT, and then the request goes out
# unchecked with the rest of its deadline.
_LIST_SHARE = 0.2
_LIST_TIMEOUT = 10.0


class ModelLists:
    """The model lists of one client: ``GET /models`` (cached) and the :class:`Catalogue` built from it.

    Each list is read through the client's one request path; for a check before sending, with a share
    of the call's own deadline (see :meth:`catalogue`).
    """

    def __init__(self, requester: Requester) -> None:
        self._requester = requester
        self._models: tuple[float, list[dict[str, Any]]] | None = None
        self._catalogue: tuple[float, Catalogue] | None = None
        self._models_lock = threading.Lock()
        self._catalogue_lock = threading.Lock()  # the catalogue is built once, however many threads ask

    def models(
        self, input_modality: str | None = None, output_modality: str | None = None, *, refresh: bool = False
    ) -> list[dict[str, Any]]:
        """Models from ``GET /models`` (cached for a while), filtered on input/output modality."""
        return filter_models(self._listed(refresh, quick=False), input_modality, output_modality)

    def _listed(self, refresh: bool, *, quick: bool, within: Deadline = None) -> list[dict[str, Any]]:
        with self._models_lock:
            if refresh or self._models is None or time.monotonic() - self._models[0] > MODELS_TTL:
                # "all": the live API lists only text models when no output modality is named
                listed = self._get_list("/models?output_modalities=all", quick=quick, within=within)
                self._models = (time.monotonic(), listed)
            return self._models[1]

    def catalogue(self, *, refresh: bool = False, within: Deadline = None) -> Catalogue:
        """What each model serves (chat audio out/in, speech, transcription) and its voices.

        Built from the cached model list and ``GET /audio/speech/models`` (for voices); the stand-in of
        known models, which refuses nothing, when the list cannot be read or ``check_models`` is False.
        ``within`` is the (deadline, seconds) of the call the list is read for: reading it counts against
        that call's deadline.
        """
        if not self._requester.settings.check_models:
            return Catalogue.known()
        cached = self._fresh_catalogue(refresh)
        if cached is not None:
            return cached
        # one thread builds it; the others, which wait here, take what it built
        with self._catalogue_lock:
            cached = self._fresh_catalogue(refresh)
            return cached if cached is not None else self._build_catalogue(refresh, within)

    def _fresh_catalogue(self, refresh: bool) -> Catalogue | None:
        cached = self._catalogue
        if cached is None or refresh:
            return None
        age = time.monotonic() - cached[0]
        return cached[1] if age < (MODELS_TTL if cached[1].listed else _FAILED_TTL) else None

    def _build_catalogue(self, refresh: bool, within: Deadline) -> Catalogue:
        within = self._list_budget(within)
        try:
            catalogue = Catalogue(self._listed(refresh, quick=True, within=within))
        except OpenRouterAudioError as exc:
            _log.info("the model list could not be read (%s); the server will decide", exc)
            catalogue = Catalogue.known()
        else:
            for entry in self._speech_voices(within):
                catalogue.add(entry)
        self._catalogue = (time.monotonic(), catalogue)
        return catalogue

    def _list_budget(self, within: Deadline) -> Deadline:
        """The (deadline, seconds) of reading the lists for a check: a small share of the call's deadline
        (or of the client's timeout when it has none), so that the request still goes out in time."""
        given = within[1] if within is not None else None
        seconds = given if given is not None else self._requester.settings.timeout
        share = min(_LIST_TIMEOUT, _LIST_SHARE * seconds)
        ends = time.monotonic() + share
        call_ends = within[0] if within is not None else None
        return (ends, share) if call_ends is None or ends < call_ends else within

    def _speech_voices(self, within: Deadline = None) -> list[Any]:
        """Entries of ``GET /audio/speech/models`` (voices of the speech models); none if unreadable."""
        from ..core._catalogue import SPEECH, ModelEntry, voice_names

        try:
            listed = self._get_list("/audio/speech/models", quick=True, within=within)
        except OpenRouterAudioError:
            return []
        return [ModelEntry(str(m["id"]), surfaces=frozenset({SPEECH}), voices=voice_names(m.get("voices")))
                for m in listed if isinstance(m.get("id"), str)]

    def _get_list(self, path: str, *, quick: bool, within: Deadline = None) -> list[dict[str, Any]]:
        # within: the deadline of the call this list is read for; quick (a check before sending): no
        # retries, a short wait between bytes
        timeout = self._requester.settings.timeout
        answer = self._requester.request(
            "GET", path, accept=JSON, whole=True,
            within=within if within is not None and within[0] is not None else None,
            retries=0 if quick else None, read_timeout=min(timeout, _LIST_TIMEOUT) if quick else None)
        payload = answer.payload
        data = payload.get("data") if isinstance(payload, dict) else None
        if not isinstance(data, list):
            raise APIError(f"GET {answer.url} did not answer with a model list", status=answer.status)
        return clean_models(data)


def explain_refusal(error: APIError, model: str, surface: str, catalogue: Catalogue) -> APIError:
    """A refusal the server sent (400/404) for a request the model list could not check, explained.

    With a readable list the request was checked before sending, and the server's words stand alone.
    """
    from ..core._catalogue import refusal

    if catalogue.listed or error.status not in (400, 404):
        return error
    entry = catalogue.get(model)
    if entry is not None and entry.serves(surface):
        return error  # a model known to serve this: the refusal is about something else
    hint = f"{refusal(model, surface, catalogue)} {error.hint}"
    return type(error)(error.message, status=error.status, code=error.code, metadata=error.metadata,
                       hint=hint)


def check(key: Any, rule: Callable[..., None], *args: Any) -> None:
    """Run a catalogue check; its refusal echoes what the caller passed, so the key is masked out of it.

    (A key pasted into ``voice=`` by mistake must not come back in an error message.) ``key`` is the
    client's masked holder, revealed only inside :func:`_masked`, so no frame of the traceback holds the
    key as a local. A masked refusal is raised outside the ``except`` block, so the unmasked one is not
    chained to it; one with nothing to mask keeps its class (an UnknownModelError, say).
    """
    try:
        rule(*args)
    except ModelCapabilityError as exc:
        message = _masked(str(exc), key)
        if message == str(exc):
            raise
    else:
        return
    raise ModelCapabilityError(message)


def _masked(text: str, key: Any) -> str:
    secret = key.reveal()
    return text.replace(secret, "***") if secret else text
