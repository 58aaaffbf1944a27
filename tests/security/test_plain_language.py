"""No page shows the team's own pointers ("domain.md §4", "[F:22]", "[PD]", "as Template A"):
every page of the access matrix, as each signed-in role, and every library template's pages,
with each source shown as a readable citation linked to the References page (issue 17)."""

from __future__ import annotations

import re

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from protocols.models import ProtocolTemplate
from protocols.services.plans import plan_assign
from rtr.references import REFERENCES
from tests.patients.factories import make_patient
from tests.security.test_access_matrix import POLICY, named_urls

DEVELOPER_TEXT = re.compile(
    r"domain\.md|design\.md|§|\[(?:F:\d+|PD|GK)\]|clinical reference|as Template [ABC]",
    re.IGNORECASE,
)


def _visible_text(html: str) -> str:
    """The page without scripts, styles and tags: what a reader sees (and a screen reader reads)."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S | re.I)
    html = re.sub(r"<[^>]+>", " ", html)
    return re.sub(r"\s+", " ", html)


def _findings(url: str, html: str) -> list[str]:
    text = _visible_text(html)
    return [
        f"{url}: …{text[max(0, m.start() - 40) : m.end() + 40]}…"
        for m in DEVELOPER_TEXT.finditer(text)
    ]


@pytest.mark.parametrize("role", ["athlete", "coach", "physio", "lead"])
def test_no_page_shows_a_developer_reference(client, world, role):
    users, objects = world
    client.force_login(users[role])
    findings: list[str] = []
    read = 0
    for name, params in named_urls():
        _policy, method = POLICY[name]
        if method != "get":
            continue
        url = reverse(name, kwargs={p: objects["own"][p] for p in params})
        with transaction.atomic():
            response = client.get(url)
            transaction.set_rollback(True)
        if response.status_code == 200 and "html" in response.get("Content-Type", ""):
            read += 1
            findings += _findings(url, response.content.decode())
    assert read >= 10
    assert not findings, "\n".join(findings)


def test_no_library_template_or_plan_made_from_it_shows_a_developer_reference(
    client, clinic, physio
):
    client.force_login(physio)
    findings: list[str] = []
    templates = list(ProtocolTemplate.objects.filter(clinic__isnull=True, is_plan_copy=False))
    assert len(templates) >= 3
    for template in templates:
        # A draft plan: confirming one for a high-risk site needs a specialist's sign-off.
        plan = plan_assign(
            patient=make_patient(clinic=clinic, physio=physio),
            template=template,
            start_date=timezone.localdate(),
            by=physio,
            override_reason="Every library template's pages are read",
        )
        for url in (
            reverse("protocols:template_detail", args=[template.public_id]),
            reverse("protocols:plan_detail", args=[plan.public_id]),
            reverse("protocols:plan_print", args=[plan.public_id]),
        ):
            response = client.get(url)
            assert response.status_code == 200, url
            findings += _findings(url, response.content.decode())
    assert not findings, "\n".join(findings)


def test_every_source_a_library_page_cites_is_on_the_references_page(client, clinic, physio):
    client.force_login(physio)
    page = client.get(reverse("references")).content.decode()
    for ref in REFERENCES.values():
        assert f'id="{ref.anchor}"' in page
        assert ref.title in page.replace("&#x27;", "'")
    template = ProtocolTemplate.objects.get(
        clinic__isnull=True, code="low_risk_tibia_mt", is_plan_copy=False
    )
    detail = client.get(
        reverse("protocols:template_detail", args=[template.public_id])
    ).content.decode()
    anchors = set(re.findall(r'href="/references/#(ref-\d+|rtr-defaults|to-verify)"', detail))
    assert {"ref-22", "ref-29", "rtr-defaults"} <= anchors
    assert all(f'id="{anchor}"' in page for anchor in anchors)
