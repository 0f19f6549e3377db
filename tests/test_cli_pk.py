"""`milasim pk` end to end, as a user runs it:
`python -m sim pk CONFIG [--set ...] [--json] [--out DIR]` in a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RAT = ROOT / "configs" / "pk_rat_100mgkg.toml"

CONTRACT_KEYS = {"glycine_uM", "glycine_baseline_uM", "glycine_change_percent",
                 "glycine_site_occupancy", "glycine_site_occupancy_baseline", "time_course",
                 "glycine_tissue_change_percent", "glycine_extracellular_change_percent",
                 "glycine_extracellular_uM", "glycine_tissue_umol_per_g", "glycinamide_uM"}
COURSE_KEYS = {"t_h", "plasma_milacemide_uM", "brain_milacemide_uM", "glycinamide_uM", "glycine_uM"}


def milasim(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sim", *args], cwd=cwd, capture_output=True, text=True, timeout=60
    )


def test_pk_json_has_the_contract_keys(tmp_path):
    proc = milasim("pk", str(RAT), "--json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert CONTRACT_KEYS <= report.keys()
    assert set(report["time_course"]) == COURSE_KEYS
    course = report["time_course"]
    n = len(course["t_h"])
    assert n > 10 and all(len(v) == n for v in course.values())
    assert course["t_h"][-1] > report["observation_h"] == 3.0
    # Chapman & Hart 1988: hippocampal tissue +59 % at 3 h after 100 mg/kg i.p.; what the receptor
    # sees (extracellular) is the smaller CSF-calibrated rise
    assert report["glycine_tissue_change_percent"] == pytest.approx(59.0, abs=5.0)
    assert report["glycine_change_percent"] == report["glycine_extracellular_change_percent"]
    assert 5.0 < report["glycine_change_percent"] < 0.5 * report["glycine_tissue_change_percent"]
    assert report["glycine_uM"] == report["glycine_extracellular_uM"]
    assert report["glycinamide_uM"] > 10.0
    assert report["glycine_tissue_umol_per_g"] == pytest.approx(
        report["glycine_tissue_baseline_umol_per_g"] * 1.59, rel=0.04)
    assert report["glycine_baseline_uM"] == pytest.approx(2.6)
    assert 0 < report["glycine_site_occupancy_baseline"] < report["glycine_site_occupancy"] < 1
    assert report["dose_mg_per_kg"] == 100.0 and report["dose_mg"] == pytest.approx(25.0)
    assert not list(tmp_path.iterdir())  # without --out nothing is written
    # each time course on one line: the output stays readable (2,152 lines before)
    lines = proc.stdout.splitlines()
    assert len(lines) < len(report) + len(course) + 10
    assert sum(line.lstrip().startswith('"t_h": [') for line in lines) == 1


def test_compact_json_is_the_same_json():
    from sim.cli import compact_json

    data = {"a": [1, 2.5, -3e-05, float("nan")], "b": {"c": [], "d": ["x", "y"]}, "e": 1.0}
    text = compact_json(data)
    back = json.loads(text)
    assert back["a"][:3] == data["a"][:3] and back["b"] == data["b"] and back["e"] == 1.0
    assert '"a": [1, 2.5, -3e-05, NaN]' in text


def test_pk_table_with_set_and_out_writes_the_figure(tmp_path):
    out = tmp_path / "pk_out"
    proc = milasim("pk", str(RAT), "--set", "drug.region=cerebellum", "--set", "bath.glycine_uM=1",
                   "--out", str(out), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "cerebellum" in proc.stdout and "uM" in proc.stdout
    assert "glycine change" in proc.stdout
    figure = out / "figures" / "pk.png"
    assert figure.exists() and figure.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert figure.stat().st_size > 20_000  # a real figure, not an empty canvas


def test_pk_bad_override_is_one_line_exit_2(tmp_path):
    proc = milasim("pk", str(RAT), "--set", "drug.dose_mg_per_kg=-5", "--json",
                   "--out", str(tmp_path / "never"), cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "drug.dose_mg_per_kg" in lines[0] and "Traceback" not in proc.stderr
    assert not (tmp_path / "never").exists()
