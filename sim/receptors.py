"""Receptor laws: pure numpy, vectorised, one definition each.

The Brian2 equations use the same constants (``MG_BLOCK_EXPR`` with ``mg_block_namespace()``) and the
network's occupancy and GlyR parameters are computed here, so the unit tests and the simulated
network share one Mg2+ block and one glycine-site law.

Sources are in ``docs/literature.md`` (cited by section) unless stated.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

# --- Mg2+ block of NMDA receptors (Jahr & Stevens 1990, J Neurosci 10:3178; docs/literature.md §3)
#     B(V) = 1 / (1 + [Mg]o / 3.57 mM * exp(-0.062 V / mV))
MG_BLOCK_KD_MM = 3.57
MG_BLOCK_SLOPE_PER_MV = 0.062

# --- NMDA glycine site (GluN1)
# EC50 is 60 nM for cultured hippocampal neurons (Zhang et al. 2009), ~0.3-0.7 uM for GluN2B and
# ~1-3 uM for GluN2A (assumed, docs/literature.md §2). Adult hippocampal synapses mix 2A and 2B: we take
# 0.5 uM, assumed, inside the 2B-2A span.
GLYCINE_SITE_EC50_UM = 0.5
# Hill coefficient: assumed 1.3, inside the 1.2-1.5 range (docs/literature.md §2).
GLYCINE_SITE_HILL = 1.3
# GlyT1 keeps glycine near NMDA receptors well below the bulk extracellular level (Supplisson &
# Bergman 1997). Fraction of bulk glycine that reaches the site: assumed 0.15, calibrated so that the
# hippocampal baseline (2.6 uM bulk, docs/literature.md §2) leaves the site unsaturated (occupancy ~0.4), as
# in vivo data require (Lazarewicz et al.; cerebellar cGMP study).
GLYT1_LOCAL_FRACTION = 0.15

# --- Glycinamide at the glycine site (the drug's intermediate). It raised cerebellar cGMP more
# than glycine did, and the glycine-site antagonist HA-966 reversed it (Rao et al. 1990,
# Neuropharmacology 29:1075; docs/literature.md §8): it acts at the site itself. No affinity or
# efficacy has been measured, so both are assumed and swept by ``milasim uncertainty``:
# - EC50 30 uM at the receptor, 60x weaker than glycine (range 3-300 uM);
# - efficacy 0.7 of glycine's (range 0.4-1). Rao et al. saw glycinamide raise glycine-site
#   activity in vivo more than glycine did; a ligand whose efficacy were below the site's resting
#   activation (~0.4 here) would have lowered it, so 0.4 is the floor and 0.7 the middle;
# - Hill coefficient that of glycine (same site);
# - glycinamide is not a GlyT1 substrate (assumed), so the site sees the bulk level.
GLYCINAMIDE_SITE_EC50_UM = 30.0
GLYCINAMIDE_EFFICACY = 0.7

# --- 7-chlorokynurenate, competitive at the glycine site. Ki assumed 0.56 uM, the IC50 for
# [3H]glycine displacement reported by Kemp et al. 1988 (PNAS 85:6547); not in docs/literature.md.
CHLOROKYNURENATE_KI_UM = 0.56

# --- Strychnine-sensitive glycine receptor (tonic chloride conductance)
# EC50 ~100 uM in entorhinal cortex (Eur J Neurosci 2004; docs/literature.md §2); Hill coefficient assumed
# 1.7 (GlyR Hill slopes are typically 1.5-2.5).
GLYR_EC50_UM = 100.0
GLYR_HILL = 1.7

# --- Antagonists as fractional block, 1 / (1 + (c / IC50)^n)
# D-APV at synaptic NMDA receptors: effective IC50 assumed 3 uM (competitive with synaptic
# glutamate), so 50 uM blocks ~94 %, matching "50 uM APV abolishes" (docs/literature.md §4).
APV_IC50_UM = 3.0
# Bicuculline at GABA-A synapses: effective IC50 assumed 2 uM (published IC50s ~1-3 uM);
# 10-20 uM, the usual slice concentration, blocks 83-91 %.
BICUCULLINE_IC50_UM = 2.0


def mg_block(v_mV: ArrayLike, mg_mM: ArrayLike) -> np.ndarray:
    """Fraction of NMDA conductance *not* blocked by Mg2+ at membrane potential ``v_mV``.

    Jahr & Stevens 1990: ``1 / (1 + [Mg]/3.57 mM * exp(-0.062 V/mV))``. Vectorised; broadcasts.
    """
    v = np.asarray(v_mV, dtype=float)
    mg = np.asarray(mg_mM, dtype=float)
    return 1.0 / (1.0 + mg / MG_BLOCK_KD_MM * np.exp(-MG_BLOCK_SLOPE_PER_MV * v))


#: The same law for Brian2 equations; evaluate with :func:`mg_block_namespace` and a ``mg_mM``
#: variable (dimensionless, in mM) in the group.
MG_BLOCK_EXPR = "1 / (1 + mg_mM / mg_kd_mM * exp(-mg_slope_per_mV * v / mV))"


def mg_block_expr(mg_variable: str = "mg_mM") -> str:
    """:data:`MG_BLOCK_EXPR` with the Mg2+ concentration (in mM) read from ``mg_variable``."""
    return MG_BLOCK_EXPR.replace("mg_mM", mg_variable)


def mg_block_namespace() -> dict[str, float]:
    return {"mg_kd_mM": MG_BLOCK_KD_MM, "mg_slope_per_mV": MG_BLOCK_SLOPE_PER_MV}


def hill(x: ArrayLike, ec50: float, n: float) -> np.ndarray:
    """Hill occupancy ``x^n / (x^n + ec50^n)`` for ``x >= 0`` (0 at x = 0)."""
    x = np.asarray(x, dtype=float)
    if np.any(x < 0):
        raise ValueError("concentrations must be >= 0")
    ratio = np.power(x / ec50, n)
    return ratio / (1.0 + ratio)


def glycine_site_occupancy(
    glycine_uM: ArrayLike,
    *,
    ec50_uM: float = GLYCINE_SITE_EC50_UM,
    hill_n: float = GLYCINE_SITE_HILL,
    glyt1_fraction: float = GLYT1_LOCAL_FRACTION,
    chlorokynurenate_uM: ArrayLike = 0.0,
    ck_ki_uM: float = CHLOROKYNURENATE_KI_UM,
    glycinamide_uM: ArrayLike = 0.0,
    glycinamide_ec50_uM: float = GLYCINAMIDE_SITE_EC50_UM,
    glycinamide_efficacy: float = GLYCINAMIDE_EFFICACY,
) -> np.ndarray:
    """Activation of NMDA glycine sites by bulk extracellular glycine (and glycinamide).

    The site sees ``glyt1_fraction * glycine_uM`` (GlyT1 clearance near the receptor, Supplisson &
    Bergman 1997) and ``glycinamide_uM`` unchanged (not a GlyT1 substrate, assumed). The two
    ligands compete for one site, each with a Hill term ``a = (c / EC50)^n``; a competitive
    antagonist (7-chlorokynurenate) scales both EC50s by ``1 + [7-CK]/Ki``::

        activation = (a_gly + e * a_gam) / (1 + a_gly + a_gam)

    with ``e`` glycinamide's efficacy relative to glycine. Without glycinamide this is the Hill
    occupancy of glycine alone, exactly; with ``e = 1`` glycinamide is a second full agonist and
    with ``e = 0`` a pure competitor. The value lies in [0, 1) for any concentrations and is what
    the network's NMDA conductance is scaled by. Pass ``glyt1_fraction=1`` for receptor-level
    glycine.
    """
    if not 0.0 <= glycinamide_efficacy <= 1.0:
        raise ValueError(f"glycinamide efficacy must be in [0, 1], got {glycinamide_efficacy}")
    glycine = np.asarray(glycine_uM, dtype=float)
    glycinamide = np.asarray(glycinamide_uM, dtype=float)
    if np.any(glycine < 0) or np.any(glycinamide < 0):
        raise ValueError("concentrations must be >= 0")
    shift = 1.0 + np.asarray(chlorokynurenate_uM, dtype=float) / ck_ki_uM
    # in logs, scaled by the largest of the three weights (1, a_gly, a_gam): no overflow or
    # inf/inf at extreme concentrations, exact 0 for an absent ligand
    with np.errstate(divide="ignore"):
        log_gly = hill_n * np.log(glyt1_fraction * glycine / (ec50_uM * shift))
        log_gam = hill_n * np.log(glycinamide / (glycinamide_ec50_uM * shift))
    top = np.maximum(0.0, np.maximum(log_gly, log_gam))
    w_free, w_gly, w_gam = np.exp(-top), np.exp(log_gly - top), np.exp(log_gam - top)
    return (w_gly + glycinamide_efficacy * w_gam) / (w_free + w_gly + w_gam)


def glyr_activation(
    glycine_uM: ArrayLike, *, ec50_uM: float = GLYR_EC50_UM, hill_n: float = GLYR_HILL
) -> np.ndarray:
    """Fraction of strychnine-sensitive glycine receptors activated by bulk glycine."""
    return hill(glycine_uM, ec50_uM, hill_n)


def antagonist_unblocked(conc_uM: ArrayLike, ic50_uM: float, hill_n: float = 1.0) -> np.ndarray:
    """Fraction of a conductance left by an antagonist: ``1 / (1 + (c/IC50)^n)``."""
    return 1.0 - hill(conc_uM, ic50_uM, hill_n)


def apv_unblocked(apv_uM: ArrayLike) -> np.ndarray:
    """Fraction of NMDA conductance left by D-APV."""
    return antagonist_unblocked(apv_uM, APV_IC50_UM)


def bicuculline_unblocked(bicuculline_uM: ArrayLike) -> np.ndarray:
    """Fraction of GABA-A conductance left by bicuculline."""
    return antagonist_unblocked(bicuculline_uM, BICUCULLINE_IC50_UM)
