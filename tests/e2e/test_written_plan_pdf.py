"""The written plan printed to PDF by Chromium (issue 17): one file for each library template,
whose text holds the clinic's letterhead and contact line, the patient's date of birth and
record, the physio, the weekly targets and the signature lines. The patient's copy carries no
staff-only tag."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from protocols.models import PlanStatus, ProtocolTemplate, TemplateStatus
from protocols.services.decisions import record_specialist_signoff
from protocols.services.plans import plan_assign, plan_confirm
from rtr.accounts.models import Role
from tests.conftest import ARTIFACTS
from tests.e2e.test_sign_in_roles import sign_in
from tests.factories import make_member
from tests.patients.factories import make_injury, make_patient

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CONTACT = "12 Mill Lane, Riverside RV1 2AB"
PHONE = "+44 20 7946 0000"


def confirmed_plan(template, *, clinic, physio):
    patient = make_patient(clinic=clinic, physio=physio, first_name="Ana", last_name=template.code)
    make_injury(patient=patient, by=physio)
    plan = plan_assign(
        patient=patient,
        template=template,
        start_date=timezone.localdate() - timedelta(days=3),
        by=physio,
        override_reason="Printed for the test of every template",
    )
    first = plan.content.stages.order_by("order").first()
    signed = timezone.localdate()
    if plan.content.requires_specialist_signoff:
        record_specialist_signoff(plan=plan, by=physio, specialist="Dr A. Khan", signed_on=signed)
    if first.requires_specialist_signoff:
        record_specialist_signoff(
            plan=plan, by=physio, specialist="Dr A. Khan", signed_on=signed, stage=first
        )
    plan = plan_confirm(plan=plan, by=physio)
    assert plan.status == PlanStatus.ACTIVE
    return plan


def pdf_text(path) -> str:
    from pypdf import PdfReader

    return " ".join(page.extract_text() for page in PdfReader(path).pages)


def test_every_library_template_prints_a_written_plan_to_pdf(page, live_server, clinic):
    from pypdf import PdfReader

    clinic.address, clinic.phone, clinic.contact_email = CONTACT, PHONE, "hello@riverside.test"
    clinic.save()
    physio = make_member(clinic=clinic, role=Role.PHYSIO, first_name="Priya", last_name="Patel")
    sign_in(page, live_server, physio.email)
    page.wait_for_url(live_server.url + reverse("staff_home"))
    folder = ARTIFACTS / "written-plans"
    folder.mkdir(parents=True, exist_ok=True)
    templates = ProtocolTemplate.objects.filter(
        clinic__isnull=True, is_plan_copy=False, status=TemplateStatus.PUBLISHED
    ).order_by("code")
    assert templates.count() >= 3
    for template in templates:
        plan = confirmed_plan(template, clinic=clinic, physio=physio)
        page.goto(live_server.url + reverse("protocols:plan_print", args=[plan.public_id]))
        page.emulate_media(media="print")
        path = folder / f"{template.code}.pdf"
        page.pdf(path=str(path), format="A4", print_background=True)
        page.screenshot(path=str(folder / f"{template.code}.png"), full_page=True)
        text = " ".join(pdf_text(path).split())
        assert PdfReader(path).pages, template.code
        for expected in (
            clinic.name,
            CONTACT,
            PHONE,
            "Date of birth",
            "17 May 1995",
            plan.patient.record_number,
            "Priya Patel",
            "Weekly targets",
            "session day",
            "rest day",
            "Agreed",
            "(athlete), date",
        ):
            assert expected in text, (template.code, expected)
        for developer_text in ("domain.md", "§", "[F:", "[PD]", "[GK]", "to verify"):
            assert developer_text not in text, (template.code, developer_text)
        # The paper copy has no navigation, buttons or "Back to the plan".
        assert "Back to the plan" not in text and "Sign out" not in text
