"""The model registry: a scenario's ``model`` name -> the model object.

This module and the model modules are the only places that know which models exist. Adding
a model is one module implementing :class:`blocs.models.base.Model` (with a ``MODEL``
instance) plus one line in :data:`MODEL_MODULES` (or a call to :func:`register`, e.g. from a
plug-in or a test).

Lazy loading (issue 13, item 2): :data:`MODELS` knows every model's name from the table
:data:`MODEL_MODULES` and imports a model's module only when that model is first asked for,
so a run of one model does not import the others, and listing the names (in error
messages, ``name in MODELS``) imports none.

Example:
    >>> get_model("imls").name
    'imls'
    >>> get_model("imsl")
    Traceback (most recent call last):
    ...
    blocs.errors.InputError: unknown model 'imsl' (did you mean 'imls'?); models: caliendo_parro, imls, ossa
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, MutableMapping
from typing import Any

from blocs.errors import InputError, closest
from blocs.models.base import Model

__all__ = [
    "MODELS",
    "MODEL_MODULES",
    "LazyModels",
    "get_model",
    "model_for",
    "register",
    "unregister",
]

#: name -> the module whose ``MODEL`` it is, one line per model (in :func:`model_for`'s order).
MODEL_MODULES: dict[str, str] = {
    "imls": "blocs.models.imls",
    "caliendo_parro": "blocs.models.caliendo_parro",
    "ossa": "blocs.models.ossa",
}


class LazyModels(MutableMapping[str, Model]):
    """name -> model; a model named in ``modules`` is imported on first lookup.

    Names, ``len`` and ``in`` never import; ``values()`` and ``items()`` import every model
    as they reach it (in the table's order, then registered ones).
    """

    def __init__(self, modules: dict[str, str]) -> None:
        self._modules = dict(modules)
        self._loaded: dict[str, Model] = {}

    def __getitem__(self, name: str) -> Model:
        if name not in self._loaded:
            module = self._modules[name]  # KeyError for unknown names, as a dict
            model = importlib.import_module(module).MODEL
            if not isinstance(model, Model) or model.name != name:
                raise TypeError(f"{module}.MODEL is not a blocs Model named {name!r}")
            self._loaded[name] = model
        return self._loaded[name]

    def __setitem__(self, name: str, model: Model) -> None:
        self._modules.pop(name, None)
        self._loaded[name] = model

    def __delitem__(self, name: str) -> None:
        if name not in self:
            raise KeyError(name)
        self._modules.pop(name, None)
        self._loaded.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        yield from self._modules
        yield from (name for name in self._loaded if name not in self._modules)

    def __len__(self) -> int:
        return len(self._modules.keys() | self._loaded.keys())

    def __contains__(self, name: object) -> bool:
        return name in self._modules or name in self._loaded

    def __repr__(self) -> str:
        return f"LazyModels({list(self)})"


#: name -> model (imported on first use; see :data:`MODEL_MODULES`).
MODELS: LazyModels = LazyModels(MODEL_MODULES)


def get_model(name: str, *, where: str = "model") -> Model:
    """The registered model called ``name``; :class:`InputError` with a suggestion if none."""
    if name not in MODELS:
        raise InputError(
            f"unknown model '{name}'{closest(name, list(MODELS))}; "
            f"models: {', '.join(sorted(MODELS))}"
        )
    return MODELS[name]


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
