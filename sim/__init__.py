"""milasim: spiking networks under the glycine prodrug milacemide.

The package is laid out by concept (see the README's design section):

- ``sim.config``        TOML configs, validated once into typed objects
- ``sim.pharmacology``  dose -> plasma -> brain milacemide -> glycinamide -> glycine (numpy/scipy)
- ``sim.receptors``     Mg2+ block, glycine-site occupancy, GlyR activation (numpy)
- ``sim.conditions``    drug + bath -> the one typed receptor state of a run
- ``sim.model``         Brian2 equations and builders (the E/I network, the LTP preparation)
- ``sim.protocols``     epileptiform, LTP/LTD: one interface, one registry
- ``sim.engine``        compiled-once Brian2 builds, reruns with new values
- ``sim.store``         run.h5 and summary.json writers and readers
- ``sim.analysis``      burst and plasticity analysis (numpy/scipy, no Brian2)
- ``sim.metrics``       the catalogue of metrics (name, label, unit, direction)
- ``sim.figures``       figures, drawn from what the store holds
- ``sim.sweeps``        experiment grids on Dask (the API's ``sim.sweep`` runs one)
- ``sim.api``           the Python API: ``sim.run``, ``sim.load``, ``sim.sweep``, ``sim.pk``
- ``sim.cli``           the ``milasim`` command
"""

__version__ = "0.8.7"

#: The notebook API (docs/api.md), imported on first use so that ``import sim`` stays light.
_API = ("run", "load", "sweep", "pk", "Run", "Sweep", "PK", "Spikes")
__all__ = ["__version__", *_API]


def __getattr__(name: str):
    if name in _API:
        from sim import api

        return getattr(api, name)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
