"""Bad input everywhere it enters: one line naming the problem, exit code 2, nothing written."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.cli import main
from sim.config import resolve
from sim.store import RunData, write_run

GOOD = '[drug]\ndose_mg_per_kg = 100.0\n'


def run_cli(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(code: int, err: str, *needles: str) -> None:
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("milasim: ")
    assert "Traceback" not in err
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])


def write(tmp_path: Path, text: str | bytes, name: str = "c.toml") -> Path:
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return path


BAD_CONFIGS = [
    ("not toml", "this is [not toml", "not valid TOML"),
    ("binary junk", b"\x00\xff\xfe\x89PNG\x00\x01", "not a text file"),
    ("unknown section", "[pharmacy]\nx = 1\n", "pharmacy: unknown key"),
    ("unknown key", "[bath]\nmagnesium = 1\n", "bath.magnesium: unknown key"),
    ("wrong type", "[drug]\nspecies = 3\n", "drug.species"),
    ("string for number", '[drug]\ndose_mg_per_kg = "100"\n', "drug.dose_mg_per_kg must be a number"),
    ("nan", "[bath]\nmg_mM = nan\n", "bath.mg_mM must be a finite number"),
    ("inf", "[drug]\ndose_mg_per_kg = inf\n", "drug.dose_mg_per_kg must be a finite number"),
    ("negative", "[drug]\ndose_mg_per_kg = -5\n", "drug.dose_mg_per_kg must be >= 0, got -5"),
    ("absurd Mg", "[bath]\nmg_mM = 50\n", "bath.mg_mM must be <= 10"),
    ("both doses", "[drug]\ndose_mg = 400\ndose_mg_per_kg = 5\n", "give one of the two"),
    ("bad choice", '[drug]\nspecies = "dog"\n', "drug.species must be one of"),
    ("table as value", "drug = 5\n", "drug must be a table"),
    ("coarse dt", "[simulation]\ndt_ms = 0.4\n", "simulation.dt_ms must be <= 0.2"),
    ("ion step not a multiple of dt", "[simulation]\nion_dt_ms = 0.25\n",
     "simulation.ion_dt_ms must be a whole number of simulation.dt_ms (0.1 ms) that divides"),
    ("ion step not dividing the trace", "[simulation]\nion_dt_ms = 0.3\n",
     "simulation.ion_dt_ms must be a whole number of simulation.dt_ms (0.1 ms) that divides"),
    ("ion step too long", "[simulation]\nion_dt_ms = 20\n", "simulation.ion_dt_ms must be <= 10"),
    ("tau below dt", "[network]\ndepression_tau_rec_s = 0.0001\n",
     "network.depression_tau_rec_s must be >= 10 x simulation.dt_ms"),
    ("LTP tau below dt", "[plasticity]\ntau_ca_ms = 0.05\n",
     "plasticity.tau_ca_ms must be >= 10 x simulation.dt_ms"),
    ("absurd conductance", "[network]\ng_gaba_ie_nS = 1e9\n",
     "network.g_gaba_ie_nS must be <= 1000"),
    ("extends missing", 'extends = "nowhere.toml"\n', "does not exist"),
    # what only a protocol can judge is refused when the config is resolved, not at run time
    ("LTP schedule", '[experiment]\nprotocol = "ltp"\n[protocol]\ninduction = "tbs"\n'
     'tbs_burst_interval_ms = 20.0\n', "protocol.tbs_burst_interval_ms must exceed one burst"),
    ("memory drug timing", '[experiment]\nprotocol = "memory"\n[drug]\ndose_mg_per_kg = 10.0\n'
     'time_after_dose_h = 3.0\n[protocol]\ndrug_timing = "before_test"\ndelay_h = 1.0\n',
     "drug.time_after_dose_h must be <= protocol.delay_h"),
    ("memory latencies", '[experiment]\nprotocol = "memory"\n[protocol]\n'
     'trained_latency_s = 500.0\n', "protocol.trained_latency_s must lie between"),
]


@pytest.mark.parametrize("verb", ["validate", "pk", "run"])
@pytest.mark.parametrize("label,text,needle", BAD_CONFIGS, ids=[c[0] for c in BAD_CONFIGS])
def test_bad_config_is_one_line_exit_2_nothing_written(capsys, tmp_path, verb, label, text, needle):
    cfg = write(tmp_path, text)
    out_dir = tmp_path / "out"
    extra = ["--out", out_dir] if verb in ("run", "pk") else []
    code, _, err = run_cli(capsys, verb, cfg, *extra)
    assert_one_line_error(code, err, needle)
    assert not out_dir.exists()


def test_extends_loop(capsys, tmp_path):
    write(tmp_path, 'extends = "b.toml"\n', "a.toml")
    write(tmp_path, 'extends = "a.toml"\n', "b.toml")
    code, _, err = run_cli(capsys, "validate", tmp_path / "a.toml")
    assert_one_line_error(code, err, "extends loop")


def test_extends_merges_child_over_parent(capsys, tmp_path):
    write(tmp_path, "[bath]\nmg_mM = 0.0\nglycine_uM = 3.0\n", "base.toml")
    child = write(tmp_path, 'extends = "base.toml"\n[bath]\nmg_mM = 1.5\n', "child.toml")
    code, out, _ = run_cli(capsys, "validate", child, "--print")
    assert code == 0
    assert "mg_mM = 1.5" in out and "glycine_uM = 3.0" in out


@pytest.mark.parametrize("override,needle", [
    ("bath.mg_mM", "expected KEY=VALUE"),
    ("=3", "expected KEY=VALUE"),
    ("bath.mg=0", "bath.mg: unknown key"),
    ("bath.mg_mM=abc", "bath.mg_mM must be a number"),
    ("bath.mg_mM=[1,", "cannot parse"),
    ("drug.dose_mg_per_kg=-1", "drug.dose_mg_per_kg must be >= 0"),
    ("bath.mg_mM.x=1", "bath.mg_mM must be a number"),
    ("drug.dose_mg_per_kg.x=1", "drug.dose_mg_per_kg is a value, not a table"),
])
def test_bad_override(capsys, tmp_path, override, needle):
    code, _, err = run_cli(capsys, "validate", write(tmp_path, GOOD), "--set", override)
    assert_one_line_error(code, err, needle)


def test_missing_files(capsys, tmp_path):
    for verb in ("validate", "pk", "run", "plot", "sweep"):
        code, _, err = run_cli(capsys, verb, tmp_path / "absent.toml")
        assert_one_line_error(code, err, "absent.toml", "no such file")
    code, _, err = run_cli(capsys, "compare", tmp_path / "absent")
    assert_one_line_error(code, err, "absent")


@pytest.mark.parametrize("verb", ["run", "pk", "sweep", "compare"])
@pytest.mark.parametrize("where", ["a file", "under a file"])
def test_unwritable_out(capsys, tmp_path, verb, where):
    """--out that cannot be a folder (an existing file, or a path under one; as root, a chmod-ed
    folder would still be writable): one line naming it, exit 2, nothing written."""
    blocker = tmp_path / "file"
    blocker.write_text("x")
    target = blocker if where == "a file" else blocker / "sub"
    if verb == "sweep":
        given = write(tmp_path, GOOD + '[sweep]\n"simulation.seed" = [1, 2]\n', "e.toml")
    elif verb == "compare":
        given = tmp_path / "a_run"
        given.mkdir()
        (given / "summary.json").write_text(json.dumps({
            "glycine_uM": 2.6, "glycine_baseline_uM": 2.6, "glycine_site_occupancy": 0.42,
            "seed": 1, "config_hash": "0" * 16, "wall_time_s": 1.0,
            "config": resolve({}).to_dict()}))
        target = target / "compare.png"
    else:
        given = write(tmp_path, GOOD)
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    code, _, err = run_cli(capsys, verb, given, "--out", target)
    assert_one_line_error(code, err, "--out " if verb != "compare" else "", str(blocker))
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before
    assert blocker.read_text() == "x"


def _fake_run(path: Path) -> Path:
    t = np.sort(np.random.default_rng(0).uniform(0, 2, 500))
    run = RunData(config_toml="", attrs={"seed": 1}, spikes={"exc": (t, np.arange(500) % 50)},
                  n_nodes={"exc": 50}, rates={"exc": np.ones(2000)}, rate_dt_s=1e-3,
                  duration_s=2.0)
    return write_run(path, run)


def test_corrupt_or_truncated_run_file(capsys, tmp_path):
    good = _fake_run(tmp_path / "run.h5")
    truncated = tmp_path / "truncated.h5"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    junk = write(tmp_path, b"not hdf5 at all", "junk.h5")
    for bad in (truncated, junk):
        for verb in ("plot", "compare"):  # compare takes run folders, never a run.h5
            code, _, err = run_cli(capsys, verb, bad)
            assert_one_line_error(code, err, bad.name)
    assert not (tmp_path / "figures").exists() and not list(tmp_path.glob("*.png"))


def test_corrupt_summary_given_to_compare(capsys, tmp_path):
    run_dir = tmp_path / "r"
    run_dir.mkdir()
    (run_dir / "summary.json").write_text("{not json")
    code, _, err = run_cli(capsys, "compare", run_dir)
    assert_one_line_error(code, err, "summary.json")


# --------------------------------------------------------------------------- property-based
_values = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True, width=32),
    st.integers(-10**6, 10**6),
    st.booleans(),
    st.text(alphabet="abcdefxyz_-.", max_size=8),
    st.lists(st.integers(-3, 3), max_size=3),
)
_keys = st.sampled_from([
    "drug.dose_mg_per_kg", "drug.dose_mg", "drug.species", "drug.route", "drug.days",
    "drug.time_after_dose_h", "drug.region", "drug.mao_b_inhibitor", "bath.mg_mM",
    "bath.glycine_uM", "bath.apv_uM", "protocol.duration_s", "simulation.seed",
    "simulation.dt_ms", "network.n_exc", "mechanisms.tonic_glyr", "analysis.warmup_s",
    "bath.unknown", "nosuch.key", "drug",
])


def _toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf") if math.isinf(v) else repr(v)
    if isinstance(v, str):
        return '"' + v + '"'
    if isinstance(v, list):
        return "[" + ", ".join(str(x) for x in v) + "]"
    return str(v)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(overrides=st.lists(st.tuples(_keys, _values), max_size=4))
def test_any_override_is_valid_or_one_line_error(capsys, tmp_path, overrides):
    cfg = write(tmp_path, GOOD)
    args = []
    for key, value in overrides:
        args += ["--set", f"{key}={_toml_value(value)}"]
    code, out, err = run_cli(capsys, "validate", cfg, *args)
    if code == 0:
        assert "ok (config_hash" in out and err == ""
    else:
        assert_one_line_error(code, err)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=200))
def test_any_file_content_is_valid_or_one_line_error(capsys, tmp_path, text):
    code, out, err = run_cli(capsys, "validate", write(tmp_path, text))
    if code != 0:
        assert_one_line_error(code, err)


@pytest.mark.parametrize("verb", ["run", "sweep"])
def test_a_bad_milasim_arch_is_bad_input_before_anything_is_written(verb, tmp_path, capsys,
                                                                      monkeypatch):
    monkeypatch.setenv("MILASIM_ARCH", "native")
    config = write(tmp_path, GOOD)
    if verb == "sweep":
        config = write(tmp_path, '[sweep]\n"drug.dose_mg_per_kg" = [0, 100]\n', "e.toml")
    out = tmp_path / "out"
    code, _, err = run_cli(capsys, verb, config, "--out", out)
    assert_one_line_error(code, err, "MILASIM_ARCH", "expected one of portable, x86-64-v2")
    assert not out.exists()


# the drug module too: every generated dose regimen and bath gives a finite pk result or the
# one-line error (this found the unbounded body weight: 1e-20 kg reached the ODE solver)
_pk_values = {
    "drug.dose_mg_per_kg": st.floats(-1, 6000),
    "drug.dose_mg": st.floats(-1, 2e5),
    "drug.species": st.sampled_from(["rat", "mouse", "human", "dog"]),
    "drug.route": st.sampled_from(["ip", "oral", "iv", "sc"]),
    "drug.body_weight_kg": st.one_of(st.floats(-1, 600), st.floats(0, 1e-3)),
    "drug.doses_per_day": st.integers(0, 4),
    "drug.days": st.integers(0, 3),
    "drug.time_after_dose_h": st.floats(-1, 250),
    "drug.region": st.sampled_from(["hippocampus", "cortex", "cerebellum", "amygdala"]),
    "drug.mao_b_inhibitor": st.sampled_from(["none", "deprenyl"]),
    "drug.mao_a_inhibitor": st.sampled_from(["none", "clorgyline"]),
    "drug.mao_b_inactivation": st.booleans(),
    "bath.glycine_uM": st.floats(-1, 1.1e5),
    "bath.chlorokynurenate_uM": st.floats(-1, 1.1e5),
    "mechanisms.nmda_coagonism": st.booleans(),
}


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(overrides=st.lists(st.sampled_from(sorted(_pk_values)), max_size=6, unique=True).flatmap(
    lambda keys: st.fixed_dictionaries({k: _pk_values[k] for k in keys})))
def test_any_regimen_gives_finite_pk_or_one_line_error(capsys, tmp_path, overrides):
    args = []
    for key, value in overrides.items():
        args += ["--set", f"{key}={_toml_value(value) if not isinstance(value, str) else value}"]
    code, out, err = run_cli(capsys, "pk", write(tmp_path, GOOD), "--json", *args)
    if code == 0:
        report = json.loads(out)
        assert math.isfinite(report["glycine_uM"]) and report["glycine_uM"] >= 0
        assert 0 <= report["glycine_site_occupancy"] <= 1
    else:
        assert_one_line_error(code, err)


def test_absurd_body_weight_is_a_one_line_error(capsys, tmp_path):
    code, _, err = run_cli(capsys, "pk", write(tmp_path, GOOD), "--set", "drug.species=mouse",
                           "--set", "drug.body_weight_kg=1e-20")
    assert_one_line_error(code, err, "drug.body_weight_kg")


def test_help_explains_each_verb_with_examples_that_name_real_files(capsys):
    """`milasim` alone prints what it is and how to start; every verb has a description,
    examples and help on every argument; the example files exist."""
    import re

    from sim.cli import VERBS, build_parser, main

    assert main([]) == 2
    text = capsys.readouterr().out
    assert "milacemide" in text and "examples:" in text and "No science" not in text
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    root = Path(__file__).resolve().parents[1]
    for verb, (short, description, examples) in VERBS.items():
        p = sub.choices[verb]
        assert p.description == description and examples
        for action in p._actions:
            assert action.help, f"milasim {verb}: argument {action.dest} has no help"
        for example in examples:
            assert example.startswith(f"milasim {verb} ")
            for path in re.findall(r"(?:configs|experiments)/\S+\.toml", example):
                assert (root / path).is_file(), f"example of {verb} names a missing {path}"


def test_unknown_key_suggests_the_close_ones_and_print_lists_unset_optional_keys(capsys):
    from sim.cli import main

    root = Path(__file__).resolve().parents[1]
    config = str(root / "configs" / "epileptiform.toml")
    assert main(["validate", config, "--set", "bath.mg_mm=1"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == ("milasim: config error: bath.mg_mm: unknown key; did you mean bath.mg_mM or "
                   "bath.k_mM? (every key: docs/config.md)")
    assert main(["validate", config, "--set", "bath.zzz=1"]) == 2
    assert "did you mean" not in capsys.readouterr().err  # nothing close: no guess
    assert main(["validate", config, "--print"]) == 0
    out = capsys.readouterr().out
    for key in ("drug.dose_mg", "drug.body_weight_kg", "protocol.mg_washout_from_mM",
                "protocol.glycine_washin_uM"):
        assert f"# {key}" in out
