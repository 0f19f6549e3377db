"""run.h5 and summary.json: writers and readers (the layout is the public contract).

run.h5 layout::

    /                       attrs: config (TOML), config_hash, seed, sim_version, brian2_version,
                                   numpy_version, compiler, created, protocol, duration_s
    /spikes/<pop>/timestamps   float64, s      (SONATA-style)
    /spikes/<pop>/node_ids     int32           attrs: n_nodes
    /rates/<pop>               float64, Hz     attrs: dt_s
    /drug/<name>               the drug time course (t_h, plasma_milacemide_uM, ...)
    /conditions/<name>         the receptor state and bath the run was simulated with
    /analysis/<name>           metrics and detected events (e.g. /analysis/events/start_s)
    /traces/<name>             other time series (voltage, NMDA conductance, LTP efficacy, ...)

Every dataset carries a ``units`` attribute, declared by the code that made it (``RunData.put``),
never guessed from its name: writing a dataset without a declared unit is an error. The file is
written as ``run.h5.tmp-<pid>`` and renamed into place when complete, so a file called ``run.h5``
is always whole; a failed write (a full disk) is a plain ``OSError``.
Arrays are chunked and gzip-compressed (level 4, with shuffle), which every HDF5 reader decodes.

summary.json is read by :func:`read_summary` only: ``milasim compare`` and ``sweep.csv`` use it.
"""

from __future__ import annotations

import datetime as _dt
import io
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from sim.errors import InputError

#: The groups of run.h5 that hold named datasets with declared units.
GROUPS = ("drug", "conditions", "analysis", "traces")


@dataclass
class RunData:
    """Everything one run stored; what analysis results and figures are read from."""

    config_toml: str
    attrs: dict[str, Any] = field(default_factory=dict)
    spikes: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    n_nodes: dict[str, int] = field(default_factory=dict)
    rates: dict[str, np.ndarray] = field(default_factory=dict)  # pop -> Hz
    rate_dt_s: float = 0.0
    duration_s: float = 0.0
    drug: dict[str, Any] = field(default_factory=dict)
    conditions: dict[str, Any] = field(default_factory=dict)
    analysis: dict[str, Any] = field(default_factory=dict)
    traces: dict[str, Any] = field(default_factory=dict)
    #: group -> dataset name -> unit ("1" = dimensionless)
    units: dict[str, dict[str, str]] = field(default_factory=dict)
    path: Path | None = None

    def put(self, group: str, name: str, value: Any, unit: str) -> None:
        """Store ``value`` as ``/<group>/<name>`` with its unit."""
        if group not in GROUPS:
            raise ValueError(f"unknown run.h5 group {group!r}; expected one of {GROUPS}")
        getattr(self, group)[name] = value
        self.units.setdefault(group, {})[name] = unit

    def unit(self, group: str, name: str) -> str:
        return self.units.get(group, {})[name]

    @property
    def protocol(self) -> str:
        return str(self.attrs.get("protocol", "epileptiform"))

    @property
    def config(self):
        """The resolved :class:`sim.config.Config` this run was made with."""
        import tomllib

        from sim.config import resolve

        return resolve(tomllib.loads(self.config_toml))


def _dataset(group: h5py.Group, name: str, value: Any, units: str) -> None:
    arr = np.asarray(value)
    if arr.dtype.kind in "US":
        ds = group.create_dataset(name, data=str(value), dtype=h5py.string_dtype())
    elif arr.ndim == 0:
        ds = group.create_dataset(name, data=arr)
    else:
        # chunked + gzip(4): readable by every h5py/HDF5 install, ~3x smaller spike tables
        ds = group.create_dataset(name, data=arr, compression="gzip", compression_opts=4,
                                  shuffle=True, chunks=True if arr.size > 1024 else None)
    ds.attrs["units"] = units


class _SpillOnError:
    """The file object HDF5 writes ``run.h5`` through (h5py's ``fileobj`` driver): a disk file
    that never lets a write fail inside HDF5.

    When HDF5 itself sees a failing write (a full disk), h5py leaves broken objects behind that
    can crash the process when they are freed. Here the first failing write is kept instead, the
    file's content so far moves into memory and HDF5 finishes there; the caller raises the kept
    error once HDF5 has closed cleanly. A good write streams: nothing but HDF5's chunk cache is
    held in memory (the writer before this one built the whole file image in memory and copied
    it once more to write it).
    """

    def __init__(self, path: Path):
        self._file: Any = open(path, "w+b", buffering=0)
        self._disk = self._file
        self._extent = 0  # bytes written successfully (what to read back when spilling)
        self.error: OSError | None = None

    def write(self, data: Any) -> int:
        view = memoryview(data).cast("B")
        if self.error is None:
            start, done = self._file.tell(), 0
            try:
                while done < len(view):
                    done += self._file.write(view[done:])
            except OSError as exc:  # the bytes before `done` reached the disk: keep them
                self._extent = max(self._extent, start + done)
                self._spill(exc, start + done)
                self._file.write(view[done:])
            else:
                self._extent = max(self._extent, start + done)
            return len(view)
        return self._file.write(view)

    def _spill(self, exc: OSError, position: int) -> None:
        self.error = exc
        memory = io.BytesIO()
        self._disk.seek(0)
        remaining = self._extent
        while remaining > 0:
            block = self._disk.read(min(remaining, 1 << 20))
            if not block:
                break
            memory.write(block)
            remaining -= len(block)
        memory.seek(position)
        self._file = memory

    def readinto(self, buffer: Any) -> int:
        return self._file.readinto(buffer)

    def read(self, size: int = -1) -> bytes:
        return self._file.read(size)

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._file.seek(offset, whence)

    def tell(self) -> int:
        return self._file.tell()

    def truncate(self, size: int | None = None) -> int:
        if self.error is None:
            try:
                return self._file.truncate(size)
            except OSError as exc:
                self._spill(exc, self._file.tell())
        memory, at = self._file, self._file.tell()
        size = at if size is None else size
        end = memory.seek(0, io.SEEK_END)
        if size > end:  # in memory, growing the file means writing zeros
            memory.write(bytes(size - end))
        memory.truncate(size)
        memory.seek(at)
        return size

    def flush(self) -> None:
        pass  # unbuffered: every write reached the kernel (fsync happens in write_run)

    def close(self) -> None:
        self._disk.close()
        self._file = None

    def fsync(self) -> None:
        if self.error is None:
            try:
                os.fsync(self._disk.fileno())
            except OSError as exc:
                self.error = exc


def write_run(path: str | Path, run: RunData) -> Path:
    """Write ``run`` to ``path`` atomically (temporary name, fsync, rename), streaming each
    dataset to disk as HDF5 compresses it (memory: HDF5's chunk cache, not the file).

    A failing write (a full disk) is a plain OSError and leaves no file (see
    :class:`_SpillOnError`); a dataset whose unit was not declared is a ValueError (before
    anything is written).
    """
    for group_name in GROUPS:
        declared = run.units.get(group_name, {})
        undeclared = [k for k, v in getattr(run, group_name).items()
                      if v is not None and k not in declared]
        if undeclared:
            raise ValueError(f"run.h5: no unit declared for {group_name}/{undeclared[0]}")
    path = Path(path)
    tmp = path.with_name(f"{path.name}.tmp-{os.getpid()}")
    try:
        sink = _SpillOnError(tmp)
        try:
            with h5py.File(sink, "w") as f:
                _write_groups(f, run)
            sink.fsync()
        finally:
            sink.close()
        if sink.error is not None:
            raise sink.error
        os.replace(tmp, path)
    finally:
        if tmp.is_symlink() or tmp.exists():
            tmp.unlink()
    return path


def _write_groups(f: h5py.File, run: RunData) -> None:
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
    for group_name in GROUPS:
        g = f.create_group(group_name)
        for key, value in getattr(run, group_name).items():
            if value is not None:
                _dataset(g, key, value, run.units[group_name][key])


def _read_value(ds: h5py.Dataset) -> Any:
    value = ds[()]
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, np.ndarray):
        return value
    return value.item() if hasattr(value, "item") else value


def _read_group(g: h5py.Group) -> tuple[dict[str, Any], dict[str, str]]:
    values: dict[str, Any] = {}
    units: dict[str, str] = {}

    def visit(name: str, obj: Any) -> None:
        if isinstance(obj, h5py.Dataset):
            values[name] = _read_value(obj)
            unit = obj.attrs.get("units", "1")
            units[name] = unit.decode() if isinstance(unit, bytes) else str(unit)

    g.visititems(visit)
    return values, units


def resolve_run_file(path: str | Path) -> Path:
    """``path`` itself, or ``path/run.h5`` when ``path`` is a run folder; InputError otherwise."""
    path = Path(path)
    if path.is_dir():
        if (path / "run.h5").is_file():
            return path / "run.h5"
        raise InputError(f"{path}: a folder without run.h5 (expected a run folder or its run.h5)")
    if not path.exists():
        raise InputError(f"{path}: no such file")
    return path


def read_run(path: str | Path) -> RunData:
    """Read a run.h5 (or the run.h5 of a run folder); a missing, truncated or foreign file is an
    InputError naming the path."""
    path = resolve_run_file(path)
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
            groups, units = {}, {}
            for name in GROUPS:
                groups[name], units[name] = _read_group(f[name]) if name in f else ({}, {})
            return RunData(
                config_toml=str(attrs.pop("config")), attrs=attrs, spikes=spikes,
                n_nodes=n_nodes, rates=rates, rate_dt_s=rate_dt,
                duration_s=float(attrs.get("duration_s", 0.0)), units=units, path=path,
                **groups,
            )
    except InputError:
        raise
    except (OSError, KeyError, ValueError) as exc:
        raise InputError(f"{path}: not a readable HDF5 run file ({type(exc).__name__}: "
                         f"{exc})") from None


# --------------------------------------------------------------------------- summary.json
def read_summary(path: str | Path) -> dict[str, Any]:
    """A run's summary.json as a dict; InputError naming the file when it is not one.

    Values are as written: numbers, booleans (``runaway``), null for an undefined metric,
    ``config`` (the resolved config as a nested dict) and ``versions``.
    """
    path = Path(path)
    try:
        values = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(values, dict):
        raise InputError(f"{path}: expected a JSON object of metrics")
    return values
