"""The scripts under scripts/ take milasim's own path from a dose to the receptors."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from sim.conditions import receptor_state
from sim.config import load_config
from sim.protocols import ltp

ROOT = Path(__file__).resolve().parents[1]


def load_script(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_ltp_figures_honours_the_mechanism_switches(monkeypatch, tmp_path):
    """Before, the script took the pk report's glycine and ignored ``[mechanisms]``."""
    script = load_script("ltp_figures")
    seen = []
    monkeypatch.setattr(ltp.Ltp, "simulate", lambda self, cfg, state, *a, **k: state)
    monkeypatch.setattr(ltp, "analyse", lambda cfg, state, sim: seen.append(state) or state)
    base = load_config(ROOT / "configs" / "ltp.toml").replace({"drug.dose_mg_per_kg": 100.0})
    off = base.replace({"mechanisms.nmda_coagonism": False})
    on_state, off_state = script.run(base, tmp_path), script.run(off, tmp_path)
    assert seen == [on_state, off_state]
    no_drug = receptor_state(base.replace({"drug.dose_mg_per_kg": 0.0})).occupancy["exc"].before
    assert on_state.occupancy["exc"].before > no_drug + 0.1
    assert off_state.occupancy["exc"].before == pytest.approx(no_drug)
