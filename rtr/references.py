"""The sources behind RTR's protocols, rules and thresholds, as readers cite them.

The clinical data carries short source tags: `[F:n]` for the n-th source of the clinical
reference list, `[PD]` for a default RTR proposes where the literature gives no number, `[GK]`
for general clinical knowledge still to be checked against a primary paper. Pages never show
the tags: `cite()` turns them into short author-year links to the References page, and
`without_tags()` drops them where a link cannot go (a plain-text e-mail).

The list follows the numbered reference list of the clinical reference the team works from;
titles are given where the source has one, links where one exists.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.urls import reverse
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


@dataclass(frozen=True)
class Reference:
    number: int
    short: str  # the author-year tag shown in the text
    authors: str
    title: str
    published: str  # journal, year, volume and pages, or the site
    url: str = ""

    @property
    def anchor(self) -> str:
        return f"ref-{self.number}"


def _r(
    number: int, short: str, authors: str, title: str, published: str, url: str = ""
) -> Reference:
    return Reference(number, short, authors, title, published, url)


PUBMED = "https://pubmed.ncbi.nlm.nih.gov/"
PMC = "https://pmc.ncbi.nlm.nih.gov/articles/"

# fmt: off
_LIST = (
    _r(1, "Warden 2014", "Warden SJ, Davis IS, Fredericson M", "Management and prevention of bone stress injuries in long-distance runners", "J Orthop Sports Phys Ther 2014;44(10):749–765", PUBMED + "25103133/"),
    _r(2, "Alonso 2024", "Alonso JM, Hoenig T, Hollander K, Tenforde A", "Bone stress injuries", "Aspetar Sports Medicine Journal 2024;13", "https://journal.aspetar.com/en/archive/volume-13-targeted-topic-sports-medicine-in-athletics/bone-stress-injuries"),
    _r(3, "Schroeder 2024", "Schroeder JD et al.", "Bone stress injuries: diagnosis and management", "Am Fam Physician 2024;110(6):592–600", PUBMED + "39700362/"),
    _r(4, "Radiopaedia", "Radiopaedia", "MRI grading system for bone stress injuries", "radiopaedia.org", "https://radiopaedia.org/articles/mri-grading-system-for-bone-stress-injuries"),
    _r(5, "Kijowski 2012", "Kijowski R et al.", "Validation of MRI classification system for tibial stress injuries", "AJR Am J Roentgenol 2012"),
    _r(6, "Nattiv 2013", "Nattiv A et al.", "Correlation of MRI grading of bone stress injuries with clinical risk factors and return to play", "Am J Sports Med 2013;41(8):1930–1941", PMC + "PMC4367232/"),
    _r(7, "Kaeding 2013", "Kaeding CC, Miller T", "The comprehensive description of stress fractures: a new classification system", "J Bone Joint Surg Am 2013;95(13):1214–1220"),
    _r(8, "Miller 2018", "Miller TL et al.", "Expected time to return to athletic participation after stress fracture in Division I collegiate athletes", "Sports Health 2018;10(4):340–344", PMC + "PMC6044125/"),
    _r(9, "Jamieson 2017", "Jamieson M et al.", "Kaeding–Miller classification of stress fractures in collegiate athletes", "Curr Orthop Pract 2017;28(4):393–397"),
    _r(10, "Curell 2019", "Curell AM et al.", "Treatment and prognosis of high- and low-risk stress fractures", "Transl J Am Coll Sports Med 2019;4(15):114–118", "https://journals.lww.com/acsm-tj/Fulltext/2019/08010/Treatment_and_Prognosis_of_High__and_Low_Risk.1.aspx"),
    _r(11, "Hoenig 2022", "Hoenig T et al.", "Does magnetic resonance imaging grading correlate with return to sports after bone stress injuries? A systematic review and meta-analysis", "Am J Sports Med 2022;50(3):834–844"),
    _r(12, "Hoenig 2023", "Hoenig T et al.", "Return to sport following low-risk and high-risk bone stress injuries: a systematic review and meta-analysis", "Br J Sports Med 2023;57(7):427–432", "https://bjsm.bmj.com/content/57/7/427"),
    _r(13, "De Souza 2014", "De Souza MJ et al.", "2014 Female Athlete Triad Coalition consensus statement on treatment and return to play of the female athlete triad", "Br J Sports Med 2014;48(4):289"),
    _r(14, "BMC MSD 2012", "", "Estimation of return-to-sports time for athletes with stress fracture", "BMC Musculoskelet Disord 2012;13:139", "http://www.biomedcentral.com/1471-2474/13/139/abstract"),
    _r(15, "Femoral neck classification", "", "Fullerton and Snowdy classification of femoral neck stress fractures; StatPearls, stress injuries", "clinical summaries", "https://theorthonotes.com/femoral-nerve-stress-fracture/"),
    _r(16, "Foot and ankle review", "", "Stress fractures of the foot and ankle in athletes", "Sports Health (PMC4212349); Robertson & Wood, World J Orthop 2017", PMC + "PMC4212349/"),
    _r(17, "Diehl 2006", "Diehl JJ, Best TM, Kaeding CC", "Classification and return-to-play considerations for stress fractures", "Clin Sports Med 2006;25:17–28"),
    _r(18, "IOC REDs CAT2", "IOC", "REDs Clinical Assessment Tool version 2: indicator table", "Br J Sports Med 2023"),
    _r(19, "Femoral neck management", "Steele et al. and others", "Femoral neck stress fracture management", "J Bone Joint Surg Am 2018; Robertson & Wood 2017", "http://boneschool.com/lower-limb/hip/hip-fractures/stress-fractures"),
    _r(20, "Navicular review", "", "Navicular stress fractures: case report and review (non-weight-bearing 6–8 weeks, then a walking cast or boot)", "BMJ Case Rep 2014; PMC5344863", PMC + "PMC5344863/"),
    _r(21, "Site risk list", "", "High- and low-risk stress fracture sites", "clinic summary (Upward PT)", "https://upwardptseattle.com/blog/4zpho1e2vbnjxcyz2mxz8n86kcxrbn"),
    _r(22, "George 2024", "George ERM, Sheerin KR, Reid D", "Return to running after bone stress injury: a scoping review", "Sports Med 2024;54(9):2247–2265", "https://ouci.dntb.gov.ua/en/works/9JxkMLN4"),
    _r(23, "George 2023", "George E et al.", "Return-to-running practice after bone stress injury", "ISBS Proceedings Archive 2023;41(1):39", "https://commons.nmu.edu/isbs/vol41/iss1/39"),
    _r(24, "Mammoth Physio", "Mammoth Physiotherapy", "Return to running guidance (30–45 minutes of walking; symptoms beyond 24 hours)", "clinic guidance", "https://www.mammothphysio.com/blog/blog-post-title-two-j93lg"),
    _r(25, "Achieve Podiatry", "Achieve Podiatry", "Bone stress injuries in runners: readiness tests, pain up to 2/10", "clinic guidance", "https://achievepodiatry.com.au/uncategorized/bone-stress-injuries-in-runners-with-next-gen-physio/"),
    _r(26, "ARC run/walk", "ARC Running", "Run/walk progression (pain under 3/10 that does not linger)", "arc-running.com", "https://www.arc-running.com/run-walk-progression/"),
    _r(27, "Williams 2018", "Williams B", "Bone injury, part 3: return to running (five-test battery)", "The Stride, 2018", "https://thestride.com.au/2018/02/12/bone-injury-part-3-of-3-return-to-running/"),
    _r(28, "Vincent 2022", "Vincent HK, Madsen A, Vincent KR", "Role of antigravity training in rehabilitation and return to sport after running injuries", "Arthrosc Sports Med Rehabil 2022;4(1):e141–e149", PMC + "PMC8811491/"),
    _r(29, "Trials 2023", "", "Standard return-to-run programme (trial protocol, Table 1)", "Trials 2023 (s13063-023-07502-x)", "https://trialsjournal.biomedcentral.com/articles/10.1186/s13063-023-07502-x"),
    _r(30, "Sunshine Coast", "Sunshine Coast Sports Medicine", "Return to running protocol after injury", "clinic protocol", "http://sunnycoastsportsmedicine.com.au/return-to-running-protocol-post-injury"),
    _r(31, "Interval running programme", "Advanced Orthopaedics", "Interval running program", "clinic protocol", "https://paperzz.com/doc/7833418/interval-running-program"),
    _r(32, "Symptom progression", "", "Stress fracture: symptoms and their progression", "GPnotebook; RunUltra 2017", "https://gpnotebook.com/simplepage.cfm?ID=1315635217"),
    _r(33, "Medscape", "Medscape", "Stress fractures: clinical presentation", "emedicine.medscape.com", "https://emedicine.medscape.com/article/1270244-clinical"),
    _r(34, "JKMS 2020", "", "Bone stress injuries: a review", "J Korean Med Sci 2020 (PMC7049623)", PMC + "PMC7049623/"),
    _r(35, "Foster 2001", "Foster C et al.", "A new approach to monitoring exercise training", "J Strength Cond Res 2001;15(1):109–115"),
    _r(36, "Foster 2021", "Foster C et al.", "25 years of session rating of perceived exertion", "Int J Sports Physiol Perform 2021", "https://journals.humankinetics.com/abstract/journals/ijspp/aop/article-10.1123-ijspp.2020-0599/article-10.1123-ijspp.2020-0599.xml"),
    _r(37, "Monotony and strain", "", "Training monotony and strain from session RPE", "intervals.icu forum", "https://forum.intervals.icu/t/towards-load-strain-based-on-10-pt-session-rpe-rating/2936"),
    _r(38, "Gabbett 2016", "Gabbett TJ", "The training–injury prevention paradox: should athletes be training smarter and harder?", "Br J Sports Med 2016;50:273–280"),
    _r(39, "Gabbett 2016 ranges", "", "Acute:chronic workload ratio ranges (summary of Gabbett 2016)", "summary", "https://www.naulus.com/research/claim/19208"),
    _r(40, "Lolli 2019", "Lolli L et al.", "Mathematical coupling causes spurious correlation within the conventional acute-to-chronic workload ratio calculations", "Br J Sports Med 2019;53(15):921", "https://bjsm.bmj.com/content/53/15/921"),
    _r(41, "ACWR critique", "", "The acute:chronic workload ratio and its critics (Impellizzeri 2020; Wang 2020)", "PMC7472986", PMC + "PMC7472986/"),
    _r(42, "BJSM 2025", "", "How much running is too much? A 5,200-runner cohort on single-session spikes", "Br J Sports Med 2025", PUBMED + "40623829/"),
    _r(43, "Buist 2008", "Buist I et al.", "No effect of a graded training program on the number of running-related injuries in novice runners", "Am J Sports Med 2008;36(1):33–39", PUBMED + "17940147/"),
    _r(44, "Nielsen 2014", "Nielsen RO et al.", "Excessive progression in weekly running distance and risk of running-related injuries", "J Orthop Sports Phys Ther 2014;44(10):739–747", "https://vbn.aau.dk/da/publications/excessive-progression-in-weekly-running-distance-and-risk-of-runn"),
    _r(45, "Fredette 2022", "Fredette A et al.", "Running training parameters and injury: a systematic review", "2022 (summary)", "https://running.wiki/sources/fredette-2022-running-training-parameters"),
    _r(46, "Warden 2021", "Warden SJ, Edwards WB, Willy RW", "Preventing bone stress injuries in runners with optimal workload", "Curr Osteoporos Rep 2021;19(3):298–307", PMC + "PMC8316280/"),
    _r(47, "Heiderscheit 2011", "Heiderscheit BC et al.", "Effects of step rate manipulation on joint mechanics during running", "Med Sci Sports Exerc 2011;43(2):296–302", "https://journals.lww.com/acsm-msse/fulltext/2011/02000/effects_of_step_rate_manipulation_on_joint.14.aspx"),
    _r(48, "Crowell 2011", "Crowell HP, Davis IS", "Gait retraining to reduce lower extremity loading in runners", "Clin Biomech 2011", PMC + "PMC3014399/"),
    _r(49, "Triad clearance", "Female Athlete Triad Coalition", "Clearance and return-to-play table", "Br J Sports Med 2014"),
    _r(50, "Stellingwerff 2023", "Stellingwerff T et al.", "IOC REDs Clinical Assessment Tool version 2: rationale", "Br J Sports Med 2023", PUBMED + "37752002/"),
    _r(51, "Mountjoy 2023", "Mountjoy M et al.", "2023 International Olympic Committee consensus statement on relative energy deficiency in sport (REDs)", "Br J Sports Med 2023;57:1073", PUBMED + "37752011/"),
    _r(52, "EA review 2020", "", "Energy availability: definition and the Loucks threshold", "Eur J Appl Physiol 2020", "https://link.springer.com/10.1007/s00421-020-04516-0"),
    _r(53, "Burke 2018", "Burke LM et al.", "Pitfalls of conducting and interpreting estimates of energy availability", "Int J Sport Nutr Exerc Metab 2018;28(4):350", "https://journals.humankinetics.com/view/journals/ijsnem/28/4/article-p350.xml"),
    _r(54, "Lappe 2008", "Lappe J et al.", "Calcium and vitamin D supplementation decreases incidence of stress fractures in female navy recruits", "J Bone Miner Res 2008;23(5):741–749"),
    _r(55, "Larson-Meyer", "Larson-Meyer E", "The importance of vitamin D for athletes", "GSSI Sports Science Exchange #148", "https://www.gssiweb.org/en/Article/sse-148-the-importance-of-vitamin-d-for-athletes"),
    _r(56, "NCAA vitamin D", "", "Vitamin D and stress fractures in 802 NCAA athletes", "PMC8008136", PMC + "PMC8008136/"),
    _r(57, "Thomas 2016", "Thomas DT, Erdman KA, Burke LM", "American College of Sports Medicine joint position statement: nutrition and athletic performance", "Med Sci Sports Exerc 2016;48(3):543–568"),
    _r(58, "Milewski 2014", "Milewski MD et al.", "Chronic lack of sleep is associated with increased sports injuries in adolescent athletes", "J Pediatr Orthop 2014;34(2):129–133"),
    _r(59, "Walsh 2021", "Walsh NP et al.", "Sleep and the athlete: narrative review and 2021 expert consensus recommendations", "Br J Sports Med 2021;55(7):356–368", "https://bjsm.bmj.com/content/55/7/356"),
    _r(60, "Glazer 2009", "Glazer DD", "Development and preliminary validation of the Injury-Psychological Readiness to Return to Sport (I-PRRS) scale", "J Athl Train 2009;44(2):185–189", PUBMED + "19295964/"),
    _r(61, "I-PRRS guide", "", "I-PRRS form and scoring guide", "MomsTeam", "https://www.momsteam.com/injury-psychological-readiness-return-sport-scale"),
    _r(62, "TSK-11", "", "Tampa Scale of Kinesiophobia (TSK-11): scoring", "Physiotutors", "https://www.physiotutors.com/questionnaires/tampa-scale-11-tsk-11/"),
    _r(63, "Dover 2015", "Dover G, Amar V", "Development and validation of the Athlete Fear Avoidance Questionnaire", "J Athl Train 2015;50(6):634–642", PMC + "PMC4527448/"),
    _r(64, "Gómez-Piqueras 2020", "Gómez-Piqueras P et al.", "Psychological readiness of injured athletes to return to sport (PRIA-RS)", "Int J Environ Res Public Health 2020;17(5):1536"),
    _r(65, "Tins 2015", "Tins BJ et al.", "Stress fracture of the pelvis and lower limbs including atypical femoral fractures: a review", "Insights Imaging 2015;6(1):97–110", PMC + "PMC4330230/"),
)
# fmt: on
REFERENCES: dict[int, Reference] = {ref.number: ref for ref in _LIST}

# The two tags that are not numbered sources, with the words shown instead.
RTR_DEFAULT = gettext_lazy("RTR default")
TO_VERIFY = gettext_lazy("to verify")
RTR_DEFAULT_ANCHOR = "rtr-defaults"
TO_VERIFY_ANCHOR = "to-verify"

_TAG = re.compile(r"\[(?:F:(?P<number>\d+)|(?P<other>PD|GK))\]")
_TAGS = re.compile(r"(?:\[(?:F:\d+|PD|GK)\]\s*)+")
# Pointers into the team's own reference document ("domain.md §4", "clinical reference
# §3.4 and §4"): a reader has no such document, so they are dropped.
_SECTION_POINTER = re.compile(
    r"\(?\s*(?:`?domain(?:\.md)?`?|domain reference|clinical reference)?\s*"
    r"§\s*\d+(?:\.\d+)*(?:\s*(?:and|,|–)\s*§?\s*\d+(?:\.\d+)*)*\s*\)?",
    re.IGNORECASE,
)


def numbers_in(text: str) -> list[int]:
    """The numbered sources a text cites, in order, once each."""
    seen: dict[int, None] = {}
    for match in _TAG.finditer(text or ""):
        if match["number"] and int(match["number"]) in REFERENCES:
            seen[int(match["number"])] = None
    return list(seen)


def _tidy(text: str) -> str:
    text = _SECTION_POINTER.sub(" ", text)
    text = re.sub(r"\s+([;,.)])", r"\1", text)
    text = re.sub(r"\(\s*\)", "", text)
    text = re.sub(r"^[\s;,:.]+|[\s;,:]+$", "", text)
    return re.sub(r"\s{2,}", " ", text)


def _label(match: re.Match[str]) -> tuple[str, str]:
    if match["number"]:
        ref = REFERENCES.get(int(match["number"]))
        return (ref.short, ref.anchor) if ref else ("", "")
    if match["other"] == "PD":
        return str(RTR_DEFAULT), RTR_DEFAULT_ANCHOR
    return str(TO_VERIFY), TO_VERIFY_ANCHOR


def cite(text: str) -> SafeString:
    """A text with its source tags as short author-year links to the References page."""
    if not text:
        return mark_safe("")
    page = reverse("references")
    out: list[str] = []
    position = 0
    tidied = _tidy(str(text))
    only_tags = _TAGS.fullmatch(tidied) is not None
    for group in _TAGS.finditer(tidied):
        before = tidied[position : group.start()]
        out.append(escape(before))
        links = "; ".join(
            format_html('<a class="cite" href="{}#{}">{}</a>', page, anchor, label)
            for label, anchor in map(_label, _TAG.finditer(group.group()))
            if label
        )
        if links and not only_tags:
            space = " " if before and not before[-1].isspace() else ""
            links = f"{space}({links})"
        trailing = " " if group.group().endswith(" ") and group.end() < len(tidied) else ""
        out.append(links + trailing)
        position = group.end()
    out.append(escape(tidied[position:]))
    return mark_safe("".join(out).strip())  # noqa: S308 - every piece is escaped or built by format_html


def without_tags(text: str) -> str:
    """A text with its source tags and section pointers taken out (plain-text e-mails)."""
    return _tidy(_TAGS.sub(" ", str(text or "")))


def cited_references(*texts: str) -> list[Reference]:
    """The numbered sources the given texts cite, in order of first citation."""
    numbers: dict[int, None] = {}
    for text in texts:
        for number in numbers_in(str(text or "")):
            numbers[number] = None
    return [REFERENCES[number] for number in numbers]


def explanation_of_tags() -> list[tuple[str, str, str]]:
    """The two unnumbered tags, their anchor and what they mean, for the References page."""
    return [
        (
            RTR_DEFAULT_ANCHOR,
            str(RTR_DEFAULT),
            _(
                "A starting value RTR proposes where the literature gives no number. Your clinic "
                "lead reviews it before use and can change it within the limits shown on the "
                "rule settings page."
            ),
        ),
        (
            TO_VERIFY_ANCHOR,
            str(TO_VERIFY),
            _(
                "From general clinical knowledge and not yet checked against a primary paper: "
                "treat it as a starting point for your own judgement."
            ),
        ),
    ]
