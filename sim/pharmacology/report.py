"""``milasim pk``: the drug module alone, dose -> brain glycine -> NMDA glycine-site occupancy.

- :func:`pk_report` runs :func:`sim.pharmacology.simulate` for a config and returns a JSON-ready
  dict (the INTERFACE.md keys plus the resolved regimen and a few extras);
- :func:`format_pk_table` prints it as an aligned table with units;
- :func:`plot_pk` draws the time courses into a PNG.

Bath glycine (``cfg.bath.glycine_uM``, an in-vitro manipulation) adds to the drug-driven level:
``glycine_uM``, ``glycine_baseline_uM`` and ``time_course.glycine_uM`` all include it, so the three
agree with one another; ``glycine_drug_uM`` and ``bath_glycine_uM`` give the two parts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from sim.pharmacology.model import DrugTimeCourse, simulate
from sim.receptors import glycine_site_occupancy, glyr_activation

ROUTE_LABEL = {"ip": "i.p.", "oral": "oral", "iv": "i.v."}
#: Significant digits kept in the time-course lists (keeps the JSON short; the solver's own
#: relative tolerance is 1e-8, the figures need far less).
TIME_COURSE_DIGITS = 6


def _sig(values: np.ndarray, digits: int = TIME_COURSE_DIGITS) -> list[float]:
    return [float(f"{v:.{digits}g}") for v in np.asarray(values, dtype=float)]


def _course(tc: DrugTimeCourse, bath_glycine_uM: float) -> dict[str, list[float]]:
    return {
        "t_h": _sig(tc.t_h, 8),
        "plasma_milacemide_uM": _sig(tc.plasma_milacemide_uM),
        "brain_milacemide_uM": _sig(tc.brain_milacemide_uM),
        "glycinamide_uM": _sig(tc.glycinamide_uM),
        "glycine_uM": _sig(tc.glycine_uM + bath_glycine_uM),
    }


def pk_report(cfg) -> dict[str, Any]:
    """Everything ``milasim pk`` shows, for a :class:`sim.config.Config`; JSON-serialisable."""
    drug, bath = cfg.drug, cfg.bath
    tc = simulate(drug)
    reg = tc.regimen
    bath_gly = float(bath.glycine_uM)
    ck = float(bath.chlorokynurenate_uM)
    glycine = tc.glycine_uM_observed + bath_gly
    baseline = tc.glycine_baseline_uM + bath_gly
    i_peak = int(np.argmax(tc.glycine_uM))
    return {
        "species": reg.species,
        "route": reg.route,
        "region": drug.region,
        "body_weight_kg": reg.body_weight_kg,
        "dose_mg_per_kg": reg.dose_mg_per_kg,
        "dose_mg": reg.dose_mg,
        "dose_umol": reg.dose_umol,
        "doses_per_day": reg.doses_per_day,
        "days": reg.days,
        "n_doses": reg.n_doses,
        "daily_dose_mg": reg.dose_mg * reg.doses_per_day,
        "time_after_dose_h": float(drug.time_after_dose_h),
        "observation_h": tc.observation_h,
        "mao_b_inhibitor": drug.mao_b_inhibitor,
        "mao_a_inhibitor": drug.mao_a_inhibitor,
        "mao_b_inactivation": bool(drug.mao_b_inactivation),
        "plasma_milacemide_uM": tc.plasma_milacemide_uM_observed,
        "brain_milacemide_uM": tc.brain_milacemide_uM_observed,
        "glycinamide_uM": tc.glycinamide_uM_observed,
        "mao_b_active_fraction": tc.mao_b_active_fraction_observed,
        "bath_glycine_uM": bath_gly,
        "chlorokynurenate_uM": ck,
        "glycine_drug_uM": tc.glycine_uM_observed,
        "glycine_uM": glycine,
        "glycine_baseline_uM": baseline,
        "glycine_change_percent": 100.0 * (glycine - baseline) / baseline,
        "glycine_peak_uM": float(tc.glycine_uM[i_peak]) + bath_gly,
        "glycine_peak_h": float(tc.t_h[i_peak]),
        "glycine_site_occupancy": float(glycine_site_occupancy(glycine, chlorokynurenate_uM=ck)),
        "glycine_site_occupancy_baseline": float(
            glycine_site_occupancy(baseline, chlorokynurenate_uM=ck)
        ),
        "glyr_activation": float(glyr_activation(glycine)),
        "glyr_activation_baseline": float(glyr_activation(baseline)),
        "mass_balance_error_umol": float(np.max(np.abs(tc.mass_balance_error()))),
        "time_course": _course(tc, bath_gly),
    }


# --------------------------------------------------------------------------- text
def _num(x: float) -> str:
    if x == 0:
        return "0"
    if abs(x) >= 1e5 or abs(x) < 1e-3:
        return f"{x:.3g}"
    if abs(x) >= 100:
        return f"{x:.0f}"
    if abs(x) >= 10:
        return f"{x:.1f}"
    return f"{x:.3g}" if abs(x) < 0.1 else f"{x:.2f}"


def describe_regimen(report: dict[str, Any]) -> str:
    """``"rat, 100 mg/kg (25 mg) i.p., single dose"`` and the like."""
    route = ROUTE_LABEL.get(report["route"], report["route"])
    dose = f"{_num(report['dose_mg_per_kg'])} mg/kg ({_num(report['dose_mg'])} mg)"
    if report["species"] == "human":
        dose = f"{_num(report['dose_mg'])} mg ({_num(report['dose_mg_per_kg'])} mg/kg)"
    if report["n_doses"] == 1:
        how = "single dose"
    else:
        how = f"{report['doses_per_day']}x/day for {report['days']} day{'s' * (report['days'] > 1)}"
    return f"{report['species']}, {dose} {route}, {how}"


def _drug_modifiers(report: dict[str, Any]) -> str:
    parts = []
    if report["mao_b_inhibitor"] != "none":
        parts.append(f"+ {report['mao_b_inhibitor']} (MAO-B blocked)")
    if report["mao_a_inhibitor"] != "none":
        parts.append(f"+ {report['mao_a_inhibitor']} (MAO-A blocked)")
    if report["mao_b_inactivation"]:
        parts.append("MAO-B inactivation on")
    return ", ".join(parts)


def format_pk_table(report: dict[str, Any]) -> str:
    """The report as an aligned table: regimen, concentrations at the observation time, receptors."""
    modifiers = _drug_modifiers(report)
    head = f"milacemide: {describe_regimen(report)}; {report['region']}"
    if modifiers:
        head += f"; {modifiers}"
    obs = (
        f"at observation: {report['time_after_dose_h']:g} h after the last dose "
        f"(t = {report['observation_h']:g} h since the first)"
    )
    rows: list[tuple[str, str, str] | None] = [
        ("body weight", _num(report["body_weight_kg"]), "kg"),
        ("dose", _num(report["dose_mg_per_kg"]), "mg/kg"),
        ("dose", _num(report["dose_mg"]), "mg"),
        ("doses", f"{report['n_doses']}", f"({report['doses_per_day']}/day x {report['days']} d)"),
        None,
        ("plasma milacemide", _num(report["plasma_milacemide_uM"]), "uM"),
        ("brain milacemide", _num(report["brain_milacemide_uM"]), "uM"),
        ("brain glycinamide", _num(report["glycinamide_uM"]), "uM"),
        ("MAO-B active", _num(100 * report["mao_b_active_fraction"]), "%"),
        ("glycine, drug-driven", _num(report["glycine_drug_uM"]), "uM"),
        ("glycine, bath", _num(report["bath_glycine_uM"]), "uM"),
        ("glycine (extracellular)", _num(report["glycine_uM"]), "uM"),
        ("glycine baseline", _num(report["glycine_baseline_uM"]), "uM"),
        ("glycine change", f"{report['glycine_change_percent']:+.1f}", "%"),
        ("glycine peak", _num(report["glycine_peak_uM"]),
         f"uM at t = {_num(report['glycine_peak_h'])} h"),
        None,
        ("7-chlorokynurenate", _num(report["chlorokynurenate_uM"]), "uM"),
        ("NMDA glycine-site occupancy", f"{report['glycine_site_occupancy']:.3f}", ""),
        ("  at baseline", f"{report['glycine_site_occupancy_baseline']:.3f}", ""),
        ("GlyR activation", f"{report['glyr_activation']:.2e}", ""),
        ("  at baseline", f"{report['glyr_activation_baseline']:.2e}", ""),
    ]
    filled = [r for r in rows if r is not None]
    w0 = max(len(r[0]) for r in filled)
    w1 = max(len(r[1]) for r in filled)
    lines = [head, obs, ""]
    for r in rows:
        if r is None:
            lines.append("")
        else:
            lines.append(f"  {r[0]:<{w0}}  {r[1]:>{w1}}  {r[2]}".rstrip())
    return "\n".join(lines)


# --------------------------------------------------------------------------- figure
def plot_pk(report: dict[str, Any], path: Path) -> Path:
    """Plasma and brain milacemide, brain glycinamide and extracellular glycine over time, with the
    glycine baseline and the observation time marked. Long regimens get a second column that zooms
    on the last dose. Writes a PNG (parents created) and returns its path."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

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

    fig = Figure(figsize=(6.2 * ncols + 0.6, 8.0), layout="constrained")
    FigureCanvasAgg(fig)
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
        ax_m.set_ylabel("milacemide (uM)")
        ax_m.legend(loc="upper right", frameon=True, facecolor="white", edgecolor="none",
                    framealpha=0.9)
        if len(doses_x) <= 30:
            ax_m.plot(doses_x, np.zeros_like(doses_x), "^", color="k", ms=6, clip_on=False,
                      label="_dose")
        ax_g.plot(x, np.asarray(course["glycinamide_uM"])[sel], color=colours["gam"])
        ax_g.set_ylabel("brain glycinamide (uM)")
        gly = np.asarray(course["glycine_uM"])[sel]
        ax_y.plot(x, gly, color=colours["gly"], label=f"glycine ({report['region']})")
        base_label = f"baseline {base:.2f} uM"
        if report["bath_glycine_uM"] > 0:
            base_label += f" (incl. {report['bath_glycine_uM']:g} uM bath)"
        ax_y.axhline(base, color="0.4", ls="--", lw=1, label=base_label)
        ax_y.plot([x_obs], [report["glycine_uM"]], "o", color=colours["gly"], ms=7)
        if zoom or not long_course:
            ax_y.annotate(
                f"{report['glycine_uM']:.2f} uM ({report['glycine_change_percent']:+.0f} %)",
                (x_obs, report["glycine_uM"]), textcoords="offset points", xytext=(8, 6),
                fontsize=9,
            )
        ax_y.set_ylabel("extracellular glycine (uM)")
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

    title = f"Milacemide {describe_regimen(report)} - {report['region']}"
    modifiers = _drug_modifiers(report)
    if modifiers:
        title += f"\n{modifiers}"
    subtitle = (
        f"observed {report['time_after_dose_h']:g} h after the last dose: NMDA glycine-site "
        f"occupancy {report['glycine_site_occupancy']:.2f} (baseline "
        f"{report['glycine_site_occupancy_baseline']:.2f})"
    )
    fig.suptitle(f"{title}\n{subtitle}", fontsize=11)
    fig.savefig(path, dpi=150)
    return path
