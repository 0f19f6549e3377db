"""The LTP/LTD preparation as a Brian2 network: stimulated fibers onto CA1-like pyramidal cells whose
synapses follow an NMDA-calcium plasticity rule. :func:`build_ltp` is a :mod:`sim.engine` builder.

- ``ltp_fibers``: a SpikeGeneratorGroup, the stimulated afferents (Schaffer collaterals). Each
  *arm* of the preparation has its own fibers, cells and pulse schedule; arms never interact, so a
  frequency series runs its rates side by side as independent preparations in one binary.
- ``ltp_pyr``: conductance-based leaky integrate-and-fire pyramidal cells (AMPA + NMDA input,
  membrane noise, a voltage clamp for pairing). A spike starts a back-propagating action
  potential ``bpap`` (75 % decaying in 3 ms, 25 % in 25 ms; Shouval et al. 2002) that adds to the
  local (spine) voltage seen by the synaptic NMDA receptors.
- ``ltp_synapses``: ``synapses_per_neuron`` synapses per cell with stochastic release from a
  depleting vesicle pool. Per synapse: NMDA gating ``s`` (saturating, Brunel & Wang 2001 form),
  calcium ``ca`` (uM above rest; a fast pool and an optional slow one fed by the same NMDA
  influx) and the state of the plasticity rule::

      I_NMDA  = g_nmda * s * occupancy * apv_unblocked * B(V, Mg) * (E_exc - V)
      J       = s * occupancy * apv_unblocked * B(V_loc, Mg) * (E_Ca - V_loc) / (E_Ca - E_L)
      dCa_f/dt = -Ca_f / tau_Ca + k_Ca * J                            (+ Ca_bpap per post spike)
      dCa_s/dt = -Ca_s / tau_Ca_slow + k_Ca_slow * J                  (the slow pool; k 0 = off)
      Ca       = Ca_f + Ca_s                                          (what the rule sees)
      AMPA per release: g_ampa * (1 - f + f * w / w_rest)               (f = plastic fraction)

  V_loc = V + bpap; B from ``sim.receptors.MG_BLOCK_EXPR`` (Jahr & Stevens 1990). So the
  presynaptically evoked calcium scales with glycine-site occupancy x the Mg2+ block at the spine
  voltage x the APV-free share, and a postsynaptic spike adds its own (BPAP) calcium.
  The rule (``structure["rule"]``):

  - ``graupner_brunel`` (default): the bistable efficacy ``rho`` of Graupner & Brunel 2012,
    ``w = 1 + (w_ratio - 1) rho``, stepped each ms by :data:`sim.analysis.bistable.RHO_STEP`
    (Euler-Maruyama). A fixed share of each cell's synapses starts UP (``gb_down_fraction``
    start DOWN); ``w_rest`` is the mean starting efficacy.
  - ``shouval``: ``dW/dt = eta(Ca) (Omega(Ca) - W)`` (Shouval, Bear & Cooper 2002), stored as
    its deviation ``dw`` from W_rest = Omega(0), so every synapse starts at the rule's fixed point.

  Both rules' expressions come from :mod:`sim.analysis` (``bistable``, ``plasticity``), the
  modules the unit tests check.

Every dose, bath or rule value is a runtime parameter (``name : 1 (shared, constant)``); the
protocol (``sim.protocols.ltp``) turns a config and a receptor state into them.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from sim.analysis import bistable as gb
from sim.analysis import plasticity as pl
from sim.engine import BuildSpec
from sim.receptors import MG_BLOCK_EXPR, mg_block_namespace

# --------------------------------------------------------------------------- fixed constants
# Cell (CA1 pyramidal, point neuron; assumed, typical slice values: Rin 80 MOhm, tau_m 20 ms).
NEURON_CONSTANTS = {
    "c_m": 250e-12,  # F
    "g_l": 12.5e-9,  # S
    "e_l": -65e-3,  # V
    "v_th": -50e-3,  # V
    "v_reset": -55e-3,  # V
    "e_exc": 0.0,  # V
    "tau_ampa": 5e-3,  # s, CA1 AMPA EPSC decay (assumed; Brunel & Wang's network uses 2 ms)
    "tau_nmda_rise": 2e-3,  # s, Brunel & Wang 2001 (docs/literature.md §3)
    "tau_bpap_fast": 3e-3,  # s, Shouval et al. 2002 BPAP, fast component
    "tau_bpap_slow": 25e-3,  # s, slow component
    "bpap_fast_fraction": 0.75,
    "e_ca": 130e-3,  # V, reversal for the NMDA Ca2+ driving force (Shouval et al. 2002)
    "g_clamp": 1e-6,  # S, the pairing "voltage clamp" (a stiff conductance towards v_hold)
}
REFRACTORY_S = 2e-3

#: Runtime parameters (``name : 1 (shared, constant)``): those of the cells, then of the synapses.
NEURON_PARAMS = ("mg_mM", "bpap_mV", "noise_mV", "v_hold_mV")
SYNAPSE_PARAMS = (
    "nmda_occupancy", "apv_unblocked", "g_ampa_nS", "g_nmda_nS", "release_probability",
    "tau_nmda_ms", "nmda_alpha_per_ms", "tau_ca_ms", "ca_nmda_uM_per_ms", "ca_bpap_uM",
    "tau_ca_slow_ms", "ca_slow_uM_per_ms",
    "depletion", "tau_recovery_ms", "w_rest", "plastic_fraction",
    *[f.name for f in pl.RuleParams.__dataclass_fields__.values()],
    *[f.name for f in gb.BistableParams.__dataclass_fields__.values()],
)
#: The plasticity rules (``plasticity.rule``; structural: each has its own equations).
RULES = ("graupner_brunel", "shouval")
RUNTIME_PARAMS = tuple(dict.fromkeys((*NEURON_PARAMS, *SYNAPSE_PARAMS)))

NEURON_EQS = """
dv/dt = (g_l * (e_l - v) + g_ampa * (e_exc - v) + g_nmda * b_soma * (e_exc - v) + i_clamp) / c_m
        + noise_mV * mV * sqrt(2 / tau_m) * xi : volt (unless refractory)
b_soma = {mg_block} : 1
dg_ampa/dt = -g_ampa / tau_ampa : siemens
g_nmda : siemens
dbpap_f/dt = -bpap_f / tau_bpap_fast : volt
dbpap_s/dt = -bpap_s / tau_bpap_slow : volt
bpap = bpap_f + bpap_s : volt
i_clamp = {clamp} : amp
v_loc = v + bpap : volt
ca_drive : 1
arm : integer (constant)
mg_mM : 1 (shared, constant)
bpap_mV : 1 (shared, constant)
noise_mV : 1 (shared, constant)
v_hold_mV : 1 (shared, constant)
"""

SYNAPSE_EQS = """
dx/dt = -x / tau_nmda_rise : 1 (clock-driven)
ds/dt = -s / (tau_nmda_ms * ms) + nmda_alpha_per_ms / ms * x * (1 - s) : 1 (clock-driven)
g_nmda_post = g_nmda_nS * nS * nmda_scale * nmda_occupancy * apv_unblocked * s : siemens (summed)
ca_influx = nmda_scale * nmda_occupancy * apv_unblocked * s * ca_drive_post / ms : Hz
dca_f/dt = -ca_f / (tau_ca_ms * ms) + ca_nmda_uM_per_ms * ca_influx : 1 (clock-driven)
dca_s/dt = -ca_s / (tau_ca_slow_ms * ms) + ca_slow_uM_per_ms * ca_influx : 1 (clock-driven)
ca = ca_f + ca_s : 1
nmda_scale : 1 (constant)
{rule}
r : 1
t_last : second
{shared}
"""

# The rule, stepped exactly for calcium held over one rule step (Ca changes on a 50 ms scale; the
# rule step is 1 ms): W -> Omega + (W - Omega) exp(-eta dt), written for dw = W - W_rest.
RULE_STEP = "dw = (omega - w_rest) + (dw - (omega - w_rest)) * exp(-eta_hz * rule_dt / second)"
SHOUVAL_STATE = f"""
omega = {pl.OMEGA_EXPR} : 1
eta_hz = {pl.ETA_EXPR} : 1
dw : 1
w = w_rest + dw : 1
"""
# Graupner & Brunel 2012: the efficacy variable rho (bistable: 0 DOWN, 1 UP), stepped by
# sim.analysis.bistable.RHO_STEP (Euler-Maruyama each rule step; the thresholds make calcium
# above theta_d/theta_p act only while it lasts, ~10-100 ms per pulse).
BISTABLE_STATE = """
rho : 1
w = 1 + (gb_w_ratio - 1) * rho : 1
"""
# Per cell, once per time step: NMDA calcium drive at the local (spine) voltage V + bpap, relative
# to the drive at rest with no Mg2+ block.
CA_DRIVE = "ca_drive = {mg_block_loc} * (e_ca - v_loc) / (e_ca - e_l)"

# On each presynaptic pulse the vesicle pool ``r`` (1 = full) first recovers since the last pulse
# (time constant tau_recovery), then the synapse releases with probability p * r; a release takes
# ``depletion`` from the pool (subtractive, so the steady release rate of a long train is bounded
# by 1 / (depletion * tau_recovery): synaptic fatigue during 900-pulse trains).
ON_PRE = """
r = 1 - (1 - r) * exp(-(t - t_last) / (tau_recovery_ms * ms))
t_last = t
released = int(rand() < release_probability * r)
r = clip(r - depletion * released, 0, 1)
x += released
g_ampa_post += released * g_ampa_nS * nS * (1 - plastic_fraction + plastic_fraction * w / w_rest)
"""
ON_POST = "ca_f += ca_bpap_uM"  # the BPAP's calcium (VDCC) enters the fast pool only
NEURON_RESET = """
v = v_reset
bpap_f += bpap_fast_fraction * bpap_mV * mV
bpap_s += (1 - bpap_fast_fraction) * bpap_mV * mV
"""


# --------------------------------------------------------------------------- the builder
def build_ltp(structure: dict) -> Any:
    """Engine builder (runs inside the build process with the standalone device active).

    ``structure`` (JSON-able, see :func:`structure_of`): ``dt_ms``, ``n_post_per_arm``,
    ``n_syn_per_post``, ``nmda_cv``, ``record_dt_s``, ``rule_dt_ms``, ``record_ca_dt_ms`` (0 = no
    Ca trace), ``clamp_dt_ms`` and ``arms``: a list of ``{"label", "pulses_s", "clamp",
    "duration_s"}``. Synapses are ordered arm by arm, cell by cell (the ``w`` output's columns).
    """
    from brian2 import (
        NeuronGroup,
        SpikeGeneratorGroup,
        SpikeMonitor,
        StateMonitor,
        Synapses,
        TimedArray,
        farad,
        ms,
        second,
        siemens,
        volt,
    )
    from brian2.utils.stringtools import word_substitute

    dt = structure["dt_ms"] * ms
    arms = structure["arms"]
    n_arms = len(arms)
    n_post = int(structure["n_post_per_arm"])
    n_syn = int(structure["n_syn_per_post"])
    duration_s = max(float(a["duration_s"]) for a in arms)

    units = {"c_m": farad, "g_l": siemens, "e_l": volt, "v_th": volt, "v_reset": volt,
             "e_exc": volt, "tau_ampa": second, "tau_nmda_rise": second, "tau_bpap_fast": second,
             "tau_bpap_slow": second, "e_ca": volt, "g_clamp": siemens}
    ns: dict[str, Any] = {k: v * units[k] if k in units else v for k, v in NEURON_CONSTANTS.items()}
    ns["tau_m"] = ns["c_m"] / ns["g_l"]
    ns["rule_dt"] = float(structure["rule_dt_ms"]) * ms
    # synapse-to-synapse variation of NMDA receptor number: lognormal, mean 1, CV nmda_cv
    ns["nmda_sigma"] = math.sqrt(math.log(1.0 + float(structure["nmda_cv"]) ** 2))
    ns.update(mg_block_namespace())

    if any(a["clamp"] for a in arms):
        step = float(structure["clamp_dt_ms"]) * 1e-3
        values = np.zeros((int(math.ceil(duration_s / step)) + 1, n_arms))
        for k, a in enumerate(arms):
            for start, end in a["clamp"]:
                values[int(round(start / step)): int(round(end / step)), k] = 1.0
        ns["clamp_on"] = TimedArray(values, dt=step * second, name="ltp_clamp_on")
        clamp = "g_clamp * clamp_on(t, arm) * (v_hold_mV * mV - v)"
        threshold = "v > v_th and clamp_on(t, arm) < 0.5"
    else:
        clamp = "0 * amp"
        threshold = "v > v_th"

    pyr = NeuronGroup(n_arms * n_post, NEURON_EQS.format(mg_block=MG_BLOCK_EXPR, clamp=clamp),
                      threshold=threshold, reset=NEURON_RESET, refractory=REFRACTORY_S * second,
                      method="euler", namespace=ns, dt=dt, name="ltp_pyr")
    pyr.v = "e_l"
    pyr.arm = np.repeat(np.arange(n_arms), n_post)
    pyr.run_regularly(CA_DRIVE.format(mg_block_loc=word_substitute(MG_BLOCK_EXPR, {"v": "v_loc"})),
                      dt=dt, when="start", name="ltp_pyr_ca_drive")

    # fibers: arm k owns fibers k*n_syn ... (k+1)*n_syn - 1, all firing at the arm's pulses
    idx, times = [], []
    for k, a in enumerate(arms):
        pulses = np.asarray(a["pulses_s"], dtype=float)
        for f in range(n_syn):
            idx.append(np.full(pulses.size, k * n_syn + f))
            times.append(pulses)
    fibers = SpikeGeneratorGroup(n_arms * n_syn, np.concatenate(idx),
                                 np.concatenate(times) * second, dt=dt, name="ltp_fibers")

    rule = structure.get("rule", "shouval")
    if rule not in RULES:
        raise ValueError(f"rule must be one of {RULES}, got {rule!r}")
    bistable = rule == "graupner_brunel"
    shared = "\n".join(f"{p} : 1 (shared, constant)" for p in SYNAPSE_PARAMS)
    syn = Synapses(fibers, pyr, SYNAPSE_EQS.format(rule=BISTABLE_STATE if bistable else SHOUVAL_STATE,
                                                   shared=shared),
                   on_pre=ON_PRE, on_post=ON_POST, method="euler", namespace=ns, dt=dt,
                   name="ltp_synapses")
    cell = np.arange(n_arms * n_post)
    post = np.repeat(cell, n_syn)  # synapse order: arm, cell, fiber
    pre = (post // n_post) * n_syn + np.tile(np.arange(n_syn), n_arms * n_post)
    syn.connect(i=pre, j=post)
    syn.r = 1.0
    syn.nmda_scale = "exp(nmda_sigma * randn() - nmda_sigma**2 / 2)"
    if bistable:
        # a fixed share of each cell's synapses starts UP (the last ones): no seed-to-seed
        # scatter of the baseline, and every cell holds UP synapses that LTD can depress
        fiber = np.tile(np.arange(n_syn), n_arms * n_post)
        syn.rho = ((fiber + 0.5) / n_syn > float(structure["gb_down_fraction"])).astype(float)
    syn.run_regularly(gb.RHO_STEP if bistable else RULE_STEP, dt=ns["rule_dt"], when="end",
                      name="ltp_rule")

    state = "rho" if bistable else "w"  # the rule's state variable (the "w" output)
    w_mon = StateMonitor(syn, state, record=True, dt=float(structure["record_dt_s"]) * second,
                         name="ltp_w_monitor")
    spikes = SpikeMonitor(pyr, name="ltp_pyr_spikes")
    objects = [pyr, fibers, syn, w_mon, spikes]
    outputs = {"w": (w_mon, state), "w_t": (w_mon, "t"),
               "spike_t": (spikes, "t"), "spike_i": (spikes, "i")}
    ca_dt = float(structure["record_ca_dt_ms"])
    if ca_dt > 0:  # first synapse and first cell of every arm
        ca_mon = StateMonitor(syn, "ca", record=[k * n_post * n_syn for k in range(n_arms)],
                              dt=ca_dt * ms, name="ltp_ca_monitor")
        v_mon = StateMonitor(pyr, "v", record=[k * n_post for k in range(n_arms)], dt=ca_dt * ms,
                             name="ltp_v_monitor")
        objects += [ca_mon, v_mon]
        outputs.update({"ca": (ca_mon, "ca"), "ca_t": (ca_mon, "t"), "v": (v_mon, "v")})

    params: dict[str, list] = {}
    for p in NEURON_PARAMS:
        params.setdefault(p, []).append(getattr(pyr, p))
    for p in SYNAPSE_PARAMS:
        params.setdefault(p, []).append(getattr(syn, p))
    info = {"n_arms": n_arms, "n_post_per_arm": n_post, "n_syn_per_post": n_syn, "rule": rule,
            "labels": [a["label"] for a in arms]}
    return BuildSpec(objects=objects, duration_s=duration_s, params=params, outputs=outputs,
                     info=info)
