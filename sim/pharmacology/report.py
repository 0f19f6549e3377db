"""``milasim pk``: the drug module alone, dose -> brain glycine -> NMDA glycine-site occupancy.

- :func:`pk_report` runs :func:`sim.pharmacology.simulate` for a config and returns a JSON-ready
  dict (the documented keys plus the resolved regimen and a few extras);
- :func:`format_pk_table` prints it as an aligned table with units;
- the figure of the time courses is :func:`sim.figures.pk.plot_pk`.

Bath glycine (``cfg.bath.glycine_uM``, an in-vitro manipulation) adds to the drug-driven level:
``glycine_uM``, ``glycine_baseline_uM`` and ``time_course.glycine_uM`` all include it, so the three
agree with one another; ``glycine_drug_uM`` and ``bath_glycine_uM`` give the two parts.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sim.pharmacology.model import DrugTimeCourse, simulate
from sim.pharmacology.parameters import MAO_B_VMAX_UM_PER_H
from sim.receptors import glyr_activation

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
    """Everything ``milasim pk`` shows, for a :class:`sim.config.Config`; JSON-serialisable.

    ``glycine_uM`` and ``glycine_change_percent`` are extracellular glycine, what the receptor
    sees; the tissue rise (what tissue extracts measure) is ``glycine_tissue_change_percent``."""
    from sim.conditions import site_activation

    drug, bath = cfg.drug, cfg.bath
    tc = simulate(drug)
    reg = tc.regimen
    bath_gly = float(bath.glycine_uM)
    ck = float(bath.chlorokynurenate_uM)
    glycine = tc.glycine_uM_observed + bath_gly
    baseline = tc.glycine_baseline_uM + bath_gly
    i_peak = int(np.argmax(tc.glycine_uM))
    report: dict[str, Any] = {
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
        "mao_b_inactivation": drug.mao_b_inactivation_on,
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
        "glycine_extracellular_uM": glycine,
        "glycine_extracellular_change_percent": 100.0 * (glycine - baseline) / baseline,
        "glycine_tissue_change_percent": tc.glycine_tissue_change_percent_observed,
        "glycine_tissue_umol_per_g": tc.glycine_tissue_umol_per_g_observed,
        "glycine_tissue_baseline_umol_per_g": tc.parameters.tissue_glycine_umol_per_g,
        "extracellular_coupling": tc.parameters.extracellular_coupling,
        "elimination_half_life_h": float(np.log(2.0) / tc.parameters.elimination_per_h),
        "mao_b_activity": tc.parameters.mao_b_vmax_uM_per_h / MAO_B_VMAX_UM_PER_H,
        "pk_scaling": drug.pk_scaling,
        "glycine_site_occupancy": site_activation(cfg, glycine, tc.glycinamide_uM_observed),
        "glycine_site_occupancy_baseline": site_activation(cfg, baseline),
        "glycine_site_occupancy_glycine_only": site_activation(cfg, glycine),
        "glyr_activation": float(glyr_activation(glycine)),
        "glyr_activation_baseline": float(glyr_activation(baseline)),
        "mass_balance_error_umol": float(np.max(np.abs(tc.mass_balance_error()))),
        "time_course": _course(tc, bath_gly),
    }
    report["description"] = describe_regimen(report)
    report["modifiers"] = drug_modifiers(report)
    return report


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


def drug_modifiers(report: dict[str, Any]) -> str:
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
    modifiers = drug_modifiers(report)
    head = f"milacemide: {describe_regimen(report)}; {report['region']}"
    if modifiers:
        head += f"; {modifiers}"
    obs = (
        f"at observation: {report['time_after_dose_h']:g} h after the last dose "
        f"(t = {report['observation_h']:g} h since the first)"
    )
    rows: list[tuple[str, str, str] | None] = [
        ("body weight", _num(report["body_weight_kg"]), "kg"),
        ("elimination half-life", _num(report["elimination_half_life_h"]),
         f"h ({report['pk_scaling']})"),
        ("MAO-B activity", _num(report["mao_b_activity"]), "x the rat's calibrated value"),
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
        ("glycine change", f"{report['glycine_change_percent']:+.1f}",
         f"% (x {_num(report['extracellular_coupling'])} of the tissue change)"),
        ("tissue glycine change", f"{report['glycine_tissue_change_percent']:+.1f}", "%"),
        ("glycine peak", _num(report["glycine_peak_uM"]),
         f"uM at t = {_num(report['glycine_peak_h'])} h"),
        None,
        ("7-chlorokynurenate", _num(report["chlorokynurenate_uM"]), "uM"),
        ("NMDA glycine-site occupancy", f"{report['glycine_site_occupancy']:.3f}", ""),
        ("  at baseline", f"{report['glycine_site_occupancy_baseline']:.3f}", ""),
        ("  glycine alone", f"{report['glycine_site_occupancy_glycine_only']:.3f}",
         "(without glycinamide)"),
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
