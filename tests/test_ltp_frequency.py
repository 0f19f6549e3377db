"""The LTP frequency-response curve (Dudek & Bear 1992) with no drug and after 100 mg/kg: two of
the longest LTP scenarios (900 pulses at each of seven rates), in their own file so that
pytest-xdist runs them beside the other LTP tests (1 Hz at each dose: test_ltp_one_hz.py). The
preparation and its scenario cache are test_ltp's."""

from __future__ import annotations

import numpy as np
import pytest

from tests import test_ltp

run = test_ltp.run  # the module-scoped scenario cache (a fixture): one per file

# Minutes of one worker (seven 900-pulse arms per curve, two curves): a `long` scenario, which
# the suite leaves out and .ci/run runs after it (pytest -m long).
pytestmark = pytest.mark.long


def crossover_hz(curve: dict[str, float]) -> float | None:
    """The rate where a frequency curve crosses zero (log-interpolated), if it crosses once."""
    f = np.array([float(k) for k in curve])
    y = np.array(list(curve.values()))
    crossings = np.flatnonzero(np.diff(np.sign(y)) != 0)
    if crossings.size != 1:
        return None
    i = crossings[0]
    return float(np.exp(np.interp(0.0, [y[i], y[i + 1]], [np.log(f[i]), np.log(f[i + 1])])))


@pytest.mark.slow
def test_frequency_response_has_ltd_low_ltp_high_and_one_crossover(run):
    res = run("frequency_series")
    curve = res.ltp_percent_by_frequency
    assert list(curve) == ["1", "3", "5", "10", "20", "50", "100"]
    assert -40.0 < curve["1"] < -12.0 and curve["3"] < -10.0  # LTD at 1-3 Hz
    assert curve["50"] > 5.0 and curve["100"] > 10.0  # LTP at >= 50 Hz
    assert crossover_hz(curve) is not None
    assert res.ltp_percent == pytest.approx(curve["100"], abs=1e-3)
    # 1 Hz x 900 (LFS): depression builds up during the 15 min of stimulation
    lfs = res.courses["1"]
    during = lfs.percent[(lfs.t_s > 0) & (lfs.t_s < 900)]
    assert during[-1] < during[len(during) // 10] < 100.0


@pytest.mark.slow
def test_crossover_is_near_ten_hz_as_in_dudek_and_bear(run):
    """With no drug the curve crosses from LTD to LTP between 5 and 15 Hz. Up to 0.6 it crossed
    between 20 and 50 Hz (a strict expected failure): one fast calcium pool cannot tell a 10 Hz
    train from a single release at 400 mg/kg; the slow pool (0.7) counts releases over seconds."""
    assert 5.0 < crossover_hz(run("frequency_series").ltp_percent_by_frequency) < 15.0


@pytest.mark.slow
def test_a_coagonist_lowers_the_crossover_and_keeps_one_hz_ltd(run):
    """3 h after 100 mg/kg (glycine 2.6 -> 4.1 uM): the LTP threshold falls, 1 Hz still depresses."""
    control = run("frequency_series").ltp_percent_by_frequency
    dosed = run("frequency_series", glycine_uM=test_ltp.RAISED_GLYCINE_UM).ltp_percent_by_frequency
    assert crossover_hz(dosed) < crossover_hz(control)
    assert dosed["1"] < -5.0 and dosed["1"] <= control["1"] + 1.0
