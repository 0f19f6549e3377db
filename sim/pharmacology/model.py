"""The milacemide ODE model and :func:`simulate`.

Compartments (amounts in umol unless stated; brain states are in brain water, volume ``Vb``)::

    dose --(ip/oral)--> DEPOT --ka*F--> PLASMA <--BBB--> BRAIN milacemide
      \\--(iv)------------------------->   |                 | MAO-B (Michaelis-Menten, x E)
                          ka*(1-F)         | k_el            | MAO-A (minor)
                              v            v                 v
                         UNABSORBED     EXCRETED       GLYCINAMIDE --k_eff--> GLYCINAMIDE_EFFLUX
                                                             | k_hyd
                                                             v
                                            GLYCINE (excess over the regional baseline)
                                                             | GlyT1 (regional capacity)
                                                             v
                                                       GLYCINE_CLEARED

and, with ``mao_b_inactivation``, the active fraction ``E`` of MAO-B (dimensionless).

Equations (``cp = PLASMA/Vd``, ``cb = BRAIN/Vb``, ``x = GLYCINE/Vb``, concentrations in uM)::

    dDEPOT/dt      = -ka DEPOT
    dPLASMA/dt     =  F ka DEPOT - k_el PLASMA - J
    dBRAIN/dt      =  J - Vb (vB + vA)
    J              =  k_bbb Vb (Kp cp - cb)                          (exchange, umol/h)
    vB             =  (1 - blockB) E VmaxB cb / (KmB + cb)            (uM/h)
    vA             =  (1 - blockA) VmaxA cb / (KmA + cb)
    dGLYCINAMIDE/dt = Vb (vB + vA) - (k_hyd + k_eff) GLYCINAMIDE
    dGLYCINE/dt    =  k_hyd GLYCINAMIDE - Vb k_r (Km_T + g0) x / (Km_T + g0 + x)
    dE/dt          = -k_inact (1 - blockB) E cb / (KmB + cb) + k_syn (1 - E)   (if enabled)

The glycine state is *tissue* glycine, carried as the excess over the regional baseline ``g0``
on the extracellular scale (uM): its relative rise is the tissue rise Chapman & Hart measured.
Extracellular glycine, what the receptors see, is read from it without a state of its own:
``g0 + c x`` with the region's coupling ``c`` (``parameters.EXTRACELLULAR_COUPLING``), so the
extracellular change is ``c`` times the tissue change. The tissue pool's dynamics: GlyT1 uptake
``VmaxT g / (Km_T + g)`` balanced by a basal release equal to its baseline value leaves, after
subtracting that baseline, the clearance term above (slope ``k_r`` at baseline). With no drug every
state and every rate is exactly 0 (and ``E`` exactly 1), so brain glycine is exactly ``g0``.
The extracellular reading carries no mass: the mass balance is the tissue pool's.

The sinks make the mass balance checkable: at any time the milacemide given equals
``DEPOT + PLASMA + BRAIN + GLYCINAMIDE + GLYCINE + UNABSORBED + EXCRETED + GLYCINAMIDE_EFFLUX +
GLYCINE_CLEARED`` (each molecule of milacemide gives one glycinamide and one glycine; pentanal is
not tracked). The ODEs conserve this sum exactly and linear multistep integrators (LSODA's Adams and
BDF formulas) preserve linear invariants, so the balance holds to round-off.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy.integrate import solve_ivp

from sim.pharmacology.dosing import Regimen, resolve_regimen
from sim.pharmacology.parameters import (
    MAX_OUTPUT_POINTS,
    MAX_OUTPUT_STEP_H,
    TAIL_AFTER_OBSERVATION_H,
    PkParameters,
    default_parameters,
    mao_b_activity_factor,
)

# --------------------------------------------------------------------------- state layout
DEPOT, PLASMA, BRAIN, GLYCINAMIDE, GLYCINE, MAO_B_ACTIVE = range(6)
UNABSORBED, EXCRETED, GLYCINAMIDE_EFFLUX, GLYCINE_CLEARED, FORMED_BY_MAO_B, FORMED_BY_MAO_A = range(
    6, 12
)
N_STATES = 12
STATE_NAMES = (
    "depot", "plasma", "brain_milacemide", "glycinamide", "glycine_excess", "mao_b_active_fraction",
    "unabsorbed", "excreted", "glycinamide_efflux", "glycine_cleared",
    "formed_by_mao_b", "formed_by_mao_a",
)
#: States whose sum equals the milacemide given (umol). FORMED_BY_* are running totals that
#: duplicate what left BRAIN through each enzyme, so they are not part of the sum.
MASS_STATES = (
    DEPOT, PLASMA, BRAIN, GLYCINAMIDE, GLYCINE,
    UNABSORBED, EXCRETED, GLYCINAMIDE_EFFLUX, GLYCINE_CLEARED,
)

# LSODA switches between Adams and BDF as stiffness demands (GlyT1 clearance is ~10x faster than the
# drug kinetics); with the analytic Jacobian it is ~8x faster than scipy's BDF on a 60-dose regimen.
SOLVER_METHOD = "LSODA"
RTOL = 1e-8


def _rhs_factory(p: PkParameters, vd_l: float):
    """The right-hand side as a closure over plain floats (fast, no attribute look-ups)."""
    vb = p.brain_water_l
    ka, f = p.absorption_per_h, p.bioavailability
    k_el, k_bbb, kp = p.elimination_per_h, p.bbb_exchange_per_h, p.brain_plasma_partition
    vmax_b = (1.0 - p.mao_b_block) * p.mao_b_vmax_uM_per_h
    vmax_a = (1.0 - p.mao_a_block) * p.mao_a_vmax_uM_per_h
    km_b, km_a = p.mao_b_km_uM, p.mao_a_km_uM
    k_inact = (1.0 - p.mao_b_block) * p.mao_b_inactivation_per_h if p.mao_b_inactivation else 0.0
    k_syn = p.mao_b_resynthesis_per_h if p.mao_b_inactivation else 0.0
    k_hyd, k_eff = p.glycinamide_hydrolysis_per_h, p.glycinamide_efflux_per_h
    k_r, a_t = p.glycine_clearance_per_h, p.glyt1_km_uM + p.glycine_baseline_uM

    def rhs(_t: float, y: np.ndarray) -> np.ndarray:
        depot, plasma, brain, gam, gly, e = y[0], y[1], y[2], y[3], y[4], y[5]
        cp = plasma / vd_l
        cb = brain / vb
        x = gly / vb
        absorb = ka * depot
        j_bbb = k_bbb * vb * (kp * cp - cb)
        renal = k_el * plasma
        sat_b = cb / (km_b + cb)
        v_b = vb * vmax_b * e * sat_b
        v_a = vb * vmax_a * cb / (km_a + cb)
        hyd = k_hyd * gam
        eff = k_eff * gam
        clear = vb * k_r * a_t * x / (a_t + x)
        dy = np.empty(N_STATES)
        dy[DEPOT] = -absorb
        dy[PLASMA] = f * absorb - renal - j_bbb
        dy[BRAIN] = j_bbb - v_b - v_a
        dy[GLYCINAMIDE] = v_b + v_a - hyd - eff
        dy[GLYCINE] = hyd - clear
        dy[MAO_B_ACTIVE] = -k_inact * e * sat_b + k_syn * (1.0 - e)
        dy[UNABSORBED] = (1.0 - f) * absorb
        dy[EXCRETED] = renal
        dy[GLYCINAMIDE_EFFLUX] = eff
        dy[GLYCINE_CLEARED] = clear
        dy[FORMED_BY_MAO_B] = v_b
        dy[FORMED_BY_MAO_A] = v_a
        return dy

    def jac(_t: float, y: np.ndarray) -> np.ndarray:
        brain, gly, e = y[2], y[4], y[5]
        cb = brain / vb
        x = gly / vb
        a_p = k_bbb * vb * kp / vd_l  # d j_bbb / d PLASMA
        sat_b = cb / (km_b + cb)
        dsat_b = km_b / (km_b + cb) ** 2 / vb  # d sat_b / d BRAIN
        dvb_db = vb * vmax_b * e * dsat_b
        dvb_de = vb * vmax_b * sat_b
        dva_db = vmax_a * km_a / (km_a + cb) ** 2
        dclear = k_r * a_t * a_t / (a_t + x) ** 2
        jm = np.zeros((N_STATES, N_STATES))
        jm[DEPOT, DEPOT] = -ka
        jm[PLASMA, DEPOT] = f * ka
        jm[PLASMA, PLASMA] = -k_el - a_p
        jm[PLASMA, BRAIN] = k_bbb
        jm[BRAIN, PLASMA] = a_p
        jm[BRAIN, BRAIN] = -k_bbb - dvb_db - dva_db
        jm[BRAIN, MAO_B_ACTIVE] = -dvb_de
        jm[GLYCINAMIDE, BRAIN] = dvb_db + dva_db
        jm[GLYCINAMIDE, MAO_B_ACTIVE] = dvb_de
        jm[GLYCINAMIDE, GLYCINAMIDE] = -(k_hyd + k_eff)
        jm[GLYCINE, GLYCINAMIDE] = k_hyd
        jm[GLYCINE, GLYCINE] = -dclear
        jm[MAO_B_ACTIVE, BRAIN] = -k_inact * e * dsat_b
        jm[MAO_B_ACTIVE, MAO_B_ACTIVE] = -k_inact * sat_b - k_syn
        jm[UNABSORBED, DEPOT] = (1.0 - f) * ka
        jm[EXCRETED, PLASMA] = k_el
        jm[GLYCINAMIDE_EFFLUX, GLYCINAMIDE] = k_eff
        jm[GLYCINE_CLEARED, GLYCINE] = dclear
        jm[FORMED_BY_MAO_B, BRAIN] = dvb_db
        jm[FORMED_BY_MAO_B, MAO_B_ACTIVE] = dvb_de
        jm[FORMED_BY_MAO_A, BRAIN] = dva_db
        return jm

    return rhs, jac


def _read_only(a: np.ndarray) -> np.ndarray:
    a = np.ascontiguousarray(a, dtype=float)
    a.setflags(write=False)
    return a


@dataclass(frozen=True)
class DrugTimeCourse:
    """Milacemide and its products over time, from the first dose (t = 0) to past the observation.

    The public part (other modules rely on it): ``t_h``, ``plasma_milacemide_uM``,
    ``brain_milacemide_uM``, ``glycinamide_uM`` (brain), ``glycine_uM`` (brain extracellular, the
    region's, drug-driven only: no bath glycine; what the receptors see), ``glycine_tissue_ratio``
    (tissue glycine / its baseline), all numpy arrays on the same grid; and the floats
    ``observation_h`` (hours since the first dose: last dose + ``time_after_dose_h``),
    ``glycine_uM_observed``, ``glycine_baseline_uM``, ``glycinamide_uM_observed``,
    ``glycine_tissue_ratio_observed``.

    The rest describes the run: the resolved regimen, the parameters, MAO-B's active fraction, and
    ``amounts_umol`` (every state and sink, for the mass balance; see :meth:`mass_balance_error`).
    """

    t_h: np.ndarray
    plasma_milacemide_uM: np.ndarray
    brain_milacemide_uM: np.ndarray
    glycinamide_uM: np.ndarray
    glycine_uM: np.ndarray
    glycine_tissue_ratio: np.ndarray
    observation_h: float
    glycine_uM_observed: float
    glycine_tissue_ratio_observed: float
    glycine_baseline_uM: float
    glycinamide_uM_observed: float
    brain_milacemide_uM_observed: float
    plasma_milacemide_uM_observed: float
    mao_b_active_fraction: np.ndarray
    mao_b_active_fraction_observed: float
    dose_times_h: np.ndarray
    dosed_umol: np.ndarray  # cumulative milacemide given by each time point
    regimen: Regimen
    parameters: PkParameters
    amounts_umol: dict[str, np.ndarray] = field(repr=False)

    @property
    def glycine_change_percent_observed(self) -> float:
        """Extracellular glycine (what the receptor sees), percent change from baseline."""
        return 100.0 * (self.glycine_uM_observed - self.glycine_baseline_uM) / self.glycine_baseline_uM

    @property
    def glycine_tissue_change_percent_observed(self) -> float:
        return 100.0 * (self.glycine_tissue_ratio_observed - 1.0)

    @property
    def glycine_tissue_umol_per_g_observed(self) -> float:
        return self.parameters.tissue_glycine_umol_per_g * self.glycine_tissue_ratio_observed

    @property
    def observation_index(self) -> int:
        """Index of ``observation_h`` in ``t_h`` (the grid contains it exactly)."""
        return int(np.flatnonzero(self.t_h == self.observation_h)[0])

    def mass_balance_error(self) -> np.ndarray:
        """Given minus accounted-for milacemide (umol) at each time point; ~0 up to round-off."""
        accounted = sum(self.amounts_umol[STATE_NAMES[i]] for i in MASS_STATES)
        return self.dosed_umol - accounted


def output_grid(
    dose_times_h: np.ndarray, observation_h: float, end_h: float, fine_from_h: float = 0.0
) -> np.ndarray:
    """Output times: a regular grid over 0..end_h (step >= MAX_OUTPUT_STEP_H, at most
    MAX_OUTPUT_POINTS points), a grid of step MAX_OUTPUT_STEP_H from ``fine_from_h`` to the end (the
    last dosing interval, where the network is observed), the dose times and the observation time;
    sorted and unique."""
    step = max(MAX_OUTPUT_STEP_H, end_h / (MAX_OUTPUT_POINTS - 1))
    coarse = np.linspace(0.0, end_h, int(math.ceil(end_h / step)) + 1)
    fine_from_h = min(max(fine_from_h, 0.0), end_h)
    n_fine = int(math.ceil((end_h - fine_from_h) / MAX_OUTPUT_STEP_H)) + 1
    fine = np.linspace(fine_from_h, end_h, n_fine)
    return np.unique(np.concatenate([coarse, fine, dose_times_h, [observation_h, end_h]]))


def parameters_for(drug, body_weight_kg: float | None = None) -> PkParameters:
    """The default constants for a :class:`sim.config.DrugConfig` (its species, route, region,
    inhibitors, MAO-B modifiers, PK scaling and coupling)."""
    weight = body_weight_kg if body_weight_kg is not None else drug.body_weight_kg
    return default_parameters(
        drug.species, drug.route, drug.region,
        mao_b_inhibitor=drug.mao_b_inhibitor, mao_a_inhibitor=drug.mao_a_inhibitor,
        mao_b_inactivation=drug.mao_b_inactivation_on,
        body_weight_kg=weight,
        pk_scaling=drug.pk_scaling,
        mao_b_activity=drug.mao_b_activity * mao_b_activity_factor(drug.age_years, drug.alzheimers),
        extracellular_coupling=drug.extracellular_coupling,
    )


def simulate(
    drug, parameters: PkParameters | None = None, *, observation_only: bool = False,
) -> DrugTimeCourse:
    """Integrate the regimen that ``drug`` (a :class:`sim.config.DrugConfig`) describes.

    ``parameters`` replaces the defaults of :func:`parameters_for` (calibration, what-ifs); it
    must match the config's species, route and region. ``observation_only`` keeps just the dose
    times, the observation and the end in the output grid (the values there are the same; ~3x
    faster, for the thousands of runs of ``milasim uncertainty``).
    """
    regimen = resolve_regimen(drug)
    p = parameters or parameters_for(drug, regimen.body_weight_kg)
    if (p.species, p.route, p.region) != (drug.species, drug.route, drug.region):
        raise ValueError("parameters were made for another species, route or region")
    vd_l = p.vd_l_per_kg * regimen.body_weight_kg
    vb = p.brain_water_l
    rhs, jac = _rhs_factory(p, vd_l)

    dose_times = regimen.dose_times_h()
    observation_h = regimen.last_dose_h + float(drug.time_after_dose_h)
    end_h = observation_h + TAIL_AFTER_OBSERVATION_H
    if observation_only:
        grid = np.unique(np.concatenate([[0.0], dose_times, [observation_h, end_h]]))
    else:
        grid = output_grid(dose_times, observation_h, end_h,
                           regimen.last_dose_h - regimen.interval_h)

    # Absolute tolerances on the scale of each state: a dose's worth of amount in the body, its
    # brain-water share in the brain states, and 1e-10 of MAO-B's active fraction.
    dose = regimen.dose_umol
    scale = max(dose, 1e-6)
    atol = np.full(N_STATES, 1e-10 * scale)
    brain_scale = 1e-10 * scale * vb / vd_l
    brain_states = [BRAIN, GLYCINAMIDE, GLYCINE, GLYCINE_CLEARED, FORMED_BY_MAO_B, FORMED_BY_MAO_A]
    atol[brain_states] = brain_scale
    atol[MAO_B_ACTIVE] = 1e-10

    y = np.zeros(N_STATES)
    y[MAO_B_ACTIVE] = 1.0
    boundaries = np.append(dose_times, end_h)
    out = np.empty((N_STATES, grid.size))
    dosed = np.zeros(grid.size)
    given = 0.0
    for k, t0 in enumerate(dose_times):
        t1 = boundaries[k + 1]
        if regimen.route == "iv":
            y[PLASMA] += dose
        else:
            y[DEPOT] += dose
        given += dose
        last = k == len(dose_times) - 1
        mask = (grid >= t0) & ((grid <= t1) if last else (grid < t1))
        t_eval = grid[mask]
        if t1 > t0:
            # t_eval also takes t1 (the next dose time) to carry the state over, then drops it
            sol = solve_ivp(
                rhs, (t0, t1), y, method=SOLVER_METHOD, jac=jac,
                t_eval=t_eval if last else np.append(t_eval, t1), rtol=RTOL, atol=atol,
            )
            if not sol.success:  # pragma: no cover - the system is smooth and well scaled
                raise RuntimeError(f"milacemide ODE solver failed: {sol.message}")
            ys = sol.y
            y = ys[:, -1].copy()
            ys = ys[:, : t_eval.size]
        else:  # pragma: no cover - end_h > last dose by construction
            ys = y[:, None].repeat(t_eval.size, axis=1)
        out[:, mask] = ys
        dosed[mask] = given

    tissue_ratio = 1.0 + out[GLYCINE] / vb / p.glycine_baseline_uM
    glycine = p.glycine_baseline_uM + p.extracellular_coupling * out[GLYCINE] / vb
    i_obs = int(np.flatnonzero(grid == observation_h)[0])
    # long after a dose the solver leaves amounts of ~-1e-12 uM: concentrations are clipped at 0
    # (the amounts, and with them the mass balance, are not)
    glycinamide = np.maximum(out[GLYCINAMIDE] / vb, 0.0)
    brain = np.maximum(out[BRAIN] / vb, 0.0)
    plasma = np.maximum(out[PLASMA] / vd_l, 0.0)
    return DrugTimeCourse(
        t_h=_read_only(grid),
        plasma_milacemide_uM=_read_only(plasma),
        brain_milacemide_uM=_read_only(brain),
        glycinamide_uM=_read_only(glycinamide),
        glycine_uM=_read_only(glycine),
        glycine_tissue_ratio=_read_only(tissue_ratio),
        observation_h=float(observation_h),
        glycine_uM_observed=float(glycine[i_obs]),
        glycine_tissue_ratio_observed=float(tissue_ratio[i_obs]),
        glycine_baseline_uM=float(p.glycine_baseline_uM),
        glycinamide_uM_observed=float(glycinamide[i_obs]),
        brain_milacemide_uM_observed=float(brain[i_obs]),
        plasma_milacemide_uM_observed=float(plasma[i_obs]),
        mao_b_active_fraction=_read_only(out[MAO_B_ACTIVE]),
        mao_b_active_fraction_observed=float(out[MAO_B_ACTIVE, i_obs]),
        dose_times_h=_read_only(dose_times),
        dosed_umol=_read_only(dosed),
        regimen=regimen,
        parameters=p,
        amounts_umol={
            name: _read_only(out[i]) for i, name in enumerate(STATE_NAMES) if i != MAO_B_ACTIVE
        },
    )
