"""run.h5: writer and reader (the layout is the public contract in INTERFACE.md).

Layout::

    /                       attrs: config (TOML), config_hash, seed, sim_version, brian2_version,
                                   numpy_version, compiler, created, protocol
    /spikes/<pop>/timestamps   float64, s      (SONATA-style)
    /spikes/<pop>/node_ids     int32           attrs: n_nodes
    /rates/<pop>               float64, Hz     attrs: dt_s
    /drug/<name>               time courses (t_h, plasma_milacemide_uM, ...)
    /conditions/<name>         scalars the network was run with (glycine_uM, occupancy, mg_mM, ...)
    /analysis/<name>           metrics (scalars or arrays)
    /traces/<name>             optional extra time series (e.g. LTP efficacy), attrs: units

Every dataset carries a ``units`` attribute. The file is assembled in memory, written as
``run.h5.tmp-<pid>`` and renamed into place when complete, so a file called ``run.h5`` is always
whole; a failed write (a full disk) is a plain ``OSError``, never an HDF5 error inside the library.
"""

from __future__ import annotations

import datetime as _dt
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from sim.errors import InputError

#: Units of well-known names; anything else must be given explicitly (``name -> (value, units)``).
_UNIT_SUFFIXES = (
    ("_uM", "uM"), ("_mM", "mM"), ("_hz", "Hz"), ("_s", "s"), ("_h", "h"), ("_ms", "ms"),
    ("_percent", "%"), ("_nS", "nS"), ("_mV", "mV"),
)


def units_of(name: str) -> str:
    """The unit a dataset's name declares by its suffix, '1' (dimensionless) otherwise."""
    for suffix, unit in _UNIT_SUFFIXES:
        if name.endswith(suffix):
            return unit
    return "1"


@dataclass
class RunData:
    """Everything one run stored; what analysis and figures read."""

    config_toml: str
    attrs: dict[str, Any]
    spikes: dict[str, tuple[np.ndarray, np.ndarray]]  # pop -> (timestamps_s, node_ids)
    n_nodes: dict[str, int]
    rates: dict[str, np.ndarray]  # pop -> Hz
    rate_dt_s: float
    duration_s: float
    drug: dict[str, np.ndarray] = field(default_factory=dict)
    conditions: dict[str, Any] = field(default_factory=dict)
    analysis: dict[str, Any] = field(default_factory=dict)
    traces: dict[str, np.ndarray] = field(default_factory=dict)
    path: Path | None = None

    @property
    def config(self):
        """The resolved :class:`sim.config.Config` this run was made with."""
        import tomllib

        from sim.config import resolve

        return resolve(tomllib.loads(self.config_toml))


def _dataset(group: h5py.Group, name: str, value: Any, units: str | None = None) -> None:
    arr = np.asarray(value)
    if arr.dtype.kind in "US":
        ds = group.create_dataset(name, data=str(value), dtype=h5py.string_dtype())
    elif arr.ndim == 0:
        ds = group.create_dataset(name, data=arr)
    else:
        # chunked + gzip(4): readable by every h5py/HDF5 install, ~3x smaller spike tables
        ds = group.create_dataset(name, data=arr, compression="gzip", compression_opts=4,
                                  shuffle=True, chunks=True if arr.size > 1024 else None)
    ds.attrs["units"] = units if units is not None else units_of(name)


def write_run(path: str | Path, run: RunData) -> Path:
    """Write ``run`` to ``path`` atomically (temporary name, fsync, rename).

    HDF5 builds the file in memory (core driver, no backing store) and Python writes the image:
    when HDF5 itself hits a failing write (a full disk), h5py leaves broken objects behind that
    can crash the process when they are freed; a Python write raises a clean OSError instead.
    """
    path = Path(path)
    tmp = path.with_name(f"{path.name}.tmp-{os.getpid()}")
    try:
        with h5py.File(f"{tmp.name}-in-memory", "w", driver="core", backing_store=False) as f:
            for key, value in run.attrs.items():
                f.attrs[key] = value
            f.attrs["config"] = run.config_toml
            f.attrs["created"] = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
            f.attrs["duration_s"] = run.duration_s
            spikes = f.create_group("spikes")
            for pop, (times, ids) in run.spikes.items():
                g = spikes.create_group(pop)
                _dataset(g, "timestamps", np.asarray(times, dtype=np.float64), "s")
                _dataset(g, "node_ids", np.asarray(ids, dtype=np.int32), "1")
                g.attrs["n_nodes"] = run.n_nodes[pop]
            rates = f.create_group("rates")
            for pop, rate in run.rates.items():
                _dataset(rates, pop, np.asarray(rate, dtype=np.float64), "Hz")
                rates[pop].attrs["dt_s"] = run.rate_dt_s
            for group_name in ("drug", "conditions", "analysis", "traces"):
                g = f.create_group(group_name)
                for key, value in getattr(run, group_name).items():
                    if value is None:
                        continue
                    if isinstance(value, tuple):  # (value, units)
                        _dataset(g, key, value[0], value[1])
                    else:
                        _dataset(g, key, value)
            f.flush()
            image = f.id.get_file_image()
        with open(tmp, "wb") as out:
            out.write(image)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.is_symlink() or tmp.exists():
            tmp.unlink()
    return path


def _read_value(ds: h5py.Dataset) -> Any:
    value = ds[()]
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, np.ndarray):
        return value
    return value.item() if hasattr(value, "item") else value


def read_run(path: str | Path) -> RunData:
    """Read a run.h5; a missing, truncated or foreign file is an InputError naming the path."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file")
    try:
        with h5py.File(path, "r") as f:
            if "config" not in f.attrs or "spikes" not in f:
                raise InputError(f"{path}: not a milasim run file (no config or spikes)")
            attrs = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in f.attrs.items()}
            spikes, n_nodes = {}, {}
            for pop, g in f["spikes"].items():
                spikes[pop] = (g["timestamps"][()], g["node_ids"][()])
                n_nodes[pop] = int(g.attrs["n_nodes"])
            rates = {pop: ds[()] for pop, ds in f["rates"].items()}
            rate_dt = float(next(iter(f["rates"].values())).attrs["dt_s"]) if rates else 0.0
            groups = {
                name: {k: _read_value(ds) for k, ds in f[name].items()} if name in f else {}
                for name in ("drug", "conditions", "analysis", "traces")
            }
            return RunData(
                config_toml=str(attrs.pop("config")),
                attrs=attrs,
                spikes=spikes,
                n_nodes=n_nodes,
                rates=rates,
                rate_dt_s=rate_dt,
                duration_s=float(attrs.get("duration_s", 0.0)),
                path=path,
                **groups,
            )
    except InputError:
        raise
    except (OSError, KeyError, ValueError) as exc:
        raise InputError(f"{path}: unreadable or truncated HDF5 file ({exc})") from None
