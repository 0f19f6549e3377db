"""The protocol registry and its one interface; a new protocol plugs in with its module and one
registry line, and runs, stores, draws, prints and sweeps like the shipped ones."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

import sim.protocols as registry
from sim import metrics
from sim.config import resolve
from sim.errors import ConfigError
from sim.protocols.base import Protocol
from sim.runner import draw_figures, execute, print_summary
from sim.store import read_run

BUILDERS = Path(__file__).parent / "builders"


def test_every_registered_protocol_implements_the_interface():
    assert registry.names() == ("epileptiform", "ltp", "memory")
    for name in registry.names():
        p = registry.get(name)
        assert isinstance(p, Protocol) and p.name == name
        assert p.table.model_fields, name  # its own [protocol] schema
        for m in p.metrics:
            assert m.protocols == (name,) and metrics.get(m.name) is not None
    with pytest.raises(KeyError, match="epileptiform, ltp, memory"):
        registry.get("nope")


def test_protocol_table_is_validated_against_the_chosen_protocol():
    ltp = resolve({"experiment": {"protocol": "ltp"}, "protocol": {"induction": "tbs"}})
    epi = resolve({"protocol": {"duration_s": 3.0}})
    assert "duration_s" not in ltp.to_dict()["protocol"]
    assert "induction" not in epi.to_dict()["protocol"]
    with pytest.raises(ConfigError, match=r"^protocol\.duration_s: a key of the epileptiform "
                                          r"protocol, not of ltp"):
        resolve({"experiment": {"protocol": "ltp"}, "protocol": {"duration_s": 3.0}})
    with pytest.raises(ConfigError, match=r"^protocol\.induction: a key of the ltp protocol"):
        resolve({"protocol": {"induction": "tbs"}})
    # a run's hash depends only on what its protocol uses: the LTP defaults do not reach it
    assert epi.config_hash() == resolve({"protocol": {"duration_s": 3.0}}).config_hash()


def test_metric_names_are_catalogued_once():
    cat = metrics.catalogue()
    names = [m.name for m in metrics.COMMON + metrics.TRAILING]
    for p in registry.all_protocols():
        names += [m.name for m in p.metrics]
    assert len(names) == len(set(names)) == len(cat)
    assert cat["burst_rate_hz"].axis_label == "burst rate (Hz)"
    assert cat["glycine_uM"].axis_label == "extracellular glycine (µM)"
    assert metrics.ordered(["zzz", "runaway", "glycine_uM"]) == ["glycine_uM", "runaway", "zzz"]
    assert metrics.number(True) == 1.0 and metrics.number(None) != metrics.number(None)


@pytest.fixture
def toy_registered(monkeypatch, build_cache):
    monkeypatch.syspath_prepend(str(BUILDERS))
    monkeypatch.setenv("PYTHONPATH", f"{BUILDERS}{os.pathsep}{os.environ.get('PYTHONPATH', '')}")
    monkeypatch.setitem(registry.REGISTRY, "toy", "toy_protocol")  # the one registry line
    yield
    sys.modules.pop("toy_protocol", None)


def test_a_new_protocol_plugs_in_with_its_module_and_one_registry_line(toy_registered, tmp_path,
                                                                       capsys):
    cfg = resolve({"experiment": {"protocol": "toy"}, "protocol": {"n_cells": 15},
                   "drug": {"dose_mg_per_kg": 100.0}})
    summary = execute(cfg, tmp_path / "run")
    assert summary["protocol"] == "toy" and summary["toy_rate_hz"] > 0
    assert summary["glycine_site_occupancy"] > 0.5  # the dose reached it through the state
    run = read_run(tmp_path / "run")
    assert run.unit("analysis", "toy_rate_hz") == "Hz"
    assert run.unit("conditions", "glycine_uM") == "uM"
    assert (tmp_path / "run" / "figures" / "toy.png").is_file()
    assert [p.name for p in draw_figures(run, tmp_path / "again")] == ["toy.png"]
    print_summary(summary, tmp_path / "run")
    assert "toy firing rate" in capsys.readouterr().out
    assert json.loads((tmp_path / "run" / "summary.json").read_text())["toy_rate_hz"] > 0
    with pytest.raises(ConfigError, match="protocol.duration_s must be <= 10"):
        resolve({"experiment": {"protocol": "toy"}, "protocol": {"duration_s": 30.0}})
