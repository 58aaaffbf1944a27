"""The outside probe, in the suite (issue 15.3): every page is crawled as a clinic's lead and
physio (links and htmx partials, so a new page is probed the day it is linked), then

- every object URL found (and every form that posts to one) is requested as another clinic's
  staff and as athletes: no patient data of the first clinic is readable, and apart from the
  shared protocol library every answer is a refusal (404 for another clinic, 403 or 404 for
  an athlete);
- every form found is submitted with hostile values: no 5xx, no unescaped echo of a script or
  an attribute break-out (the browser test in tests/e2e checks that no dialog fires).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core.cache import cache
from django.db import transaction
from django.urls import resolve, reverse
from django.utils import timezone

from checkins.models import Flag
from patients import services as patient_services
from patients.models import Patient
from protocols.models import EntryCriterion, Plan, ProtocolTemplate, SessionStep, Stage
from protocols.services.plans import plan_assign
from rtr.accounts.models import Role
from tests.factories import make_member
from tests.patients.factories import make_injury, make_patient
from tests.protocols.factories import library, make_template
from tests.security.probe import UUID, Crawl, Form, body_of, crawl, distinct_forms
from tests.security.test_access_matrix import ALLOWED, ANY, POLICY, PUBLIC, named_urls
from tests.security.test_coach_visibility import CLINICAL_MARKERS, seed_markers

FIRST, LAST, CONTACT = "Quorravexa", "Thimbleroot", "quorravexa.thimbleroot@example.org"


@pytest.fixture
def probed(world, clinic, physio, lead):
    """Clinic A's patient carries markers in its name, address and every clinical text; the
    clinic also has an open flag, a draft plan, a published template of its own and a pending
    invitation, so that every kind of form shows somewhere."""
    users, objects = world
    patient = seed_markers(objects["own"], physio=physio, lead=lead)
    Patient.objects.filter(pk=patient.pk).update(
        first_name=FIRST, last_name=LAST, contact_email=CONTACT
    )
    plan = Plan.objects.get(public_id=objects["own"]["plan_id"])
    Flag.objects.create(
        clinic=clinic,
        patient=patient,
        plan=plan,
        rule_code="new_focal_tenderness",
        rule_version=1,
        severity="urgent",
        summary=CLINICAL_MARKERS["flag summary"],
        first_seen_date=plan.start_date,
        last_evidence_date=plan.start_date,
    )
    second = make_patient(clinic=clinic, physio=physio)
    make_injury(patient=second, by=physio)
    plan_assign(patient=second, template=library(), start_date=timezone.localdate(), by=physio)
    make_template(clinic=clinic, by=physio, publish=True)
    invitation = patient_services.invitation_send(patient=second, by=physio)
    objects["invitation_url"] = patient_services.invitation_url(invitation)
    return users, objects


def _start_pages(role: str, objects: dict[str, Any]) -> list[str]:
    pages = [reverse("home"), reverse("staff_home") + "?view=clinic"]
    for name, params in named_urls():
        policy, method = POLICY[name]
        allowed = policy in (PUBLIC, ANY) or role in ALLOWED.get(policy, set())
        if method == "get" and allowed and "token" not in params:
            pages.append(reverse(name, kwargs={p: objects[p] for p in params}))
    return pages


def crawl_as(client: Any, user: Any, role: str, objects: dict[str, Any]) -> Crawl:
    client.force_login(user)
    return crawl(client, _start_pages(role, objects))


def _shared_ids() -> set[str]:
    """Objects of the shared, read-only protocol library: every clinic reads them by design."""
    library = ProtocolTemplate.objects.filter(clinic=None)
    ids = {str(i) for i in library.values_list("public_id", flat=True)}
    ids |= {
        str(i)
        for i in Stage.objects.filter(template__in=library).values_list("public_id", flat=True)
    }
    ids |= {
        str(i)
        for i in SessionStep.objects.filter(stage__template__in=library).values_list(
            "public_id", flat=True
        )
    }
    ids |= {
        str(i)
        for i in EntryCriterion.objects.filter(stage__template__in=library).values_list(
            "public_id", flat=True
        )
    }
    return ids


def _url_name(url: str) -> str:
    match = resolve(urlsplit(url).path)
    return f"{match.namespace}:{match.url_name}" if match.namespace else str(match.url_name)


PATIENT_DATA = [FIRST, LAST, CONTACT, *CLINICAL_MARKERS.values()]


def test_no_object_of_one_clinic_is_readable_by_another_clinic_or_an_athlete(
    client, probed, lead, physio, other_clinic, outsider_lead
):
    users, objects = probed
    found = crawl_as(client, lead, "lead", objects["own"])
    found.pages.update(crawl_as(client, physio, "physio", objects["own"]).pages)
    gets = [url for url in found.pages if UUID.search(url)]
    posts = sorted({f.action for f in found.forms if f.method == "post" and UUID.search(f.action)})
    assert len(gets) >= 30 and len(posts) >= 20, (len(gets), len(posts))
    # The probe really reached the patient's data as its own clinic.
    assert any(LAST in body for body in found.pages.values())
    shared = _shared_ids()
    # who -> (user, their role in the access matrix's terms)
    visitors = {
        "another clinic's physio": (users["outsider"], "physio"),
        "another clinic's lead": (outsider_lead, "lead"),
        "another clinic's coach": (make_member(clinic=other_clinic, role=Role.COACH), "coach"),
        "another clinic's athlete": (
            make_member(clinic=other_clinic, role=Role.ATHLETE),
            "athlete",
        ),
        "an athlete of the same clinic": (users["other_athlete"], "athlete"),
        "the patient's own athlete": (users["athlete"], "athlete"),
    }
    failures = []
    for who, (user, role) in visitors.items():
        client.force_login(user)
        for method, url in [("get", u) for u in gets] + [("post", u) for u in posts]:
            with transaction.atomic():
                response = client.post(url, {}) if method == "post" else client.get(url)
                transaction.set_rollback(True)
            body = body_of(response)
            own_patient_page = who == "the patient's own athlete" and response.status_code < 300
            leaked = [m for m in PATIENT_DATA if m in body and not own_patient_page]
            if leaked:
                failures.append(f"{who} read {leaked} at {method.upper()} {url}")
            if any(i in shared for i in UUID.findall(url)):
                continue  # the shared library: readable (and clonable) by every clinic's staff
            # A role the page is not for is refused before any lookup (403, as the access
            # matrix says); a role it is for gets a 404 for another clinic's object.
            policy = POLICY[_url_name(url)][0]
            allowed = policy in (PUBLIC, ANY) or role in ALLOWED.get(policy, set())
            expected = {404} if allowed else {403, 404}
            if response.status_code not in expected:
                failures.append(
                    f"{who}: {method.upper()} {url} answered {response.status_code}, "
                    f"expected {sorted(expected)}"
                )
    assert not failures, "\n".join(failures)


XSS = '"><script>alert(1)</script><img src=x onerror=alert(2)>'
ECHOES = ("<script>alert(1)", "<img src=x onerror", '"><script')
ROUNDS: dict[str, dict[str, str]] = {
    # text-like fields, numbers, dates, choices
    "script": {"text": XSS, "number": "1", "date": "2026-01-05", "choice": "valid"},
    "sql": {
        "text": "' OR 1=1; DROP TABLE patients_patient; --",
        "number": "1e309",
        "date": "2026-02-31",
        "choice": "' OR '1'='1",
    },
    "nul": {"text": "a\x00b" + XSS, "number": "\x00", "date": "\x00", "choice": "\x00"},
    "long": {"text": "é" * 20000, "number": "9" * 400, "date": "9" * 50, "choice": "x" * 5000},
    "odd": {"text": "\u202e\U0001d54f\ufeff<!--", "number": "NaN", "date": "-1", "choice": "-1"},
}


def hostile_data(form: Form, values: dict[str, str]) -> Iterator[tuple[str, str]]:
    for name, spec in form.fields.items():
        kind = spec["type"]
        if name == "csrfmiddlewaretoken" or kind == "submit":
            yield name, spec.get("value", "")
        elif kind in {"select", "radio", "checkbox"}:
            options = [o for o in spec.get("options", []) if o]
            if values["choice"] == "valid" and options:
                yield name, options[0]
            else:
                yield name, values["choice"]
        elif kind == "number":
            yield name, values["number"]
        elif kind in {"date", "datetime-local", "time"}:
            yield name, values["date"]
        elif kind == "hidden" and values["choice"] == "valid":
            yield name, spec.get("value", "")
        else:
            yield name, values["text"]


def test_every_form_answers_hostile_values_without_a_5xx_or_an_unescaped_echo(
    client, probed, lead, physio
):
    users, objects = probed
    forms: list[tuple[Form, Any]] = []
    for user, role in ((physio, "physio"), (lead, "lead"), (users["athlete"], "athlete")):
        found = crawl_as(client, user, role, objects["own"])
        forms += [(f, user) for f in distinct_forms(found.forms)]
    client.logout()
    public = crawl(
        client,
        [
            "/" + objects["invitation_url"].split("/", 3)[3],
            reverse("account_login"),
            reverse("account_reset_password"),
        ],
    )
    forms += [(f, None) for f in distinct_forms(public.forms)]
    keys = {f.key[:2] for f, _user in forms}
    for expected in (
        ("post", "/me/checkin/"),
        ("post", "/flags/<id>/resolve/"),
        ("post", "/plans/<id>/confirm/"),
        ("post", "/protocols/<id>/retire/"),
        ("post", "/accounts/login/"),
    ):
        assert expected in keys or any(k[1].startswith(expected[1]) for k in keys), expected
    assert len(forms) >= 40, len(forms)
    failures = []
    responses = 0
    for form, user in forms:
        if user is None:
            client.logout()
        else:
            client.force_login(user)
        for round_name, values in ROUNDS.items():
            cache.clear()  # sign-in and link limits: every submission reaches the form
            data: dict[str, list[str]] = {}
            for name, value in hostile_data(form, values):
                data.setdefault(name, []).append(value)
            with transaction.atomic():
                if form.method == "post":
                    response = client.post(form.action, data)
                else:
                    response = client.get(form.action, data)
                transaction.set_rollback(True)
            responses += 1
            where = f"{form.method.upper()} {form.action} (form on {form.page}, {round_name})"
            if response.status_code >= 500:
                failures.append(f"{where}: {response.status_code}")
                continue
            body = body_of(response)
            echoed = [e for e in ECHOES if e in body]
            if echoed:
                failures.append(f"{where}: unescaped {echoed}")
    assert responses >= 200
    assert not failures, "\n".join(failures)
