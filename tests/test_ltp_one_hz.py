"""Low-frequency stimulation (1 Hz x 900, the LTD protocol of Dudek & Bear 1992) at each dose:
the 900 s arms of the LTP scenarios, in their own file so that pytest-xdist runs them beside the
frequency curves (test_ltp_frequency.py) instead of after them on the same worker. The
preparation and its scenario cache are test_ltp's."""

from __future__ import annotations

import pytest

from tests import test_ltp

run = test_ltp.run  # the module-scoped scenario cache (a fixture): one per file

# Five 900 s arms: a `long` scenario, which the suite leaves out and .ci/run runs after it
# (pytest -m long).
pytestmark = pytest.mark.long


@pytest.mark.slow
def test_one_hz_depresses_at_every_dose(run):
    """1 Hz x 900 gives LTD at 0, 100, 200 and 400 mg/kg (rat i.p., 3 h, the drug module's own
    activations 0.42-0.666), never LTP, at least as deep at 100 mg/kg as without drug (a
    glycine-site agonist deepens LTD in slices: Rouaud & Billard 2003). The 0 mg/kg point is
    ``induction = "lfs"`` at baseline glycine, the protocol of the frequency series' 1 Hz arm."""
    one_hz = {0: run("lfs").ltp_percent}
    for dose in (100, 200, 400):
        one_hz[dose] = run("lfs", None, drug__dose_mg_per_kg=float(dose)).ltp_percent
    assert all(v < -5.0 for v in one_hz.values()), one_hz
    assert one_hz[100] <= one_hz[0] + 1.0, one_hz


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason="known limit (README, LTP and LTD): at activation 0.78, 0.4's "
                   "400 mg/kg and inside today's 90 % interval, 1 Hz potentiates: the slow calcium "
                   "pool adds to each release, so 1 Hz stays LTD only up to activation ~0.75")
def test_one_hz_depresses_at_the_upper_activation_of_400_mg_per_kg(run):
    assert run("lfs", test_ltp.GLYCINE_AT_DOSE_UM[400]).ltp_percent < -5.0
