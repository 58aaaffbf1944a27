"""Clinical reference for bone stress injuries (BSI): sites, risk, grading, expected return.

Every fact carries its source tag from `../shared/domain.md` (the numbered references of its
§12): [F:n] is a sourced fact, [GK] general knowledge to verify, [PD] a product default.
This module is plain data and functions: no database, so every derivation is unit-tested.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class Site(models.TextChoices):
    """Anatomic sites of `domain.md` §2 (management differs within a bone: §1.5 sub-sites)."""

    FEMORAL_NECK_TENSION = "femoral_neck_tension", _("Femoral neck – tension side (superolateral)")
    FEMORAL_NECK_COMPRESSION = (
        "femoral_neck_compression",
        _("Femoral neck – compression side (inferomedial)"),
    )
    FEMORAL_SHAFT = "femoral_shaft", _("Femoral shaft")
    PELVIS = "pelvis", _("Pelvis / pubic ramus")
    SACRUM = "sacrum", _("Sacrum")
    PATELLA = "patella", _("Patella")
    TIBIA_ANTERIOR = "tibia_anterior", _("Tibia – anterior cortex")
    TIBIA_POSTEROMEDIAL = "tibia_posteromedial", _("Tibia – posteromedial shaft")
    MEDIAL_MALLEOLUS = "medial_malleolus", _("Medial malleolus")
    FIBULA = "fibula", _("Fibula / lateral malleolus")
    TALUS = "talus", _("Talus (lateral process)")
    CALCANEUS = "calcaneus", _("Calcaneus")
    NAVICULAR = "navicular", _("Tarsal navicular")
    MT1 = "mt1", _("1st metatarsal")
    MT2 = "mt2", _("2nd metatarsal")
    MT3 = "mt3", _("3rd metatarsal")
    MT4 = "mt4", _("4th metatarsal")
    MT5 = "mt5", _("5th metatarsal")
    SESAMOID = "sesamoid", _("Great-toe sesamoid")
    OTHER = "other", _("Other site")


METATARSALS = frozenset({Site.MT1, Site.MT2, Site.MT3, Site.MT4, Site.MT5})


class MetatarsalZone(models.TextChoices):
    BASE = "base", _("Base")
    PROXIMAL_DIAPHYSIS = "proximal_diaphysis", _("Proximal diaphysis (Jones zone on the 5th)")
    SHAFT = "shaft", _("Shaft")
    NECK = "neck", _("Neck")


class RiskCategory(models.TextChoices):
    """Orthopaedic (complication) risk by site: `domain.md` §2 meaning 1."""

    LOW = "low", _("Low risk")
    HIGH = "high", _("High risk")


class BoneType(models.TextChoices):
    CORTICAL = "cortical", _("Cortical")
    TRABECULAR = "trabecular", _("Trabecular")


class Side(models.TextChoices):
    LEFT = "left", _("Left")
    RIGHT = "right", _("Right")
    BILATERAL = "bilateral", _("Bilateral")


class FredericsonGrade(models.TextChoices):
    """Fredericson MRI grade (AJSM 1995) [F:4][F:5]; 0 used informally as "no BSI" [GK]."""

    G0 = "0", _("0 – normal")
    G1 = "1", _("1 – periosteal oedema only")
    G2 = "2", _("2 – marrow oedema on fat-suppressed T2")
    G3 = "3", _("3 – marrow oedema on T1 and T2")
    G4A = "4a", _("4a – multiple small intracortical signal changes")
    G4B = "4b", _("4b – linear intracortical signal (fracture line)")


class ArendtGrade(models.TextChoices):
    """Arendt / Nattiv MRI grade, site-agnostic [F:4]."""

    G1 = "1", _("1 – marrow signal on STIR only")
    G2 = "2", _("2 – STIR and T2")
    G3 = "3", _("3 – STIR, T2 and T1, no cortical break")
    G4 = "4", _("4 – fracture line on T1 or T2")


class KaedingMillerGrade(models.TextChoices):
    """Kaeding–Miller (JBJS Am 2013) [F:7]."""

    I = "I", _("I – imaging only, no symptoms")  # noqa: E741
    II = "II", _("II – symptoms, no fracture line")
    III = "III", _("III – non-displaced fracture line")
    IV = "IV", _("IV – displaced fracture (> 2 mm)")
    V = "V", _("V – non-union")


class WeightBearing(models.TextChoices):
    NWB = "nwb", _("Non-weight-bearing")
    PWB = "pwb", _("Partial weight-bearing")
    WBAT = "wbat", _("Weight-bearing as tolerated")
    FWB = "fwb", _("Full weight-bearing")


class WalkingAid(models.TextChoices):
    NONE = "none", _("None")
    CRUTCHES = "crutches", _("Crutches")
    BOOT = "boot", _("Walking boot")
    PNEUMATIC_BRACE = "pneumatic_brace", _("Pneumatic brace")
    CAST = "cast", _("Cast")


class ImagingModality(models.TextChoices):
    XR = "xr", _("X-ray")
    MRI = "mri", _("MRI")
    CT = "ct", _("CT")
    BONE_SCAN = "bone_scan", _("Bone scan")
    US = "us", _("Ultrasound")


@dataclass(frozen=True)
class SiteFacts:
    risk: RiskCategory | None  # None: no default, the physio chooses (with a reason)
    bone_type: BoneType
    source: str


HIGH, LOW = RiskCategory.HIGH, RiskCategory.LOW
CORT, TRAB = BoneType.CORTICAL, BoneType.TRABECULAR

# domain.md §2 table; trabecular-rich sites (femoral neck, sacrum, pelvis) carry the
# bone-health (Triad / REDs) meaning of "high risk" [F:13][F:18].
SITE_FACTS: dict[str, SiteFacts] = {
    Site.FEMORAL_NECK_TENSION: SiteFacts(HIGH, TRAB, "[F:3][F:15][F:12]"),
    Site.FEMORAL_NECK_COMPRESSION: SiteFacts(HIGH, TRAB, "[F:15][F:19][F:12]"),
    Site.FEMORAL_SHAFT: SiteFacts(LOW, CORT, "[F:21]"),
    Site.PELVIS: SiteFacts(LOW, TRAB, "[F:12] pubic bone low complication; bone health [F:13]"),
    Site.SACRUM: SiteFacts(LOW, TRAB, "[GK] usually grouped low; bone health [F:13]"),
    Site.PATELLA: SiteFacts(HIGH, CORT, "[F:17] [GK]"),
    Site.TIBIA_ANTERIOR: SiteFacts(HIGH, CORT, "[F:12][F:16]"),
    Site.TIBIA_POSTEROMEDIAL: SiteFacts(LOW, CORT, "[F:12]"),
    Site.MEDIAL_MALLEOLUS: SiteFacts(HIGH, CORT, "[F:21]"),
    Site.FIBULA: SiteFacts(LOW, CORT, "[F:12]"),
    Site.TALUS: SiteFacts(HIGH, CORT, "[F:21]"),
    Site.CALCANEUS: SiteFacts(LOW, CORT, "[F:21]"),
    Site.NAVICULAR: SiteFacts(HIGH, CORT, "[F:12][F:20]"),
    Site.MT1: SiteFacts(LOW, CORT, "[GK]"),
    Site.MT2: SiteFacts(LOW, CORT, "[F:21]"),  # base of the 2nd: high, see derive_risk
    Site.MT3: SiteFacts(LOW, CORT, "[F:21]"),
    Site.MT4: SiteFacts(LOW, CORT, "[F:21]"),
    Site.MT5: SiteFacts(LOW, CORT, "[F:12]"),  # proximal diaphysis / base: high, see derive_risk
    Site.SESAMOID: SiteFacts(HIGH, CORT, "[F:21]"),
    Site.OTHER: SiteFacts(None, CORT, ""),
}


def derive_risk(site: str, metatarsal_zone: str = "") -> RiskCategory | None:
    """Orthopaedic risk from the site (and metatarsal zone): `domain.md` §2.

    The 5th metatarsal's proximal diaphysis (Jones zone) and base, and the base of the 2nd,
    are high risk [F:12][F:21]; other metatarsal zones follow the site. `other` has no default.
    """
    if site == Site.MT5 and metatarsal_zone in {
        MetatarsalZone.BASE,
        MetatarsalZone.PROXIMAL_DIAPHYSIS,
    }:
        return RiskCategory.HIGH
    if site == Site.MT2 and metatarsal_zone == MetatarsalZone.BASE:
        return RiskCategory.HIGH
    facts = SITE_FACTS.get(site)
    if facts is None:
        raise ValueError(f"unknown site {site!r}")
    return facts.risk


def derive_bone_type(site: str) -> BoneType:
    facts = SITE_FACTS.get(site)
    if facts is None:
        raise ValueError(f"unknown site {site!r}")
    return facts.bone_type


def needs_bone_health_workup(site: str) -> bool:
    """Trabecular-rich sites (femoral neck, sacrum, pelvis) flag a bone-health work-up [F:13][F:18]."""
    return derive_bone_type(site) == BoneType.TRABECULAR


@dataclass(frozen=True)
class ExpectedReturn:
    days: int
    low: int | None
    high: int | None
    basis: str
    source: str


# domain.md §1.4: pooled time to return to sport, Hoenig et al. BJSM 2023 [F:12].
POOLED_RETURN_BY_SITE: dict[str, ExpectedReturn] = {
    Site.NAVICULAR: ExpectedReturn(127, 102, 151, "tarsal navicular, pooled", "[F:12]"),
    Site.FEMORAL_NECK_TENSION: ExpectedReturn(107, 79, 135, "femoral neck, pooled", "[F:12]"),
    Site.FEMORAL_NECK_COMPRESSION: ExpectedReturn(107, 79, 135, "femoral neck, pooled", "[F:12]"),
    Site.FIBULA: ExpectedReturn(56, 13, 100, "fibula, pooled", "[F:12]"),
    Site.TIBIA_POSTEROMEDIAL: ExpectedReturn(
        44, 27, 61, "posteromedial tibial shaft, pooled", "[F:12]"
    ),
}
# No site-specific pooled figure: the mixed-site collegiate series, 12.9 ± 5.2 weeks [F:8].
MIXED_SITE_RETURN = ExpectedReturn(
    90,
    42,
    189,
    "mixed sites, 57 fractures in Division I athletes (12.9 ± 5.2 weeks, range 6–27)",
    "[F:8]",
)


def expected_return(site: str) -> tuple[ExpectedReturn, bool]:
    """The expected time to return to sport for a site, and whether it is site-specific."""
    if site in POOLED_RETURN_BY_SITE:
        return POOLED_RETURN_BY_SITE[site], True
    return MIXED_SITE_RETURN, False


# Arendt's estimated time to full activity by MRI grade [F:4].
ARENDT_TIME_TO_FULL_ACTIVITY = {
    ArendtGrade.G1: _("about 3 weeks"),
    ArendtGrade.G2: _("3–6 weeks"),
    ArendtGrade.G3: _("12–16 weeks"),
    ArendtGrade.G4: _("16 weeks or more"),
}
