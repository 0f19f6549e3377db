"""The finite-state check that stops a run on a numerical blow-up."""

import numpy as np
import pytest

from sim.errors import RunError
from sim.protocols.epileptiform import check_finite


def outputs(**changes):
    out = {"trace_t": np.arange(3) * 1e-3, "trace_g_nmda": np.ones((3, 2)),
           "trace_v": np.ones((3, 2)), "exc_v_final": np.ones(4), "inh_v_final": np.ones(2),
           "exc_w_final": np.zeros(4), "inh_w_final": np.zeros(2),
           "exc_na_final": np.full(4, 10.0), "inh_na_final": np.full(2, 10.0)}
    out.update(changes)
    return out


def test_finite_state_passes():
    check_finite(outputs())


def test_nan_in_a_trace_names_population_and_time():
    with pytest.raises(RunError, match=r"population exc at t = 0\.0010 s"):
        check_finite(outputs(trace_v=np.array([[1, 1], [1, np.nan], [np.nan, 1]])))


def test_inf_in_final_state_names_population_and_variable():
    with pytest.raises(RunError, match="1 neuron.*population inh.*non-finite v"):
        check_finite(outputs(inh_v_final=np.array([1.0, np.inf])))


def test_the_earliest_bad_step_of_either_trace_is_named_when_checked_in_blocks():
    from sim.protocols.epileptiform import _first_nonfinite_row

    v, g = np.ones((9, 2)), np.ones((9, 2))
    v[6, 1], g[4, 0] = np.nan, np.inf  # g's bad row (4) is in the third block of two rows
    assert _first_nonfinite_row(v, rows=2) == 6 and _first_nonfinite_row(g, rows=2) == 4
    assert _first_nonfinite_row(np.ones((9, 2)), rows=2) is None
    with pytest.raises(RunError, match=r"t = 0\.0040 s"):
        check_finite(outputs(trace_t=np.arange(9) * 1e-3, trace_v=v, trace_g_nmda=g))
