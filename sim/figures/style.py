"""The one figure style: palette, fonts, figure creation and saving.

Okabe & Ito (2008) colour-blind-safe colours, fonts readable on a projected slide, constrained
layout on the Agg canvas. Units are shown as figures should show them (``µM``, not ``uM``:
:func:`sim.metrics.display_unit`).
"""

from __future__ import annotations

import errno
from pathlib import Path
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from sim.errors import InputError, RunError

#: errno values of a full or failing disk: a failed figure write is then exit 1, not bad input
_DISK_FULL = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO})

#: Okabe & Ito (2008) colour-blind-safe palette.
OKABE_ITO = {
    "black": "#000000", "orange": "#E69F00", "sky_blue": "#56B4E9", "green": "#009E73",
    "yellow": "#F0E442", "blue": "#0072B2", "vermillion": "#D55E00", "purple": "#CC79A7",
}
#: Colours of successive series (curves, conditions); yellow last, it is hard to see on white.
HUES = [OKABE_ITO[k] for k in ("blue", "vermillion", "green", "orange", "sky_blue", "purple",
                               "black", "yellow")]
MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*"]
POP_COLORS = {"exc": OKABE_ITO["blue"], "inh": OKABE_ITO["vermillion"]}
POP_LABELS = {"exc": "excitatory", "inh": "inhibitory"}
GREY = "#777777"

#: Fonts and lines readable on a projected slide.
STYLE = {
    "font.size": 13, "axes.titlesize": 14, "axes.labelsize": 13, "xtick.labelsize": 12,
    "ytick.labelsize": 12, "legend.fontsize": 11, "axes.spines.top": False,
    "axes.spines.right": False, "lines.linewidth": 1.6, "savefig.dpi": 150,
}


def hue(i: int) -> str:
    return HUES[i % len(HUES)]


def new_figure(figsize: tuple[float, float], **kwargs: Any) -> Figure:
    """A constrained-layout Figure on an Agg canvas (use inside ``rc_context(STYLE)``)."""
    fig = Figure(figsize=figsize, layout="constrained", **kwargs)
    FigureCanvasAgg(fig)
    return fig


def save_figure(fig: Figure, path: Path) -> Path:
    """Write ``fig`` to ``path`` (parents created). An unwritable place is an InputError; a full
    or failing disk a RunError (a fault of the machine, not of what the user gave)."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path)
    except OSError as exc:
        message = f"{path}: cannot write figure ({exc.strerror or exc})"
        if exc.errno in _DISK_FULL:
            raise RunError(message) from None
        raise InputError(message) from None
    return path
