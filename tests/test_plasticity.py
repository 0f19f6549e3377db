"""The calcium rule, the exact wait, induction schedules and efficacy measures (pure numpy, fast)."""

from __future__ import annotations

import numpy as np
import pytest

from sim.analysis import plasticity as pl

P = pl.RuleParams()


# --------------------------------------------------------------------------- Omega and eta
def test_omega_has_rest_depression_and_potentiation_levels():
    # Shouval et al. 2002: ~0.25 at rest, ~0 between the thresholds, ~1 above the upper one
    assert pl.omega(0.0) == pytest.approx(0.25, abs=1e-6)
    assert pl.omega(0.45) == pytest.approx(0.0, abs=0.01)
    assert pl.omega(1.0) == pytest.approx(1.0, abs=1e-6)
    # half-way points of the two sigmoids
    assert pl.omega(0.35) == pytest.approx(0.25 - 0.125 + 1 / (1 + np.exp(80 * 0.2)), abs=1e-9)
    assert pl.omega(0.55) == pytest.approx(0.25 + 0.5 - 0.25 / (1 + np.exp(-80 * 0.2)), abs=1e-9)
    # vectorised, and it is the weight the rule moves towards: minimum inside the LTD window
    ca = np.linspace(0, 1.5, 301)
    om = pl.omega(ca)
    assert om.shape == ca.shape
    assert 0.35 < ca[np.argmin(om)] < 0.55


def test_omega_moves_with_its_thresholds():
    shifted = pl.RuleParams(alpha_ltd_uM=0.5, alpha_ltp_uM=0.8)
    assert pl.omega(0.45, shifted) == pytest.approx(0.25, abs=0.02)  # no longer depressing
    assert pl.omega(0.65, shifted) == pytest.approx(0.0, abs=0.01)  # now depressing


def test_eta_rises_steeply_with_calcium():
    # eta = 1 / (P1 / (P2 + Ca^3) + P4): 1/(1e4 + 1) per s at rest, -> 1/P4 at high Ca
    assert pl.eta(0.0) == pytest.approx(1.0 / (0.1 / 1e-5 + 1.0))
    assert pl.eta(100.0) == pytest.approx(1.0, rel=1e-4)
    assert pl.eta(0.5) == pytest.approx(1.0 / (0.1 / (1e-5 + 0.125) + 1.0))
    ca = np.linspace(0, 3, 100)
    assert np.all(np.diff(pl.eta(ca)) > 0)
    assert pl.eta(0.5, pl.RuleParams(learning_rate_scale=0.5)) == pytest.approx(0.5 * pl.eta(0.5))
    with pytest.raises(ValueError):
        pl.eta(-0.1)


def test_brian_expressions_are_the_numpy_rule():
    """OMEGA_EXPR / ETA_EXPR (what the compiled network integrates) equal omega() / eta()."""
    p = pl.RuleParams(alpha_ltd_uM=0.3, alpha_ltp_uM=0.6, beta_per_uM=50, eta_p3=2.5,
                      learning_rate_scale=0.7)
    for ca in (0.0, 0.2, 0.33, 0.5, 0.62, 2.0):
        names = {"ca": ca, "exp": np.exp, **p.as_dict()}
        assert eval(pl.OMEGA_EXPR, {}, names) == pytest.approx(float(pl.omega(ca, p)), rel=1e-12)
        assert eval(pl.ETA_EXPR, {}, names) == pytest.approx(
            float(pl.eta(ca, p)), rel=1e-12)


# --------------------------------------------------------------------------- exact relaxation
def test_rest_weight_is_a_fixed_point():
    w0 = pl.rest_weight(P)
    assert pl.relax_at_rest(w0, 3600.0 * 24) == pytest.approx(w0, abs=1e-15)


def test_relax_at_rest_matches_step_by_step_integration():
    w0 = np.array([0.05, 0.25, 0.6, 0.95])
    duration = 1800.0
    exact = pl.relax_at_rest(w0, duration, P)
    # brute force: forward Euler of dW/dt = eta(0) (Omega(0) - W) in 0.1 s steps
    w = w0.copy()
    rate, target = pl.eta(0.0), pl.omega(0.0)
    for _ in range(18000):
        w = w + 0.1 * rate * (target - w)
    np.testing.assert_allclose(exact, w, rtol=1e-5)  # Euler's own error is ~1e-6
    # and the closed form: deviation shrinks by exp(-eta t)
    np.testing.assert_allclose(exact - target, (w0 - target) * np.exp(-rate * duration), atol=1e-12)


def test_relax_at_rest_broadcasts_and_refuses_negative_time():
    out = pl.relax_at_rest(np.array([[0.1], [0.9]]), np.array([0.0, 60.0, 600.0]))
    assert out.shape == (2, 3)
    np.testing.assert_allclose(out[:, 0], [0.1, 0.9])
    assert np.all(np.diff(out[1]) < 0) and np.all(np.diff(out[0]) > 0)  # both towards 0.25
    with pytest.raises(ValueError):
        pl.relax_at_rest(0.3, -1.0)


def test_relax_at_elevated_rest_calcium():
    # a Ca level held in the LTD window: W -> Omega(0.45) ~ 0 with rate eta(0.45)
    w = pl.relax_at_rest(0.25, 30.0, P, ca_rest_uM=0.45)
    assert w == pytest.approx(pl.omega(0.45) + (0.25 - pl.omega(0.45)) * np.exp(-pl.eta(0.45) * 30))
    assert w < 0.01


def test_integrate_rule_depresses_in_the_window_and_potentiates_above():
    dt = 1e-3
    ltd = pl.integrate_rule(0.25, np.full(2000, 0.45), dt)
    ltp = pl.integrate_rule(0.25, np.full(2000, 1.0), dt)
    # eta(0.45) ~ 0.48/s, eta(1.0) ~ 0.91/s: two seconds move W most of the way
    assert ltd[-1] < 0.1
    assert ltp[-1] > 0.85
    # constant Ca: identical to the closed form
    assert ltd[-1] == pytest.approx(float(pl.relax_at_rest(0.25, 2.0, P, ca_rest_uM=0.45)))


# --------------------------------------------------------------------------- schedules
def test_hfs_tbs_lfs_pulse_trains():
    hfs = pl.hfs_pulses()
    assert hfs.size == 100 and hfs[0] == 0 and np.allclose(np.diff(hfs), 0.01)
    hfs3 = pl.hfs_pulses(3, 20.0)
    assert hfs3.size == 300 and hfs3[100] == pytest.approx(20.0) and hfs3[200] == pytest.approx(40.0)
    tbs = pl.tbs_pulses(5)
    assert tbs.size == 20
    np.testing.assert_allclose(tbs[::4], np.arange(5) * 0.2)
    np.testing.assert_allclose(np.diff(tbs[:4]), 0.01)
    lfs = pl.lfs_pulses()
    assert lfs.size == 900 and lfs[-1] == pytest.approx(899.0)
    with pytest.raises(ValueError):
        pl.train(0.0, 10)


def test_make_schedule_places_test_pulses_around_induction():
    sc = pl.make_schedule(pl.hfs_pulses(), baseline_s=20.0, test_interval_s=10.0, post_s=30.0)
    assert sc.induction == pytest.approx((20.0, 21.0))
    np.testing.assert_allclose(sc.baseline_test_s, [0.0, 10.0])
    np.testing.assert_allclose(sc.post_test_s, [31.0, 41.0])  # strictly before the arm's end
    assert sc.duration_s == pytest.approx(51.0)
    assert sc.n_induction_pulses == 100
    assert np.all(np.diff(sc.pulses_s) > 0)
    ind = sc.pulses_s[(sc.pulses_s >= 20.0) & (sc.pulses_s < 21.0)]
    assert ind.size == 100


def test_make_schedule_clamp_and_errors():
    sc = pl.make_schedule(pl.train(2.0, 10), baseline_s=15.0, test_interval_s=5.0, post_s=10.0,
                          clamp_relative=[(-0.5, 5.0)])
    assert sc.clamp == [(14.5, 20.0)]
    with pytest.raises(ValueError):
        pl.make_schedule([], baseline_s=20, test_interval_s=10, post_s=10)
    with pytest.raises(ValueError):
        pl.make_schedule([0.0], baseline_s=5, test_interval_s=10, post_s=10)


# --------------------------------------------------------------------------- measurements
def test_ltp_percent_and_efficacy():
    assert pl.ltp_percent([1.0, 1.0], [1.5, 1.3]) == pytest.approx(40.0)
    assert pl.ltp_percent([2.0], [1.6]) == pytest.approx(-20.0)
    with pytest.raises(ValueError):
        pl.ltp_percent([0.0], [1.0])
    w_rest = pl.rest_weight()
    assert pl.efficacy(w_rest, w_rest, 0.5) == pytest.approx(1.0)
    assert pl.efficacy(0.0, w_rest, 0.5) == pytest.approx(0.5)  # LTD floor
    assert pl.efficacy(1.0, w_rest, 0.5) == pytest.approx(1.0 + 0.5 * (1 / w_rest - 1))
    assert pl.efficacy(0.5, w_rest, 1.0) == pytest.approx(0.5 / w_rest)


def test_efficacy_time_course_applies_the_exact_wait():
    w_rest = pl.rest_weight(P)
    t = np.arange(0, 40.5, 0.5)
    w = np.full((t.size, 3), w_rest)
    w[t >= 21.0] = [0.4, 0.5, 0.3]  # a step at the end of a 20-21 s induction
    course = pl.efficacy_time_course(t, w, induction_start_s=20.0, induction_end_s=21.0,
                                     wait_s=1800.0, sample_s=10.0, params=P, plastic_fraction=0.5)
    assert course.n_simulated == t.size
    assert course.t_s[0] == pytest.approx(-20.0)
    assert course.t_s[-1] == pytest.approx(1801.0)  # induction end + wait, from induction onset
    # early change: efficacy 1 - f + f W / W_rest averaged over synapses
    expected_early = 100 * (np.mean(0.5 + 0.5 * np.array([0.4, 0.5, 0.3]) / w_rest) - 1)
    assert course.ltp_percent_early == pytest.approx(expected_early)
    # final: the weights relaxed at rest for the rest of the wait (1800 - (40 - 21) s)
    relaxed = pl.relax_at_rest(np.array([0.4, 0.5, 0.3]), 1800.0 - 19.0, P)
    expected = 100 * (np.mean(0.5 + 0.5 * relaxed / w_rest) - 1)
    assert course.ltp_percent == pytest.approx(expected)
    assert 0 < course.ltp_percent < course.ltp_percent_early
    assert course.percent[0] == pytest.approx(100.0)
    assert course.percent[-1] == pytest.approx(100 + expected)


def test_efficacy_time_course_when_the_simulation_covers_the_wait():
    w_rest = pl.rest_weight(P)
    t = np.arange(0, 100.5, 0.5)
    w = np.where(t[:, None] >= 21.0, 0.2, w_rest) * np.ones((1, 2))
    course = pl.efficacy_time_course(t, w, induction_start_s=20.0, induction_end_s=21.0,
                                     wait_s=60.0, sample_s=10.0, params=P, plastic_fraction=1.0)
    assert course.ltp_percent == pytest.approx(100 * (0.2 / w_rest - 1))
    assert course.t_s[-1] == pytest.approx(61.0)
    assert course.n_simulated == course.t_s.size
    with pytest.raises(ValueError):
        pl.efficacy_time_course(t, w[:-1], induction_start_s=20, induction_end_s=21, wait_s=0,
                                sample_s=1)


def test_sample_at_takes_the_last_sample_not_later():
    t = np.array([0.0, 0.5, 1.0])
    v = np.array([10.0, 20.0, 30.0])
    np.testing.assert_allclose(pl.sample_at(t, v, [0.0, 0.7, 1.0, 5.0]), [10, 20, 30, 30])
    with pytest.raises(ValueError):
        pl.sample_at(t, v, -1.0)
