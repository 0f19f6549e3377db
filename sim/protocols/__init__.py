"""The protocols, registered in one place.

Each protocol is one module with the same interface (:class:`sim.protocols.base.Protocol`): its
``[protocol]`` config table, the build it needs, the values it runs with, how it simulates, records
and draws a run. Nothing else in milasim asks which protocol it holds: the runner, ``plot``,
``compare``, the sweeps and the benchmarks go through :func:`get`.

Adding a protocol: write its module (a ``PROTOCOL`` object), add one line to :data:`REGISTRY`.
Modules are imported on first use, so the config schema can ask for a protocol's table without
importing the rest of milasim.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from sim.protocols.base import Protocol

#: protocol name (the value of ``experiment.protocol``) -> its module
REGISTRY: dict[str, str] = {
    "epileptiform": "sim.protocols.epileptiform",
    "ltp": "sim.protocols.ltp",
    "memory": "sim.protocols.memory",
}


def names() -> tuple[str, ...]:
    """The registered protocol names, in registry order."""
    return tuple(REGISTRY)


def get(name: str) -> Protocol:
    """The protocol called ``name``; KeyError names the known ones."""
    if name not in REGISTRY:
        raise KeyError(f"unknown protocol {name!r}; expected one of {', '.join(names())}")
    return importlib.import_module(REGISTRY[name]).PROTOCOL


def all_protocols() -> list[Protocol]:
    return [get(name) for name in names()]
