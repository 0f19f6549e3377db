"""Milacemide pharmacology: dose regimen -> plasma -> brain milacemide -> MAO-B / MAO-A ->
glycinamide -> glycine (numpy/scipy only; never Brian2).

    from sim.pharmacology import simulate, DrugTimeCourse
    tc = simulate(cfg.drug)        # a sim.config.DrugConfig
    tc.glycine_uM_observed         # brain extracellular glycine at the observation time, uM

The equations are in :mod:`sim.pharmacology.model`, every constant with its source in
:mod:`sim.pharmacology.parameters`, the ``milasim pk`` report and figure in
:mod:`sim.pharmacology.report`. See docs/pharmacology.md.
"""

from sim.pharmacology.dosing import Regimen, resolve_regimen
from sim.pharmacology.model import DrugTimeCourse, simulate
from sim.pharmacology.parameters import PkParameters, default_parameters

__all__ = [
    "DrugTimeCourse",
    "PkParameters",
    "Regimen",
    "default_parameters",
    "resolve_regimen",
    "simulate",
]
