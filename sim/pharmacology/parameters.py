"""Every number of the milacemide model, each with its source.

Sources are the rows of ``docs/literature.md`` (cited as "§1" for section 1, ...).
Where no measured value was at hand the constant is marked **assumed**; if it was tuned against a
measured target it says **calibrated to** that target (see ``scripts/calibrate_pk.py``, which prints
model vs paper for every target and can re-fit the calibrated constants with ``--fit``).

Human pharmacokinetics and all MAO-B / MAO-A kinetic constants are assumed: no human PK study and
no Km/Vmax for milacemide itself were available. The MAO-B Km and the inactivation constants are
borrowed from the analog 2-benzylaminoacetamide (FCE 25692), the only kinetic proxy in §1.

The constants are assembled per species and region into a frozen :class:`PkParameters` by
:func:`default_parameters`; ``dataclasses.replace`` gives a variant for calibration or what-if runs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

Species = Literal["rat", "mouse", "human"]
Route = Literal["ip", "oral", "iv"]
Region = Literal["hippocampus", "cortex", "cerebellum"]

# --------------------------------------------------------------------------- the molecule
# Milacemide, 2-n-pentylaminoacetamide, C7H16N2O (§1): 7*12.011 + 16*1.008 + 2*14.007 + 15.999.
# Doses are taken as free base (the salt form of the rat and human studies is not stated in §1).
MILACEMIDE_MW_G_PER_MOL = 144.218

# --------------------------------------------------------------------------- species
# Default body weights: assumed, standard laboratory values (young adult rat 250 g, mouse 25 g,
# adult human 70 kg); used only when drug.body_weight_kg is not given.
BODY_WEIGHT_KG: dict[str, float] = {"rat": 0.25, "mouse": 0.025, "human": 70.0}

# Volume of distribution of milacemide, L/kg: assumed ~ total body water plus a little (a small,
# polar, unbound molecule that reaches the CNS quickly, §1 rat PK). Same for all species.
VD_L_PER_KG: dict[str, float] = {"rat": 1.0, "mouse": 1.0, "human": 1.0}

# Plasma elimination half-life, h. §1: *assumed* "short half-life (order of 1-3 h)". Peripheral
# metabolism is negligible (§1 rat PK), so this is renal/unchanged elimination.
#   rat 1.5 h: assumed, inside 1-3 h; with the values below it keeps hippocampal glycine raised
#     7 h after 400 mg/kg (§1 rat PK), see the calibration table. The reference species.
#   mouse and human, drug.pk_scaling = "allometric" (default): from the rat by allometry (§8):
#     clearance ~ W^b, volume ~ W, so t1/2 = t1/2(rat) x (W / W_rat)^(1 - b); with b = 0.75 a
#     25 g mouse gets 0.84 h and a 70 kg human 6.1 h.
#   drug.pk_scaling = "fixed": the per-species values of milasim <= 0.4, each assumed inside 1-3 h
#     (mouse 1.0 h, human 2.5 h): kept to reproduce older results.
ELIMINATION_HALF_LIFE_H: dict[str, float] = {"rat": 1.5, "mouse": 1.0, "human": 2.5}
REFERENCE_SPECIES = "rat"
# Allometric exponent of clearance: 0.75 (the standard value, §8). Fitted exponents of small
# molecules across mammals scatter around it; 0.65-0.85 is the range swept by `milasim uncertainty`
# (assumed: no milacemide data in any species but the rat).
ALLOMETRIC_CLEARANCE_EXPONENT = 0.75
ALLOMETRIC_EXPONENT_RANGE = (0.65, 0.85)

# Brain water volume, L: assumed from standard brain masses (rat 1.8 g, mouse 0.45 g, human
# 1.4 kg) x 0.78 water fraction. Only the brain's share of the mass balance depends on it; the
# concentrations barely do (the brain is < 1 % of the distribution volume).
BRAIN_WATER_L: dict[str, float] = {"rat": 1.4e-3, "mouse": 3.5e-4, "human": 1.1}

# Turnover of MAO-B protein (resynthesis after mechanism-based inactivation), half-life in days:
# assumed, not in §1 (rodent brain MAO-B recovers over ~1-2 weeks after irreversible block,
# human brain over ~5-6 weeks). Only used with drug.mao_b_inactivation = true.
MAO_B_TURNOVER_HALF_LIFE_D: dict[str, float] = {"rat": 10.0, "mouse": 10.0, "human": 40.0}

# --------------------------------------------------------------------------- routes
# Absorption from an i.p. or oral depot: first-order rate (1/h) and bioavailability F. All assumed
# (§1: "plasma t1/2, Tmax, bioavailability (any species): assumed, fit to the rat data").
#   ip: ka 4 /h (Tmax ~ 0.5-0.7 h in the rat), F 0.9 (little first-pass loss; peripheral
#       metabolism is negligible, §1 rat PK).
#   oral: ka 1.2 /h (Tmax ~ 1.5-2 h), F 0.8. Assumed for every species, human included.
#   iv: straight into plasma, F = 1.
ABSORPTION_RATE_PER_H: dict[str, float] = {"ip": 4.0, "oral": 1.2}
BIOAVAILABILITY: dict[str, float] = {"ip": 0.9, "oral": 0.8, "iv": 1.0}

# --------------------------------------------------------------------------- blood-brain barrier
# "Serum milacemide rapidly enters and equilibrates with the CNS; serum and CSF milacemide rise
# linearly with dose" (§1 rat PK). Two constants:
# - brain-to-blood exchange rate: assumed, equilibration half-time 10 min ("rapidly").
BBB_EQUILIBRATION_HALF_TIME_H = 10.0 / 60.0
# - brain/plasma partition at equilibrium without brain metabolism (CSF/serum ratio): assumed 0.15,
#   calibrated to "glycinamide rises linearly with dose" (§1 rat PK; Doheny et al. microdialysis):
#   it keeps brain milacemide well below the MAO-B Km at 400 mg/kg (Cmax(400)/Cmax(100) > 3.2).
BRAIN_PLASMA_PARTITION = 0.15

# --------------------------------------------------------------------------- MAO-B / MAO-A
# Michaelis constant of MAO-B for milacemide: proxy from the analog FCE 25692, Km ~ 950-990 uM
# (§1 "kinetics proxy"); midpoint.
MAO_B_KM_UM = 970.0
# Maximal rate of MAO-B deamination in brain water, uM/h: assumed, calibrated so that the brain's
# own MAO-B clearance (Vmax/Km ~ 0.6 /h) is a visible fraction of brain-to-blood exchange: blocking
# MAO-B with deprenyl then raises brain/CSF milacemide (§1, L-deprenyl "increased milacemide in
# CSF"; here by ~ 15 %).
MAO_B_VMAX_UM_PER_H = 600.0
# MAO-A share of milacemide deamination (of the uninhibited total, at any concentration): assumed
# 0.08, calibrated to L-deprenyl "almost completely prevented glycinamide formation" (< 15 % of the
# glycine rise left) and clorgyline "only moderately decreased glycinamide" (§1): MAO-A minor.
MAO_A_SHARE = 0.08
# MAO-A Km for milacemide: assumed equal to the MAO-B proxy (no data, §1).
MAO_A_KM_UM = MAO_B_KM_UM
MAO_A_VMAX_UM_PER_H = MAO_B_VMAX_UM_PER_H * MAO_A_SHARE / (1.0 - MAO_A_SHARE)

# Brain MAO-B activity relative to the calibrated (rat) value, for a person. Human brain MAO-B rises
# with age (PET: from age 50-60 on, Fowler et al. 1997) and is higher in Alzheimer's disease
# (prefrontal +16 %, Kennedy et al. 2003; concentrated in astrocytes around plaques); §8.
# - +7 % per decade past 40 years: assumed (the sources report a rise, not a slope we could carry);
#   0-15 % per decade is the range `milasim uncertainty` sweeps.
MAO_B_AGE_REFERENCE_YEARS = 40.0
MAO_B_RISE_PER_DECADE = 0.07
# - Alzheimer's: x 1.16, Kennedy et al. 2003 (prefrontal cortex), assumed to hold in every region.
MAO_B_ALZHEIMERS_FACTOR = 1.16

# Inhibitors, as the fraction of enzyme activity they remove (pre-treatment, constant block):
# - L-deprenyl 2 mg/kg "almost completely prevented glycinamide formation" (§1): 0.98, assumed.
DEPRENYL_MAO_B_BLOCK = 0.98
# - clorgyline 5 mg/kg, selective MAO-A inhibitor (§1): 0.95 of MAO-A, assumed.
CLORGYLINE_MAO_A_BLOCK = 0.95

# Mechanism-based inactivation of MAO-B by milacemide (Silverman et al. 1993; §1), kinetics from
# the analog FCE 25692 (§1 "kinetics proxy"):
# - partition ratio: ~1000-2700 product molecules per enzyme inactivated; midpoint 1850.
MAO_B_PARTITION_RATIO = 1850.0
# - inactivation half-time at saturating substrate: 42-50 min; midpoint 46 min.
MAO_B_INACTIVATION_HALF_TIME_H = 46.0 / 60.0
# The maximal inactivation rate (1/h). The turnover number that the partition ratio implies is
# r * k_inact, so the MAO-B content of brain water is Vmax / (r * k_inact) (a derived check, ~0.4 uM).
MAO_B_INACTIVATION_RATE_PER_H = math.log(2.0) / MAO_B_INACTIVATION_HALF_TIME_H

# --------------------------------------------------------------------------- glycinamide
# Hydrolysis of glycinamide to glycine in brain (§1 metabolic route), first order: assumed
# 0.35 /h. Together with the efflux below it gives brain glycinamide a ~1 h half-life, which keeps
# glycine raised 7 h after 400 mg/kg (§1 rat PK).
GLYCINAMIDE_HYDROLYSIS_PER_H = 0.35
# Efflux of glycinamide from brain to blood (then hydrolysed peripherally; serum glycine is
# unchanged, §1): assumed 0.35 /h, so that about half of the brain's glycinamide becomes brain
# glycine. CSF glycinamide exceeds serum glycinamide 2.5-4.1 fold (§1), i.e. it is made in brain.
GLYCINAMIDE_EFFLUX_PER_H = 0.35

# --------------------------------------------------------------------------- glycine
# Baseline extracellular glycine, uM: 2.6 +/- 0.3 uM (zero net flux; §2). No regional
# extracellular values in §2: the same baseline is assumed in each region.
GLYCINE_BASELINE_UM: dict[str, float] = {"hippocampus": 2.6, "cortex": 2.6, "cerebellum": 2.6}
# GlyT1 uptake clears glycine near synapses (Supplisson & Bergman 1997; §2). Michaelis constant
# of the transporter: assumed 40 uM (not in §2); it makes clearance slightly saturable.
GLYT1_KM_UM = 40.0
# Regional glycine clearance capacity: the first-order rate (1/h) with which GlyT1 removes glycine
# above baseline, at baseline. Calibrated to the rat brain glycine rises 3 h after 100 mg/kg i.p.
# (Chapman & Hart 1988; §1): hippocampus +59 %, cortex +45 %, cerebellum +137 %. The regions
# differ only in this capacity; the cerebellum's lower capacity is what gives it the largest rise.
GLYCINE_CLEARANCE_PER_H: dict[str, float] = {
    "hippocampus": 7.35,
    "cortex": 9.53,
    "cerebellum": 3.34,
}
# The pool above is *tissue* glycine: its relative rise is what Chapman & Hart measured in tissue
# extracts. Its absolute content, for reporting only: assumed 1.0 umol/g wet weight in each region
# (the order of HPLC values for rat brain; not in §1-§2). The model's glycine excess is carried on
# the extracellular scale (uM above a 2.6 uM baseline), so this number never enters the dynamics.
TISSUE_GLYCINE_UMOL_PER_G: dict[str, float] = {"hippocampus": 1.0, "cortex": 1.0, "cerebellum": 1.0}

# Extracellular glycine, what the receptor sees. Tissue content does not predict extracellular
# overflow (§8, Acta Physiol Scand 1986), and the direct data disagree with the tissue rises:
# microdialysis after 400-800 mg/kg found glycine raised in hippocampus and unchanged in frontal
# cortex (Doheny, Nagaki & Patsalos), and the rat CSF rise was significant at 200 and 400 mg/kg,
# not at 100 (§1). The model reads extracellular glycine as the regional baseline plus a fraction
# (the coupling) of the tissue excess: extracellular change % = coupling x tissue change %.
# No extra rate constant: nothing in the data resolves a lag between the two.
# - cortex 0.0145: calibrated so that the frontal-cortex peak after 800 mg/kg is +5 %, half the
#   +10 % a microdialysis study could tell from baseline (assumed detection limit); 0-0.029 (0 to
#   +10 %) is the range swept.
# - hippocampus 0.30: calibrated to the CSF finding, with the hippocampal extracellular rise as the
#   CSF proxy (assumed): the rise at 100 mg/kg must stay below, and the rise at 200 mg/kg exceed,
#   what the CSF study could detect. Baseline CSF glycine is 6.4 +/- 1.1 uM (§2), so a rise of
#   1-2 SD (17-34 %); with the model's peaks (+61.5 % tissue at 100 mg/kg, +122 % at 200) the
#   coupling lies in 0.14-0.55 (swept); 0.30 is the geometric middle, a 1.5 SD threshold.
# - cerebellum 0.30: assumed equal to the hippocampus (no extracellular data); swept over the
#   hippocampal range.
# drug.extracellular_coupling overrides the region's value (1 = extracellular tracks tissue, what
# milasim <= 0.4 assumed).
EXTRACELLULAR_COUPLING: dict[str, float] = {"hippocampus": 0.30, "cortex": 0.0145, "cerebellum": 0.30}
EXTRACELLULAR_COUPLING_RANGE: dict[str, tuple[float, float]] = {
    "hippocampus": (0.14, 0.55),
    "cortex": (0.0, 0.029),
    "cerebellum": (0.14, 0.55),
}

# --------------------------------------------------------------------------- output grid
# The time course covers the regimen up to the observation time and this much beyond it, h.
TAIL_AFTER_OBSERVATION_H = 4.0
# Output sampling: steps of this size (h) over the last dosing interval and after it; elsewhere
# as coarse as needed to keep the rest of the regimen within MAX_OUTPUT_POINTS points.
MAX_OUTPUT_STEP_H = 1.0 / 60.0
MAX_OUTPUT_POINTS = 2000


@dataclass(frozen=True)
class PkParameters:
    """The model's constants for one species, route and region (units in the names)."""

    species: str
    route: str
    region: str
    vd_l_per_kg: float
    elimination_per_h: float
    brain_water_l: float
    absorption_per_h: float  # 0 for iv (no depot)
    bioavailability: float
    bbb_exchange_per_h: float
    brain_plasma_partition: float
    mao_b_vmax_uM_per_h: float
    mao_b_km_uM: float
    mao_a_vmax_uM_per_h: float
    mao_a_km_uM: float
    mao_b_block: float  # fraction removed by an MAO-B inhibitor (0 without)
    mao_a_block: float
    mao_b_inactivation: bool
    mao_b_inactivation_per_h: float
    mao_b_resynthesis_per_h: float
    glycinamide_hydrolysis_per_h: float
    glycinamide_efflux_per_h: float
    glycine_baseline_uM: float
    glycine_clearance_per_h: float
    glyt1_km_uM: float
    extracellular_coupling: float
    tissue_glycine_umol_per_g: float

    @property
    def mao_b_content_uM(self) -> float:
        """MAO-B in brain water implied by Vmax and the inactivation constants (turnover r*k_inact)."""
        return self.mao_b_vmax_uM_per_h / (MAO_B_PARTITION_RATIO * self.mao_b_inactivation_per_h)


def elimination_half_life_h(
    species: str,
    body_weight_kg: float | None = None,
    *,
    scaling: str = "allometric",
    exponent: float = ALLOMETRIC_CLEARANCE_EXPONENT,
    reference_half_life_h: float | None = None,
) -> float:
    """Plasma half-life of milacemide (h) for a species and body weight.

    ``"allometric"``: the rat's half-life (``reference_half_life_h``, default the table's 1.5 h)
    times ``(W / W_rat)^(1 - exponent)``, clearance scaling as W^exponent and volume as W^1.
    ``"fixed"``: the table's value for the species (milasim <= 0.4).
    """
    if scaling == "fixed":
        return ELIMINATION_HALF_LIFE_H[species]
    if scaling != "allometric":
        raise ValueError(f"unknown PK scaling {scaling!r}; expected 'allometric' or 'fixed'")
    weight = BODY_WEIGHT_KG[species] if body_weight_kg is None else float(body_weight_kg)
    ref = ELIMINATION_HALF_LIFE_H[REFERENCE_SPECIES] if reference_half_life_h is None \
        else float(reference_half_life_h)
    return ref * (weight / BODY_WEIGHT_KG[REFERENCE_SPECIES]) ** (1.0 - exponent)


def mao_b_activity_factor(
    age_years: float | None = None, alzheimers: bool = False, *,
    rise_per_decade: float = MAO_B_RISE_PER_DECADE,
) -> float:
    """Brain MAO-B activity relative to the calibrated value: the age rise past 40 years and the
    Alzheimer's factor (each 1 when not given)."""
    factor = 1.0
    if age_years is not None:
        factor *= 1.0 + rise_per_decade * max(0.0, float(age_years) - MAO_B_AGE_REFERENCE_YEARS) / 10
    if alzheimers:
        factor *= MAO_B_ALZHEIMERS_FACTOR
    return factor


def default_parameters(
    species: str,
    route: str,
    region: str,
    *,
    mao_b_inhibitor: str = "none",
    mao_a_inhibitor: str = "none",
    mao_b_inactivation: bool = False,
    body_weight_kg: float | None = None,
    pk_scaling: str = "allometric",
    mao_b_activity: float = 1.0,
    extracellular_coupling: float | None = None,
) -> PkParameters:
    """The published / assumed constants above for one species, route, region and inhibitor set.

    ``body_weight_kg`` and ``pk_scaling`` set the elimination half-life
    (:func:`elimination_half_life_h`); ``mao_b_activity`` multiplies MAO-B's Vmax (age, disease,
    what-ifs); ``extracellular_coupling`` replaces the region's calibrated value.
    """
    for name, value, allowed in (
        ("species", species, BODY_WEIGHT_KG),
        ("route", route, BIOAVAILABILITY),
        ("region", region, GLYCINE_BASELINE_UM),
    ):
        if value not in allowed:
            raise ValueError(f"unknown {name} {value!r}; expected one of {sorted(allowed)}")
    if mao_b_inhibitor not in ("none", "deprenyl"):
        raise ValueError(f"unknown MAO-B inhibitor {mao_b_inhibitor!r}")
    if mao_a_inhibitor not in ("none", "clorgyline"):
        raise ValueError(f"unknown MAO-A inhibitor {mao_a_inhibitor!r}")
    if mao_b_activity < 0:
        raise ValueError(f"MAO-B activity must be >= 0, got {mao_b_activity}")
    half_life = elimination_half_life_h(species, body_weight_kg, scaling=pk_scaling)
    coupling = EXTRACELLULAR_COUPLING[region] if extracellular_coupling is None \
        else float(extracellular_coupling)
    return PkParameters(
        species=species,
        route=route,
        region=region,
        vd_l_per_kg=VD_L_PER_KG[species],
        elimination_per_h=math.log(2.0) / half_life,
        brain_water_l=BRAIN_WATER_L[species],
        absorption_per_h=ABSORPTION_RATE_PER_H.get(route, 0.0),
        bioavailability=BIOAVAILABILITY[route],
        bbb_exchange_per_h=math.log(2.0) / BBB_EQUILIBRATION_HALF_TIME_H,
        brain_plasma_partition=BRAIN_PLASMA_PARTITION,
        mao_b_vmax_uM_per_h=MAO_B_VMAX_UM_PER_H * mao_b_activity,
        mao_b_km_uM=MAO_B_KM_UM,
        mao_a_vmax_uM_per_h=MAO_A_VMAX_UM_PER_H,
        mao_a_km_uM=MAO_A_KM_UM,
        mao_b_block=DEPRENYL_MAO_B_BLOCK if mao_b_inhibitor == "deprenyl" else 0.0,
        mao_a_block=CLORGYLINE_MAO_A_BLOCK if mao_a_inhibitor == "clorgyline" else 0.0,
        mao_b_inactivation=bool(mao_b_inactivation),
        mao_b_inactivation_per_h=MAO_B_INACTIVATION_RATE_PER_H,
        mao_b_resynthesis_per_h=math.log(2.0) / (24.0 * MAO_B_TURNOVER_HALF_LIFE_D[species]),
        glycinamide_hydrolysis_per_h=GLYCINAMIDE_HYDROLYSIS_PER_H,
        glycinamide_efflux_per_h=GLYCINAMIDE_EFFLUX_PER_H,
        glycine_baseline_uM=GLYCINE_BASELINE_UM[region],
        glycine_clearance_per_h=GLYCINE_CLEARANCE_PER_H[region],
        glyt1_km_uM=GLYT1_KM_UM,
        extracellular_coupling=coupling,
        tissue_glycine_umol_per_g=TISSUE_GLYCINE_UMOL_PER_G[region],
    )


# --------------------------------------------------------------------------- uncertainty
@dataclass(frozen=True)
class Uncertain:
    """An assumed constant of the dose -> receptor link, with the range `milasim uncertainty`
    samples it over (uniformly, or log-uniformly when ``log``) and where that range comes from."""

    name: str
    default: float
    low: float
    high: float
    unit: str
    log: bool
    source: str


def _uncertain_parameters() -> tuple[Uncertain, ...]:
    from sim.receptors import (
        GLYCINAMIDE_EFFICACY,
        GLYCINAMIDE_SITE_EC50_UM,
        GLYCINE_SITE_EC50_UM,
        GLYCINE_SITE_HILL,
        GLYT1_LOCAL_FRACTION,
    )

    hip = EXTRACELLULAR_COUPLING_RANGE["hippocampus"]  # other regions: uncertain_bounds()
    return (
        Uncertain("rat_half_life_h", ELIMINATION_HALF_LIFE_H["rat"], 1.0, 3.0, "h", False,
                  "§1: 'short half-life (order of 1-3 h)', assumed"),
        Uncertain("allometric_exponent", ALLOMETRIC_CLEARANCE_EXPONENT,
                  *ALLOMETRIC_EXPONENT_RANGE, "1", False,
                  "standard 0.75 (§8); 0.65-0.85 assumed spread of fitted exponents"),
        Uncertain("brain_plasma_partition", BRAIN_PLASMA_PARTITION, 0.05, 0.5, "1", True,
                  "assumed: 0.15 keeps rat brain milacemide below MAO-B's Km (glycinamide linear in "
                  "dose, §1); x 0.3 to x 3 of it"),
        Uncertain("mao_b_activity_mouse", 1.0, 0.7, 1.4, "x rat", True,
                  "assumed: mouse brain MAO-B relative to the rat's (acts on mouse cases only); "
                  "two rodents, so within x 0.7-1.4"),
        Uncertain("mao_b_activity_human", 1.0, 0.5, 3.0, "x rat", True,
                  "assumed: human brain MAO-B relative to the rat's (acts on human cases only); "
                  "human brain monoamine oxidase is mostly B-type, rat brain's mostly A-type"),
        Uncertain("glycinamide_hydrolysis_per_h", GLYCINAMIDE_HYDROLYSIS_PER_H, 0.1, 1.0, "1/h",
                  True, "assumed (no measured rate); x 0.3 to x 3 of the default"),
        Uncertain("extracellular_coupling", EXTRACELLULAR_COUPLING["hippocampus"], *hip, "1",
                  False, "CSF rise undetectable at 100, detectable at 200 mg/kg, threshold 1-2 "
                  "SD of baseline CSF glycine (§1, §2); for the case's region"),
        Uncertain("glyt1_local_fraction", GLYT1_LOCAL_FRACTION, 0.05, 1.0, "1", True,
                  "assumed: GlyT1 lowers glycine at the receptor (Supplisson & Bergman 1997); "
                  "1 = no local depletion"),
        Uncertain("glycine_site_ec50_uM", GLYCINE_SITE_EC50_UM, 0.3, 3.0, "uM", True,
                  "GluN2B 0.3-0.7 uM to GluN2A 1-3 uM (§2)"),
        Uncertain("glycine_site_hill", GLYCINE_SITE_HILL, 1.2, 1.5, "1", False, "§2: 1.2-1.5"),
        Uncertain("glycinamide_ec50_uM", GLYCINAMIDE_SITE_EC50_UM, 3.0, 300.0, "uM", True,
                  "assumed, no measurement (Rao et al. 1990 show action, not potency)"),
        Uncertain("glycinamide_efficacy", GLYCINAMIDE_EFFICACY, 0.4, 1.0, "1", False,
                  "assumed: from the site's resting activation (below it glycinamide would "
                  "lower activity, against Rao et al. 1990) to a full agonist"),
    )


#: Every assumed constant `milasim uncertainty` samples for the drug model, by name.
UNCERTAIN_PARAMETERS: dict[str, Uncertain] = {u.name: u for u in _uncertain_parameters()}


def uncertain_bounds(name: str, region: str = "hippocampus") -> tuple[float, float]:
    """The sampled range of an uncertain parameter; the extracellular coupling's is the region's."""
    if name == "extracellular_coupling":
        return EXTRACELLULAR_COUPLING_RANGE[region]
    u = UNCERTAIN_PARAMETERS[name]
    return u.low, u.high
