"""The memory network: an E/I network whose E->E synapses are bistable calcium synapses.

:func:`build_memory` is a :mod:`sim.engine` builder. The cells and the synapse are those of the
LTP preparation (``sim.model.ltp``), so the plasticity rule keeps its calibration (docs/ltp.md):

- ``mem_exc``: CA1-like pyramidal cells (the preparation's point neuron, with the back-propagating
  action potential ``bpap`` at the spines); ``mem_inh``: fast-spiking interneurons (the E/I
  network's interneuron constants, ``sim.model.equations.CELL_TYPES``). Both receive Poisson
  background drive.
- ``mem_ee``: recurrent E->E synapses with stochastic release. Each release adds AMPA conductance
  ``g_ee_ampa_nS x w`` (``w = 1 + (w_ratio - 1) rho``, the Graupner-Brunel efficacy) and NMDA
  gating to the target (linear sum, decay ``tau_nmda_ms``), and opens the synapse's own NMDA
  receptors (saturating gating ``s_syn``, the preparation's kinetics) whose calcium drives the
  rule::

      I_NMDA = g_ee_nmda_nS * s_nmda * gate(t) * B(V, Mg) * (E_exc - V)
      J      = gate(t) * s_syn(t) * B(V_loc, Mg) * (E_Ca - V_loc) / (E_Ca - E_L)
      Ca_f  += rule_dt * ca_nmda_uM_per_ms * J - decay (tau_ca_ms),  + ca_bpap_uM per post spike
      Ca_s  += rule_dt * ca_slow_uM_per_ms * J - decay (tau_ca_slow_ms)  (the slow pool)
      Ca     = Ca_f + Ca_s, what the rule sees

  ``gate(t)`` is glycine-site activation x the APV-free share: ``gate_train`` before the delay,
  ``gate_test`` after it, so a drug given before training and one given before the test act in
  their own phase of one binary.
- E->I, I->E, I->I: fixed AMPA/NMDA and GABA-A synapses (feedback inhibition keeps recall from
  spreading to the whole network).
- Stimulus: Poisson input gated in time, to the assembly during training and to its cued part
  during the recall cue.

Phases (structure["phases"], seconds; compiled): settle, training, gap; the *delay jump* at
``t_jump``; settle, cue, recall window. At ``t_jump`` every E->E synapse first settles to the
stable state of its basin (rho > rho*: UP; exact for a silent wait of minutes or more) and then
takes the delay's transition: it is UP afterwards with probability ``p_up_from_up`` or
``p_up_from_down`` (runtime values computed by the protocol from the background-activity wait of
``sim.analysis.background``). So hours or days of delay cost one step.

Every dose, bath, weight and transition probability is a runtime ``(shared, constant)`` value.
"""

from __future__ import annotations

from typing import Any

from sim.analysis import bistable as gb
from sim.engine import BuildSpec
from sim.model import equations as eq
from sim.model.ltp import NEURON_CONSTANTS as PYR
from sim.receptors import mg_block_namespace

#: The rule's step (the LTP preparation's).
RULE_DT_MS = 1.0

#: Runtime parameters, by where they live.
NEURON_PARAMS = (
    "mg_mM", "gate_train", "gate_test", "g_ee_nmda_nS", "g_ei_nmda_nS", "tau_nmda_ms",
    "bpap_mV", "g_bg_exc_nS", "g_bg_inh_nS", "g_train_nS", "g_cue_nS",
)
SYNAPSE_PARAMS = (
    "g_ee_ampa_nS", "release_probability", "depletion", "tau_recovery_ms", "tau_ca_ms",
    "ca_nmda_uM_per_ms", "ca_bpap_uM", "tau_ca_slow_ms", "ca_slow_uM_per_ms", "p_up_from_up",
    "p_up_from_down",
    *[f.name for f in gb.BistableParams.__dataclass_fields__.values()],
)
FIXED_SYNAPSE_PARAMS = ("g_ei_ampa_nS", "g_ie_gaba_nS", "g_ii_gaba_nS")
RUNTIME_PARAMS = (*NEURON_PARAMS, *SYNAPSE_PARAMS, *FIXED_SYNAPSE_PARAMS)

_GATE = "(gate_train * int(t < t_jump) + gate_test * int(t >= t_jump))"
_MG = "1 / (1 + mg_mM / mg_kd_mM * exp(-mg_slope_per_mV * {v} / mV))"

EXC_EQS = f"""
dv/dt = (g_l * (e_l - v) + (g_ampa + g_nmda * b_soma) * (e_exc - v) + g_gaba * (e_inh - v)) / c_m
        : volt (unless refractory)
dg_ampa/dt = -g_ampa / tau_ampa : siemens
dg_gaba/dt = -g_gaba / tau_gaba : siemens
ds_nmda/dt = -s_nmda / (tau_nmda_ms * ms) : 1
g_nmda = g_ee_nmda_nS * nS * gate * s_nmda : siemens
gate = {_GATE} : 1
b_soma = {_MG.format(v="v")} : 1
dbpap_f/dt = -bpap_f / tau_bpap_fast : volt
dbpap_s/dt = -bpap_s / tau_bpap_slow : volt
v_loc = v + bpap_f + bpap_s : volt
ca_drive = gate * {_MG.format(v="v_loc")} * (e_ca - v_loc) / (e_ca - e_l) : 1
stim = (g_train_nS * in_assembly * int(t >= train_on and t < train_off)
        + g_cue_nS * cued * int(t >= cue_on and t < cue_off)) : 1
in_assembly : 1 (constant)
cued : 1 (constant)
""" + "\n".join(f"{p} : 1 (shared, constant)" for p in NEURON_PARAMS)

INH_EQS = f"""
dv/dt = (g_l_i * (e_l_i - v) + (g_ampa + g_nmda * b_soma) * (e_exc - v) + g_gaba * (e_inh - v))
        / c_m_i : volt (unless refractory)
dg_ampa/dt = -g_ampa / tau_ampa : siemens
dg_gaba/dt = -g_gaba / tau_gaba : siemens
ds_nmda/dt = -s_nmda / (tau_nmda_ms * ms) : 1
g_nmda = g_ei_nmda_nS * nS * {_GATE} * s_nmda : siemens
b_soma = {_MG.format(v="v")} : 1
""" + "\n".join(f"{p} : 1 (shared, constant)" for p in NEURON_PARAMS)

EXC_RESET = """
v = v_reset
bpap_f += bpap_fast_fraction * bpap_mV * mV
bpap_s += (1 - bpap_fast_fraction) * bpap_mV * mV
"""

# The plastic synapse: release, its own NMDA gating (exact decay since the last release; the
# 2 ms rise is left out), calcium and rho. ``rho_trained`` and ``rho_delayed`` keep the state
# just before and just after the delay jump (the protocol's read-out of storage and retention).
EE_MODEL = """
r : 1
s_syn : 1
t_last : second
ca_f : 1
ca_s : 1
ca = ca_f + ca_s : 1
rho : 1
rho_trained : 1
rho_delayed : 1
w = 1 + (gb_w_ratio - 1) * rho : 1
""" + "\n".join(f"{p} : 1 (shared, constant)" for p in SYNAPSE_PARAMS)

EE_ON_PRE = """
r = 1 - (1 - r) * exp(-(t - t_last) / (tau_recovery_ms * ms))
released = int(rand() < release_probability * r)
r = clip(r - depletion * released, 0, 1)
s_syn = s_syn * exp(-(t - t_last) / (tau_nmda_ms_post * ms))
s_syn += released * nmda_k0_syn * (1 - s_syn)
t_last = t
g_ampa_post += released * g_ee_ampa_nS * nS * w
s_nmda_post += released * nmda_k0_syn
"""
EE_ON_POST = "ca_f += ca_bpap_uM"  # the BPAP's calcium enters the fast pool only

# Each rule step: calcium (exact decay, influx held over the step), then the Graupner-Brunel rule.
CA_STEP = """
ca_influx = rule_dt / ms * ca_drive_post * s_syn * exp(-(t - t_last) / (tau_nmda_ms_post * ms))
ca_f = ca_f * exp(-rule_dt / (tau_ca_ms * ms)) + ca_nmda_uM_per_ms * ca_influx
ca_s = ca_s * exp(-rule_dt / (tau_ca_slow_ms * ms)) + ca_slow_uM_per_ms * ca_influx
"""
# The delay: settle to the basin's stable state, keep it, take the transition, keep that. It
# runs every t_jump from t = 0; ``jump`` is 0 at t = 0, so only the run at t_jump acts.
DELAY_JUMP = """
jump = int(t > 0 * second)
settled = int(rho > gb_rho_star)
rho_trained = jump * settled + (1 - jump) * rho_trained
moved = int(rand() < p_up_from_up * settled + p_up_from_down * (1 - settled))
rho = jump * moved + (1 - jump) * rho
rho_delayed = jump * moved + (1 - jump) * rho_delayed
ca_f = (1 - jump) * ca_f
ca_s = (1 - jump) * ca_s
"""


def build_memory(structure: dict[str, Any]) -> BuildSpec:
    """Engine builder. ``structure``: ``dt_ms``, ``n_exc``, ``n_inh``, ``n_assembly``,
    ``n_cued``, ``p_connect``, ``bg_rate_hz`` (Poisson background per cell, one aggregated
    input), ``stim_rate_hz``, ``phases`` (``train_on``, ``train_off``, ``t_jump``, ``cue_on``,
    ``cue_off``, ``end``; s), ``delay_ms`` (synaptic delay)."""
    from brian2 import (
        Hz,
        NeuronGroup,
        PoissonInput,
        SpikeMonitor,
        Synapses,
        farad,
        ms,
        mV,
        nS,
        pF,
        second,
        siemens,
        volt,
    )

    dt = structure["dt_ms"] * ms
    ph = structure["phases"]
    n_e, n_i = int(structure["n_exc"]), int(structure["n_inh"])
    units = {"c_m": farad, "g_l": siemens, "e_l": volt, "v_th": volt, "v_reset": volt,
             "e_exc": volt, "tau_ampa": second, "tau_nmda_rise": second, "tau_bpap_fast": second,
             "tau_bpap_slow": second, "e_ca": volt, "g_clamp": siemens}
    ns: dict[str, Any] = {k: v * units[k] if k in units else v for k, v in PYR.items()}
    inh = eq.CELL_TYPES["inh"]
    ns.update({
        "e_inh": eq.E_INH_MV * mV, "tau_gaba": eq.TAU_GABA_MS * ms,
        "c_m_i": inh["C_pF"] * pF, "g_l_i": inh["g_L_nS"] * nS, "e_l_i": inh["E_L_mV"] * mV,
        "v_th_i": inh["V_th_mV"] * mV, "v_reset_i": inh["V_reset_mV"] * mV,
        "rule_dt": RULE_DT_MS * ms, "t_jump": ph["t_jump"] * second,
        "train_on": ph["train_on"] * second, "train_off": ph["train_off"] * second,
        "cue_on": ph["cue_on"] * second, "cue_off": ph["cue_off"] * second,
        **mg_block_namespace(),
    })
    exc = NeuronGroup(n_e, EXC_EQS, threshold="v > v_th", reset=EXC_RESET,
                      refractory=eq.refractory_period(2 * ms, dt), method="euler", namespace=ns,
                      dt=dt, name="mem_exc")
    inh_g = NeuronGroup(n_i, INH_EQS, threshold="v > v_th_i", reset="v = v_reset_i",
                        refractory=eq.refractory_period(inh["t_ref_ms"] * ms, dt), method="euler",
                        namespace=ns, dt=dt, name="mem_inh")
    exc.v = "e_l + rand() * (v_th - e_l)"
    inh_g.v = "e_l_i + rand() * (v_th_i - e_l_i)"
    n_a, n_c = int(structure["n_assembly"]), int(structure["n_cued"])
    exc.in_assembly = "i < n_a"
    exc.cued = "i < n_c"
    exc.namespace.update({"n_a": n_a, "n_c": n_c})

    p = float(structure["p_connect"])
    delay = float(structure["delay_ms"]) * ms
    # the saturating NMDA increment of one release (compiled: the protocol computes it from the
    # plasticity table's alpha and decay, which are therefore structural here)
    ee_ns = {**ns, "nmda_k0_syn": float(structure["nmda_k0"])}
    ee = Synapses(exc, exc, EE_MODEL, on_pre=EE_ON_PRE, on_post=EE_ON_POST, delay=delay,
                  method="euler", namespace=ee_ns, dt=dt, name="mem_ee")
    ee.connect(condition="i != j", p=p)
    ee.rho = f"int(rand() > {float(structure['gb_down_fraction'])})"
    ee.t_last = -1e3 * second
    ee.r = 1.0
    ee.run_regularly(CA_STEP + gb.RHO_STEP, dt=RULE_DT_MS * ms, when="end", name="mem_rule")
    # the delay jump: a run_regularly whose period is t_jump runs at 0 and at t_jump; only the
    # second acts (structure guarantees t_jump > 0)
    ee.run_regularly(DELAY_JUMP, dt=ph["t_jump"] * second, when="end", name="mem_delay_jump")

    k0 = float(structure["nmda_k0"])
    ei = Synapses(exc, inh_g, "g_ei_ampa_nS : 1 (shared, constant)",
                  on_pre=f"g_ampa_post += g_ei_ampa_nS * nS\ns_nmda_post += {k0!r}",
                  delay=delay, dt=dt, name="mem_ei")
    ei.connect(p=p)
    ie = Synapses(inh_g, exc, "g_ie_gaba_nS : 1 (shared, constant)",
                  on_pre="g_gaba_post += g_ie_gaba_nS * nS", delay=delay, dt=dt, name="mem_ie")
    ie.connect(p=p)
    ii = Synapses(inh_g, inh_g, "g_ii_gaba_nS : 1 (shared, constant)",
                  on_pre="g_gaba_post += g_ii_gaba_nS * nS", delay=delay, dt=dt, name="mem_ii")
    ii.connect(condition="i != j", p=p)

    bg_rate = float(structure["bg_rate_hz"]) * Hz
    drives = [
        PoissonInput(exc, "g_ampa", N=1, rate=bg_rate, weight="g_bg_exc_nS * nS"),
        PoissonInput(inh_g, "g_ampa", N=1, rate=bg_rate, weight="g_bg_inh_nS * nS"),
        PoissonInput(exc, "g_ampa", N=1, rate=float(structure["stim_rate_hz"]) * Hz,
                     weight="stim * nS"),
    ]
    sp_e = SpikeMonitor(exc, name="mem_spikes_exc")
    sp_i = SpikeMonitor(inh_g, name="mem_spikes_inh")
    params: dict[str, list] = {}
    for name in NEURON_PARAMS:
        params[name] = [getattr(exc, name), getattr(inh_g, name)]
    for name in SYNAPSE_PARAMS:
        params[name] = [getattr(ee, name)]
    params["g_ei_ampa_nS"] = [ei.g_ei_ampa_nS]
    params["g_ie_gaba_nS"] = [ie.g_ie_gaba_nS]
    params["g_ii_gaba_nS"] = [ii.g_ii_gaba_nS]
    outputs = {
        "exc_t": (sp_e, "t"), "exc_i": (sp_e, "i"), "inh_t": (sp_i, "t"), "inh_i": (sp_i, "i"),
        "syn_pre": (ee, "_synaptic_pre"), "syn_post": (ee, "_synaptic_post"),
        "rho_trained": (ee, "rho_trained"), "rho_delayed": (ee, "rho_delayed"),
        "rho_final": (ee, "rho"),
    }
    return BuildSpec(objects=[exc, inh_g, ee, ei, ie, ii, *drives, sp_e, sp_i],
                     duration_s=float(ph["end"]), params=params, outputs=outputs,
                     info={"n_exc": n_e, "n_inh": n_i, "n_assembly": n_a, "n_cued": n_c,
                           "nmda_k0": k0, "rule_dt_ms": RULE_DT_MS})

