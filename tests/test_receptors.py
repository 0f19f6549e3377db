"""Receptor laws against their papers: Jahr & Stevens Mg2+ block, glycine-site occupancy,
7-chlorokynurenate, and the strychnine-sensitive GlyR (docs/literature.md §2 and §3)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.receptors import (
    CHLOROKYNURENATE_KI_UM,
    GLYCINE_SITE_EC50_UM,
    GLYCINE_SITE_HILL,
    GLYT1_LOCAL_FRACTION,
    glycine_site_occupancy,
    glyr_activation,
    hill,
    mg_block,
)


def jahr_stevens(v_mV: float, mg_mM: float) -> float:
    """Jahr & Stevens 1990 (J Neurosci 10:3178), written out independently of sim.receptors."""
    return 1.0 / (1.0 + mg_mM / 3.57 * math.exp(-0.062 * v_mV))


# --------------------------------------------------------------------------- Mg2+ block
@pytest.mark.parametrize("mg_mM", [0.05, 0.5, 1.0, 1.2, 2.0, 4.0])
@pytest.mark.parametrize("v_mV", [-100.0, -80.0, -65.0, -40.0, -20.0, 0.0, 20.0, 40.0])
def test_mg_block_equals_jahr_stevens(v_mV, mg_mM):
    assert float(mg_block(v_mV, mg_mM)) == pytest.approx(jahr_stevens(v_mV, mg_mM), rel=1e-12)


def test_mg_block_known_values():
    # at -65 mV in 1 mM Mg2+ about 6 % of the conductance is left; at 0 mV about 78 %
    assert float(mg_block(-65.0, 1.0)) == pytest.approx(0.0597, abs=5e-4)
    assert float(mg_block(0.0, 1.0)) == pytest.approx(3.57 / 4.57, rel=1e-12)
    # no Mg2+, no block
    np.testing.assert_array_equal(mg_block(np.linspace(-100, 40, 15), 0.0), 1.0)


def test_mg_block_vectorised_and_monotone():
    v = np.linspace(-100.0, 40.0, 141)
    mg = np.array([[0.5], [1.0], [2.0]])
    b = mg_block(v, mg)
    assert b.shape == (3, 141)
    assert np.all(np.diff(b, axis=1) > 0)  # relieved by depolarisation
    assert np.all(np.diff(b, axis=0) < 0)  # deeper with more Mg2+
    assert np.all((b > 0) & (b <= 1))


# --------------------------------------------------------------------------- glycine site
def test_occupancy_monotone_and_inside_unit_interval():
    g = np.logspace(-3, 3, 200)
    occ = glycine_site_occupancy(g)
    assert np.all((occ > 0) & (occ < 1))
    assert np.all(np.diff(occ) > 0)
    assert float(glycine_site_occupancy(0.0)) == 0.0


def test_baseline_glycine_leaves_the_site_unsaturated():
    """In vivo the glycine site is not saturated by endogenous ligand (docs/literature.md §2)."""
    occ = float(glycine_site_occupancy(2.6))
    assert 0.2 < occ < 0.8


def test_chlorokynurenate_lowers_occupancy():
    g = 2.6
    ck = np.array([0.0, 0.1, 1.0, 10.0, 100.0])
    occ = glycine_site_occupancy(g, chlorokynurenate_uM=ck)
    assert np.all(np.diff(occ) < 0)
    assert occ[-1] < 0.1 * occ[0]
    # competitive: more glycine overcomes it (a shift of the EC50 by 1 + [7-CK]/Ki)
    shift = 1.0 + 10.0 / CHLOROKYNURENATE_KI_UM
    assert float(glycine_site_occupancy(g * shift, chlorokynurenate_uM=10.0)) == pytest.approx(
        float(glycine_site_occupancy(g)), rel=1e-12
    )


def test_negative_glycine_is_refused():
    with pytest.raises(ValueError):
        glycine_site_occupancy(-1.0)


# --------------------------------------------------------------------------- GlyR
def test_glyr_activation_tiny_at_1uM():
    """1 uM glycine potentiated NMDA responses without a GlyR chloride current (Brain Res 1992)."""
    assert float(glyr_activation(1.0)) < 1e-3
    # the same 1 uM at the receptor (no GlyT1 gradient) occupies most NMDA glycine sites
    assert float(glycine_site_occupancy(1.0, glyt1_fraction=1.0)) > 0.5


def test_glyr_half_active_at_its_ec50():
    """EC50 ~100 uM (entorhinal cortex, Eur J Neurosci 2004)."""
    assert float(glyr_activation(100.0)) == pytest.approx(0.5, rel=1e-12)
    act = glyr_activation(np.logspace(-1, 4, 50))
    assert np.all(np.diff(act) > 0) and np.all((act > 0) & (act < 1))


# --------------------------------------------------------------------------- glycinamide
def test_no_glycinamide_leaves_the_glycine_law_exactly():
    glycine = np.linspace(0.0, 50.0, 101)
    expected = hill(GLYT1_LOCAL_FRACTION * glycine, GLYCINE_SITE_EC50_UM, GLYCINE_SITE_HILL)
    np.testing.assert_allclose(glycine_site_occupancy(glycine), expected, rtol=1e-12, atol=0)
    np.testing.assert_allclose(glycine_site_occupancy(glycine, glycinamide_uM=0.0,
                                                      glycinamide_efficacy=1.0),
                               expected, rtol=1e-12, atol=0)
    assert float(glycine_site_occupancy(0.0, glycinamide_uM=0.0)) == 0.0


def test_glycinamide_alone_activates_when_efficacious():
    for efficacy in (0.2, 0.5, 1.0):
        on = glycine_site_occupancy(0.0, glycinamide_uM=30.0, glycinamide_efficacy=efficacy)
        assert 0.0 < float(on) < efficacy
    assert float(glycine_site_occupancy(0.0, glycinamide_uM=30.0, glycinamide_efficacy=0.0)) == 0
    # at saturating glycinamide the site's activation tends to glycinamide's efficacy
    assert float(glycine_site_occupancy(2.6, glycinamide_uM=1e7, glycinamide_efficacy=0.3)) == \
        pytest.approx(0.3, abs=1e-4)
    # a full agonist adds to glycine; a pure competitor (efficacy 0) takes from it
    base = float(glycine_site_occupancy(2.6))
    assert float(glycine_site_occupancy(2.6, glycinamide_uM=30.0, glycinamide_efficacy=1.0)) > base
    assert float(glycine_site_occupancy(2.6, glycinamide_uM=30.0, glycinamide_efficacy=0.0)) < base
    # 7-CK shifts both ligands
    assert float(glycine_site_occupancy(0.0, glycinamide_uM=30.0, chlorokynurenate_uM=5.0)) < \
        float(glycine_site_occupancy(0.0, glycinamide_uM=30.0))


def test_glycinamide_efficacy_outside_unit_interval_is_refused():
    with pytest.raises(ValueError, match="efficacy"):
        glycine_site_occupancy(2.6, glycinamide_uM=1.0, glycinamide_efficacy=1.5)
    with pytest.raises(ValueError, match=">= 0"):
        glycine_site_occupancy(2.6, glycinamide_uM=-1.0)


concentration = st.floats(min_value=0.0, max_value=1e6, allow_nan=False)


@settings(max_examples=400, deadline=None)
@given(glycine=concentration, glycinamide=concentration,
       efficacy=st.floats(min_value=0.0, max_value=1.0),
       ec50=st.floats(min_value=0.01, max_value=1e4), ck=st.floats(min_value=0.0, max_value=1e3))
def test_two_ligand_activation_stays_inside_the_unit_interval(glycine, glycinamide, efficacy,
                                                              ec50, ck):
    occ = float(glycine_site_occupancy(glycine, glycinamide_uM=glycinamide,
                                       glycinamide_efficacy=efficacy, glycinamide_ec50_uM=ec50,
                                       chlorokynurenate_uM=ck))
    assert np.isfinite(occ) and 0.0 <= occ < 1.0
    if glycine > 1e-3 or (glycinamide > 1e-3 and efficacy > 1e-6):
        assert occ > 0.0
    # never above the larger efficacy of the two ligands present
    assert occ <= max(1.0 if glycine > 0 else 0.0, efficacy if glycinamide > 0 else 0.0)
