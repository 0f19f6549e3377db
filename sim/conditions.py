"""From the drug and the bath to the receptor-level state a run is simulated with: one typed state.

:func:`receptor_state` is the one place where a dose becomes what the receptors see, for every
protocol. The drug module (:mod:`sim.pharmacology`) gives brain glycine at the observation time;
the bath adds glycine, Mg2+, APV, bicuculline and 7-chlorokynurenate; the receptor laws of
:mod:`sim.receptors` turn that into a frozen :class:`ReceptorState`: glycine-site occupancy per
population (before and after an optional glycine wash-in), GlyR activation, and the fractions of
NMDA and GABA-A conductance the antagonists leave.

The mechanism switches (``[mechanisms]``) are decided here, once. They say which actions of
*drug-raised* glycine reach the cells; a switched-off action sees the no-drug level (regional
baseline + bath glycine):

- ``nmda_coagonism = false``: NMDA occupancy stays at the no-drug level in every cell;
- ``nmda_on_interneurons = false``: interneuron NMDA occupancy stays at the no-drug level;
- ``tonic_glyr = false``: no tonic GlyR conductance at all (GlyR activation 0);
- ``glycinamide_at_site = false``: glycinamide does not reach the glycine site;
- ``coagonist_pool``: ``"dserine_synaptic"`` keeps *synaptic* activation at the no-drug level
  (D-serine, unchanged by the drug) and gives the drug-raised level to the extrasynaptic
  receptors; ``"bulk"`` and ``"glycine_synaptic"`` give it to both.

"Occupancy" is the site's activation by its two ligands, glycine (extracellular, what the drug
module calls ``glycine_uM``) and glycinamide (:func:`sim.receptors.glycine_site_occupancy`):
without glycinamide it is glycine's Hill occupancy, exactly.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.config import Config
from sim.pharmacology import DrugTimeCourse, simulate
from sim.receptors import (
    apv_unblocked,
    bicuculline_unblocked,
    glycine_site_occupancy,
    glyr_activation,
)

#: The populations whose NMDA occupancy the state gives: pyramidal cells and interneurons.
POPULATIONS = ("exc", "inh")


@dataclass(frozen=True)
class Levels:
    """A quantity before and after the protocol's glycine wash-in (equal without one)."""

    before: float
    after: float


@dataclass(frozen=True)
class ReceptorState:
    """What the receptors of one run see. Concentrations in uM, fractions in [0, 1].

    ``glycine_uM`` is bulk extracellular glycine with the drug (drug-driven brain level + bath
    glycine); ``glycine_baseline_uM`` the same without the drug; ``glycine_drug_uM`` the
    drug-driven brain level alone (no bath). ``occupancy`` is keyed by population (``"exc"``,
    ``"inh"``); ``occupancy_baseline`` is the no-drug occupancy before a wash-in.
    """

    glycine_uM: Levels
    glycine_baseline_uM: float
    glycine_drug_uM: float
    occupancy: Mapping[str, Levels]
    occupancy_baseline: float
    occupancy_extrasynaptic: Mapping[str, Levels]
    glyr_activation: Levels
    apv_unblocked: float
    gaba_unblocked: float
    mg_mM: float
    apv_uM: float
    bicuculline_uM: float
    chlorokynurenate_uM: float
    dose_mg_per_kg: float
    dose_mg: float
    drug: DrugTimeCourse = field(repr=False, compare=False)

    def conditions(self) -> dict[str, tuple[Any, str]]:
        """The state as ``name -> (value, unit)``: what ``/conditions`` of run.h5 holds."""
        out: dict[str, tuple[Any, str]] = {
            "glycine_uM": (self.glycine_uM.before, "uM"),
            "glycine_after_washin_uM": (self.glycine_uM.after, "uM"),
            "glycine_baseline_uM": (self.glycine_baseline_uM, "uM"),
            "glycine_drug_uM": (self.glycine_drug_uM, "uM"),
            "glycine_tissue_change_percent": (
                self.drug.glycine_tissue_change_percent_observed, "%"),
            "glycinamide_uM": (self.drug.glycinamide_uM_observed, "uM"),
            "glycine_site_occupancy": (self.occupancy["exc"].before, "1"),
            "glycine_site_occupancy_baseline": (self.occupancy_baseline, "1"),
        }
        for pop, levels in self.occupancy.items():
            out[f"occupancy_{pop}_before"] = (levels.before, "1")
            out[f"occupancy_{pop}_after"] = (levels.after, "1")
        for pop, levels in self.occupancy_extrasynaptic.items():
            out[f"occupancy_extrasynaptic_{pop}_before"] = (levels.before, "1")
        out.update({
            "glyr_activation_before": (self.glyr_activation.before, "1"),
            "glyr_activation_after": (self.glyr_activation.after, "1"),
            "apv_unblocked": (self.apv_unblocked, "1"),
            "gaba_unblocked": (self.gaba_unblocked, "1"),
            "mg_mM": (self.mg_mM, "mM"),
            "apv_uM": (self.apv_uM, "uM"),
            "bicuculline_uM": (self.bicuculline_uM, "uM"),
            "chlorokynurenate_uM": (self.chlorokynurenate_uM, "uM"),
            "dose_mg_per_kg": (self.dose_mg_per_kg, "mg/kg"),
            "dose_mg": (self.dose_mg, "mg"),
        })
        return out

    def drug_course(self) -> dict[str, tuple[np.ndarray, str]]:
        """The drug time course as ``name -> (array, unit)``: what ``/drug`` of run.h5 holds.
        Glycine is the bulk level before a wash-in (drug-driven + bath), as ``glycine_uM``."""
        tc = self.drug
        bath = self.glycine_uM.before - self.glycine_drug_uM
        return {
            "t_h": (np.asarray(tc.t_h), "h"),
            "plasma_milacemide_uM": (np.asarray(tc.plasma_milacemide_uM), "uM"),
            "brain_milacemide_uM": (np.asarray(tc.brain_milacemide_uM), "uM"),
            "glycinamide_uM": (np.asarray(tc.glycinamide_uM), "uM"),
            "glycine_uM": (np.asarray(tc.glycine_uM) + bath, "uM"),
            "glycine_tissue_ratio": (np.asarray(tc.glycine_tissue_ratio), "1"),
        }

    def summary(self) -> dict[str, float]:
        """The keys every summary.json has from the state."""
        return {
            "glycine_uM": self.glycine_uM.before,
            "glycine_baseline_uM": self.glycine_baseline_uM,
            "glycine_site_occupancy": self.occupancy["exc"].before,
            "dose_mg_per_kg": self.dose_mg_per_kg,
            "dose_mg": self.dose_mg,
            "mg_mM": self.mg_mM,
        }


def site_activation(cfg: Config, glycine_uM: float, glycinamide_uM: float = 0.0) -> float:
    """Glycine-site activation for ``cfg``'s receptor settings (7-CK, glycinamide keys)."""
    mech = cfg.mechanisms
    return float(glycine_site_occupancy(
        glycine_uM, chlorokynurenate_uM=cfg.bath.chlorokynurenate_uM,
        glycinamide_uM=glycinamide_uM if mech.glycinamide_at_site else 0.0,
        glycinamide_ec50_uM=mech.glycinamide_ec50_uM,
        glycinamide_efficacy=mech.glycinamide_efficacy,
    ))


def receptor_state(cfg: Config, drug: DrugTimeCourse | None = None) -> ReceptorState:
    """The receptor-level state of one run of ``cfg``; ``drug`` is ``simulate(cfg.drug)`` (run
    here when not given)."""
    drug = simulate(cfg.drug) if drug is None else drug
    mech, bath = cfg.mechanisms, cfg.bath
    washin = getattr(cfg.protocol, "glycine_washin_uM", None)
    ck = bath.chlorokynurenate_uM
    drug_gly = drug.glycine_uM_observed
    region_baseline = drug.glycine_baseline_uM

    glycinamide = drug.glycinamide_uM_observed

    def occ(glycine_uM: float, glycinamide_uM: float = 0.0) -> float:
        return site_activation(cfg, glycine_uM, glycinamide_uM)

    def at(bath_glycine_uM: float):
        """(glycine, synaptic activation, extrasynaptic activation, GlyR) at a bath level."""
        with_drug = drug_gly + bath_glycine_uM
        without = region_baseline + bath_glycine_uM
        raised = occ(with_drug, glycinamide) if mech.nmda_coagonism else occ(without)
        raised_inh = raised if mech.nmda_on_interneurons else occ(without)
        ext = {"exc": raised, "inh": raised_inh}
        # D-serine gates the synapses: the drug does not move them (bath glycine, in a slice,
        # still reaches every receptor)
        syn = ({"exc": occ(without), "inh": occ(without)}
               if mech.coagonist_pool == "dserine_synaptic" else dict(ext))
        glyr = float(glyr_activation(with_drug)) if mech.tonic_glyr else 0.0
        return with_drug, syn, ext, glyr

    gly_before, occ_before, ext_before, glyr_before = at(bath.glycine_uM)
    gly_after, occ_after, ext_after, glyr_after = (
        at(washin) if washin is not None else (gly_before, occ_before, ext_before, glyr_before))
    regimen = drug.regimen
    return ReceptorState(
        glycine_uM=Levels(gly_before, gly_after),
        glycine_baseline_uM=region_baseline + bath.glycine_uM,
        glycine_drug_uM=drug_gly,
        occupancy={pop: Levels(occ_before[pop], occ_after[pop]) for pop in POPULATIONS},
        occupancy_baseline=occ(region_baseline + bath.glycine_uM),
        occupancy_extrasynaptic={pop: Levels(ext_before[pop], ext_after[pop])
                                 for pop in POPULATIONS},
        glyr_activation=Levels(glyr_before, glyr_after),
        apv_unblocked=float(apv_unblocked(bath.apv_uM)),
        gaba_unblocked=float(bicuculline_unblocked(bath.bicuculline_uM)),
        mg_mM=bath.mg_mM,
        apv_uM=bath.apv_uM,
        bicuculline_uM=bath.bicuculline_uM,
        chlorokynurenate_uM=ck,
        dose_mg_per_kg=regimen.dose_mg_per_kg,
        dose_mg=regimen.dose_mg,
        drug=drug,
    )
