"""The model list as the server sent it, made safe to use: every entry a dict of the expected shapes.

``GET /models`` comes from outside: an entry without an id, an ``architecture`` that is a list, modalities
given as one string, ``pricing`` that is not an object. Each consumer (filters, ``%oraudio_models``,
AudioChat's picker) would have to guard against each; here entries are normalised once, where they enter.
"""

from __future__ import annotations

from typing import Any

_MODALITIES = ("input_modalities", "output_modalities")


def clean_models(listed: list[Any]) -> list[dict[str, Any]]:
    """The entries that name a model (a non-empty string ``id``), each with ``architecture`` a dict whose
    modalities are lists of strings, and ``pricing`` a dict; other fields are kept as they came."""
    return [_clean(entry) for entry in listed
            if isinstance(entry, dict) and isinstance(entry.get("id"), str) and entry["id"]]


def _clean(entry: dict[str, Any]) -> dict[str, Any]:
    model = dict(entry)
    arch = model.get("architecture")
    arch = dict(arch) if isinstance(arch, dict) else {}
    for key in _MODALITIES:
        values = arch.get(key)
        if isinstance(values, str):
            values = [values]
        listed = values if isinstance(values, list) else []
        arch[key] = [str(v) for v in listed if isinstance(v, (str, int, float))]
    model["architecture"] = arch
    if not isinstance(model.get("pricing"), dict):
        model["pricing"] = {}
    if not isinstance(model.get("name"), str):
        model["name"] = model["id"]
    return model
