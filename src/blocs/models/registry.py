"""The model registry: a scenario's ``model`` name -> the model object.

This module and the model modules are the only places that know which models exist. Adding
a model is one module implementing :class:`blocs.models.base.Model` plus one line in
:data:`MODELS` (or a call to :func:`register`, e.g. from a plug-in or a test).

Example:
    >>> get_model("imls").name
    'imls'
    >>> get_model("imsl")
    Traceback (most recent call last):
    ...
    blocs.errors.InputError: unknown model 'imsl' (did you mean 'imls'?); models: caliendo_parro, imls, ossa
"""

from __future__ import annotations

from typing import Any

from blocs.errors import InputError, closest
from blocs.models import caliendo_parro, imls, ossa
from blocs.models.base import Model

__all__ = ["MODELS", "get_model", "model_for", "register", "unregister"]

#: name -> model, one line per model.
MODELS: dict[str, Model] = {
    imls.MODEL.name: imls.MODEL,
    caliendo_parro.MODEL.name: caliendo_parro.MODEL,
    ossa.MODEL.name: ossa.MODEL,
}


def get_model(name: str, *, where: str = "model") -> Model:
    """The registered model called ``name``; :class:`InputError` with a suggestion if none."""
    try:
        return MODELS[name]
    except KeyError:
        raise InputError(
            f"unknown model '{name}'{closest(name, list(MODELS))}; "
            f"models: {', '.join(sorted(MODELS))}"
        ) from None


def model_for(economy: Any) -> Model:
    """The first registered model that runs on ``economy`` (its default model)."""
    for model in MODELS.values():
        if model.accepts(economy):
            return model
    raise InputError(f"no registered model runs on {type(economy).__name__} data")


def register(model: Model) -> None:
    """Add ``model`` under ``model.name`` (replacing a model of that name)."""
    if not isinstance(model, Model):
        raise TypeError(f"{model!r} does not implement blocs.models.base.Model")
    MODELS[model.name] = model


def unregister(name: str) -> None:
    """Remove a model added by :func:`register` (tests)."""
    MODELS.pop(name, None)
