"""The Graupner-Brunel bistable synapse (sim.analysis.bistable): exact rest, basins, efficacy."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from sim.analysis import bistable as gb
from sim.analysis import plasticity as pl

P = gb.BistableParams()


def reference(rho0, duration_s, p=P):
    """The rest dynamics integrated independently (scipy DOP853, tight tolerances)."""
    sol = solve_ivp(lambda t, y: gb.drift(y, 0.0, p) / p.gb_tau_s, (0.0, duration_s),
                    np.asarray(rho0, dtype=float), method="DOP853", rtol=1e-12, atol=1e-14)
    return sol.y[:, -1]


@pytest.mark.parametrize("duration_s", [0.5, 60.0, 3600.0, 14 * 86400.0])
def test_rest_is_exact_against_an_ode_solver(duration_s):
    rho0 = np.array([-0.2, -0.01, 0.05, 0.3, 0.49, 0.51, 0.8, 0.97, 1.2])
    np.testing.assert_allclose(gb.relax_at_rest(rho0, duration_s), reference(rho0, duration_s),
                               atol=1e-10)


def test_fixed_points_stay_and_no_synapse_leaves_its_basin():
    fixed = np.array([0.0, P.gb_rho_star, 1.0])
    np.testing.assert_array_equal(gb.relax_at_rest(fixed, 86400.0), fixed)
    rho0 = np.linspace(0.01, 0.99, 99)
    rho0 = rho0[rho0 != P.gb_rho_star]
    after = gb.relax_at_rest(rho0, 86400.0)
    np.testing.assert_array_equal(after > P.gb_rho_star, rho0 > P.gb_rho_star)
    np.testing.assert_array_equal(gb.settled_state(rho0), np.round(after))
    with pytest.raises(ValueError):
        gb.relax_at_rest(rho0, -1.0)


def test_potentiation_persists_at_rest_for_two_weeks():
    """An UP synapse pushed to rho = 0.7 by a protocol is back at 1 after a day and stays there."""
    day = gb.relax_at_rest(np.array([0.7, 1.0]), 86400.0)
    assert day == pytest.approx([1.0, 1.0], abs=1e-9)
    assert gb.relax_at_rest(day, 14 * 86400.0) == pytest.approx([1.0, 1.0], abs=1e-9)


def test_drift_has_each_term_where_the_calcium_puts_it():
    s, gd, gp = P.gb_rho_star, P.gb_gamma_d, P.gb_gamma_p
    rho = np.array([0.2, 0.8])
    cubic = -rho * (1 - rho) * (s - rho)
    below = 0.5 * P.gb_theta_d
    between = 0.5 * (P.gb_theta_d + P.gb_theta_p)
    above = 2.0 * P.gb_theta_p
    np.testing.assert_allclose(gb.drift(rho, below), cubic)
    np.testing.assert_allclose(gb.drift(rho, between), cubic - gd * rho)
    np.testing.assert_allclose(gb.drift(rho, above), cubic - gd * rho + gp * (1 - rho))


def test_integrate_without_calcium_is_the_rest_solution():
    rho0 = np.array([0.3, 0.6])
    stepped = gb.integrate(rho0, np.zeros(20_000), 1e-3)  # 20 s in 1 ms steps
    np.testing.assert_allclose(stepped, gb.relax_at_rest(rho0, 20.0), atol=1e-6)


def test_long_high_calcium_drives_every_synapse_up_and_moderate_calcium_down():
    start = np.r_[np.zeros(50), np.ones(50)]
    high = np.full(5000, 2.0 * P.gb_theta_p)  # 5 s above theta_p, 1 ms steps
    mid = np.full(20_000, 0.5 * (P.gb_theta_d + P.gb_theta_p))  # 200 s between them, 10 ms steps
    assert gb.settled_state(gb.integrate(start, high, 1e-3)).mean() == 1.0
    assert gb.settled_state(gb.integrate(start, mid, 1e-2)).mean() == 0.0
    # the noise acts only while calcium is above a threshold, so that synapses at the same
    # calcium end in different states: with it, a few of 100 escape the depression
    noisy = gb.settled_state(gb.integrate(start, mid, 1e-2, rng=np.random.default_rng(1)))
    assert 0.0 <= noisy.mean() < 0.1
    quiet = gb.integrate(start, np.zeros(1000), 1e-3, rng=np.random.default_rng(1))
    np.testing.assert_array_equal(quiet, start)  # no calcium, no noise


def test_efficacy_course_with_the_bistable_rest_model():
    """rho of four synapses at the end of a protocol relaxes to UP/DOWN during the wait."""
    w_rest = float(gb.efficacy(0.5))  # half UP, half DOWN: mean of 1 and w_ratio
    model = gb.rest_model(P, w_rest)
    t = np.arange(0.0, 30.5, 0.5)
    rho = np.tile([0.0, 0.0, 1.0, 1.0], (t.size, 1))
    rho[t >= 21.0] = [0.7, 0.2, 0.3, 0.9]  # two cross rho*, one each way
    course = pl.efficacy_time_course(t, rho, induction_start_s=20.0, induction_end_s=21.0,
                                     wait_s=1800.0, sample_s=10.0, rest=model)
    assert course.baseline_drift_percent == 0.0
    after = np.array([0.7, 0.2, 0.3, 0.9])
    settled = gb.relax_at_rest(after, 1800.0 - 9.0)  # the wait after the last simulated sample
    np.testing.assert_allclose(settled, [1.0, 0.0, 0.0, 1.0], atol=1e-5)
    expected = 100 * (gb.efficacy(settled).mean() / w_rest - 1)
    assert course.ltp_percent == pytest.approx(expected, abs=1e-9)  # ~0: one up, one down
    early = 100 * (gb.efficacy(np.array([0.7, 0.2, 0.3, 0.9])).mean() / w_rest - 1)
    assert course.ltp_percent_early == pytest.approx(early)


def test_starting_up_share_matches_the_compiled_pattern():
    assert gb.starting_up_fraction(4, 0.75) == 0.25
    assert gb.starting_up_fraction(4, 0.5) == 0.5
    assert gb.starting_up_fraction(1, 0.75) == 0.0
    assert gb.starting_up_fraction(10, 0.75) == pytest.approx(0.2)


def test_defaults_are_the_configs():
    from sim.config import resolve

    pc = resolve({"experiment": {"protocol": "ltp"}}).plasticity
    assert pc.rule == "graupner_brunel"
    assert {k: getattr(pc, k) for k in P.as_dict()} == P.as_dict()
