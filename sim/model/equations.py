"""Brian2 equation fragments for the E/I network, composed into neuron models (PyNN style).

Conductance-based leaky integrate-and-fire neurons with AMPA / NMDA / GABA-A synapses, a tonic GlyR
chloride conductance, presynaptic short-term depression, and the ion dynamics that make seizures:
a K+ share of the leak and a spike-triggered slow AHP K+ conductance, both reversing at E_K, which
follows extracellular K+ ([K+]o, shared by the network, in the ``ions`` group); and per-neuron
intracellular Na+, loaded by spikes and extruded by the electrogenic Na+/K+ pump, whose current
hyperpolarises a neuron that has fired a lot. Every quantity a dose or a bath change touches is a ``(shared, constant)``
variable with its unit in its name, set on the compiled binary's command line (``sim.engine``):
the strings here never contain a number that a user can change.

NMDA gating follows the NEST model ``iaf_bw_2001``: each neuron keeps one gating variable
``s_self`` for its own outgoing NMDA synapses; at a spike it adds the saturating increment
``jump = k0 (1 - s_self)`` and every target adds ``jump`` to its summed ``s_nmda``, which decays with
tau_NMDA. One ODE per neuron instead of one per synapse. ``k0`` is the increment of the rise
variable's integral over one spike, (alpha tau_r)^(tau_r/tau_d) gamma(1 - tau_r/tau_d, alpha tau_r)
with gamma the lower incomplete gamma function: 0.6484 for Brunel & Wang's kinetics, as in NEST's
``iaf_bw_2001`` (milasim <= 0.3 used 1 - exp(-alpha tau_r) = 0.6321, 2.5 % less NMDA per spike).

Short-term depression is presynaptic (Tsodyks-Markram resources ``x_res``): all synapses of one
axon see the same spike train, so one resource variable per neuron is exact for per-synapse
depression with common parameters.
"""

from __future__ import annotations

from typing import Any

from sim.receptors import mg_block_expr, mg_block_namespace

# --------------------------------------------------------------------------- constants (sources)
# Brunel & Wang 2001 (docs/literature.md §3): NMDA rise 2 ms, decay 100 ms, alpha 0.5 /ms; AMPA decay 2 ms.
TAU_AMPA_MS = 2.0
TAU_NMDA_DECAY_MS = 100.0
TAU_NMDA_RISE_MS = 2.0
NMDA_ALPHA_PER_MS = 0.5
def nmda_k0(alpha_per_ms: float, tau_rise_ms: float, tau_decay_ms: float) -> float:
    """The saturating increment of iaf_bw_2001 (NEST 3.10): (alpha tau_r)^(tau_r/tau_d) times the
    lower incomplete gamma function gamma(1 - tau_r/tau_d, alpha tau_r)."""
    from scipy.special import gamma, gammainc

    x, s = alpha_per_ms * tau_rise_ms, 1.0 - tau_rise_ms / tau_decay_ms
    return float(x ** (tau_rise_ms / tau_decay_ms) * gammainc(s, x) * gamma(s))


#: 0.6484 for rise 2 ms, decay 100 ms, alpha 0.5 /ms
NMDA_K0 = nmda_k0(NMDA_ALPHA_PER_MS, TAU_NMDA_RISE_MS, TAU_NMDA_DECAY_MS)
# GABA-A decay 5-10 ms (docs/literature.md §3); 10 ms taken.
TAU_GABA_MS = 10.0
# Reversal potentials: E_exc 0 mV (Brunel & Wang 2001); E_GABA -70 to -80 mV (Otis & Mody 1992),
# -75 mV taken; the GlyR channel is also chloride-selective, so E_GlyR = E_GABA.
E_EXC_MV = 0.0
E_INH_MV = -75.0

#: Intrinsic properties per population. Pyramidal: C 0.5 nF, g_L 25 nS (tau_m 20 ms), E_L -70 mV,
#: threshold -50 mV, reset -55 mV, refractory 2 ms; interneuron: C 0.2 nF, g_L 20 nS (tau_m 10 ms),
#: refractory 1 ms (Brunel & Wang 2001).
CELL_TYPES = {
    "exc": {"C_pF": 500.0, "g_L_nS": 25.0, "E_L_mV": -70.0, "V_th_mV": -50.0,
            "V_reset_mV": -55.0, "t_ref_ms": 2.0},
    "inh": {"C_pF": 200.0, "g_L_nS": 20.0, "E_L_mV": -70.0, "V_th_mV": -50.0,
            "V_reset_mV": -55.0, "t_ref_ms": 1.0},
}

# --------------------------------------------------------------------------- fragments
MEMBRANE = """
dv/dt = (I_leak + I_syn + I_glyr + I_ahp - I_pump) / C_m : volt (unless refractory)
I_leak = g_leak * ((1 - k_leak_fraction) * (e_nonk_mV * mV - v) + k_leak_fraction * (E_K - v)) : amp
g_leak : siemens (constant)
v_th : volt (constant)
"""

SYNAPTIC_CURRENTS = """
I_syn = g_ampa * (E_exc - v) + g_nmda * (E_exc - v) + g_gaba * gaba_unblocked * (E_inh - v) : amp
dg_ampa/dt = -g_ampa / tau_ampa : siemens
dg_gaba/dt = -g_gaba / tau_gaba : siemens
"""

# NMDA: summed postsynaptic gating x glycine-site occupancy x Mg2+ block x APV.
NMDA = f"""
g_nmda = g_nmda_nS * nS * s_nmda * occupancy * mg_unblocked * apv_unblocked : siemens
ds_nmda/dt = -s_nmda / tau_nmda : 1
mg_unblocked = {mg_block_expr("mg_now_mM")} : 1
"""

# The bath: Mg2+ ramps linearly from mg_from_mM to mg_mM over [mg_t0_s, mg_t0_s + mg_ramp_s]
# (a wash-out when mg_from_mM > mg_mM); glycine steps at washin_t_s, which moves glycine-site
# occupancy and GlyR activation from their *_before to their *_after values.
BATH = """
mg_now_mM = mg_mM + (mg_from_mM - mg_mM) * clip(1 - (t / second - mg_t0_s) / mg_ramp_s, 0, 1) : 1
washed_in = int(t / second >= washin_t_s) : 1
occupancy = occupancy_before + (occupancy_after - occupancy_before) * washed_in : 1
I_glyr = g_glyr_nS * nS * (glyr_before + (glyr_after - glyr_before) * washed_in) * (E_inh - v) : amp
"""

# The slow AHP: a K+ conductance each spike opens, closing with tau_adapt. It lumps the slow K+
# currents that sustained firing recruits (Ca2+- and Na+-activated, sAHP and K_Na); during a
# seizure-like event it grows to several times the leak (see the README's Results). The burst
# AHP (g_bahp, closing in a few hundred ms; off unless network.burst_ahp_b_nS > 0) is a faster
# one: it ends a burst of spikes and, with strong recurrent excitation, turns sustained firing
# into population bursts. Both AHPs and the K+ leak reverse at E_K, which the ions group
# computes from [K+]o.
ADAPTATION = """
dg_ahp/dt = -g_ahp / (tau_adapt_s * second) : siemens
dg_bahp/dt = -g_bahp / (tau_bahp_ms * ms) : siemens
I_ahp = (g_ahp + g_bahp) * (E_K - v) : amp
E_K = ek_mV * mV : volt
ek_mV : 1
"""

# Intracellular Na+ (mM) of each neuron: each spike brings na_per_spike_mM in; the Na+/K+ pump
# (3 Na+ out, 2 K+ in per cycle, rate in mM/s) extrudes it, and it relaxes towards rest by other
# routes (exchange, diffusion into the rest of the cell) with na_relax_per_s (Epileptor-2). Its rate is sigmoid in [Na+]i and in
# [K+]o (Cressman et al. 2009; the [K+]o factor is shared, from the ions group). Only the pump's
# excess over its resting rate moves Na+ and makes current: at rest the pump balances a constant
# Na+ leak, and its resting current is part of the leak's reversal potential.
PUMP_RATE = "pump_max_mM_s * pump_k / (1 + exp((na_half_mM - na_in) / na_slope_mM))"
SODIUM = f"""
dna_in/dt = (-3 * (pump - pump_rest_mM_s) + na_relax_per_s * (na_rest_mM - na_in)) * Hz : 1
pump = {PUMP_RATE} : 1
I_pump = pump_pA_per_mM_s * pA * (pump - pump_rest_mM_s) : amp
pump_k : 1
"""

PRESYNAPTIC = """
ds_self/dt = -s_self / tau_nmda : 1
dx_res/dt = (1 - x_res) / (tau_rec_s * second) : 1
release : 1
nmda_jump : 1
"""

#: Runtime parameters of every neuron group: (shared, constant), set per run by the engine.
RUNTIME_NEURON_PARAMS = (
    "mg_mM", "mg_from_mM", "mg_t0_s", "mg_ramp_s",
    "occupancy_before", "occupancy_after", "washin_t_s",
    "glyr_before", "glyr_after", "g_glyr_nS",
    "apv_unblocked", "gaba_unblocked", "g_nmda_nS", "g_drive_nS",
    "b_ahp_nS", "tau_adapt_s", "b_bahp_nS", "tau_bahp_ms", "tau_rec_s", "u_dep",
    "k_leak_fraction", "e_nonk_mV",
    "pump_max_mM_s", "pump_rest_mM_s", "pump_pA_per_mM_s", "na_half_mM", "na_slope_mM",
    "na_per_spike_mM", "na_rest_mM", "na_relax_per_s",
)

def runtime_declarations(names) -> str:
    """Brian2 declarations of dimensionless run-time constants, one per line."""
    return "\n".join(f"{name} : 1 (shared, constant)" for name in names)


RUNTIME_DECLARATIONS = runtime_declarations(RUNTIME_NEURON_PARAMS)

NEURON_EQUATIONS = "\n".join(
    [MEMBRANE, SYNAPTIC_CURRENTS, NMDA, BATH, ADAPTATION, SODIUM, PRESYNAPTIC,
     RUNTIME_DECLARATIONS]
)

# Extrasynaptic NMDA receptors (built only when mechanisms.coagonist_pool is not "bulk"): a tonic
# conductance (ambient glutamate) gated by its own glycine-site activation, the Mg2+ block and
# APV. Their co-agonist is glycine (Papouin et al. 2012), so the drug reaches them in every pool.
EXTRASYNAPTIC = """
I_nmda_ext = g_nmda_ext_nS * nS * occupancy_ext * mg_unblocked * apv_unblocked * (E_exc - v) : amp
occupancy_ext = occupancy_ext_before + (occupancy_ext_after - occupancy_ext_before) * washed_in : 1
"""
EXTRASYNAPTIC_PARAMS = ("g_nmda_ext_nS", "occupancy_ext_before", "occupancy_ext_after")


#: What the neurons read from the ions group. Declared ``(linked)`` in a network, the neurons read
#: the ions group's one element directly (:func:`link_ions`); a single neuron on its own (the
#: reference test) keeps them as plain parameters it can set.
ION_INPUTS = ("ek_mV", "pump_k")


# Slow Na+ inactivation (network.slow_na_inactivation; a build of its own, off by default). Each
# neuron's Na+ channel availability h_na relaxes, with na_inact_tau_ms, towards a Boltzmann function
# of its membrane potential, and each spike takes a share na_inact_per_spike of it: the spike's own
# inactivation, which an integrate-and-fire reset does not carry (use-dependent, cumulative
# inactivation; Fleidervish et al. 1996). The threshold rises as availability falls, by
# -k_a ln(h_na) (the threshold equation of Platkiewicz & Brette 2010), measured from a floor at
# which it diverges: a neuron that fires fast adapts, and one driven hard enough stops firing with
# its membrane potential above its resting threshold (depolarisation block) until the drive lets
# go and availability recovers.
NA_INACTIVATION = """
dh_na/dt = (1 / (1 + exp((v / mV - na_inact_v_half_mV) / na_inact_slope_mV)) - h_na) / (na_inact_tau_ms * ms) : 1
"""
NA_INACTIVATION_PARAMS = ("na_inact_ka_mV", "na_inact_v_half_mV", "na_inact_slope_mV",
                          "na_inact_tau_ms", "na_inact_per_spike", "na_inact_floor")
THRESHOLD_NA_INACTIVATION = (
    "v > v_th - na_inact_ka_mV * mV"
    " * log(clip((h_na - na_inact_floor) / (1 - na_inact_floor), 1e-12, 1))")
RESET_NA_INACTIVATION = "h_na -= na_inact_per_spike * h_na"

# Intracellular Cl- (network.chloride_dynamics; a build of its own, off by default). GABA-A and
# GlyR channels pass Cl- and, less, HCO3- (permeability ratio about 0.2): their reversal is the
# conductance-weighted mean of E_Cl and E_HCO3, -75 mV at the resting [Cl-]i. While a neuron sits
# above E_Cl, the Cl- share of the inhibitory current loads Cl- into it (cl_mM_per_pC: one over
# Faraday's constant times the cell's volume); KCC2 extrudes it towards rest with kcc2_tau_s. A
# neuron under heavy inhibition during a seizure loads Cl-, its E_GABA rises and its inhibition
# fades (the chloride shift; Krishnan & Bazhenov 2011 tie it to long seizures that alternate
# between tonic and clonic firing). The HCO3- gradient is held fixed. I_cl's GlyR term is the
# conductance of BATH's I_glyr.
CHLORIDE = """
dcl_in/dt = (-cl_mM_per_pC * I_cl / pA - (cl_in - cl_rest_mM) / kcc2_tau_s) * Hz : 1
I_cl = (1 - hco3_share) * (g_gaba * gaba_unblocked + g_glyr_nS * nS * (glyr_before + (glyr_after - glyr_before) * washed_in)) * (E_cl - v) : amp
E_cl = ek_slope_mV * mV * log(cl_in / cl_out_mM) : volt
E_inh = (1 - hco3_share) * E_cl + hco3_share * e_hco3_mV * mV : volt
"""
CHLORIDE_PARAMS = ("cl_out_mM", "cl_rest_mM", "kcc2_tau_s", "cl_mM_per_pC", "hco3_share",
                   "e_hco3_mV")
#: Faraday's constant, C/mol: a current of 1 pA carries 1 / FARADAY pmol/s of a monovalent ion.
FARADAY_C_PER_MOL = 96485.0


def cl_mM_per_pC(volume_pl: float) -> float:
    """The change of [Cl-]i (mM) one pC of Cl- current makes in a cell of ``volume_pl`` pL."""
    return 1e-12 / FARADAY_C_PER_MOL / (volume_pl * 1e-12) * 1e3


def cl_rest_mM(e_inh_mV: float, cl_out_mM: float, hco3_share: float, e_hco3_mV: float) -> float:
    """The [Cl-]i at which the GABA-A / GlyR reversal is ``e_inh_mV`` (Nernst for Cl-, 37 C)."""
    import math

    e_cl = (e_inh_mV - hco3_share * e_hco3_mV) / (1 - hco3_share)
    return cl_out_mM * math.exp(e_cl / EK_SLOPE_MV)


def threshold(slow_na_inactivation: bool = False) -> str:
    """The spike condition: the fixed threshold, or with slow Na+ inactivation the threshold
    raised as availability falls."""
    return THRESHOLD_NA_INACTIVATION if slow_na_inactivation else THRESHOLD


def reset(slow_na_inactivation: bool = False) -> str:
    """The reset at a spike; with slow Na+ inactivation the spike also inactivates Na+ channels."""
    return RESET + RESET_NA_INACTIVATION + "\n" if slow_na_inactivation else RESET


def neuron_equations(extrasynaptic: bool = False, linked_ions: bool = False,
                     stored_pump: bool = False, slow_na_inactivation: bool = False,
                     chloride: bool = False) -> str:
    """The neuron model; with ``extrasynaptic`` the tonic extrasynaptic NMDA current joins the
    membrane equation (a different build: the default one is :data:`NEURON_EQUATIONS` exactly);
    with ``linked_ions`` E_K and the pump's [K+]o factor are linked variables (:func:`link_ions`);
    with ``stored_pump`` the pump rate is a variable that :func:`store_pump_rate` sets on the ion
    clock; with ``slow_na_inactivation`` each neuron carries its Na+ channel availability
    (:data:`NA_INACTIVATION`, read by :func:`threshold`); with ``chloride`` each neuron carries
    its [Cl-]i and its own GABA-A / GlyR reversal (:data:`CHLORIDE`; the namespace's constant
    ``E_inh`` is then not used, :func:`namespace`)."""
    if not extrasynaptic:
        equations = NEURON_EQUATIONS
    else:
        membrane = MEMBRANE.replace("(I_leak + I_syn + I_glyr + I_ahp - I_pump)",
                                    "(I_leak + I_syn + I_nmda_ext + I_glyr + I_ahp - I_pump)")
        assert membrane != MEMBRANE
        declarations = runtime_declarations(EXTRASYNAPTIC_PARAMS)
        equations = "\n".join([membrane, SYNAPTIC_CURRENTS, NMDA, BATH, EXTRASYNAPTIC, ADAPTATION,
                               SODIUM, PRESYNAPTIC, RUNTIME_DECLARATIONS, declarations])
    if stored_pump:
        computed = f"\npump = {PUMP_RATE} : 1\n"
        assert equations.count(computed) == 1
        equations = equations.replace(computed, "\npump : 1\n")
    if linked_ions:
        for name in ION_INPUTS:
            plain = f"\n{name} : 1\n"
            assert equations.count(plain) == 1, name
            equations = equations.replace(plain, f"\n{name} : 1 (linked)\n")
    if slow_na_inactivation:
        equations += NA_INACTIVATION + runtime_declarations(NA_INACTIVATION_PARAMS)
    if chloride:
        equations += CHLORIDE + runtime_declarations(CHLORIDE_PARAMS)
    return equations


def link_ions(group, ions) -> None:
    """Point a neuron group's E_K and pump factor (declared ``(linked)``) at the ions group's one
    element. Each step the ions group computes them at the start and every neuron reads that value:
    the same value the summed-variable copy of 0.4 delivered (its updater ran before the neurons'
    state update), without copying it into every neuron every step. Call it before any synapse
    refers to the group: brian2 resolves a synapse's references to the neurons' variables when
    the synapse is made."""
    from brian2 import linked_var

    assert len(ions) == 1, "the ions group has one element"
    for name in ION_INPUTS:  # a one-element source: brian2 indexes it with "0" (subgroups too)
        setattr(group, name, linked_var(ions, name))


def store_pump_rate(group, dt) -> None:
    """Compute the pump rate every ``dt`` (the ion clock, ``simulation.ion_dt_ms``), at the start
    of the step, into the group's ``pump`` (declared by ``neuron_equations(stored_pump=True)``),
    after the ions group has updated the pump's [K+]o factor (``order=1``). In between, [Na+]i and
    the pump current use the held rate. At ``dt`` = the simulation step this is forward Euler's
    own evaluation (every derivative at the state at the start of the step); at a longer step it
    is a splitting of the slow pump from the fast membrane."""
    group.run_regularly(f"pump = {PUMP_RATE}", dt=dt, when="start", order=1,
                        name=f"{group.name}_pump_rate")


def runtime_neuron_params(extrasynaptic: bool = False, slow_na_inactivation: bool = False,
                          chloride: bool = False) -> tuple[str, ...]:
    return (RUNTIME_NEURON_PARAMS + (EXTRASYNAPTIC_PARAMS if extrasynaptic else ())
            + (NA_INACTIVATION_PARAMS if slow_na_inactivation else ())
            + (CHLORIDE_PARAMS if chloride else ()))

# --------------------------------------------------------------------------- extracellular K+
# One well-mixed extracellular space for the network (the ``ions`` group, one element). [K+]o
# rises with every spike of any neuron (k_per_spike_mM / N: the population's K+ efflux into the
# extracellular space) and is cleared by glial uptake (sigmoid in [K+]o), diffusion to the bath
# (first order) and the neurons' Na+/K+ pumps (2 K+ per cycle, times the intra/extracellular
# volume ratio; Cressman et al. 2009) and a saturable glial buffer (after Kager et al. 2000 and
# Bazhenov et al. 2004): uptake proportional to the excess [K+]o and to the buffer's free share,
# the buffered K+ leaving it slowly (spatial buffering). The buffer clears the K+ of background
# firing, and a seizure fills it, so [K+]o then climbs to ictal levels. Each clearance is counted
# as its excess over its value at rest, so [K+]o rests at the bath's. E_K (Nernst, 37 C) and the pump's [K+]o factor are computed
# here once per step; every neuron reads them as linked variables (link_ions).
IONS = """
dK_o/dt = -(glia - glia_rest + k_diffusion_per_s * (K_o - k_bath_mM)
            + k_pump_volume_factor * (pump_mean - pump_rest_mM_s) + buffer_uptake) * Hz : 1
buffer_uptake = buffer_rate_per_s * clip(K_o - k_bath_mM, 0, 1000) * (1 - k_buffered / buffer_capacity_mM) : 1
dk_buffered/dt = (buffer_uptake - buffer_release_per_s * k_buffered) * Hz : 1
glia = glia_max_mM_s / (1 + exp((glia_half_mM - K_o) / glia_slope_mM)) : 1
glia_rest = glia_max_mM_s / (1 + exp((glia_half_mM - k_bath_mM) / glia_slope_mM)) : 1
pump_mean = (pump_total_exc + pump_total_inh) / n_cells : 1
pump_total_exc : 1
pump_total_inh : 1
ek_mV : 1
pump_k : 1
"""
#: Sampling of [K+]o and the mean [Na+]i, ms.
ION_TRACE_DT_MS = 10.0
#: Each population's summed [Na+]i, for the record only (nothing reads it back): a one-element
#: group on the ion trace's clock, so the sum over every neuron is taken once per sample instead of
#: once per step.
NA_TOTALS = """
na_total_exc : 1
na_total_inh : 1
"""
#: The same for [Cl-]i in the chloride build.
CL_TOTALS = """
cl_total_exc : 1
cl_total_inh : 1
"""
#: Once per step: E_K and the pump's [K+]o factor from the current [K+]o.
IONS_UPDATE = """
ek_mV = ek_slope_mV * log(K_o / k_in_mM)
pump_k = 1 / (1 + exp((pump_k_half_mM - K_o) / pump_k_slope_mM))
"""
#: Each spike of a neuron adds its share of K+ efflux to the extracellular space.
K_RELEASE_ON_PRE = "K_o_post += k_per_spike_mM / n_cells"
K_RELEASE_MODEL = "k_per_spike_mM : 1 (shared, constant)"
#: Runtime parameters of the ions group.
RUNTIME_ION_PARAMS = (
    "k_bath_mM", "k_diffusion_per_s", "glia_max_mM_s", "glia_half_mM", "glia_slope_mM",
    "k_pump_volume_factor", "pump_rest_mM_s", "k_in_mM", "pump_k_half_mM", "pump_k_slope_mM",
    "buffer_rate_per_s", "buffer_capacity_mM", "buffer_release_per_s",
)
ION_EQUATIONS = IONS + runtime_declarations(RUNTIME_ION_PARAMS)
#: Nernst slope RT/F at 37 C, mV: E_K = 26.7 mV ln([K+]o / [K+]i).
EK_SLOPE_MV = 26.7

THRESHOLD = "v > v_th"

# At a spike: reset, adaptation, depression (release = resources before the spike, relative to a
# fully recovered synapse), and the saturating NMDA increment for this neuron's targets.
RESET = """
v = V_reset
g_ahp += b_ahp_nS * nS
g_bahp += b_bahp_nS * nS
na_in += na_per_spike_mM
release = x_res
x_res -= u_dep * x_res
nmda_jump = nmda_k0 * release * (1 - s_self)
s_self += nmda_jump
"""

#: On-pre code of excitatory synapses (the weight is a shared runtime constant of the pathway).
EXC_ON_PRE = """
g_ampa_post += w_ampa_nS * nS * release_pre
s_nmda_post += nmda_jump_pre
"""
INH_ON_PRE = "g_gaba_post += w_gaba_nS * nS"
EXC_SYNAPSE_MODEL = "w_ampa_nS : 1 (shared, constant)"
INH_SYNAPSE_MODEL = "w_gaba_nS : 1 (shared, constant)"


def refractory_period(t_ref: Any, dt: Any) -> Any:
    """The refractory period to give Brian2 so that a neuron is clamped for exactly ``t_ref``.

    Brian2 integrates a neuron again once ``timestep(t - lastspike) >= timestep(refractory)``, that
    is ``t_ref / dt`` steps after the spike, having skipped ``t_ref / dt - 1`` updates: a 2 ms period
    clamped the neuron for 1.9 ms at dt = 0.1 ms. NEST's ``iaf_bw_2001`` clamps it for
    ``t_ref / dt`` updates (a neuron driven to threshold in 7.0 ms fires every 9.0 ms with a 2 ms
    period, as in continuous time; Brian2 gave 8.9 ms). One step more does the same here."""
    return t_ref + dt


def namespace(cell_type: str, chloride: bool = False) -> dict:
    """Constants the equations refer to, for one cell type (values in Brian2 units); with
    ``chloride`` the GABA-A / GlyR reversal is each neuron's own, so no constant ``E_inh``."""
    from brian2 import mV, ms, pF

    cell = CELL_TYPES[cell_type]
    constants = {
        "C_m": cell["C_pF"] * pF,
        "E_L": cell["E_L_mV"] * mV,
        "V_reset": cell["V_reset_mV"] * mV,
        "E_exc": E_EXC_MV * mV,
        "E_inh": E_INH_MV * mV,
        "tau_ampa": TAU_AMPA_MS * ms,
        "tau_gaba": TAU_GABA_MS * ms,
        "tau_nmda": TAU_NMDA_DECAY_MS * ms,
        "nmda_k0": NMDA_K0,
        "ek_slope_mV": EK_SLOPE_MV,
        **mg_block_namespace(),
    }
    if chloride:
        del constants["E_inh"]
    return constants
