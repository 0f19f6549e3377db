"""Brian2 equation fragments for the E/I network, composed into neuron models (PyNN style).

Conductance-based leaky integrate-and-fire neurons with spike-triggered adaptation (a slow AHP
current), AMPA / NMDA / GABA-A synapses, a tonic GlyR chloride conductance and presynaptic
short-term depression. Every quantity a dose or a bath change touches is a ``(shared, constant)``
variable with its unit in its name, set on the compiled binary's command line (``sim.engine``):
the strings here never contain a number that a user can change.

NMDA gating follows the NEST model ``iaf_bw_2001``: each neuron keeps one gating variable
``s_self`` for its own outgoing NMDA synapses; at a spike it adds the saturating increment
``jump = k0 (1 - s_self)`` (k0 = 1 - exp(-alpha tau_rise), Brunel & Wang 2001 kinetics) and every
target adds ``jump`` to its summed ``s_nmda``, which decays with tau_NMDA. One ODE per neuron instead
of one per synapse.

Short-term depression is presynaptic (Tsodyks-Markram resources ``x_res``): all synapses of one
axon see the same spike train, so one resource variable per neuron is exact for per-synapse
depression with common parameters.
"""

from __future__ import annotations

import math

from sim.receptors import mg_block_expr, mg_block_namespace

# --------------------------------------------------------------------------- constants (sources)
# Brunel & Wang 2001 (LITERATURE 3): NMDA rise 2 ms, decay 100 ms, alpha 0.5 /ms; AMPA decay 2 ms.
TAU_AMPA_MS = 2.0
TAU_NMDA_DECAY_MS = 100.0
TAU_NMDA_RISE_MS = 2.0
NMDA_ALPHA_PER_MS = 0.5
#: iaf_bw_2001 saturating increment, k0 = -expm1(-alpha * tau_rise) (LITERATURE 3)
NMDA_K0 = -math.expm1(-NMDA_ALPHA_PER_MS * TAU_NMDA_RISE_MS)
# GABA-A decay 5-10 ms (LITERATURE 3); 10 ms taken.
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
dv/dt = (g_leak * (E_L - v) + I_syn + I_glyr - w_ad) / C_m : volt (unless refractory)
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

ADAPTATION = """
dw_ad/dt = -w_ad / (tau_adapt_s * second) : amp
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
    "b_adapt_pA", "tau_adapt_s", "tau_rec_s", "u_dep",
)

RUNTIME_DECLARATIONS = "\n".join(f"{name} : 1 (shared, constant)" for name in RUNTIME_NEURON_PARAMS)

NEURON_EQUATIONS = "\n".join(
    [MEMBRANE, SYNAPTIC_CURRENTS, NMDA, BATH, ADAPTATION, PRESYNAPTIC, RUNTIME_DECLARATIONS]
)

THRESHOLD = "v > v_th"

# At a spike: reset, adaptation, depression (release = resources before the spike, relative to a
# fully recovered synapse), and the saturating NMDA increment for this neuron's targets.
RESET = """
v = V_reset
w_ad += b_adapt_pA * pA
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


def namespace(cell_type: str) -> dict:
    """Constants the equations refer to, for one cell type (values in Brian2 units)."""
    from brian2 import mV, ms, pF

    cell = CELL_TYPES[cell_type]
    return {
        "C_m": cell["C_pF"] * pF,
        "E_L": cell["E_L_mV"] * mV,
        "V_reset": cell["V_reset_mV"] * mV,
        "E_exc": E_EXC_MV * mV,
        "E_inh": E_INH_MV * mV,
        "tau_ampa": TAU_AMPA_MS * ms,
        "tau_gaba": TAU_GABA_MS * ms,
        "tau_nmda": TAU_NMDA_DECAY_MS * ms,
        "nmda_k0": NMDA_K0,
        **mg_block_namespace(),
    }
