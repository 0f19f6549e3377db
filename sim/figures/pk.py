"""The figure of ``milasim pk --out``: milacemide, glycinamide and glycine over time."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from sim.figures.style import new_figure, save_figure


def plot_pk(report: dict[str, Any], path: Path) -> Path:
    """Plasma and brain milacemide, brain glycinamide and extracellular glycine over time, with the
    glycine baseline and the observation time marked. Long regimens get a second column that zooms
    on the last dose. Writes a PNG (parents created) and returns its path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    course = report["time_course"]
    t = np.asarray(course["t_h"])
    t_obs = report["observation_h"]
    last_dose = t_obs - report["time_after_dose_h"]
    interval = 24.0 / report["doses_per_day"]
    dose_times = last_dose - interval * np.arange(report["n_doses"])[::-1]
    long_course = t[-1] > 48.0
    ncols = 2 if long_course else 1

    fig = new_figure((6.2 * ncols + 0.6, 8.0))
    axes = fig.subplots(3, ncols, sharex="col", squeeze=False)

    colours = {"plasma": "#1f77b4", "brain": "#17becf", "gam": "#9467bd", "gly": "#d62728"}
    base = report["glycine_baseline_uM"]
    for col in range(ncols):
        zoom = col == 1
        if zoom:
            lo = max(last_dose - interval, 0.0)
            sel = t >= lo
            x = t[sel] - last_dose
            x_obs = t_obs - last_dose
            doses_x = dose_times[dose_times >= lo] - last_dose
            xlabel = "time since the last dose (h)"
        else:
            sel = np.ones_like(t, dtype=bool)
            scale = 24.0 if long_course else 1.0
            x = t / scale
            x_obs = t_obs / scale
            doses_x = dose_times / scale
            xlabel = "time since the first dose (days)" if long_course else "time since the dose (h)"
            if report["n_doses"] > 1 and not long_course:
                xlabel = "time since the first dose (h)"
        ax_m, ax_g, ax_y = axes[:, col]
        ax_m.plot(x, np.asarray(course["plasma_milacemide_uM"])[sel], color=colours["plasma"],
                  label="plasma")
        ax_m.plot(x, np.asarray(course["brain_milacemide_uM"])[sel], color=colours["brain"],
                  label="brain")
        ax_m.set_ylabel("milacemide (µM)")
        ax_m.legend(loc="upper right", frameon=True, facecolor="white", edgecolor="none",
                    framealpha=0.9)
        if len(doses_x) <= 30:
            ax_m.plot(doses_x, np.zeros_like(doses_x), "^", color="k", ms=6, clip_on=False,
                      label="_dose")
        ax_g.plot(x, np.asarray(course["glycinamide_uM"])[sel], color=colours["gam"])
        ax_g.set_ylabel("brain glycinamide (µM)")
        gly = np.asarray(course["glycine_uM"])[sel]
        ax_y.plot(x, gly, color=colours["gly"], label=f"glycine ({report['region']})")
        base_label = f"baseline {base:.2f} µM"
        if report["bath_glycine_uM"] > 0:
            base_label += f" (incl. {report['bath_glycine_uM']:g} µM bath)"
        ax_y.axhline(base, color="0.4", ls="--", lw=1, label=base_label)
        ax_y.plot([x_obs], [report["glycine_uM"]], "o", color=colours["gly"], ms=7)
        if zoom or not long_course:
            ax_y.annotate(
                f"{report['glycine_uM']:.2f} µM ({report['glycine_change_percent']:+.0f} %)",
                (x_obs, report["glycine_uM"]), textcoords="offset points", xytext=(8, 6),
                fontsize=9,
            )
        ax_y.set_ylabel("extracellular glycine (µM)")
        ax_y.set_xlabel(xlabel)
        ax_y.legend(loc="upper right", frameon=True, facecolor="white", edgecolor="none",
                    framealpha=0.9, fontsize=9)
        top = max(float(gly.max()), base) * 1.15 if gly.size else base * 1.2
        ax_y.set_ylim(min(float(gly.min()), base) * 0.9 if gly.size else 0.0, top)
        for ax in (ax_m, ax_g, ax_y):
            ax.axvline(x_obs, color="0.2", ls=":", lw=1)
            ax.set_xlim(float(x[0]), float(x[-1]))
            ax.spines[["top", "right"]].set_visible(False)
        ax_m.set_ylim(bottom=0)
        ax_g.set_ylim(bottom=0)
        ax_m.text(x_obs, 1.0, "observed ", transform=ax_m.get_xaxis_transform(), fontsize=8,
                  va="top", ha="right", color="0.2")
        if ncols == 2:
            ax_m.set_title("whole regimen" if not zoom else "last dose", fontsize=11)

    title = f"Milacemide {report['description']} - {report['region']}"
    modifiers = report["modifiers"]
    if modifiers:
        title += f"\n{modifiers}"
    subtitle = (
        f"observed {report['time_after_dose_h']:g} h after the last dose: extracellular glycine "
        f"{report['glycine_change_percent']:+.1f} % (tissue "
        f"{report['glycine_tissue_change_percent']:+.1f} %)\nNMDA glycine-site activation "
        f"{report['glycine_site_occupancy']:.2f} (baseline "
        f"{report['glycine_site_occupancy_baseline']:.2f})"
    )
    fig.suptitle(f"{title}\n{subtitle}", fontsize=11)
    return save_figure(fig, path)
