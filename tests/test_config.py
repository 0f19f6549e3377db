"""The config schema (sim.config) on its own: tables, swept tables, overrides, one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.config import Config, ConfigError, load_config, parse_override, resolve


def test_a_swept_protocol_table_replaces_the_table_whole():
    ltp = resolve({"experiment": {"protocol": "ltp"}, "protocol": {"induction": "tbs"}})
    epi = ltp.replace({"experiment.protocol": "epileptiform", "protocol": {"duration_s": 20.0}})
    assert epi.protocol.duration_s == 20.0 and epi.experiment.protocol == "epileptiform"
    back = epi.replace({"experiment.protocol": "ltp", "protocol": {"induction": "hfs"}})
    assert back.protocol.induction == "hfs"


def test_resolved_config_round_trips_through_toml(tmp_path):
    cfg = resolve({"experiment": {"protocol": "ltp"}, "protocol": {"tbs_bursts": 5}})
    path = tmp_path / "c.toml"
    path.write_text(cfg.to_toml())
    again = load_config(path)
    assert again == cfg and again.config_hash() == cfg.config_hash()
    assert type(again.protocol).__name__ == "LtpTable"


def test_overrides_and_errors_name_the_key():
    assert parse_override("bath.mg_mM=0") == ("bath.mg_mM", 0)
    assert parse_override("drug.species=rat") == ("drug.species", "rat")
    with pytest.raises(ConfigError, match=r"^experiment\.protocol must be one of 'epileptiform', "
                                          r"'ltp', 'memory', got 'x'"):
        resolve({"experiment": {"protocol": "x"}})
    with pytest.raises(ConfigError, match=r"^protocol must be a table"):
        resolve({"protocol": 3})
    assert Config().protocol.duration_s == 20.0


CONFIGS = sorted((Path(__file__).resolve().parents[1] / "configs").glob("*.toml"))


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.stem)
def test_every_shipped_config_loads_and_says_why_in_a_header(path):
    load_config(path)  # valid, its extends chain included
    assert path.read_text().startswith("# ")
