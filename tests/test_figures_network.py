"""Network-run figures (sim.figures.network) from synthetic runs analysed as the protocol does:
PNGs written, title content, events drawn from the store, raster subsample."""

from __future__ import annotations

import numpy as np

from sim.analysis.bursts import BurstParams
from sim.config import resolve
from sim.figures.network import (
    plot_burst_metrics,
    plot_run,
    plot_run_figures,
    raster_subsample,
    run_title,
    stored_events,
)
from sim.protocols.epileptiform import analyse
from sim.store import RunData, read_run, write_run

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def synthetic_run(n_exc=400, n_inh=100, duration=6.0, bursts=((2.5, 2.8), (4.0, 4.2)),
                  runaway_from=None, conditions=None, seed=0) -> RunData:
    """Poisson background at 2 Hz, bursts where every neuron fires at 80 Hz, optional saturation
    at 250 Hz from ``runaway_from`` to the end."""
    rng = np.random.default_rng(seed)
    cfg = resolve({"network": {"n_exc": n_exc, "n_inh": n_inh},
                   "protocol": {"duration_s": duration}})
    spikes, rates = {}, {}
    dt = cfg.analysis.rate_bin_ms * 1e-3
    for pop, n in (("exc", n_exc), ("inh", n_inh)):
        k = rng.poisson(2.0 * n * duration)
        t, i = [rng.uniform(0, duration, k)], [rng.integers(0, n, k)]
        windows = [(a, b, 80.0) for a, b in bursts]
        if runaway_from is not None:
            windows.append((runaway_from, duration, 250.0))
        for a, b, hz in windows:
            k = rng.poisson(hz * n * (b - a))
            t.append(rng.uniform(a, b, k))
            i.append(rng.integers(0, n, k))
        times, ids = np.concatenate(t), np.concatenate(i)
        order = np.argsort(times)
        spikes[pop] = (times[order], ids[order])
        rates[pop] = np.bincount(np.minimum((times / dt).astype(int), int(duration / dt) - 1),
                                 minlength=int(round(duration / dt))) / (n * dt)
    run = RunData(
        config_toml=cfg.to_toml(), attrs={"seed": 1, "config_hash": cfg.config_hash()},
        spikes=spikes, n_nodes={"exc": n_exc, "inh": n_inh}, rates=rates, rate_dt_s=dt,
        duration_s=duration,
    )
    units = {"glycine_uM": "uM", "glycine_site_occupancy": "1", "mg_mM": "mM",
             "dose_mg_per_kg": "mg/kg", "dose_mg": "mg"}
    for name, value in (conditions if conditions is not None else {
            "glycine_uM": 3.21, "glycine_site_occupancy": 0.6234, "mg_mM": 0.0,
            "dose_mg_per_kg": 100.0}).items():
        run.put("conditions", name, value, units[name])
    analyse(run, BurstParams.from_mapping(cfg.analysis.model_dump()))
    return run


def assert_png(path, min_bytes=10_000):
    assert path.exists()
    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC
    assert len(data) > min_bytes


def test_title_has_conditions():
    title = run_title(synthetic_run(duration=2.0, bursts=()))
    assert title == ("glycine 3.21 µM · glycine-site occupancy 0.62 · Mg²⁺ 0 mM · "
                     "milacemide 100 mg/kg")
    assert "RUNAWAY" not in title


def test_title_runaway_and_human_dose_and_missing_keys():
    run = synthetic_run(duration=2.0, bursts=(), conditions={"mg_mM": 1.2, "dose_mg": 1200.0})
    run.analysis["runaway"] = np.bool_(True)
    assert run_title(run) == "RUNAWAY — Mg²⁺ 1.2 mM · milacemide 1.2e+03 mg"


def test_plot_run_and_burst_metrics_write_pngs(tmp_path):
    run = synthetic_run()
    assert run.analysis["n_bursts"] == 2 and not run.analysis["runaway"]
    assert_png(plot_run(run, tmp_path / "figs" / "run.png"))
    assert_png(plot_burst_metrics(run, tmp_path / "figs" / "bursts.png"))


def test_runaway_run_plots_and_titles_runaway(tmp_path):
    run = synthetic_run(bursts=((0.5, 0.7),), runaway_from=1.5)
    assert run.analysis["runaway"] is True
    assert run_title(run).startswith("RUNAWAY")
    assert_png(plot_run(run, tmp_path / "run.png"))
    assert_png(plot_burst_metrics(run, tmp_path / "bursts.png"))


def test_plots_survive_silence_and_hdf5_round_trip(tmp_path):
    run = synthetic_run(duration=2.0, bursts=())
    run.spikes = {p: (np.empty(0), np.empty(0, int)) for p in run.spikes}
    run.rates = {}
    run.analysis, run.units["analysis"] = {}, {}
    analyse(run, BurstParams())
    write_run(tmp_path / "run.h5", run)
    back = read_run(tmp_path / "run.h5")
    paths = plot_run_figures(back, tmp_path / "figures")
    assert [p.name for p in paths] == ["run.png", "bursts.png"]
    for p in paths:
        assert_png(p, min_bytes=5_000)


def test_raster_subsample_is_bounded_and_proportional():
    shown = raster_subsample({"exc": 3200, "inh": 800}, ["exc", "inh"], 500)
    assert shown["exc"].size == 400 and shown["inh"].size == 100
    assert np.all(np.diff(shown["exc"]) > 0) and shown["exc"].max() < 3200
    small = raster_subsample({"exc": 40, "inh": 10}, ["exc", "inh"], 500)
    np.testing.assert_array_equal(small["inh"], np.arange(10))
    tiny = raster_subsample({"exc": 10_000, "inh": 1}, ["exc", "inh"], 500)
    assert tiny["inh"].size == 1 and tiny["exc"].size + tiny["inh"].size <= 501


def test_figures_draw_the_stored_events_not_a_new_detection(tmp_path):
    run = synthetic_run()
    write_run(tmp_path / "run.h5", run)
    back = read_run(tmp_path / "run.h5")
    events = stored_events(back)
    assert events.n == 2
    np.testing.assert_allclose(events.start_s, back.analysis["events/start_s"])
    assert back.unit("analysis", "events/start_s") == "s"
    assert back.unit("analysis", "detection/threshold_hz") == "Hz"
    # the figures read what is stored: events edited in the file are what they draw
    back.analysis["events/start_s"] = back.analysis["events/start_s"][:1]
    back.analysis["events/stop_s"] = back.analysis["events/stop_s"][:1]
    for key in ("peak_rate_hz", "ictal_like", "touches_start", "touches_end"):
        back.analysis[f"events/{key}"] = back.analysis[f"events/{key}"][:1]
    assert stored_events(back).n == 1
    assert_png(plot_run(back, tmp_path / "one.png"))


def test_long_run_raster_becomes_a_rate_image_and_ions_get_a_panel(tmp_path, monkeypatch):
    """Beyond MAX_RASTER_SPIKES dots the raster is drawn as each neuron's binned rate; a run with
    [K+]o and [Na+]i traces gets a third panel."""
    import matplotlib.pyplot as plt

    from sim.figures import network as fn

    run = synthetic_run()
    t = np.linspace(0, run.duration_s, 61)
    run.put("traces", "ions_t_s", t, "s")
    run.put("traces", "k_o_mM", 3.5 + np.sin(t), "mM")
    run.put("traces", "na_in_exc_mM", 10 + t, "mM")
    monkeypatch.setattr(fn, "MAX_RASTER_SPIKES", 100)
    images, axes_seen = [], []
    real_save = fn.save_figure

    def spy(fig, path):
        axes_seen.append(len(fig.axes))
        images.extend(im for ax in fig.axes for im in ax.get_images())
        return real_save(fig, path)

    monkeypatch.setattr(fn, "save_figure", spy)
    assert_png(fn.plot_run(run, tmp_path / "run.png"))
    assert len(images) == 2  # one image per population
    assert axes_seen[0] == 4  # raster, rates, [K+]o and its [Na+]i twin
    plt.close("all")


def test_long_lines_are_drawn_as_their_min_max_envelope_in_time_order():
    from sim.figures.network import _drawn

    t = np.arange(7.0)
    y = np.array([0.0, 5.0, 1.0, 2.0, -3.0, 4.0, 9.0])
    dt, dy = _drawn(t, y, max_points=4)  # buckets of 4: [0 5 1 2] and the rest [-3 4 9]
    assert dt.tolist() == [0.0, 1.0, 4.0, 6.0] and dy.tolist() == [0.0, 5.0, -3.0, 9.0]
    assert _drawn(t, y, max_points=7)[1].tolist() == y.tolist()  # short lines unchanged
    rng = np.random.default_rng(0)
    y = rng.random(600_001)
    y[123_457] = 50.0  # one 1 ms spike in 10 min survives
    dt, dy = _drawn(np.arange(y.size) * 1e-3, y)
    assert dy.size <= 12_000 and np.all(np.diff(dt) > 0)
    assert dy.max() == 50.0 and dy.min() == y.min()


def test_startup_event_is_stored_flagged_and_drawn_apart(tmp_path, monkeypatch):
    """With analysis.ictal_startup_s an opening event is stored with its flag and drawn hatched
    under its own legend entry; a run.h5 written before the flag existed reads as no start-up."""
    import matplotlib.pyplot as plt

    from sim.analysis.ictal import IctalParams
    from sim.figures import network as fn

    run = synthetic_run(n_exc=200, n_inh=50, duration=30.0, bursts=((0.05, 11.0), (15.0, 26.0)))
    analyse(run, BurstParams(), ictal=IctalParams(ictal_startup_s=1.0))
    assert run.analysis["ictal_event_count"] == 1
    write_run(tmp_path / "run.h5", run)
    back = read_run(tmp_path / "run.h5")
    np.testing.assert_array_equal(stored_events(back).ictal_startup, [True, False])
    labels, real_save = [], fn.save_figure

    def spy(fig, path):
        labels.extend(t.get_text() for ax in fig.axes if ax.get_legend()
                      for t in ax.get_legend().get_texts())
        return real_save(fig, path)

    monkeypatch.setattr(fn, "save_figure", spy)
    assert_png(fn.plot_run(back, tmp_path / "run.png"))
    assert "ictal event (1)" in labels and "start-up event (not counted)" in labels
    del back.analysis["ictal/startup"]
    np.testing.assert_array_equal(stored_events(back).ictal_startup, [False, False])
    plt.close("all")
