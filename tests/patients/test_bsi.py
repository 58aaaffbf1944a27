"""Risk derivation for every site and zone, and Triad CRA scoring at every boundary."""

from __future__ import annotations

import pytest

from patients import bsi, triad
from patients.bsi import MetatarsalZone as Z
from patients.bsi import Site

# Written out from domain.md §2, not read from the code's table, so a slip in either shows.
EXPECTED = {
    # site: (orthopaedic risk, bone-health work-up)
    "femoral_neck_tension": ("high", True),
    "femoral_neck_compression": ("high", True),
    "femoral_shaft": ("low", False),
    "pelvis": ("low", True),
    "sacrum": ("low", True),
    "patella": ("high", False),
    "tibia_anterior": ("high", False),
    "tibia_posteromedial": ("low", False),
    "medial_malleolus": ("high", False),
    "fibula": ("low", False),
    "talus": ("high", False),
    "calcaneus": ("low", False),
    "navicular": ("high", False),
    "mt1": ("low", False),
    "mt2": ("low", False),
    "mt3": ("low", False),
    "mt4": ("low", False),
    "mt5": ("low", False),
    "sesamoid": ("high", False),
    "other": (None, False),
}


def test_every_site_has_an_expectation():
    assert set(EXPECTED) == set(Site.values)


@pytest.mark.parametrize(("site", "expected"), EXPECTED.items())
def test_risk_and_bone_health_by_site(site, expected):
    risk, bone_health = expected
    assert bsi.derive_risk(site) == risk
    assert bsi.needs_bone_health_workup(site) is bone_health
    assert bsi.derive_bone_type(site) == ("trabecular" if bone_health else "cortical")


@pytest.mark.parametrize(
    ("site", "zone", "risk"),
    [
        (Site.MT5, Z.BASE, "high"),
        (Site.MT5, Z.PROXIMAL_DIAPHYSIS, "high"),
        (Site.MT5, Z.SHAFT, "low"),
        (Site.MT5, Z.NECK, "low"),
        (Site.MT2, Z.BASE, "high"),
        (Site.MT2, Z.PROXIMAL_DIAPHYSIS, "low"),
        (Site.MT2, Z.SHAFT, "low"),
        (Site.MT3, Z.BASE, "low"),
        (Site.MT4, Z.NECK, "low"),
        (Site.MT1, Z.BASE, "low"),
    ],
)
def test_metatarsal_zone_changes_the_risk(site, zone, risk):
    assert bsi.derive_risk(site, zone) == risk


def test_unknown_site_is_refused():
    with pytest.raises(ValueError, match="unknown site"):
        bsi.derive_risk("elbow")
    with pytest.raises(ValueError, match="unknown site"):
        bsi.derive_bone_type("elbow")


@pytest.mark.parametrize(
    ("site", "days", "low", "high"),
    [
        (Site.NAVICULAR, 127, 102, 151),
        (Site.FEMORAL_NECK_TENSION, 107, 79, 135),
        (Site.FEMORAL_NECK_COMPRESSION, 107, 79, 135),
        (Site.FIBULA, 56, 13, 100),
        (Site.TIBIA_POSTEROMEDIAL, 44, 27, 61),
    ],
)
def test_pooled_return_by_site_with_its_source(site, days, low, high):
    rts, specific = bsi.expected_return(site)
    assert specific is True
    assert (rts.days, rts.low, rts.high) == (days, low, high)
    assert "[F:12]" in rts.source


def test_sites_without_a_pooled_figure_fall_back_to_the_mixed_series():
    rts, specific = bsi.expected_return(Site.CALCANEUS)
    assert specific is False
    assert "[F:8]" in rts.source


# --- Triad CRA -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "clearance"),
    [
        (0, "full"),
        (1, "full"),
        (2, "provisional"),
        (3, "provisional"),
        (5, "provisional"),
        (6, "restricted"),
        (12, "restricted"),
    ],
)
def test_clearance_at_each_boundary(total, clearance):
    assert triad.clearance_for(total) == clearance


@pytest.mark.parametrize("total", [0, 1, 3, 5])
def test_categorical_restriction_restricts_whatever_the_total(total):
    assert triad.clearance_for(total, categorical_restriction=True) == "restricted"


@pytest.mark.parametrize("total", [-1, 13])
def test_impossible_totals_are_refused(total):
    with pytest.raises(ValueError, match="between 0 and 12"):
        triad.clearance_for(total)


def test_total_counts_left_out_menstrual_factors_as_zero():
    assert triad.total_score([1, 2, None, None, 1, 0]) == 4
    assert triad.total_score([2, 2, 2, 2, 2, 2]) == 12


@pytest.mark.parametrize("bad", [3, -1])
def test_a_factor_scores_zero_to_two(bad):
    with pytest.raises(ValueError, match="0, 1 or 2"):
        triad.total_score([0, 0, bad, 0, 0, 0])


def test_six_factors_two_of_them_menstrual():
    assert len(triad.FACTORS) == 6
    assert {f.field for f in triad.FACTORS if f.menstrual} == {
        "delayed_menarche",
        "oligo_amenorrhoea",
    }
