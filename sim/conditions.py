"""From the drug report and the bath to the receptor-level state a network runs with.

The drug module (``sim.pharmacology``) gives brain glycine at the observation time; the bath adds
glycine, Mg2+, APV, bicuculline and 7-chlorokynurenate. Here the receptor laws of
``sim.receptors`` turn that into the numbers the compiled network takes at run time: glycine-site
occupancy for pyramidal cells and interneurons (before and after an optional glycine wash-in), GlyR
activation, and the fractions of NMDA and GABA-A conductance the antagonists leave.

The mechanism switches (``[mechanisms]``) decide which actions of *drug-raised* glycine reach the
network. A switched-off action sees the no-drug level (regional baseline + bath glycine):

- ``nmda_coagonism = false``: NMDA occupancy stays at the no-drug level in every cell;
- ``nmda_on_interneurons = false``: interneuron NMDA occupancy stays at the no-drug level;
- ``tonic_glyr = false``: no tonic GlyR conductance at all (GlyR activation 0).
"""

from __future__ import annotations

from typing import Any

from sim.config import Config
from sim.receptors import (
    apv_unblocked,
    bicuculline_unblocked,
    glycine_site_occupancy,
    glyr_activation,
)


def network_state(cfg: Config, pk: dict[str, Any]) -> dict[str, float]:
    """Receptor-level state for one run; ``pk`` is :func:`sim.pharmacology.report.pk_report`."""
    mech, bath, proto = cfg.mechanisms, cfg.bath, cfg.protocol
    ck = bath.chlorokynurenate_uM
    drug_gly = pk["glycine_drug_uM"]
    no_drug_gly = pk["glycine_baseline_uM"]  # regional baseline + bath glycine

    def levels(bath_glycine_uM: float) -> dict[str, float]:
        with_drug = drug_gly + bath_glycine_uM
        without = no_drug_gly - bath.glycine_uM + bath_glycine_uM
        occ_drug = float(glycine_site_occupancy(with_drug, chlorokynurenate_uM=ck))
        occ_none = float(glycine_site_occupancy(without, chlorokynurenate_uM=ck))
        occ_exc = occ_drug if mech.nmda_coagonism else occ_none
        occ_inh = occ_exc if mech.nmda_on_interneurons else occ_none
        glyr = float(glyr_activation(with_drug)) if mech.tonic_glyr else 0.0
        return {"occupancy_exc": occ_exc, "occupancy_inh": occ_inh, "glyr_activation": glyr,
                "glycine_uM": with_drug}

    before = levels(bath.glycine_uM)
    after = levels(proto.glycine_washin_uM) if proto.glycine_washin_uM is not None else before
    state = {f"{k}_before": v for k, v in before.items()}
    state.update({f"{k}_after": v for k, v in after.items()})
    state["apv_unblocked"] = float(apv_unblocked(bath.apv_uM))
    state["gaba_unblocked"] = float(bicuculline_unblocked(bath.bicuculline_uM))
    return state
