"""Figures: matplotlib's object API on the Agg canvas (no pyplot state, no GUI).

- :mod:`sim.figures.style`: the one style (Okabe-Ito palette, talk-sized fonts, saving);
- :mod:`sim.figures.landmarks`: published values drawn beside the model's (Dudek & Bear, ...);
- :mod:`sim.figures.network`, :mod:`sim.figures.ltp`: the figures of one run, by protocol;
- :mod:`sim.figures.pk`: ``milasim pk --out``'s drug time course;
- :mod:`sim.figures.compare`, :mod:`sim.figures.sweep`: runs side by side, a sweep's grid.

Every figure is drawn from what the store gives (a run's run.h5, summary.json, sweep.csv): no
figure runs an analysis again.
"""
