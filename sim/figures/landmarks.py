"""Published values drawn beside the model's, each with its source (docs/literature.md)."""

from __future__ import annotations

#: Dudek & Bear 1992 (PNAS 89:4363), 900 pulses per rate in CA1: LTD at 1-3 Hz, the crossover
#: from LTD to LTP near 10 Hz, LTP at >= 50 Hz. The 1 Hz magnitude (-20 to -30 %) is assumed.
DUDEK_BEAR_CROSSOVER_HZ = 10.0
DUDEK_BEAR_1HZ_PERCENT = (-30.0, -20.0)
DUDEK_BEAR_CROSSOVER_LABEL = "Dudek & Bear 1992: crossover ~10 Hz"
DUDEK_BEAR_1HZ_LABEL = "1 Hz LTD, assumed -20 to -30 %"
