"""The LTP frequency-response curve (Dudek & Bear 1992) and its block by APV: the two longest LTP
scenarios (900 pulses at each of seven rates), in their own file so that pytest-xdist runs them
beside the other LTP tests. The preparation and its scenario cache are test_ltp's."""

from __future__ import annotations

import numpy as np
import pytest

from tests import test_ltp

run = test_ltp.run  # the module-scoped scenario cache (a fixture): one per file


@pytest.mark.slow
def test_frequency_response_follows_dudek_and_bear(run):
    res = run("frequency_series")
    curve = res.ltp_percent_by_frequency
    assert list(curve) == ["1", "3", "5", "10", "20", "50", "100"]
    assert -40.0 < curve["1"] < -12.0 and curve["3"] < -10.0  # LTD at 1-3 Hz
    assert curve["50"] > 10.0 and curve["100"] > 10.0  # LTP at >= 50 Hz
    # one crossover, between 5 and 20 Hz (Dudek & Bear: near 10 Hz)
    f = np.array([float(k) for k in curve])
    y = np.array(list(curve.values()))
    crossings = np.flatnonzero(np.diff(np.sign(y)) != 0)
    assert crossings.size == 1
    i = crossings[0]
    f_cross = np.exp(np.interp(0.0, [y[i], y[i + 1]], [np.log(f[i]), np.log(f[i + 1])]))
    assert 5.0 < f_cross < 20.0
    assert res.ltp_percent == pytest.approx(curve["100"], abs=1e-3)
    # 1 Hz x 900 (LFS): depression builds up during the 15 min of stimulation
    lfs = res.courses["1"]
    during = lfs.percent[(lfs.t_s > 0) & (lfs.t_s < 900)]
    assert during[-1] < during[len(during) // 10] < 100.0


@pytest.mark.slow
def test_apv_blocks_lfs_ltd_and_high_frequency_ltp(run):
    """50 uM APV during 900 pulses at 1 to 100 Hz: no rate changes efficacy (LTD and LTP blocked)."""
    apv = run("frequency_series", bath__apv_uM=50.0)  # same build as the control series
    assert apv.apv_unblocked == pytest.approx(3.0 / 53.0)
    assert all(abs(v) < 5.0 for v in apv.ltp_percent_by_frequency.values())
    control = run("frequency_series").ltp_percent_by_frequency
    assert control["1"] < -12.0 and control["100"] > 10.0
