"""The model list as the server sent it, made safe to use: every entry a dict of the expected shapes.

``GET /models`` comes from outside: an entry without an id, an ``architecture`` that is a list, modalities
given as one string, ``pricing`` that is not an object. Each consumer (filters, ``%oraudio_models``,
AudioChat's picker) would have to guard against each; here entries are normalised once, where they enter.
Also here: filtering on input and output modalities.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
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


def filter_models(
    models: Iterable[Mapping[str, Any]], input_modality: str | None, output_modality: str | None
) -> list[dict[str, Any]]:
    """The models whose architecture lists the wanted input and output modalities (None: any)."""
    return [
        dict(m) for m in models
        if _has_modality(m, "input_modalities", input_modality)
        and _has_modality(m, "output_modalities", output_modality)
    ]


def _has_modality(model: Mapping[str, Any], key: str, wanted: str | None) -> bool:
    if wanted is None:
        return True
    arch = model.get("architecture")
    values = arch.get(key) if isinstance(arch, dict) else None
    return isinstance(values, list) and wanted in values
