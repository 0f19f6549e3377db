"""`milasim uncertainty`: indices against a function with known Sobol indices (Ishigami) through
the same code path as the drug model, the drug model's outputs and anchoring, matched cases,
resume, and bad input (exit 2, nothing written)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from sim.errors import ConfigError, InputError
from sim.uncertainty import load_uncertainty, run_uncertainty
from sim.uncertainty.models import DrugModel, IshigamiModel

ROOT = Path(__file__).resolve().parents[1]
OCCUPANCY = ROOT / "experiments" / "occupancy_uncertainty.toml"
TRANSLATION = ROOT / "experiments" / "translation_uncertainty.toml"

pytestmark = pytest.mark.cluster


def write(path: Path, text: str) -> Path:
    path.write_text(textwrap.dedent(text))
    return path


def test_ishigami_indices_through_the_runner(tmp_path):
    """Ishigami & Homma (a = 7, b = 0.1): S1 = (0.314, 0.442, 0), ST = (0.558, 0.442, 0.244)."""
    exp = write(tmp_path / "ishigami.toml", """
        [uncertainty]
        model = "ishigami"
        samples = 4096
        morris_trajectories = 20
        block_size = 2048
        seed = 3
    """)
    out = tmp_path / "out"
    report = run_uncertainty(exp, out_dir=out, workers=2, quiet=True)
    assert report.skipped == 0 and report.blocks == 11
    data = json.loads((out / "uncertainty.json").read_text())
    y = data["cases"]["base"]["y"]
    s1_exact, st_exact = IshigamiModel().exact_indices()
    for i, name in enumerate(("x1", "x2", "x3")):
        assert y["S1"][name] == pytest.approx(s1_exact[i], abs=0.03)
        assert y["ST"][name] == pytest.approx(st_exact[i], abs=0.03)
    # Morris: x3 acts only with x1 (sigma large relative to mu*), x2 alone is the strongest
    assert y["mu_star"]["x2"] > y["mu_star"]["x3"] and y["sigma"]["x3"] > 0
    # spread of y: mean 3.5, variance 13.84; the median is near 3.3
    assert y["p05"] < y["median"] < y["p95"] and 2.0 < y["median"] < 4.5
    for f in ("uncertainty.csv", "uncertainty.md", "manifest.json",
              "figures/uncertainty_y.png"):
        assert (out / f).stat().st_size > 0


def _small(tmp_path: Path, **extra) -> Path:
    lines = "\n".join(f"{k} = {json.dumps(v)}" for k, v in extra.items())
    return write(tmp_path / "small.toml", f"""
        extends = "{OCCUPANCY.as_posix()}"

        [uncertainty]
        samples = 16
        morris_trajectories = 2
        block_size = 40
        {lines}
    """)


def test_drug_model_outputs_anchoring_and_resume(tmp_path):
    exp = _small(tmp_path)
    out = tmp_path / "out"
    first = run_uncertainty(exp, out_dir=out, workers=2, quiet=True)
    data = json.loads((out / "uncertainty.json").read_text())
    cases = data["cases"]
    assert list(cases) == ["no drug", "rat 30 mg/kg", "rat 100 mg/kg", "rat 200 mg/kg",
                           "rat 400 mg/kg"]
    params = set(data["parameters"])
    for label, outputs in cases.items():
        for name, e in outputs.items():
            assert {"median", "p05", "p95", "S1", "ST"} <= e.keys(), (label, name)
            assert set(e["S1"]) == params == set(e["ST"])
            assert e["p05"] <= e["median"] <= e["p95"]
    # no drug: no change in any sample; the activation still spreads (GlyT1 fraction, EC50)
    none = cases["no drug"]
    assert none["glycine_extracellular_change_percent"]["p95"] == 0.0
    assert none["nmda_gain"]["median"] == 1.0
    occ = none["glycine_site_occupancy"]
    assert occ["p95"] - occ["p05"] > 0.3
    assert max(occ["ST"], key=occ["ST"].get) in ("glyt1_local_fraction", "glycine_site_ec50_uM")
    # anchored: every sample reproduces the rat tissue rise at 100 mg/kg exactly
    tissue = cases["rat 100 mg/kg"]["glycine_tissue_change_percent"]
    assert tissue["p05"] == pytest.approx(59.0, abs=0.1) == tissue["p95"]
    # the extracellular rise at 100 mg/kg spreads with the coupling, and only with it
    ec = cases["rat 100 mg/kg"]["glycine_extracellular_change_percent"]
    assert max(ec["ST"], key=ec["ST"].get) == "extracellular_coupling"
    assert ec["p05"] < 17.7 < ec["p95"]
    # paired with the first case: the drug never lowers extracellular glycine
    assert ec["p_above_first"] == 1.0
    # the MAO-B species factors do nothing to rats
    for name in ("mao_b_activity_mouse", "mao_b_activity_human"):
        assert all(cases[c]["glycinamide_uM"]["ST"][name] == 0.0 for c in cases)

    # resume: delete one block, only it is recomputed, the results are the same
    blocks = sorted((out / "blocks").glob("*.npy"))
    kept = {b.name: b.stat().st_mtime_ns for b in blocks[1:]}
    blocks[0].unlink()
    with pytest.raises(InputError, match="--resume"):
        run_uncertainty(exp, out_dir=out, workers=1, quiet=True)
    again = run_uncertainty(exp, out_dir=out, workers=1, quiet=True, resume=True)
    assert again.skipped == first.blocks - 1
    assert {b.name: b.stat().st_mtime_ns for b in sorted((out / "blocks").glob("*.npy"))[1:]} \
        == kept
    assert json.loads((out / "uncertainty.json").read_text()) == data
    # another plan into the same folder is refused, not mixed
    with pytest.raises(InputError, match="another plan"):
        run_uncertainty(exp, ["uncertainty.seed=2"], out_dir=out, workers=1, quiet=True,
                        resume=True)


def test_default_parameters_reproduce_the_deterministic_model():
    """At the defaults the sampled model is `milasim pk` (the anchor's scale is 1 there)."""
    from sim.pharmacology.report import pk_report

    exp = load_uncertainty(OCCUPANCY)
    model = exp.model
    assert isinstance(model, DrugModel)
    y = model.evaluate([[p.default for p in model.parameters]])
    names = list(model.outputs)
    for c, cfg in enumerate(model.configs):
        rep = pk_report(cfg)
        assert y[c, 0, names.index("glycine_extracellular_change_percent")] == pytest.approx(
            rep["glycine_change_percent"], rel=1e-6, abs=1e-9)
        assert y[c, 0, names.index("glycine_site_occupancy")] == pytest.approx(
            rep["glycine_site_occupancy"], rel=1e-6)


def test_translation_cases_and_matching():
    exp = load_uncertainty(TRANSLATION)
    model = exp.model
    labels = model.labels
    # BSA equivalents (FDA 2005): human dose x 37 / Km (rat 6, mouse 3)
    rat_bsa = next(c for lab, c in zip(labels, model.configs) if "rat, BSA" in lab)
    assert rat_bsa.drug.dose_mg_per_kg == pytest.approx(600 / 70 * 37 / 6, rel=1e-3)
    # a matched case reproduces its reference at the defaults
    assert exp.matched
    defaults = [[p.default for p in model.parameters]]
    y = model.evaluate(defaults)[:, 0, :]
    for label, dose in exp.matched.items():
        spec = next(c for c in exp.spec.cases if c["label"] == label)["match"]
        col = list(model.outputs).index(spec["output"])
        assert y[labels.index(label), col] == pytest.approx(y[labels.index(spec["case"]), col],
                                                            rel=1e-6)
        assert dose > 0


def test_bad_input_is_one_line_exit_2_nothing_written(tmp_path):
    out = tmp_path / "never"
    cases = {
        "samples = 100": "uncertainty.samples",
        'parameters = ["no_such_constant"]': "no_such_constant",
        'outputs = ["no_such_output"]': "uncertainty.outputs",
        'colour = "red"': "uncertainty.colour",
    }
    for line, key in cases.items():
        exp = write(tmp_path / "bad.toml", f"""
            extends = "{OCCUPANCY.as_posix()}"
            [uncertainty]
            {line}
        """)
        proc = subprocess.run([sys.executable, "-m", "sim", "uncertainty", str(exp), "--out",
                               str(out)], capture_output=True, text=True, timeout=120)
        assert proc.returncode == 2, (line, proc.stderr)
        assert len(proc.stderr.strip().splitlines()) == 1 and key in proc.stderr, proc.stderr
        assert not out.exists()
    with pytest.raises(ConfigError, match="drug.dose_mg_per_kg"):
        load_uncertainty(_small(tmp_path), ["drug.dose_mg_per_kg=-1"])
    # a config is not an uncertainty experiment, and the other way round
    with pytest.raises(InputError, match=r"\[uncertainty\]"):
        load_uncertainty(ROOT / "configs" / "default.toml")
    proc = subprocess.run([sys.executable, "-m", "sim", "run", str(OCCUPANCY)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "milasim uncertainty" in proc.stderr


def test_validate_prints_the_plan():
    proc = subprocess.run([sys.executable, "-m", "sim", "validate", str(OCCUPANCY)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "Sobol: N = 256" in proc.stdout and "5 case(s)" in proc.stdout


def test_ishigami_model_is_paired_across_cases():
    m = IshigamiModel(["a", "b"])
    y = m.evaluate(np.array([[0.1, 0.2, 0.3], [1.0, -1.0, 2.0]]))
    assert y.shape == (2, 2, 1) and np.array_equal(y[0], y[1])


class _Failing(IshigamiModel):
    """Fails on rows whose x1 is above 3 (a model error mid-run)."""

    def evaluate(self, rows):
        if np.any(np.asarray(rows)[:, 0] > 3.0):
            raise ValueError("model failed on this block")
        return super().evaluate(rows)


def test_a_failing_block_is_one_run_error_and_the_finished_blocks_stay(tmp_path, monkeypatch):
    from sim.errors import RunError
    from sim.uncertainty import spec as spec_module

    monkeypatch.setattr(spec_module, "IshigamiModel", _Failing)
    exp = write(tmp_path / "ishigami.toml", """
        [uncertainty]
        model = "ishigami"
        samples = 64
        morris_trajectories = 0
        block_size = 8
    """)
    out = tmp_path / "out"
    with pytest.raises(RunError, match="failed: ValueError: model failed") as err:
        run_uncertainty(exp, out_dir=out, workers=1, quiet=True)
    assert "--resume" in str(err.value)
    kept = list((out / "blocks").glob("*.npy"))
    assert 0 < len(kept) < 40 and not (out / "uncertainty.json").exists()


@pytest.mark.slow
def test_network_outputs_with_few_samples(tmp_path):
    """The network runs once per sample with the sampled activation: the no-drug network's rate
    moves with the GlyT1 fraction (the resting activation), and the files say the samples are few."""
    import tomllib

    from tests.conftest import SWEEP_NETWORK_TOML

    base = tmp_path / "net.toml"
    base.write_text(SWEEP_NETWORK_TOML)
    exp = write(tmp_path / "network_unc.toml", f"""
        extends = "{base.as_posix()}"
        [uncertainty]
        model = "network"
        samples = 2
        morris_trajectories = 0
        block_size = 2
        parameters = ["glyt1_local_fraction"]
        outputs = ["rate_exc_hz", "k_o_peak_mM"]
        [[uncertainty.cases]]
        label = "no drug"
        [[uncertainty.cases]]
        label = "400 mg/kg"
        "drug.dose_mg_per_kg" = 400
    """)
    assert tomllib.loads(exp.read_text())["uncertainty"]["model"] == "network"
    out = tmp_path / "out"
    run_uncertainty(exp, out_dir=out, workers=2, quiet=True)
    data = json.loads((out / "uncertainty.json").read_text())
    assert "network outputs: 6 samples per case" in data["note"]
    rate = data["cases"]["no drug"]["rate_exc_hz"]
    assert rate["n"] == 6 and rate["p95"] > rate["p05"] > 0
    assert set(rate["ST"]) == {"glyt1_local_fraction"}
    # bad network outputs are one line
    bad = write(tmp_path / "bad_net.toml", f"""
        extends = "{base.as_posix()}"
        [uncertainty]
        model = "network"
        outputs = ["no_such_metric"]
    """)
    with pytest.raises(ConfigError, match="uncertainty.outputs"):
        load_uncertainty(bad)
