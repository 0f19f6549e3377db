"""Dose regimens: mg/kg <-> mg with the body weight, dose times, amounts in umol."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.pharmacology.parameters import BODY_WEIGHT_KG, MILACEMIDE_MW_G_PER_MOL


@dataclass(frozen=True)
class Regimen:
    """What is given, when: ``doses_per_day`` evenly spaced doses for ``days`` days."""

    species: str
    route: str
    body_weight_kg: float
    dose_mg_per_kg: float
    dose_mg: float
    doses_per_day: int
    days: int

    @property
    def dose_umol(self) -> float:
        """One dose in umol of milacemide (mg / (g/mol) * 1000)."""
        return self.dose_mg / MILACEMIDE_MW_G_PER_MOL * 1000.0

    @property
    def n_doses(self) -> int:
        return self.doses_per_day * self.days

    @property
    def interval_h(self) -> float:
        return 24.0 / self.doses_per_day

    def dose_times_h(self) -> np.ndarray:
        """Times of the doses, h since the first one (0, interval, 2*interval, ...)."""
        return np.arange(self.n_doses, dtype=float) * self.interval_h

    @property
    def last_dose_h(self) -> float:
        return (self.n_doses - 1) * self.interval_h


def resolve_regimen(drug) -> Regimen:
    """A :class:`Regimen` from a ``sim.config.DrugConfig`` (or anything with the same fields).

    Exactly one of ``dose_mg_per_kg`` / ``dose_mg`` is set (the config guarantees it; with neither,
    the dose is 0). The other follows from the body weight (the species default unless given).
    """
    species = drug.species
    if species not in BODY_WEIGHT_KG:
        raise ValueError(f"unknown species {species!r}; expected one of {sorted(BODY_WEIGHT_KG)}")
    weight = drug.body_weight_kg if drug.body_weight_kg is not None else BODY_WEIGHT_KG[species]
    if drug.dose_mg is not None and drug.dose_mg_per_kg is not None:
        raise ValueError("give dose_mg_per_kg or dose_mg, not both")
    if drug.dose_mg is not None:
        dose_mg = float(drug.dose_mg)
        per_kg = dose_mg / weight
    else:
        per_kg = float(drug.dose_mg_per_kg or 0.0)
        dose_mg = per_kg * weight
    if dose_mg < 0:
        raise ValueError(f"dose must be >= 0, got {dose_mg} mg")
    return Regimen(
        species=species,
        route=drug.route,
        body_weight_kg=float(weight),
        dose_mg_per_kg=per_kg,
        dose_mg=dose_mg,
        doses_per_day=int(drug.doses_per_day),
        days=int(drug.days),
    )
