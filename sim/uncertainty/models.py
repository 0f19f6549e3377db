"""The functions ``milasim uncertainty`` samples: the dose -> receptor link, and a check function.

A model has named parameters (each with a range, sampled uniformly or log-uniformly), named
outputs with units, and cases (labels); ``evaluate`` maps a block of parameter rows to the
outputs of every case, ``(cases, rows, outputs)``: the cases share each row (paired). Models are plain picklable objects: Dask ships them to workers.

- :class:`DrugModel`: the milacemide model and the glycine-site law, for the cases of an
  experiment file (each a full :class:`sim.config.Config`). Its parameters are the assumed
  constants of :data:`sim.pharmacology.parameters.UNCERTAIN_PARAMETERS`; a sampled value
  replaces the default (and the config's own value, for the extracellular coupling and the
  glycinamide keys). The outputs are read at the case's observation time.

  *Anchored to the data* (``anchor``, default on): the rat tissue rise 3 h after 100 mg/kg
  (Chapman & Hart) is measured, so a parameter set that misses it is not a candidate. Each sample
  is re-calibrated as the defaults were: its glycine excess (tissue and extracellular) is scaled
  so that the same sample's rat reference (100 mg/kg i.p., 3 h, the case's region) gives the
  default model's calibrated rise. The glycine dynamics are linear in the hydrolysis flux while
  the excess is far below GlyT1's Km (1-10 uM vs 43 uM), so this is the refit of the glycine
  yield, exactly up to that small nonlinearity. What stays uncertain is what the data do not pin
  down: dose and species extrapolation, the extracellular share, glycinamide, the receptor.
- :class:`IshigamiModel`: Ishigami & Homma's function, whose Sobol indices are known in closed
  form; it runs through the same sampling, Dask and analysis code so that code can be checked.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sim.config import Config, DrugConfig
from sim.pharmacology.dosing import resolve_regimen
from sim.pharmacology.model import parameters_for, simulate
from sim.pharmacology.parameters import (
    MAO_B_VMAX_UM_PER_H,
    UNCERTAIN_PARAMETERS,
    elimination_half_life_h,
    mao_b_activity_factor,
    uncertain_bounds,
)
from sim.receptors import glycine_site_occupancy


@dataclass(frozen=True)
class Parameter:
    """One sampled input: its range in natural units and whether it is sampled in log10."""

    name: str
    low: float
    high: float
    log: bool
    default: float
    unit: str
    source: str

    def to_natural(self, x: np.ndarray) -> np.ndarray:
        """Sampling coordinates (log10 when ``log``) -> natural units."""
        return np.power(10.0, x) if self.log else x

    @property
    def sampling_bounds(self) -> list[float]:
        if self.log:
            return [math.log10(self.low), math.log10(self.high)]
        return [self.low, self.high]


#: Outputs of the drug model: name -> (unit, description).
DRUG_OUTPUTS: dict[str, tuple[str, str]] = {
    "glycine_extracellular_change_percent": ("%", "extracellular glycine change"),
    "glycine_tissue_change_percent": ("%", "tissue glycine change"),
    "glycinamide_uM": ("uM", "brain glycinamide"),
    "glycine_site_occupancy": ("1", "NMDA glycine-site activation"),
    "occupancy_change": ("1", "activation change from no drug"),
    "nmda_gain": ("x", "NMDA gain (activation / no drug)"),
}


class DrugModel:
    """The dose -> receptor link for a list of cases (all in one brain region)."""

    kind = "drug"

    def __init__(self, labels: list[str], configs: list[Config],
                 parameter_names: list[str] | None = None, anchor: bool = True) -> None:
        if len(labels) != len(configs) or not configs:
            raise ValueError("one label per case, at least one case")
        regions = {c.drug.region for c in configs}
        if len(regions) != 1:
            raise ValueError(f"all cases must be in one region (the extracellular coupling's "
                             f"range is the region's), got {sorted(regions)}")
        self.region = regions.pop()
        self.labels = list(labels)
        self.configs = list(configs)
        names = list(UNCERTAIN_PARAMETERS) if parameter_names is None else list(parameter_names)
        unknown = [n for n in names if n not in UNCERTAIN_PARAMETERS]
        if unknown:
            raise ValueError(f"unknown parameter(s) {unknown}; known: {sorted(UNCERTAIN_PARAMETERS)}")
        self.parameters = []
        for n in names:
            u = UNCERTAIN_PARAMETERS[n]
            low, high = uncertain_bounds(n, self.region)
            default = min(max(u.default, low), high)
            # the config's own value where it has one (the case's region, its mechanisms keys)
            if n == "extracellular_coupling":
                default = parameters_for(configs[0].drug).extracellular_coupling
            elif n in ("glycinamide_ec50_uM", "glycinamide_efficacy"):
                default = float(getattr(configs[0].mechanisms, n))
            log = u.log and low > 0
            self.parameters.append(Parameter(n, low, high, log, default, u.unit, u.source))
        self.outputs = dict(DRUG_OUTPUTS)
        self.anchor = bool(anchor)
        self.reference = DrugConfig(species="rat", route="ip", dose_mg_per_kg=100.0,
                                    time_after_dose_h=3.0, region=self.region)
        self.reference_rise_percent = simulate(
            self.reference, observation_only=True).glycine_tissue_change_percent_observed

    def defaults(self) -> dict[str, float]:
        """Every uncertain constant at its default (sampled ones are replaced per row)."""
        out = {n: u.default for n, u in UNCERTAIN_PARAMETERS.items()}
        mech = self.configs[0].mechanisms
        out["glycinamide_ec50_uM"] = mech.glycinamide_ec50_uM
        out["glycinamide_efficacy"] = mech.glycinamide_efficacy
        return out

    def _samples(self, rows: np.ndarray):
        """(row index, every constant's value, anchor scale) for each parameter row; the cases of
        a row share them (read only)."""
        rows = np.atleast_2d(np.asarray(rows, dtype=float))
        names = [p.name for p in self.parameters]
        for i, row in enumerate(rows):
            values: dict[str, float | None] = dict(self.defaults())
            if "extracellular_coupling" not in names:  # the case's own (config or region)
                values["extracellular_coupling"] = None
            values.update(zip(names, (float(x) for x in row), strict=True))
            yield i, values, (self._anchor_scale(values) if self.anchor else 1.0)

    def evaluate(self, rows: np.ndarray) -> np.ndarray:
        """Outputs (cases, n, outputs) for parameter rows (n, parameters) in natural units."""
        n = np.atleast_2d(rows).shape[0]
        out = np.empty((len(self.configs), n, len(self.outputs)))
        for i, values, scale in self._samples(rows):
            for c, cfg in enumerate(self.configs):
                out[c, i] = self._one(cfg, values, scale)
        return out

    def _anchor_scale(self, v: dict[str, float | None]) -> float:
        """Default rat rise / this sample's rat rise (100 mg/kg i.p., 3 h, the region)."""
        ref = simulate(self.reference, self._pk(self.reference, v), observation_only=True)
        return self.reference_rise_percent / ref.glycine_tissue_change_percent_observed

    @staticmethod
    def _pk(drug, v: dict[str, float | None]):
        """The drug model's constants for one sample (MAO-B's species factor: not for rats)."""
        regimen = resolve_regimen(drug)
        base = parameters_for(drug, regimen.body_weight_kg)
        if drug.species == "rat":
            half_life = float(v["rat_half_life_h"])
        else:
            half_life = elimination_half_life_h(
                drug.species, regimen.body_weight_kg, scaling=drug.pk_scaling,
                exponent=float(v["allometric_exponent"]),
                reference_half_life_h=float(v["rat_half_life_h"]))
        species_mao_b = 1.0 if drug.species == "rat" else float(v[f"mao_b_activity_{drug.species}"])
        age = mao_b_activity_factor(drug.age_years, drug.alzheimers)
        changes = {
            "elimination_per_h": math.log(2.0) / half_life,
            "brain_plasma_partition": float(v["brain_plasma_partition"]),
            "mao_b_vmax_uM_per_h": MAO_B_VMAX_UM_PER_H * drug.mao_b_activity * age
            * species_mao_b,
            "glycinamide_hydrolysis_per_h": float(v["glycinamide_hydrolysis_per_h"]),
        }
        if v["extracellular_coupling"] is not None:
            changes["extracellular_coupling"] = float(v["extracellular_coupling"])
        return dataclasses.replace(base, **changes)

    def _one(self, cfg: Config, v: dict[str, float | None], scale: float) -> list[float]:
        drug, bath, mech = cfg.drug, cfg.bath, cfg.mechanisms
        tc = simulate(drug, self._pk(drug, v), observation_only=True)
        ck = bath.chlorokynurenate_uM
        baseline = tc.glycine_baseline_uM + bath.glycine_uM
        glycine = baseline + scale * (tc.glycine_uM_observed - tc.glycine_baseline_uM)
        tissue_percent = scale * tc.glycine_tissue_change_percent_observed
        site = {
            "glyt1_fraction": float(v["glyt1_local_fraction"]),
            "ec50_uM": float(v["glycine_site_ec50_uM"]),
            "hill_n": float(v["glycine_site_hill"]),
            "chlorokynurenate_uM": ck,
            "glycinamide_ec50_uM": float(v["glycinamide_ec50_uM"]),
            "glycinamide_efficacy": float(v["glycinamide_efficacy"]),
        }
        occ0 = float(glycine_site_occupancy(baseline, **site))
        if mech.nmda_coagonism:
            gam = tc.glycinamide_uM_observed if mech.glycinamide_at_site else 0.0
            occ = float(glycine_site_occupancy(glycine, glycinamide_uM=gam, **site))
        else:
            occ = occ0
        return [
            100.0 * (glycine - baseline) / baseline,
            tissue_percent,
            tc.glycinamide_uM_observed,
            occ,
            occ - occ0,
            occ / occ0 if occ0 > 0 else float("nan"),
        ]


class IshigamiModel:
    """``y = sin x1 + a sin^2 x2 + b x3^4 sin x1`` on [-pi, pi]^3 (Ishigami & Homma 1990).

    With a = 7, b = 0.1 the Sobol indices are known exactly (:meth:`exact_indices`)."""

    kind = "ishigami"

    def __init__(self, labels: list[str] | None = None, a: float = 7.0, b: float = 0.1) -> None:
        self.a, self.b = a, b
        self.labels = list(labels or ["ishigami"])
        self.parameters = [Parameter(f"x{i}", -math.pi, math.pi, False, 0.0, "1", "test function")
                           for i in (1, 2, 3)]
        self.outputs = {"y": ("1", "Ishigami function")}

    def evaluate(self, rows: np.ndarray) -> np.ndarray:
        """(cases, n, 1): the same function for every case."""
        x = np.atleast_2d(np.asarray(rows, dtype=float))
        y = np.sin(x[:, 0]) + self.a * np.sin(x[:, 1]) ** 2 + self.b * x[:, 2] ** 4 * np.sin(x[:, 0])
        return np.broadcast_to(y[None, :, None], (len(self.labels), y.size, 1)).copy()

    def exact_indices(self) -> tuple[np.ndarray, np.ndarray]:
        """(S1, ST) in closed form."""
        a, b, pi = self.a, self.b, math.pi
        v1 = 0.5 * (1 + b * pi**4 / 5) ** 2
        v2 = a**2 / 8
        v13 = b**2 * pi**8 * (1 / 18 - 1 / 50)
        var = v1 + v2 + v13
        return np.array([v1, v2, 0.0]) / var, np.array([v1 + v13, v2, v13]) / var


class NetworkModel(DrugModel):
    """The network (or LTP preparation) of each case, run once per sample with the sampled
    receptor constants: the drug model and the site law give the glycine-site activation and the
    extracellular glycine of the sample, which replace those of the run's receptor state. A run
    costs seconds to minutes, so network outputs get few samples (and say so)."""

    kind = "network"

    def __init__(self, labels, configs, parameter_names=None, anchor=True,
                 outputs: list[str] | None = None) -> None:
        super().__init__(labels, configs, parameter_names, anchor)
        from sim.metrics import catalogue

        known = catalogue()
        names = list(outputs or [])
        unknown = [n for n in names if n not in known]
        if not names or unknown:
            raise ValueError(f"network outputs must be metric names, got {unknown or names}; "
                             f"e.g. {', '.join(list(known)[:6])}")
        pools = {c.mechanisms.coagonist_pool for c in configs}
        if pools != {"bulk"}:
            raise ValueError("network outputs are sampled for mechanisms.coagonist_pool = "
                             f"\"bulk\" only, got {sorted(pools)}")
        self.outputs = {n: (known[n].unit or "1", known[n].label) for n in names}

    def evaluate(self, rows: np.ndarray) -> np.ndarray:
        import dataclasses as dc
        import tempfile

        from sim.conditions import Levels, receptor_state
        from sim.receptors import glyr_activation
        from sim.runner import execute

        drug_cols = list(DRUG_OUTPUTS)
        n = np.atleast_2d(rows).shape[0]
        out = np.full((len(self.configs), n, len(self.outputs)), np.nan)
        for i, values, scale in self._samples(rows):
            for c, cfg in enumerate(self.configs):
                drug = self._one(cfg, values, scale)
                occ = drug[drug_cols.index("glycine_site_occupancy")]
                change = drug[drug_cols.index("glycine_extracellular_change_percent")]
                state = receptor_state(cfg)
                glycine = state.glycine_baseline_uM * (1.0 + change / 100.0)
                mech = cfg.mechanisms
                occ0 = state.occupancy_baseline
                pops = {"exc": occ, "inh": occ if mech.nmda_on_interneurons else occ0}
                if not mech.nmda_coagonism:
                    pops = {"exc": occ0, "inh": occ0}
                glyr = float(glyr_activation(glycine)) if mech.tonic_glyr else 0.0
                state = dc.replace(
                    state, glycine_uM=Levels(glycine, glycine),
                    occupancy={p: Levels(v, v) for p, v in pops.items()},
                    occupancy_extrasynaptic={p: Levels(v, v) for p, v in pops.items()},
                    glyr_activation=Levels(glyr, glyr))
                with tempfile.TemporaryDirectory(prefix="milasim-unc-") as tmp:
                    summary = execute(cfg, Path(tmp), state=state)
                for j, name in enumerate(self.outputs):
                    value = summary.get(name)
                    out[c, i, j] = float("nan") if value is None else float(value)
        return out
