"""milasim: spiking networks under the glycine prodrug milacemide.

The package is laid out by concept (see the README's design section):

- ``sim.config``        TOML configs, validated once into typed objects
- ``sim.pharmacology``  dose -> plasma -> brain milacemide -> glycinamide -> glycine (numpy/scipy)
- ``sim.receptors``     Mg2+ block, glycine-site occupancy, GlyR activation (numpy)
- ``sim.model``         Brian2 equations, populations and synapses
- ``sim.protocols``     epileptiform and LTP/LTD protocols
- ``sim.engine``        compiled-once Brian2 builds, reruns with new values
- ``sim.store``         run.h5 writer and reader
- ``sim.analysis``      burst and plasticity metrics (numpy/scipy)
- ``sim.plots``         figures
- ``sim.sweep``         experiment grids on Dask
- ``sim.cli``           the ``milasim`` command
"""

__version__ = "0.3.0"
