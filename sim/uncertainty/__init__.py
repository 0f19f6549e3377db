"""Global sensitivity and uncertainty analysis of the dose -> receptor link (``milasim uncertainty``).

:mod:`~sim.uncertainty.spec` reads an experiment file, :mod:`~sim.uncertainty.models` holds the
functions sampled, :mod:`~sim.uncertainty.analysis` wraps SALib's Morris and Sobol methods and
:mod:`~sim.uncertainty.runner` runs the samples on Dask and writes the results.
"""

from sim.uncertainty.runner import run_uncertainty
from sim.uncertainty.spec import load_uncertainty

__all__ = ["load_uncertainty", "run_uncertainty"]
