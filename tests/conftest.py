"""Shared fixtures: one compiled-build cache per test session, and a small test network.

The small network keeps the default network's in-degree (160 excitatory, 40 inhibitory inputs per
neuron) with 5x fewer neurons, so it has the same dynamics at a fifth of the cost.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

#: Overrides that turn the default network into the small test network.
SMALL_NETWORK = {
    "network.n_exc": 640,
    "network.n_inh": 160,
    "network.connection_probability": 0.25,
}

#: The sweep tests' network as a config file: 1 s, 400 + 100 neurons, 0 Mg2+. Every sweep and
#: reliability test builds on it, so that they share one compiled build.
SWEEP_NETWORK_TOML = """\
[protocol]
duration_s = 1.0
[network]
n_exc = 400
n_inh = 100
[bath]
mg_mM = 0.0
"""


@pytest.fixture(scope="session", autouse=True)
def build_cache(tmp_path_factory) -> Path:
    """MILASIM_CACHE_DIR for the whole session (reuse one with MILASIM_TEST_CACHE_DIR). Under
    pytest-xdist the worker processes share it (the engine's file lock lets one compile a build
    and the other wait for it), so no build is compiled twice."""
    keep = os.environ.get("MILASIM_TEST_CACHE_DIR")
    if keep:
        path = Path(keep)
    elif os.environ.get("PYTEST_XDIST_WORKER"):
        path = tmp_path_factory.getbasetemp().parent / "builds"  # shared by the workers
        path.mkdir(exist_ok=True)
    else:
        path = tmp_path_factory.mktemp("builds")
    previous = os.environ.get("MILASIM_CACHE_DIR")
    os.environ["MILASIM_CACHE_DIR"] = str(path)
    yield path
    if previous is None:
        os.environ.pop("MILASIM_CACHE_DIR", None)
    else:
        os.environ["MILASIM_CACHE_DIR"] = previous
