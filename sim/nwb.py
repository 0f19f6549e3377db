"""Export a run to NWB (Neurodata Without Borders, read by pynwb, Neo, NWB Widgets, Neurosift,
DANDI): ``milasim export RUN --nwb FILE`` and ``sim.load(path).to_nwb(FILE)``.

What goes where:

- spikes: the ``Units`` table, one row per neuron (``spike_times`` in s), with columns
  ``population`` (``exc``/``inh``/...) and ``node_id`` (the neuron's index in its population, as
  in run.h5). Neurons that never fired are rows with no spikes, so the table is the whole network.
- population rates and recorded traces: ``TimeSeries`` in the processing module ``milasim``, with
  SI units and a ``conversion`` factor (mV -> volts x 1e-3, nS -> siemens x 1e-9) or the unit
  run.h5 declares when it has no SI form (mM, uM, %); regular sampling is stored as a rate.
- detected events: ``TimeIntervals`` (``network_bursts``, ``ictal_events``) with their columns;
  for LTP runs the stimulation of each arm as ``TimeIntervals`` ``induction``.
- the drug, bath and receptor state: a one-row table ``conditions`` in the processing module
  (units in the column names and descriptions), the dose also in ``NWBFile.pharmacology``; the
  seed, versions and config hash in ``NWBFile.notes`` with the whole resolved config (TOML).

pynwb is an optional dependency (``pip install pynwb``, in the ``nwb`` and ``test`` extras).
"""

from __future__ import annotations

import datetime as _dt
import os
import re
from pathlib import Path
from typing import Any

import numpy as np

from sim.errors import InputError
from sim.store import RunData

#: run.h5 unit -> (NWB unit, conversion to it)
SI_UNITS = {"mV": ("volts", 1e-3), "nS": ("siemens", 1e-9), "s": ("seconds", 1.0),
            "ms": ("seconds", 1e-3), "Hz": ("Hz", 1.0)}

#: drug.species -> (NWB species, ISO 8601 age range of an adult: "at least ...")
SPECIES = {"rat": ("Rattus norvegicus", "P8W/"), "mouse": ("Mus musculus", "P8W/"),
           "human": ("Homo sapiens", "P18Y/")}

#: run.h5 event groups exported as TimeIntervals: group -> (table name, description)
EVENT_TABLES = {
    "events": ("network_bursts", ("network bursts detected on the pooled population rate "
                                  "(interictal discharges and ictal-like events)")),
    "ictal": ("ictal_events", ("ictal (seizure-like) events: onset, end, tonic phase, "
                               "post-ictal suppression")),
}


def _pynwb():
    try:
        import pynwb
    except ImportError:
        raise InputError("NWB export needs pynwb: pip install pynwb (or the milasim[nwb] "
                         "extra)") from None
    return pynwb


def _time_base(name: str, value: np.ndarray, times: dict[str, np.ndarray]) -> str | None:
    """The time vector (``*t_s``) a trace is sampled on: same length, the longest shared name
    prefix (``efficacy_hfs_percent`` -> ``efficacy_hfs_t_s``), else ``t_s``."""
    fits = [t for t, v in times.items() if len(v) == len(value)]
    if not fits:
        return None

    def shared(t: str) -> int:
        stem = t[: -len("t_s")]
        return len(stem) if name.startswith(stem) else -1

    return max(fits, key=lambda t: (shared(t), t == "t_s"))


def _series(pynwb: Any, name: str, data: np.ndarray, unit: str, t: np.ndarray | None = None,
            rate: float | None = None, description: str = "") -> Any:
    nwb_unit, conversion = SI_UNITS.get(unit, (unit or "n/a", 1.0))
    timing: dict[str, Any]
    if t is not None:
        step = np.diff(t)
        regular = t.size > 1 and np.allclose(step, step[0], rtol=1e-9, atol=0)
        timing = ({"starting_time": float(t[0]), "rate": float(1.0 / step[0])} if regular
                  else {"timestamps": np.asarray(t, dtype=np.float64)})
    else:
        timing = {"starting_time": 0.0, "rate": float(rate)}
    return pynwb.TimeSeries(name=name, data=np.asarray(data), unit=nwb_unit, conversion=conversion,
                            description=description or f"{name} ({unit})", **timing)


def to_nwbfile(run: RunData) -> Any:
    """The run as an in-memory ``pynwb.NWBFile``."""
    pynwb = _pynwb()
    from hdmf.common import DynamicTable, VectorData, VectorIndex
    from pynwb.epoch import TimeIntervals
    from pynwb.file import Subject
    from pynwb.misc import Units

    attrs = run.attrs
    created = _dt.datetime.fromisoformat(str(attrs.get("created", "1970-01-01T00:00:00+00:00")))
    cfg = run.config
    c = run.conditions
    dose = (f"milacemide {cfg.drug.dose_mg_per_kg:g} mg/kg ({c.get('dose_mg', float('nan')):.3g} mg)"
            f" {cfg.drug.route}, {cfg.drug.species}, observed {cfg.drug.time_after_dose_h:g} h "
            "after the dose" if cfg.drug.dose_mg_per_kg or cfg.drug.dose_mg else "no drug (vehicle)")
    bath = ", ".join(f"{k} {v:g}" for k, v in sorted(c.items())
                     if k.endswith(("_mM", "_uM")) and k.split("_")[0] in
                     ("mg", "apv", "bicuculline", "chlorokynurenate"))
    nwb = pynwb.NWBFile(
        session_description=(f"milasim {attrs.get('protocol')} simulation: "
                             f"{cfg.experiment.description or 'no description'}"),
        identifier=f"milasim-{attrs.get('config_hash')}-seed{attrs.get('seed')}",
        session_start_time=created,
        experiment_description=("Spiking E/I network (Brian2) whose NMDA conductance is gated by "
                                "the glycine-site occupancy set by the milacemide metabolic model"),
        pharmacology=f"{dose}; bath: {bath}",
        notes=(f"seed {attrs.get('seed')}, config_hash {attrs.get('config_hash')}, milasim "
               f"{attrs.get('sim_version')}, brian2 {attrs.get('brian2_version')}, compiler "
               f"{attrs.get('compiler')}.\nResolved config (TOML):\n{run.config_toml}"),
        source_script=f"milasim {attrs.get('sim_version')}", source_script_file_name="milasim",
        keywords=["milacemide", "glycine", "NMDA receptor", "spiking network", "simulation"],
    )

    # spikes: one unit per neuron of each population, built as whole columns (a run can hold
    # tens of millions of spikes; add_unit per neuron is orders of magnitude slower)
    pops = list(run.spikes)
    spike_t, counts, population, node_id = [], [], [], []
    for pop in pops:
        times, ids = run.spikes[pop]
        ids = np.asarray(ids)
        n = int(run.n_nodes[pop])
        order = np.argsort(ids, kind="stable")  # keeps time order within a neuron
        spike_t.append(np.asarray(times, dtype=np.float64)[order])
        counts.append(np.bincount(ids, minlength=n)[:n])
        population += [pop] * n
        node_id.append(np.arange(n))
    spike_times = VectorData(name="spike_times", description="spike times of each neuron (s)",
                             data=np.concatenate(spike_t) if spike_t else np.empty(0))
    index = VectorIndex(name="spike_times_index", target=spike_times,
                        data=np.cumsum(np.concatenate(counts)) if counts else np.empty(0, int))
    nwb.units = Units(
        name="units", description="every neuron of the simulated network, one row each",
        resolution=float(cfg.simulation.dt_ms) * 1e-3,  # spike times are on the time-step grid
        id=list(range(len(population))),
        columns=[spike_times, index,
                 VectorData(name="population", data=population,
                            description="the neuron's population (exc, inh, ...)"),
                 VectorData(name="node_id", data=np.concatenate(node_id) if node_id else [],
                            description="the neuron's index within its population (run.h5 "
                                        "node_ids)")],
    )
    # no animal was recorded; the subject is the one the drug model stands for (NWB and DANDI
    # require species and age): an adult of the config's species, the age class of the
    # animals and volunteers whose data calibrated the pharmacokinetics (docs/literature.md)
    species, adult = SPECIES[cfg.drug.species]
    nwb.subject = Subject(subject_id="simulated-network", species=species, sex="U", age=adult,
                          description=f"no animal: a simulated network. Species and age are those "
                                      f"the drug model represents (an adult {cfg.drug.species}, "
                                      f"age given as an open range from {adult[:-1]})")

    module = nwb.create_processing_module("milasim", "population rates, recorded traces and "
                                                     "the simulated conditions of this run")
    for pop, rate in run.rates.items():
        module.add(_series(pynwb, f"rate_{pop}", rate, "Hz", rate=1.0 / run.rate_dt_s,
                           description=f"mean firing rate per {pop} neuron in bins of "
                                       f"{run.rate_dt_s * 1e3:g} ms"))
    times = {k: np.asarray(v) for k, v in run.traces.items()
             if k.endswith("t_s") and np.ndim(v) == 1}
    stimuli = {m.group(1): np.asarray(v, dtype=float) for k, v in run.traces.items()
               if (m := re.fullmatch(r"induction_(.+)_s", k)) and np.size(v) == 2}
    for name, value in run.traces.items():
        value = np.asarray(value)
        if name in times or value.ndim == 0 or value.size < 2 or \
                re.fullmatch(r"induction_(.+)_s", name):
            continue
        base = _time_base(name, value, times)
        if base is None:
            continue
        module.add(_series(pynwb, name, value, run.units["traces"][name], t=times[base],
                           description=f"{name} ({run.units['traces'][name]}), sampled at "
                                       f"traces/{base} of run.h5"))

    columns = [VectorData(name=k, data=[float(v)],
                          description=f"{k} ({run.units['conditions'][k]})")
               for k, v in sorted(c.items()) if np.ndim(v) == 0]
    module.add(DynamicTable(name="conditions", description="the drug, bath and receptor state the "
                            "run was simulated with (units in the column descriptions)",
                            columns=columns))

    if stimuli:  # LTP: each arm's induction, on its efficacy trace's time axis (onset = 0)
        induction = TimeIntervals(name="induction", description="the plasticity-inducing "
                                  "stimulation of each arm (s from its onset; baseline before 0)")
        induction.add_column("arm", "the protocol arm (hfs, tbs, lfs, <rate>hz, pairing)")
        for arm, (start, stop) in stimuli.items():
            induction.add_interval(start_time=float(start), stop_time=float(stop), arm=arm)
        nwb.add_time_intervals(induction)

    a = run.analysis
    if "phases_s" in a:  # memory: training and the recall cue, in simulated time
        train_on, train_off, jump, cue_on, cue_off, _end = (float(x) for x in a["phases_s"])
        phases = TimeIntervals(name="memory_phases", description="training and the recall cue "
                               f"(simulated time); the delay ({float(a['delay_h']):g} h) is "
                               f"applied in one step at {jump:g} s")
        phases.add_column("phase", "training or cue")
        phases.add_interval(start_time=train_on, stop_time=train_off, phase="training")
        phases.add_interval(start_time=cue_on, stop_time=cue_off, phase="cue")
        nwb.add_time_intervals(phases)
    for group, (table, description) in EVENT_TABLES.items():
        start, stop = a.get(f"{group}/start_s"), a.get(f"{group}/stop_s")
        if start is None or stop is None or len(start) == 0:
            continue
        intervals = TimeIntervals(name=table, description=description)
        extra = sorted(k.split("/", 1)[1] for k in a if k.startswith(f"{group}/")
                       and k.split("/", 1)[1] not in ("start_s", "stop_s")
                       and np.ndim(a[k]) == 1 and len(a[k]) == len(start))
        values = {col: np.asarray(a[f"{group}/{col}"]) for col in extra}
        for col, v in values.items():
            if v.dtype.kind in "iu" and set(np.unique(v)) <= {0, 1} and \
                    run.units["analysis"][f"{group}/{col}"] == "1":
                values[col] = v.astype(bool)  # a 0/1 flag (run.h5 stores int8)
            intervals.add_column(col, f"{col} ({run.units['analysis'][f'{group}/{col}']})")
        for k in range(len(start)):
            intervals.add_interval(start_time=float(start[k]), stop_time=float(stop[k]),
                                   **{col: v[k].item() for col, v in values.items()})
        nwb.add_time_intervals(intervals)
    return nwb


def export_nwb(run: RunData, path: str | Path) -> Path:
    """Write ``run`` as an NWB file at ``path`` (written under a temporary name, then renamed)."""
    pynwb = _pynwb()
    path = Path(path)
    if path.suffix != ".nwb":
        raise InputError(f"--nwb {path}: an NWB file name ends in .nwb")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.tmp-{os.getpid()}.nwb")
    nwbfile = to_nwbfile(run)
    try:
        with pynwb.NWBHDF5IO(str(tmp), "w") as io:
            io.write(nwbfile)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    return path
