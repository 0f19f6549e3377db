"""Configuration: TOML files with ``extends``, ``--set`` overrides, validated once into typed objects.

Every key has a default and its unit in its name (``_mM``, ``_uM``, ``_s``, ``_ms``, ``_nS``, ...), so a
partial config is valid. Unknown keys, wrong types (a string where a number belongs), NaN/inf and
out-of-range values are refused with one line that names the dotted key.

Public entry points:

- :func:`load_config` (path + overrides -> :class:`Config`), used by ``run``, ``pk``, ``validate``;
- :func:`load_raw` / :func:`resolve` for callers (the sweep) that need the merged raw table first;
- :meth:`Config.to_toml` and :meth:`Config.config_hash` for provenance and run ids.

The parameters split into *structural* ones (sizes, connectivity, dt, protocol timing: they change
the compiled network, see :func:`sim.model.network.structure_of`) and *runtime* ones (everything a
dose or a bath change touches: set on the compiled binary's command line, never recompiled).
"""

from __future__ import annotations

import copy
import hashlib
import json
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

import tomli_w
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializeAsAny,
    ValidationError,
    field_validator,
    model_validator,
)

from sim.analysis.bursts import BurstParams
from sim.analysis.ictal import IctalParams
from sim.errors import ConfigError, InputError
from sim.protocols import names as protocol_names

# --------------------------------------------------------------------------- value types
# allow_inf_nan=False turns TOML's nan/inf into a clear error instead of a silent NaN run.
Real = Annotated[float, Field(allow_inf_nan=False)]
NonNeg = Annotated[float, Field(ge=0, allow_inf_nan=False)]
# A synaptic conductance in nS: above 1000 nS (1 uS) per pathway is no cortical synapse (a few
# nS each) but a typo, refused rather than left to blow up the run.
Conductance = Annotated[float, Field(ge=0, le=1000, allow_inf_nan=False)]
Positive = Annotated[float, Field(gt=0, allow_inf_nan=False)]
Fraction = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
Concentration_uM = Annotated[float, Field(ge=0, le=100_000, allow_inf_nan=False)]


class Section(BaseModel):
    """A config table: strict types (no "5" for 5), unknown keys refused, immutable once made."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, validate_default=True)


# --------------------------------------------------------------------------- sections
class ExperimentConfig(Section):
    # Which protocol runs (sim.protocols registers them); it decides what [protocol] may hold.
    protocol: str = "epileptiform"
    description: str = ""

    @field_validator("protocol")
    @classmethod
    def _registered(cls, value: str) -> str:
        if value not in protocol_names():
            raise ValueError(f"experiment.protocol must be one of "
                             f"{', '.join(repr(n) for n in protocol_names())}, got {value!r}")
        return value


class DrugConfig(Section):
    """Milacemide in vivo. See ``sim.pharmacology`` for the model these keys drive."""

    species: Literal["rat", "mouse", "human"] = "rat"
    # One of the two; with neither, dose_mg_per_kg = 0 (no drug). Rodent studies dose per kg,
    # human trials in mg (400-1600 mg single oral; 1200 mg/day in the Alzheimer trial).
    dose_mg_per_kg: Annotated[float, Field(ge=0, le=5000, allow_inf_nan=False)] | None = None
    dose_mg: Annotated[float, Field(ge=0, le=100_000, allow_inf_nan=False)] | None = None
    # Body weight used to convert between the two; None = species default (sim.pharmacology).
    # 5 g (a neonatal mouse) to 500 kg: below that the PK volumes underflow the ODE solver.
    body_weight_kg: Annotated[float, Field(ge=0.005, le=500, allow_inf_nan=False)] | None = None
    route: Literal["ip", "oral", "iv"] = "ip"
    # Regimen: doses_per_day evenly spaced doses for `days` days (1, 1 = a single dose).
    doses_per_day: Annotated[int, Field(ge=1, le=24)] = 1
    days: Annotated[int, Field(ge=1, le=365)] = 1
    # When the network is observed, in hours after the LAST dose of the regimen.
    time_after_dose_h: Annotated[float, Field(ge=0, le=240, allow_inf_nan=False)] = 3.0
    region: Literal["hippocampus", "cortex", "cerebellum"] = "hippocampus"
    mao_b_inhibitor: Literal["none", "deprenyl"] = "none"
    mao_a_inhibitor: Literal["none", "clorgyline"] = "none"
    # Mechanism-based (suicide) inactivation of MAO-B by milacemide (Silverman et al. 1993).
    # None (default): on for regimens of more than one day, where lost enzyme accumulates; off for
    # a single day, the setting the rat calibration was made with (one 100 mg/kg dose inactivates
    # 10 % of rat MAO-B and lowers the 3-h glycine rise by 3 percentage points;
    # docs/pharmacology.md).
    mao_b_inactivation: bool | None = None
    # How mouse and human PK follow from the calibrated rat: "allometric" (clearance ~ W^0.75,
    # volumes ~ W; human t1/2 6.1 h at 70 kg) or "fixed" (milasim <= 0.4's assumed per-species
    # half-lives: mouse 1.0 h, human 2.5 h).
    pk_scaling: Literal["allometric", "fixed"] = "allometric"
    # Brain MAO-B activity relative to the calibrated rat value (what-ifs, species differences);
    # multiplied by the age and Alzheimer's factors below.
    mao_b_activity: Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)] = 1.0
    # Human only: age (MAO-B +7 % per decade past 40, assumed slope) and Alzheimer's disease
    # (MAO-B x 1.16, Kennedy et al. 2003). None / false: no change.
    age_years: Annotated[float, Field(ge=0, le=120, allow_inf_nan=False)] | None = None
    alzheimers: bool = False
    # Extracellular glycine change as a fraction of the tissue change; None = the region's
    # calibrated value (hippocampus 0.30, cortex 0.0145, cerebellum 0.30); 1 = extracellular
    # tracks tissue, as milasim <= 0.4 assumed.
    extracellular_coupling: Annotated[float, Field(ge=0, le=5, allow_inf_nan=False)] | None = None

    @property
    def mao_b_inactivation_on(self) -> bool:
        """``mao_b_inactivation`` resolved: its value, or (None) on for regimens of > 1 day."""
        if self.mao_b_inactivation is not None:
            return bool(self.mao_b_inactivation)
        return self.days > 1

    @model_validator(mode="before")
    @classmethod
    def _one_dose(cls, data: Any) -> Any:
        if isinstance(data, Mapping):
            given = [k for k in ("dose_mg_per_kg", "dose_mg") if data.get(k) is not None]
            if len(given) == 2:
                raise ValueError(
                    "drug.dose_mg_per_kg and drug.dose_mg: give one of the two, not both"
                )
            if not given:
                data = {**data, "dose_mg_per_kg": 0.0}
            species = data.get("species", "rat")
            if species != "human":
                for key in ("age_years", "alzheimers"):
                    if data.get(key) not in (None, False):
                        raise ValueError(f"drug.{key}: for species = \"human\" only "
                                         f"(species is {species!r})")
        return data


class BathConfig(Section):
    """Extracellular conditions (slice-like manipulations), added on top of the drug's effect."""

    # 0 mM is the "Mg-free" bath; 10 mM is far above any experimental ACSF (1-2 mM).
    mg_mM: Annotated[float, Field(ge=0, le=10, allow_inf_nan=False)] = 1.0
    glycine_uM: Concentration_uM = 0.0
    apv_uM: Concentration_uM = 0.0
    bicuculline_uM: Concentration_uM = 0.0
    # 7-chlorokynurenate: competitive antagonist at the NMDA glycine site.
    chlorokynurenate_uM: Concentration_uM = 0.0
    # Bath K+: 3.5 mM is standard ACSF (and rodent CSF ~3-3.5 mM); 8.5 mM is the high-K+ model of
    # CA3 interictal bursting (Chamberlin & Dingledine 1989). [K+]o starts here and is cleared
    # back towards it (ions.k_diffusion_per_s).
    k_mM: Annotated[float, Field(ge=1, le=20, allow_inf_nan=False)] = 3.5


class MechanismsConfig(Section):
    """Which actions of glycine are on, to test why a co-agonist might be anticonvulsant."""

    # Drug-raised glycine raises NMDA glycine-site occupancy (off: occupancy stays at baseline).
    nmda_coagonism: bool = True
    # Tonic strychnine-sensitive GlyR chloride conductance driven by glycine (EC50 ~100 uM).
    tonic_glyr: bool = True
    # NMDA receptors on interneurons as well as on pyramidal cells.
    nmda_on_interneurons: bool = True
    # Glycinamide, the drug's intermediate, acts at the glycine site (Rao et al. 1990), competing
    # with glycine. Its EC50 and efficacy (relative to glycine) are assumed; `milasim
    # uncertainty` sweeps them (sim/receptors.py).
    glycinamide_at_site: bool = True
    glycinamide_ec50_uM: Annotated[float, Field(gt=0, le=1e5, allow_inf_nan=False)] = 30.0
    glycinamide_efficacy: Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)] = 0.7
    # Which NMDA receptors the drug's glycine reaches (structural: the last two add extrasynaptic
    # receptors to the network and compile a build of their own):
    #   "bulk": one pool, every receptor sees bulk glycine (milasim <= 0.4; no extrasynaptic
    #     current);
    #   "dserine_synaptic": CA3-CA1-like (Papouin et al. 2012): synaptic receptors are gated by
    #     D-serine, which the drug does not change (their activation stays at the no-drug value);
    #     extrasynaptic receptors are gated by glycine and carry a tonic current;
    #   "glycine_synaptic": perforant path-dentate-like (Le Bail et al. 2015): glycine gates both.
    coagonist_pool: Literal["bulk", "dserine_synaptic", "glycine_synaptic"] = "bulk"
    # Tonic extrasynaptic NMDA conductance per neuron at full glycine-site activation (ambient
    # glutamate), in the two non-bulk pools: assumed 1 nS. At the resting activation (0.42), no
    # Mg2+ and -60 mV that is ~25 pA, the order of tonic NMDA currents in CA1 pyramidal cells.
    g_nmda_extrasynaptic_nS: Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)] = 1.0


class NetworkConfig(Section):
    """The E/I network. Sizes and connectivity are structural (recompile); conductances are not."""

    # --- structural (a change compiles a new build, once)
    # 4:1 excitatory:inhibitory, as in cortex and in Brunel & Wang 2001.
    n_exc: Annotated[int, Field(ge=4, le=1_000_000)] = 3200
    n_inh: Annotated[int, Field(ge=1, le=1_000_000)] = 800
    # Random connectivity; assumed 0.05 (sparse cortical-like: ~160 E and ~40 I inputs per cell).
    connection_probability: Annotated[float, Field(gt=0, le=1, allow_inf_nan=False)] = 0.05
    # Assumed 1.5 ms axonal + synaptic delay (Brunel & Wang 2001 use 0.5 ms; longer delays
    # damp fast oscillations without changing the slow burst dynamics).
    synaptic_delay_ms: Annotated[float, Field(ge=0, le=20, allow_inf_nan=False)] = 1.5
    # Per-neuron heterogeneity ("each neuron an agent"): leak conductance CV and threshold SD.
    leak_cv: Annotated[float, Field(ge=0, le=0.4, allow_inf_nan=False)] = 0.1
    threshold_sd_mV: Annotated[float, Field(ge=0, le=5, allow_inf_nan=False)] = 1.0
    # External Poisson drive (other brain areas / spontaneous release): inputs x rate per neuron.
    drive_inputs: Annotated[int, Field(ge=0, le=100_000)] = 100
    drive_rate_hz: Annotated[float, Field(ge=0, le=1000, allow_inf_nan=False)] = 20.0
    # How the drive's inputs are drawn. "event": the exact superposed Poisson process of the
    # inputs, random numbers drawn only in steps with an arrival (0.73x the CPU time of the
    # default network, benchmark section 7). "binomial": Brian2's PoissonInput, one binomial draw
    # per neuron per step, as the Brian2 docs write it and as milasim <= 0.2 did. The same process
    # statistically (tests/test_drive.py); different random streams, so different spikes.
    drive_model: Literal["event", "binomial"] = "event"
    # Integration of the neurons' equations (Brian2 state updater). "euler": forward Euler;
    # "exponential_euler": exact for the decaying conductances and the (conditionally linear)
    # membrane over one step; "rk4": fourth-order Runge-Kutta. Accuracy and cost of each:
    # docs/performance.md.
    integration: Literal["euler", "exponential_euler", "rk4"] = "euler"
    # Slow, use-dependent Na+ channel inactivation (structural: on, each neuron carries its Na+
    # availability and compiles a build of its own). Each spike takes a share of a neuron's
    # available Na+ channels, which recover over about a second; depolarisation holds them
    # inactivated; the threshold rises as availability falls (Platkiewicz & Brette 2010) and
    # diverges at a floor, so a neuron that fires fast adapts and, driven hard enough, stops
    # firing (depolarisation block). Off by default: every calibration and result is without it;
    # README, "Slow Na+ inactivation", has what it does.
    slow_na_inactivation: bool = False
    # Intracellular Cl- dynamics (structural: on, each neuron carries its [Cl-]i and its own
    # GABA-A / GlyR reversal, a build of its own). The Cl- share of inhibitory currents loads Cl-
    # into a neuron held above E_Cl, KCC2 extrudes it; E_GABA starts at -75 mV and rises as Cl-
    # accumulates (the chloride shift). Off by default: every calibration and result is without
    # it; README, "Chloride", has what it does.
    chloride_dynamics: bool = False

    # --- runtime (set on the compiled binary; a change never recompiles)
    # Peak conductances per synapse (nS). Calibrated (see README "Epileptiform activity") so that
    # at 1 mM Mg the network fires asynchronously at a few Hz and bursts in 0 Mg.
    g_ampa_ee_nS: Conductance = 1.0
    g_ampa_ei_nS: Conductance = 1.5
    g_nmda_exc_nS: Conductance = 2.0
    g_nmda_inh_nS: Conductance = 0.5
    g_gaba_ie_nS: Conductance = 4.0
    g_gaba_ii_nS: Conductance = 3.0
    g_drive_exc_nS: Conductance = 4.0
    g_drive_inh_nS: Conductance = 2.0
    # Slow spike-triggered AHP of pyramidal cells: a K+ conductance (nS added per spike, closing
    # with adaptation_tau_s) reversing at E_K. Calibrated with the ions table to end ictal events
    # (0.09 nS ~ 4 pA at -55 mV and 3.5 mM K+ per spike; see the README's Results for its size
    # during an event).
    adaptation_b_nS: NonNeg = 0.09
    adaptation_tau_s: Annotated[float, Field(gt=0, le=100, allow_inf_nan=False)] = 6.0
    # Burst AHP of pyramidal cells: a faster Ca2+-activated K+ conductance (nS added per spike,
    # closing with burst_ahp_tau_ms) reversing at E_K; with strong recurrent excitation it turns
    # sustained firing into population bursts. Off (0) by default: every calibration and result
    # is without it; README, "Seizures", has what it does (CA3 slices: the AHP after a burst fills
    # ~79 % of the 1.4 s interval between high-K+ bursts, Chamberlin & Dingledine 1989).
    burst_ahp_b_nS: NonNeg = 0.0
    # Decay of the burst AHP, ms (assumed: a few hundred ms, so that the AHP after a burst lasts
    # most of a ~1 s interval, as in CA3).
    burst_ahp_tau_ms: Annotated[float, Field(gt=0, le=10_000, allow_inf_nan=False)] = 300.0
    # Slow Na+ inactivation (with slow_na_inactivation on); the values are those of the README's
    # scan on the recurrent calibration. The threshold's rise per e-fold loss of availability, mV:
    # the Boltzmann slope of Na+ activation (Platkiewicz & Brette 2010; 3.4 mV in their model,
    # a few mV measured).
    na_inact_ka_mV: Annotated[float, Field(ge=0, le=50, allow_inf_nan=False)] = 5.0
    # Half point of availability against membrane potential, mV (assumed: above the range the
    # integrate-and-fire membrane covers while firing, so that only a neuron held depolarised
    # loses it; measured slow inactivation is half at -44 mV with a 14 mV slope, Fleidervish et
    # al. 1996).
    na_inact_v_half_mV: Annotated[float, Field(ge=-80, le=0, allow_inf_nan=False)] = -40.0
    # Slope of that Boltzmann, mV (assumed, steep: at rest availability stays at 1, so the
    # calibrated threshold is unchanged).
    na_inact_slope_mV: Annotated[float, Field(gt=0, le=30, allow_inf_nan=False)] = 3.0
    # Time constant of availability, ms (slow inactivation: onset 0.9-2.3 s, recovery 0.45-2.5 s,
    # Fleidervish et al. 1996).
    na_inact_tau_ms: Annotated[float, Field(gt=0, le=10_000, allow_inf_nan=False)] = 1000.0
    # Share of the available channels each spike inactivates (assumed; calibrated by the README's
    # scan: 0.003 keeps ictal events, 0.005 and more leaves only brief discharges).
    na_inact_per_spike: Annotated[float, Field(ge=0, lt=1, allow_inf_nan=False)] = 0.003
    # Availability at which no spike can start (the threshold diverges there; assumed 0.5: the
    # threshold equation has no solution once the available Na+ conductance is too small against
    # the leak, Platkiewicz & Brette 2010).
    na_inact_floor: Annotated[float, Field(ge=0, lt=1, allow_inf_nan=False)] = 0.5
    # Chloride (with chloride_dynamics on). Extracellular Cl-, mM (ACSF holds ~130-135 mM).
    cl_out_mM: Annotated[float, Field(gt=0, le=300, allow_inf_nan=False)] = 130.0
    # The share of GABA-A / GlyR conductance that is HCO3- (HCO3-/Cl- permeability 0.18 for
    # GABA-A, 0.11 for glycine, Bormann et al. 1987; 0.2 taken, docs/literature.md §7), and
    # E_HCO3, mV (assumed: ~15 mM inside against the 26 mM of ACSF);
    # with the resting E_GABA of -75 mV they put the resting [Cl-]i at 4.5 mM (E_Cl -90 mV).
    hco3_share: Annotated[float, Field(ge=0, lt=1, allow_inf_nan=False)] = 0.2
    e_hco3_mV: Annotated[float, Field(ge=-60, le=0, allow_inf_nan=False)] = -15.0
    # KCC2 extrusion: [Cl-]i relaxes to rest with this time constant, s (assumed: E_GABA recovers
    # over seconds to tens of seconds after an intense Cl- load).
    kcc2_tau_s: Annotated[float, Field(gt=0, le=1000, allow_inf_nan=False)] = 5.0
    # The volume Cl- loads into, pL, per population (assumed: soma and proximal dendrites, where
    # the GABA-A synapses sit, ~4 pL for a 20 um soma; interneurons in proportion to their
    # capacitance). 1 pC of Cl- current changes [Cl-]i by 1 / (F x volume): 1 uM in 10 pL.
    cl_volume_exc_pL: Annotated[float, Field(gt=0, le=1000, allow_inf_nan=False)] = 10.0
    cl_volume_inh_pL: Annotated[float, Field(gt=0, le=1000, allow_inf_nan=False)] = 4.0
    # Presynaptic short-term depression of excitatory synapses (Tsodyks-Markram; assumed).
    depression_u: Fraction = 0.05
    depression_tau_rec_s: Annotated[float, Field(gt=0, le=100, allow_inf_nan=False)] = 1.0
    # Maximal tonic GlyR conductance per neuron at full activation (assumed).
    g_glyr_max_nS: Conductance = 10.0


class IonsConfig(Section):
    """Ion dynamics of the network (sim.model.equations: IONS, SODIUM), the slow processes that
    start and end seizure-like events. All run-time values (no recompile).

    Forms from Cressman et al. 2009 (J Comput Neurosci): a sigmoid glial uptake, a Na+/K+ pump
    sigmoid in [Na+]i and [K+]o, first-order diffusion to the bath. Krishnan & Bazhenov 2011
    (J Neurosci): Na+ loaded by spikes drives an electrogenic pump current that ends seizures.
    Cressman's constants describe one cell in a small extracellular shell; five of them are
    refitted here (marked "calibrated") so that the 0 Mg2+ network makes recurrent,
    self-terminating ictal events with [K+]o peaks near Avoli et al. 1991's ~10.5 mM. The fit and
    where it departs from the data: README, "Seizures".
    """

    # [K+]i, mM (Cressman et al. 2009: 140 mM); with [K+]o 3.5 mM, E_K = -98.5 mV (Nernst, 37 C).
    k_in_mM: Annotated[float, Field(gt=20, le=300, allow_inf_nan=False)] = 140.0
    # Share of the resting leak conductance that is K+ (the rest reverses so that the leak rests at
    # E_L at 3.5 mM K+). Calibrated 0.7: raising [K+]o from 3.5 to 10 mM depolarises the leak
    # reversal by ~20 mV, most of E_K's Nernst shift (+28 mV); at rest neurons are K+-dominated.
    k_leak_fraction: Fraction = 0.7
    # K+ released into the extracellular space per spike, averaged over the network, mM
    # (calibrated: sets the [K+]o plateau of an ictal event; Epileptor-2, Chizhov et al. 2018,
    # uses 0.02 mM).
    k_per_spike_mM: Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)] = 0.035
    # Glial K+ uptake: glia_max / (1 + exp((glia_half - [K+]o) / glia_slope)), mM/s
    # (Cressman et al. 2009: 66 mM/s, 18 mM, 2.5 mM).
    glia_max_mM_s: Annotated[float, Field(ge=0, le=1000, allow_inf_nan=False)] = 66.0
    glia_half_mM: Annotated[float, Field(gt=0, le=100, allow_inf_nan=False)] = 18.0
    glia_slope_mM: Annotated[float, Field(gt=0, le=50, allow_inf_nan=False)] = 2.5
    # Diffusion of K+ to the bath, first order, 1/s. Calibrated 0.03 /s (tau ~33 s): the
    # network-averaged [K+]o of a slice recovers over tens of seconds after an ictal event, much
    # slower than the ~1.2 /s of Cressman et al. 2009's single-cell shell.
    k_diffusion_per_s: Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)] = 0.03
    # Saturable glial K+ buffer (form after Kager et al. 2000, Bazhenov et al. 2004; constants
    # assumed, calibrated): uptake buffer_rate x ([K+]o - bath) x (1 - buffered / capacity), the
    # buffered K+ leaving with buffer_release_per_s. It holds [K+]o near the bath under background
    # firing (at 10 Hz, ~+0.5 mM) and fills during an ictal event.
    buffer_rate_per_s: Annotated[float, Field(ge=0, le=1000, allow_inf_nan=False)] = 1.0
    buffer_capacity_mM: Annotated[float, Field(gt=0, le=1000, allow_inf_nan=False)] = 20.0
    buffer_release_per_s: Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)] = 0.03
    # Na+/K+ pump rate: pump_max / (1 + exp((na_half - [Na+]i) / na_slope)) / (1 + exp((k_half
    # - [K+]o) / k_slope)), mM/s of [Na+]i. Cressman et al. 2009: 1.25 mM/s, 25 mM, 3 mM, 5.5 mM,
    # 1 mM. Calibrated: pump_max 0.2 mM/s (a whole neuron's Na+ volume is larger than the
    # shell's, so the same flux moves [Na+]i less) and k_half 3.5 mM (the pump half-activated in
    # normal ACSF, so [K+]o above it speeds it up).
    pump_max_mM_s: Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)] = 0.2
    na_half_mM: Annotated[float, Field(gt=0, le=200, allow_inf_nan=False)] = 25.0
    na_slope_mM: Annotated[float, Field(gt=0, le=50, allow_inf_nan=False)] = 3.0
    pump_k_half_mM: Annotated[float, Field(gt=0, le=50, allow_inf_nan=False)] = 3.5
    pump_k_slope_mM: Annotated[float, Field(gt=0, le=20, allow_inf_nan=False)] = 1.0
    # [K+]o cleared per unit of pump rate: 2 K+ per cycle x the intra/extracellular volume ratio
    # (Cressman et al. 2009: 2 x 7 = 14). Calibrated 10 (a volume ratio of 5).
    k_pump_volume_factor: Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)] = 10.0
    # Resting [Na+]i at 3.5 mM K+, mM (assumed; 5-15 mM in neurons): sets the pump's resting rate,
    # which balances a constant Na+ leak.
    na_rest_mM: Annotated[float, Field(gt=0, le=100, allow_inf_nan=False)] = 10.0
    # Na+ entering per spike, mM (calibrated: an ictal event of ~2000 spikes per cell raises [Na+]i
    # by ~10-15 mM, as in Krishnan & Bazhenov 2011).
    na_per_spike_mM: Annotated[float, Field(ge=0, le=10, allow_inf_nan=False)] = 0.008
    # Relaxation of [Na+]i towards rest by routes other than the pump (Na+/Ca2+ exchange,
    # diffusion into the rest of the cell), 1/s (Epileptor-2, Chizhov et al. 2018: tau 20 s).
    na_relax_per_s: Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)] = 0.05
    # Electrogenic pump current per unit of pump rate: one net charge out per cycle, F x cell
    # volume (assumed ~2 pL: ~190 pA per mM/s; 200 used).
    pump_pA_per_mM_s: Annotated[float, Field(ge=0, le=100_000, allow_inf_nan=False)] = 200.0


class PlasticityConfig(Section):
    """The LTP/LTD preparation and its calcium rule (sim.protocols.ltp, docs/ltp.md).

    The alpha_*/beta/eta_* keys are Shouval, Bear & Cooper 2002's rule (docs/literature.md §5),
    the gb_* keys Graupner & Brunel 2012's. "calibrated" values are assumed and
    were fitted once (docs/ltp.md); rule, n_neurons, synapses_per_neuron, nmda_cv, record_ca_dt_ms
    and gb_down_fraction recompile, every other key is a runtime value.
    """

    # --- the rule (recompiles): "graupner_brunel" (bistable calcium synapse, Graupner & Brunel
    # 2012; sim.analysis.bistable) or "shouval" (Shouval, Bear & Cooper 2002; milasim 0.2-0.3)
    rule: Literal["graupner_brunel", "shouval"] = "graupner_brunel"
    # --- structure (recompiles): cells per preparation, stimulated synapses per cell, the
    # synapse-to-synapse CV of NMDA receptor number (lognormal; 0 = identical synapses)
    n_neurons: Annotated[int, Field(ge=1, le=200)] = 10
    synapses_per_neuron: Annotated[int, Field(ge=1, le=50)] = 4
    nmda_cv: Annotated[float, Field(ge=0, le=2, allow_inf_nan=False)] = 0.0
    # Calcium trace of one synapse per preparation and the voltage of one cell, recorded every
    # record_ca_dt_ms (0 = not recorded; 1 ms over a 900 s run is ~7 MB per preparation).
    record_ca_dt_ms: Annotated[float, Field(ge=0, le=1000, allow_inf_nan=False)] = 0.0
    # --- synapses (runtime). AMPA per release, assumed: test EPSP ~3-10 mV (2-4 of 4 releases).
    g_ampa_nS: Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)] = 4.0
    g_nmda_nS: Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)] = 1.5
    release_probability: Fraction = 0.5  # CA3-CA1, assumed (reported 0.1-0.9, mean ~0.5)
    # Vesicle pool: each release takes `depletion` of it; it recovers with tau_recovery_ms
    # (calibrated: synaptic fatigue in 900-pulse trains, which keeps 5-10 Hz from potentiating).
    depletion: Fraction = 0.1
    tau_recovery_ms: Annotated[float, Field(gt=0, le=60_000, allow_inf_nan=False)] = 2000.0
    # NMDA gating: saturating kinetics (Brunel & Wang 2001, rise 2 ms, alpha 0.5/ms); decay 200 ms,
    # the slow GluN2B-rich end of the 2A/2B range (docs/literature.md §3; Shouval 2002 slow component 200 ms).
    tau_nmda_ms: Annotated[float, Field(gt=0, le=2000, allow_inf_nan=False)] = 200.0
    nmda_alpha_per_ms: Annotated[float, Field(gt=0, le=100, allow_inf_nan=False)] = 0.5
    # --- calcium (runtime). tau_Ca 50 ms (Shouval 2002). NMDA Ca gain calibrated: one release at
    # rest gives a ~0.4 uM peak, inside the depression window (1 Hz LTD).
    tau_ca_ms: Annotated[float, Field(gt=0, le=2000, allow_inf_nan=False)] = 50.0
    ca_nmda_uM_per_ms: Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)] = 0.75
    # A slow calcium pool fed by the same NMDA influx (assumed, phenomenological, e.g. release from
    # spine Ca2+ stores): it integrates release over tau_ca_slow_ms, so 900-pulse trains of >= 10 Hz
    # raise it and isolated releases barely do. Unset: 0.008 uM/ms with the graupner_brunel rule,
    # in the LTP preparation and the memory network alike (fitted to Dudek & Bear's crossover near
    # 10 Hz; docs/ltp.md, "The slow calcium pool"), 0 with the shouval rule. 0 = off.
    ca_slow_uM_per_ms: Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)] | None = None
    # Decay time of the slow pool, ms (assumed, fitted with ca_slow_uM_per_ms: seconds, so that it
    # counts releases over a train rather than following each one).
    tau_ca_slow_ms: Annotated[float, Field(gt=0, le=60_000, allow_inf_nan=False)] = 5000.0
    # Voltage-gated Ca2+ per postsynaptic spike (back-propagating AP), assumed.
    ca_bpap_uM: Annotated[float, Field(ge=0, le=10, allow_inf_nan=False)] = 0.2
    # BPAP at the synapse: 100 mV, 75 % decaying in 3 ms and 25 % in 25 ms (Shouval 2002).
    bpap_mV: Annotated[float, Field(ge=0, le=200, allow_inf_nan=False)] = 100.0
    # Membrane noise (SD of the free membrane potential), assumed.
    noise_mV: Annotated[float, Field(ge=0, le=20, allow_inf_nan=False)] = 1.0
    # Share of the AMPA efficacy that the rule moves (assumed; the rest is not plastic). Unset: 0.5
    # for "shouval" (LTD saturates at -50 %, LTP at +150 %: W from 0.25 to 0 or 1) and 1 for
    # "graupner_brunel" (its two states already bound the efficacy; see gb_w_ratio).
    plastic_fraction: Fraction | None = None
    # --- the rule: Omega thresholds and slope, eta = scale / (P1 / (P2 + Ca^P3) + P4)
    alpha_ltd_uM: Annotated[float, Field(gt=0, le=100, allow_inf_nan=False)] = 0.35
    alpha_ltp_uM: Annotated[float, Field(gt=0, le=100, allow_inf_nan=False)] = 0.55
    beta_per_uM: Annotated[float, Field(gt=0, le=10_000, allow_inf_nan=False)] = 80.0
    eta_p1_s: Positive = 0.1
    eta_p2: Annotated[float, Field(gt=0, le=1e3, allow_inf_nan=False)] = 1e-5
    eta_p3: Annotated[float, Field(gt=0, le=10, allow_inf_nan=False)] = 3.0
    eta_p4_s: Positive = 1.0
    learning_rate_scale: Annotated[float, Field(gt=0, le=100, allow_inf_nan=False)] = 1.0
    # --- the Graupner & Brunel (2012) synapse (rule = "graupner_brunel"; docs/ltp.md). The paper's
    # hippocampal-slice fit (theta_d 1, rho* 0.5, gamma_d 313.1, gamma_p 1645.6, sigma 9.18,
    # tau 688 s) assumes calcium transients of tens of ms; milasim's NMDA calcium stays above
    # theta_d ~0.2 s per release, so the rates, noise and tau were refitted (calibrated, assumed):
    # to 0.1 Hz test pulses moving efficacy < 2 % in 20 min at 0-400 mg/kg, 1 Hz x 900 LTD, HFS
    # and sub-maximal TBS LTP with no drug (docs/ltp.md, "Calibration").
    # Spine calcium (uM above rest) that counts as 1 in the rule: theta_d = 0.2 uM, below the
    # ~0.42 uM peak of one release at rest with no drug, so isolated releases depress a little.
    gb_ca_unit_uM: Annotated[float, Field(gt=0, le=100, allow_inf_nan=False)] = 0.2
    # Depression threshold, in calcium units (the paper's 1).
    gb_theta_d: Annotated[float, Field(gt=0, le=1000, allow_inf_nan=False)] = 1.0
    # theta_p = 1.05 uM: above one release at 400 mg/kg (~0.81 uM), below HFS (~2.9 uM)
    gb_theta_p: Annotated[float, Field(gt=0, le=1000, allow_inf_nan=False)] = 5.25
    # Depression and potentiation rates (refitted: 313.1 and 1645.6 in the paper).
    gb_gamma_d: Annotated[float, Field(ge=0, le=1e5, allow_inf_nan=False)] = 1.0
    gb_gamma_p: Annotated[float, Field(ge=0, le=1e5, allow_inf_nan=False)] = 250.0
    # Noise amplitude while calcium is above a threshold (refitted: 9.18 in the paper).
    gb_sigma: Annotated[float, Field(ge=0, le=1000, allow_inf_nan=False)] = 0.3
    # Time constant of rho, s (refitted: 688 s in the paper); at rest a displaced synapse returns
    # to its state within a few tau.
    gb_tau_s: Annotated[float, Field(gt=0, le=1e6, allow_inf_nan=False)] = 60.0
    # The unstable point between the DOWN (0) and UP (1) states (the paper's 0.5).
    gb_rho_star: Annotated[float, Field(gt=0, lt=1, allow_inf_nan=False)] = 0.5
    # Efficacy of the UP state relative to DOWN (w1 / w0; assumed): with 3 of 4 synapses starting
    # DOWN, LTD saturates at -20 % and LTP at +60 %.
    gb_w_ratio: Annotated[float, Field(ge=1, le=100, allow_inf_nan=False)] = 2.0
    # Share of each cell's synapses that start DOWN (structural; assumed: most synapses weak).
    gb_down_fraction: Fraction = 0.75
    # --- metaplasticity: a sliding LTP threshold (BCM-like; Abraham & Philpot; Cho & Bear 2010).
    # theta_p is multiplied by 1 + gain (cbar / cbar0 - 1): cbar is the mean spine calcium under
    # in vivo background firing (meta_background_rate_hz) averaged over meta_tau_min, cbar0 its
    # drug-free value. 0 = off (the default: no datum fixes the gain; docs/ltp.md).
    sliding_threshold_gain: Annotated[float, Field(ge=0, le=10, allow_inf_nan=False)] = 0.0
    # Averaging time of the sliding threshold, min (30-60 min; Abraham & Philpot).
    meta_tau_min: Annotated[float, Field(gt=0, le=100_000, allow_inf_nan=False)] = 45.0
    # Background firing that sets cbar in vivo, Hz (assumed: ~1 Hz for hippocampal pyramidal cells).
    meta_background_rate_hz: Annotated[float, Field(gt=0, le=50, allow_inf_nan=False)] = 1.0
    # How long the synapses have seen the drug before induction: "prolonged" = since the dose
    # (drug.time_after_dose_h; the threshold has slid 1 - exp(-t / meta_tau_min) of its way),
    # "acute" = a wash-in just before induction (no time to slide).
    exposure: Literal["prolonged", "acute"] = "prolonged"

    @model_validator(mode="after")
    def _thresholds(self) -> PlasticityConfig:
        if self.gb_theta_p <= self.gb_theta_d:
            raise ValueError(
                f"plasticity.gb_theta_p must be > plasticity.gb_theta_d ({self.gb_theta_d:g}),"
                f" got {self.gb_theta_p:g}"
            )
        if self.alpha_ltp_uM <= self.alpha_ltd_uM:
            raise ValueError(
                f"plasticity.alpha_ltp_uM must be > plasticity.alpha_ltd_uM ({self.alpha_ltd_uM:g}),"
                f" got {self.alpha_ltp_uM:g}"
            )
        return self


_BURSTS = BurstParams()  # the detection's defaults, defined once in sim.analysis.bursts
_ICTAL = IctalParams()  # and the ictal detector's, in sim.analysis.ictal


class AnalysisConfig(Section):
    """Network-burst detection on the population rate (see sim.analysis.bursts for the algorithm).

    A network burst is a stretch where the Gaussian-smoothed population rate (all network
    populations pooled) exceeds max(burst_threshold_factor x baseline, baseline +
    burst_min_excess_hz), the baseline being a low percentile of the smoothed rate (robust to the
    bursts themselves). Stretches separated by <= burst_merge_gap_ms are merged, then stretches
    shorter than burst_min_duration_ms are dropped.
    """

    # Population rates are stored and analysed in bins of this width.
    rate_bin_ms: Annotated[float, Field(ge=0.1, le=100, allow_inf_nan=False)] = _BURSTS.rate_bin_ms
    # The first warmup_s of a run are left out of the metrics (every neuron starts unadapted with
    # full synaptic resources, so the first seconds are a start-up transient). Assumed 2 s: at
    # 1 mM Mg the default network's rate settles within ~2 s. Capped at half the run (see
    # sim.analysis.bursts.analysed_window).
    warmup_s: Annotated[float, Field(ge=0, le=3600, allow_inf_nan=False)] = _BURSTS.warmup_s
    # Gaussian smoothing of the population rate (kernel SD); 0 = none. Assumed: below a burst's
    # rise time (tens of ms), above the 1 ms bin noise.
    burst_smooth_ms: Annotated[float, Field(ge=0, le=1000, allow_inf_nan=False)] = _BURSTS.burst_smooth_ms
    # Baseline = this percentile of the smoothed rate. Assumed: a low percentile stays at the
    # interburst level while bursts fill < (100 - p) % of the record (a median would not in 0 Mg).
    burst_baseline_percentile: Annotated[float, Field(ge=0, le=50, allow_inf_nan=False)] = _BURSTS.burst_baseline_percentile
    # The baseline's ceiling. A network at rest fires a few Hz (0.1-3 Hz between events in the
    # 0 Mg2+ runs); a run that spends more than (100 - percentile) % of its time inside one long
    # ictal event has no rest in its low percentile, and an uncapped baseline (~200 Hz) would put
    # the threshold above the event itself (issue 15: a 98 s event went undetected). The cap
    # applies only if the rate rests below it for >= 1 s somewhere: a run that never does is a
    # steady state (tonic firing), and its own level stays the baseline. Assumed: 20 Hz, well
    # above any resting rate of the shipped configs and far below event rates.
    burst_baseline_max_hz: Annotated[float, Field(gt=0, le=1000, allow_inf_nan=False)] = _BURSTS.burst_baseline_max_hz
    # A control period for the baseline: when set, the baseline is the low percentile of the rate
    # from the end of the warm-up to this time (s) only, and the cap above does not apply. For
    # protocols that start in normal ACSF (a Mg2+ wash-out): their background firing before the
    # wash-out sets the threshold, so it is not read as part of the first seizure. Unset = the
    # whole record (every shipped config but configs/seizure_mg_washout.toml).
    burst_baseline_until_s: Annotated[float, Field(gt=0, le=1e6, allow_inf_nan=False)] | None = None
    # Threshold = max(factor x baseline, baseline + min_excess). Assumed; population-rate
    # threshold detection as in Bakkum et al. 2014 (docs/literature.md §4).
    burst_threshold_factor: Annotated[float, Field(ge=1, le=100, allow_inf_nan=False)] = _BURSTS.burst_threshold_factor
    # Absolute floor above baseline (spikes per neuron per second), so that a silent baseline does
    # not make every stray spike a burst. Assumed.
    burst_min_excess_hz: Annotated[float, Field(gt=0, le=1000, allow_inf_nan=False)] = _BURSTS.burst_min_excess_hz
    # Events (after merging) shorter than this are dropped. Assumed: fluctuations are shorter,
    # interictal discharges last ~100 ms and more.
    burst_min_duration_ms: Annotated[float, Field(ge=0, le=60_000, allow_inf_nan=False)] = _BURSTS.burst_min_duration_ms
    # Events separated by gaps <= this are one event (after-discharges of one discharge). Assumed.
    burst_merge_gap_ms: Annotated[float, Field(ge=0, le=10_000, allow_inf_nan=False)] = _BURSTS.burst_merge_gap_ms
    # Ictal (seizure-like) events: active stretches merged across gaps <= ictal_merge_gap_s that
    # last >= ictal_min_duration_s (see sim.analysis.ictal). 10 s by default: low-Mg2+ discharges
    # in human neocortical slices last 2.5-80 s (Avoli et al. 1991 Ann Neurol), and a 10 s floor
    # keeps long interictal-like discharges out; 2.5 s, their shortest, is the lenient option.
    # The clonic phase's bursts come at 1-5 Hz, so gaps between them are < 1 s; 2 s merges them
    # and still separates seizures from each other (assumed).
    ictal_min_duration_s: Annotated[float, Field(gt=0, le=3600, allow_inf_nan=False)] = _ICTAL.ictal_min_duration_s
    ictal_merge_gap_s: Annotated[float, Field(ge=0, le=60, allow_inf_nan=False)] = _ICTAL.ictal_merge_gap_s
    # The tonic phase: the longest run of windows of phase_window_s (from the event's onset) in
    # which the network is active for >= tonic_active_fraction of the time; discharges before it
    # open the event, the clonic phase is the rest after it. Assumed.
    phase_window_s: Annotated[float, Field(gt=0, le=60, allow_inf_nan=False)] = _ICTAL.phase_window_s
    tonic_active_fraction: Annotated[float, Field(gt=0, le=1, allow_inf_nan=False)] = _ICTAL.tonic_active_fraction
    # The phases' own threshold, per event: max(detection threshold, phase_threshold_fraction x the
    # event's peak smoothed rate); 0 (the default) reads the phases on the detection threshold.
    # For a network that keeps firing between its clonic bursts (configs/seizure_slow_ahp.toml:
    # 0.25, assumed). See sim.analysis.ictal.
    phase_threshold_fraction: Annotated[float, Field(ge=0, lt=1, allow_inf_nan=False)] = _ICTAL.phase_threshold_fraction
    # Ictal events that begin in the first ictal_startup_s of the run are its start-up transient (a
    # network started rested can open with an event no later moment would make): kept in run.h5
    # and the figure, left out of every ictal metric (see sim.analysis.ictal). 0 = off (the
    # default: the analysis of <= 0.8.3); 1 s drops the opening event of configs/seizure_recurrent.toml,
    # which begins in its first 0.1 s. Assumed.
    ictal_startup_s: Annotated[float, Field(ge=0, le=3600, allow_inf_nan=False)] = _ICTAL.ictal_startup_s
    # Runaway (saturated, not bursting): the smoothed population rate stays >= runaway_rate_hz
    # from some onset to the end of the record for >= runaway_min_fraction of it, or the mean rate
    # over the record is >= runaway_rate_hz. Assumed: with 2-5 ms refractory periods the ceiling
    # is 200-500 Hz, and sustained rates of 100 Hz are far above any ictal firing.
    runaway_rate_hz: Annotated[float, Field(gt=0, le=2000, allow_inf_nan=False)] = _BURSTS.runaway_rate_hz
    runaway_min_fraction: Annotated[float, Field(gt=0, le=1, allow_inf_nan=False)] = _BURSTS.runaway_min_fraction
    # Golomb et al. 2006 synchrony chi, from per-neuron spike counts in bins of this width, on a
    # random subsample of at most synchrony_max_neurons active neurons (for speed). Assumed.
    synchrony_bin_ms: Annotated[float, Field(ge=0.1, le=1000, allow_inf_nan=False)] = _BURSTS.synchrony_bin_ms
    synchrony_max_neurons: Annotated[int, Field(ge=2, le=100_000)] = _BURSTS.synchrony_max_neurons


class SimulationConfig(Section):
    """Numerics. ``seed`` is a run-time value; the rest are structural (a change compiles a new
    build, once). What each setting costs in accuracy: docs/performance.md, "dt and precision"."""

    seed: Annotated[int, Field(ge=0, lt=2**31)] = 1
    # Time step of every population and synapse.
    dt_ms: Annotated[float, Field(ge=0.005, le=0.5, allow_inf_nan=False)] = 0.1
    # Floating-point width of the compiled model's state (Brian2's core.default_float_dtype).
    precision: Literal["float64", "float32"] = "float64"
    # OpenMP threads of one run's binary (1 = single-threaded, no OpenMP). Sweeps run one thread
    # per worker; more threads speed one long run up and give other, statistically equal, spikes.
    threads: Annotated[int, Field(ge=1, le=256)] = 1
    # Step of the slow ion system (the shared [K+]o, E_K, the pump rates), ms: a whole number
    # of dt_ms that divides the 10 ms ion trace; 0 = every simulation step (milasim <= 0.7.1).
    # The membrane, synapses and spikes keep dt_ms; the pump rates and E_K are held for one ion
    # step. 1 ms: 0.73x the CPU time, within the seed spread (docs/performance.md, "Ion clock").
    ion_dt_ms: Annotated[float, Field(ge=0, le=10, allow_inf_nan=False)] = 1.0


class Config(Section):
    """A fully resolved milasim config."""

    experiment: ExperimentConfig = ExperimentConfig()
    drug: DrugConfig = DrugConfig()
    bath: BathConfig = BathConfig()
    mechanisms: MechanismsConfig = MechanismsConfig()
    network: NetworkConfig = NetworkConfig()
    ions: IonsConfig = IonsConfig()
    # The [protocol] table of the chosen protocol: validated against that protocol's own schema
    # (Protocol.table in its module; see _protocol_table), so it holds only the keys it uses.
    protocol: SerializeAsAny[Section] = Field(default=None)  # type: ignore[assignment]
    plasticity: PlasticityConfig = PlasticityConfig()
    analysis: AnalysisConfig = AnalysisConfig()
    simulation: SimulationConfig = SimulationConfig()

    @model_validator(mode="before")
    @classmethod
    def _protocol_table(cls, data: Any) -> Any:
        """Validate ``[protocol]`` against the schema of ``experiment.protocol``."""
        if not isinstance(data, Mapping):
            return data
        experiment = data.get("experiment", {})
        name = experiment.get("protocol", "epileptiform") if isinstance(experiment, Mapping) \
            else "epileptiform"
        table = data.get("protocol", {})
        if name not in protocol_names() or isinstance(table, Section):
            return data  # experiment.protocol's own check names a bad protocol
        return {**data, "protocol": protocol_table(name, table)}

    @model_validator(mode="after")
    def _dt_resolves_fastest_synapse(self) -> Config:
        # forward Euler on a 2 ms AMPA decay needs dt <= tau/10 (sim.model.equations)
        from sim.model.equations import TAU_AMPA_MS

        dt_ms = self.simulation.dt_ms
        limit = TAU_AMPA_MS / 10
        if dt_ms > limit:
            raise ValueError(
                f"simulation.dt_ms must be <= {limit:g} (a tenth of the {TAU_AMPA_MS:g} ms AMPA "
                f"decay, the fastest time constant), got {dt_ms:g}"
            )
        ion_dt = self.simulation.ion_dt_ms
        if ion_dt > 0:
            from sim.model.equations import ION_TRACE_DT_MS

            steps, samples = ion_dt / dt_ms, ION_TRACE_DT_MS / ion_dt
            if round(steps) < 1 or abs(steps - round(steps)) > 1e-9 \
                    or abs(samples - round(samples)) > 1e-9:
                raise ValueError(
                    f"simulation.ion_dt_ms must be a whole number of simulation.dt_ms "
                    f"({dt_ms:g} ms) that divides the {ION_TRACE_DT_MS:g} ms ion trace "
                    f"(e.g. 0.5, 1, 2 or 5), or 0 for every step, got {ion_dt:g}")
        # (key, its unit, milliseconds per unit)
        for key, unit, ms in (("depression_tau_rec_s", "s", 1e3), ("adaptation_tau_s", "s", 1e3),
                              ("burst_ahp_tau_ms", "ms", 1.0), ("na_inact_tau_ms", "ms", 1.0),
                              ("kcc2_tau_s", "s", 1e3)):
            tau = getattr(self.network, key)
            if tau * ms < 10 * dt_ms:
                raise ValueError(f"network.{key} must be >= 10 x simulation.dt_ms "
                                 f"({10 * dt_ms / ms:g} {unit}), got {tau:g}")
        until = self.analysis.burst_baseline_until_s
        duration = getattr(self.protocol, "duration_s", None)
        if until is not None and (until <= self.analysis.warmup_s
                                  or (duration is not None and until > duration)):
            within = (f" and within the run (protocol.duration_s {duration:g} s)"
                      if duration is not None else "")
            raise ValueError(f"analysis.burst_baseline_until_s must be after analysis.warmup_s "
                             f"({self.analysis.warmup_s:g} s){within}, got {until:g}")
        # the LTP preparation integrates these with forward Euler too (sim.protocols.ltp)
        for key in ("tau_ca_ms", "tau_nmda_ms", "tau_recovery_ms", "tau_ca_slow_ms"):
            tau_ms = getattr(self.plasticity, key)
            if tau_ms < 10 * dt_ms:
                raise ValueError(f"plasticity.{key} must be >= 10 x simulation.dt_ms "
                                 f"({10 * dt_ms:g} ms), got {tau_ms:g}")
        return self

    def to_dict(self) -> dict[str, Any]:
        """Plain nested dict; keys whose value is None are left out (TOML has no null)."""
        return self.model_dump(mode="python", exclude_none=True)

    def to_toml(self) -> str:
        return tomli_w.dumps(self.to_dict())

    def config_hash(self) -> str:
        """Stable 16-hex-digit hash of the resolved config (key order and float repr independent)."""
        canonical = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]

    def replace(self, overrides: Mapping[str, Any]) -> Config:
        """A new validated config with dotted-key overrides applied (``{"bath.mg_mM": 0}``)."""
        raw = self.to_dict()
        for key, value in overrides.items():
            other = {"drug.dose_mg": "dose_mg_per_kg", "drug.dose_mg_per_kg": "dose_mg"}.get(key)
            if other is not None:  # a dose given one way replaces the resolved other way
                raw["drug"].pop(other, None)
            set_dotted(raw, key, value)
        return resolve(raw)


def protocol_table(name: str, table: Any) -> Section:
    """``table`` validated as the ``[protocol]`` table of protocol ``name``; a ValueError whose
    message starts with the dotted key otherwise (a key of another protocol names both)."""
    from sim.protocols import get

    if not isinstance(table, Mapping):
        raise ValueError(f"protocol must be a table, got {table!r}")
    schema = get(name).table
    for key in table:
        if key not in schema.model_fields:
            owners = [other for other in protocol_names()
                      if other != name and key in get(other).table.model_fields]
            if owners:
                raise ValueError(f"protocol.{key}: a key of the {' and '.join(owners)} protocol, "
                                 f"not of {name} (experiment.protocol = \"{name}\")")
    try:
        return schema.model_validate(dict(table))
    except ValidationError as exc:
        error = exc.errors()[0]
        raise ValueError(describe_error({**error, "loc": ("protocol", *error["loc"])})) from None


# --------------------------------------------------------------------------- loading
def read_toml(path: Path) -> dict[str, Any]:
    """Parse one TOML file; every failure is an InputError naming the path."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, expected a TOML file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(f"{path}: not a text file (expected TOML)") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: not valid TOML ({exc})") from None


def deep_merge(base: dict[str, Any], top: Mapping[str, Any]) -> dict[str, Any]:
    """``top`` over ``base``, recursing into tables; lists and scalars are replaced whole."""
    out = copy.deepcopy(base)
    for key, value in top.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def load_raw(path: str | Path, _chain: tuple[Path, ...] = ()) -> dict[str, Any]:
    """The file's table with its ``extends`` chain merged in (child keys win)."""
    path = Path(path)
    resolved = path.resolve()
    if resolved in _chain:
        loop = " -> ".join(p.name for p in (*_chain, resolved))
        raise InputError(f"{path}: extends loop ({loop})")
    raw = read_toml(path)
    parent = raw.pop("extends", None)
    if parent is None:
        return raw
    if not isinstance(parent, str):
        raise ConfigError(f"extends must be a path string, got {parent!r}")
    parent_path = Path(parent)
    if not parent_path.is_absolute():
        parent_path = path.parent / parent_path
    if not parent_path.exists():
        raise InputError(f"{path}: extends {parent!r}, but {parent_path} does not exist")
    return deep_merge(load_raw(parent_path, (*_chain, resolved)), raw)


def parse_override(text: str) -> tuple[str, Any]:
    """``"bath.mg_mM=0"`` -> ``("bath.mg_mM", 0)``. Values are TOML values; a bare word is a string."""
    key, sep, value = text.partition("=")
    key, value = key.strip(), value.strip()
    if not sep or not key:
        raise InputError(f"--set {text!r}: expected KEY=VALUE, e.g. --set bath.mg_mM=0")
    if not value:
        raise InputError(f"--set {text!r}: no value after '=' for {key}")
    try:
        return key, tomllib.loads(f"v = {value}")["v"]
    except tomllib.TOMLDecodeError:
        if value.replace("_", "").replace("-", "").isalnum() and not value[0].isdigit():
            return key, value  # a bare word such as rat or deprenyl
        raise InputError(f"--set {key}: cannot parse {value!r} as a TOML value") from None


def set_dotted(raw: dict[str, Any], key: str, value: Any) -> None:
    """Set ``raw["a"]["b"] = value`` for ``key == "a.b"``, creating tables as needed."""
    parts = key.split(".")
    node = raw
    for i, part in enumerate(parts[:-1]):
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            raise ConfigError(f"{'.'.join(parts[: i + 1])} is a value, not a table; cannot set {key}")
        node = child
    node[parts[-1]] = value


def _close_keys(loc: tuple[str, ...]) -> list[str]:
    """Dotted keys of the same table close in spelling to the unknown last part of ``loc``
    (``bath.mg_mm`` -> ``bath.mg_mM``); [] when the table is not known statically."""
    import difflib

    model: Any = Config
    for part in loc[:-1]:
        field = getattr(model, "model_fields", {}).get(part)
        model = field.annotation if field is not None else None
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            break
    else:
        names = list(model.model_fields) if loc[:-1] else list(Config.model_fields)
        lower = {n.lower(): n for n in names}
        found = difflib.get_close_matches(loc[-1].lower(), list(lower), n=2, cutoff=0.6)
        prefix = ".".join(loc[:-1])
        return [f"{prefix}.{lower[f]}" if prefix else lower[f] for f in found]
    return []


def unset_optional_keys(cfg: Config) -> list[tuple[str, str]]:
    """(dotted key, description) of every optional key left unset (None) in ``cfg``: what
    ``validate --print`` adds as comments, since TOML has no null."""
    out = []
    for name, field in type(cfg).model_fields.items():
        section = getattr(cfg, name)
        if not isinstance(section, BaseModel):
            continue
        for key, sub in type(section).model_fields.items():
            if getattr(section, key) is None:
                out.append((f"{name}.{key}", " ".join((sub.description or "").split())))
    return out


def describe_error(error: Mapping[str, Any]) -> str:
    """One pydantic error -> ``"<dotted key> <what was expected>, got <value>"``."""
    loc = ".".join(str(p) for p in error["loc"] if not str(p).startswith("function-"))
    # pydantic adds a union member tag to the location ("float" in "drug.dose_mg.float")
    for tag in (".float", ".int", ".bool", ".str"):
        if loc.endswith(tag):
            loc = loc[: -len(tag)]
    kind, ctx, got = error["type"], error.get("ctx", {}), error.get("input")
    ctx = {k: (f"{v:g}" if isinstance(v, float) else v) for k, v in ctx.items()}
    shown = f"{got!r}" if isinstance(got, str) else f"{got}"
    if kind == "extra_forbidden":
        close = _close_keys(tuple(str(x) for x in error["loc"]))
        hint = f"; did you mean {' or '.join(close)}?" if close else ""
        return f"{loc}: unknown key{hint} (every key: docs/config.md)"
    if kind == "value_error":  # our own validators already name their keys
        return str(ctx.get("error", error["msg"]))
    expected = {
        "greater_than_equal": lambda: f"must be >= {ctx.get('ge')}",
        "greater_than": lambda: f"must be > {ctx.get('gt')}",
        "less_than_equal": lambda: f"must be <= {ctx.get('le')}",
        "less_than": lambda: f"must be < {ctx.get('lt')}",
        "finite_number": lambda: "must be a finite number",
        "literal_error": lambda: f"must be one of {ctx.get('expected')}",
        "float_type": lambda: "must be a number",
        "int_type": lambda: "must be an integer",
        "bool_type": lambda: "must be true or false",
        "string_type": lambda: "must be a string",
        "model_type": lambda: "must be a table",
        "model_attributes_type": lambda: "must be a table",
        "dict_type": lambda: "must be a table",
    }.get(kind, lambda: error["msg"].lower())()
    return f"{loc} {expected}, got {shown}"


def resolve(raw: Mapping[str, Any], overrides: Iterable[tuple[str, Any]] = ()) -> Config:
    """Validate a raw table (plus overrides) into a Config; the first problem is a ConfigError."""
    raw = copy.deepcopy(dict(raw))
    if "sweep" in raw:
        raise ConfigError("sweep: this is an experiment file; run it with `milasim sweep`")
    if "uncertainty" in raw:
        raise ConfigError("uncertainty: this is an uncertainty experiment; run it with "
                          "`milasim uncertainty`")
    for key, value in overrides:
        set_dotted(raw, key, value)
    try:
        cfg = Config.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(describe_error(exc.errors()[0])) from None
    # what only the protocol can judge (keys of several tables together): before anything runs
    from sim.protocols import get

    get(cfg.experiment.protocol).check(cfg)
    return cfg


def load_config(path: str | Path, overrides: Iterable[str] = ()) -> Config:
    """Load a config file, apply ``--set`` strings, validate. Raises InputError/ConfigError."""
    parsed = [parse_override(o) for o in overrides]
    return resolve(load_raw(path), parsed)
