"""The access-control matrix, generated from the URL conf.

Every named URL x every role (anonymous, athlete, other athlete, coach, physio, lead, staff of
another clinic) x an object of the own or the other clinic gives the expected answer: through
(any status below 500 that is not a refusal), 403, 404 or the sign-in redirect. A URL that is
not in POLICY fails the test, so a new page cannot ship without its access rule.
"""

from __future__ import annotations

import pytest
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse

PUBLIC, ANY, STAFF, CLINICAL, LEAD, ATHLETE = (
    "public",
    "any",
    "staff",
    "clinical",
    "lead",
    "athlete",
)

# url name -> (who may use it, method)
POLICY = {
    "home": (ANY, "get"),
    "staff_home": (STAFF, "get"),
    "athlete_home": (ATHLETE, "get"),
    "clinic_switch": (STAFF, "post"),
    "clinic_members": (CLINICAL, "get"),
    "clinic_member_detail": (CLINICAL, "get"),
    "clinic_two_factor": (LEAD, "post"),
    "clinic_details": (LEAD, "post"),
    "health": (PUBLIC, "get"),
    "account": (ANY, "get"),
    "references": (ANY, "get"),
    "system_status": (CLINICAL, "get"),
    "system_status_probe": (CLINICAL, "post"),
    "invitation_accept": (PUBLIC, "get"),
    "patients:list": (STAFF, "get"),
    "patients:create": (CLINICAL, "get"),
    "patients:detail": (STAFF, "get"),
    "patients:edit": (CLINICAL, "get"),
    "patients:discharge": (CLINICAL, "get"),
    "patients:history": (LEAD, "get"),
    "patients:export": (LEAD, "get"),
    "patients:erase": (LEAD, "post"),
    "patients:audit": (LEAD, "get"),
    "patients:injury_create": (CLINICAL, "get"),
    "patients:prior_injury_add": (CLINICAL, "post"),
    "patients:triad_create": (CLINICAL, "get"),
    "patients:care_team": (CLINICAL, "get"),
    "patients:invite": (CLINICAL, "post"),
    "patients:injury_edit": (CLINICAL, "get"),
    "patients:imaging_add": (CLINICAL, "post"),
    "patients:team_section": (STAFF, "get"),
    "patients:team_message": (STAFF, "post"),
    "patients:tasks_section": (CLINICAL, "get"),
    "patients:task_add": (CLINICAL, "post"),
    "patients:task_done": (CLINICAL, "post"),
    "patients:support_section": (CLINICAL, "get"),
    "patients:support_add": (CLINICAL, "post"),
    "patients:support_remove": (CLINICAL, "post"),
    "protocols:send_plan": (CLINICAL, "post"),
    "protocols:template_list": (CLINICAL, "get"),
    "protocols:template_create": (CLINICAL, "get"),
    "protocols:template_detail": (CLINICAL, "get"),
    "protocols:template_edit": (CLINICAL, "get"),
    "protocols:template_publish": (CLINICAL, "post"),
    "protocols:template_retire": (CLINICAL, "post"),
    "protocols:template_new_version": (CLINICAL, "post"),
    "protocols:template_clone": (CLINICAL, "post"),
    "protocols:stage_add": (CLINICAL, "post"),
    "protocols:stage_edit": (CLINICAL, "get"),
    "protocols:stage_delete": (CLINICAL, "post"),
    "protocols:stage_move": (CLINICAL, "post"),
    "protocols:step_add": (CLINICAL, "post"),
    "protocols:criterion_add": (CLINICAL, "post"),
    "protocols:step_edit": (CLINICAL, "get"),
    "protocols:step_delete": (CLINICAL, "post"),
    "protocols:step_move": (CLINICAL, "post"),
    "protocols:criterion_delete": (CLINICAL, "post"),
    "protocols:plan_assign": (CLINICAL, "get"),
    "protocols:patient_plan_section": (STAFF, "get"),
    "protocols:plan_detail": (STAFF, "get"),
    "protocols:plan_confirm": (CLINICAL, "post"),
    "protocols:plan_discard": (CLINICAL, "post"),
    "protocols:plan_decide": (CLINICAL, "post"),
    "protocols:plan_signoff": (CLINICAL, "post"),
    "protocols:plan_print": (STAFF, "get"),
    "protocols:my_plan": (ATHLETE, "get"),
    "checkins:submit": (ATHLETE, "post"),
    "checkins:done": (ATHLETE, "get"),
    "checkins:history": (ATHLETE, "get"),
    "checkins:link_sign_in": (PUBLIC, "get"),
    "checkins:patient_section": (STAFF, "get"),
    "checkins:log": (CLINICAL, "get"),
    "checkins:csv": (CLINICAL, "get"),
    "checkins:send_link": (CLINICAL, "post"),
    "checkins:revoke_links": (CLINICAL, "post"),
    "checkins:patient_flags_section": (CLINICAL, "get"),
    "checkins:rule_settings": (LEAD, "get"),
    "checkins:notifications": (ANY, "get"),
    "checkins:notifications_read": (ANY, "post"),
    "checkins:flag_queue": (CLINICAL, "get"),
    "checkins:plan_proposal": (CLINICAL, "get"),
    "checkins:flag_detail": (CLINICAL, "get"),
    "checkins:flag_acknowledge": (CLINICAL, "post"),
    "checkins:flag_assign": (CLINICAL, "post"),
    "checkins:flag_note": (CLINICAL, "post"),
    "checkins:flag_resolve": (CLINICAL, "post"),
    "checkins:flag_dismiss": (CLINICAL, "post"),
    "interop:patient_fhir": (LEAD, "get"),
    "interop:my_fhir": (ATHLETE, "get"),
    "interop:research_consent": (CLINICAL, "post"),
    "interop:exports": (LEAD, "get"),
    "interop:bulk_request": (LEAD, "post"),
    "interop:bulk_status": (LEAD, "get"),
    "interop:bulk_download": (LEAD, "get"),
    "interop:research_download": (LEAD, "post"),
    "interop:outcomes": (LEAD, "get"),
    # The installable app (issue 21)
    "pwa:manifest": (PUBLIC, "get"),
    "pwa:service_worker": (PUBLIC, "get"),
    "pwa:offline": (PUBLIC, "get"),
    "pwa:session": (PUBLIC, "get"),
    "pwa:checkin_sync": (ATHLETE, "post"),
    "pwa:devices": (ANY, "get"),
    "pwa:push_subscribe": (ANY, "post"),
    "pwa:push_unsubscribe": (ANY, "post"),
    "loads:athlete_upload": (ATHLETE, "post"),
    "loads:athlete_upload_status": (ATHLETE, "get"),
    "loads:athlete_load": (ATHLETE, "get"),
    "loads:staff_upload": (CLINICAL, "post"),
    "loads:patient_section": (CLINICAL, "get"),
    "loads:file": (CLINICAL, "get"),
}
ALLOWED = {
    STAFF: {"lead", "physio", "coach", "outsider"},
    CLINICAL: {"lead", "physio", "outsider"},
    LEAD: {"lead"},
    ATHLETE: {"athlete", "other_athlete"},
}
ROLES = ["anonymous", "athlete", "other_athlete", "coach", "physio", "lead", "outsider"]


def named_urls():
    def walk(patterns, ns=None):
        for p in patterns:
            if isinstance(p, URLResolver):
                if p.namespace == "admin" or str(p.pattern).startswith("accounts/"):
                    continue  # Django's admin and allauth's own views are theirs to guard
                yield from walk(p.url_patterns, p.namespace or ns)
            elif isinstance(p, URLPattern) and p.name:
                yield (f"{ns}:{p.name}" if ns else p.name), list(p.pattern.converters)

    return list(walk(get_resolver().url_patterns))


def test_every_named_url_has_an_access_rule():
    missing = {name for name, _ in named_urls()} - set(POLICY)
    assert not missing, f"add these URLs to the access matrix: {sorted(missing)}"


def expected(name: str, role: str, target: str, takes_object: bool) -> str:
    policy, _method = POLICY[name]
    if role == "anonymous":
        return "through" if policy == PUBLIC else "login"
    if policy in (PUBLIC, ANY):
        return "through"
    if role not in ALLOWED[policy]:
        return "403"
    if not takes_object or name == "clinic_switch":
        if name == "clinic_switch":
            home = "other" if role == "outsider" else "own"
            return "through" if target == home else "404"
        return "through"
    home = "other" if role == "outsider" else "own"
    if target != home:
        return "404"
    if name == "checkins:done" and role == "other_athlete":
        return "404"  # the athlete's own check-in only
    return "through"


def outcome(response) -> str:
    if response.status_code == 302 and "/accounts/login/" in response.get("Location", ""):
        return "login"
    if response.status_code in (403, 404):
        return str(response.status_code)
    assert response.status_code < 500 or response.status_code == 503, (
        response.status_code
    )  # /health/ without a worker
    return "through"


@pytest.mark.parametrize("role", ROLES)
def test_access_matrix(client, world, role):
    users, objects = world
    if role != "anonymous":
        client.force_login(users[role])
    failures = []
    for name, params in named_urls():
        _policy, method = POLICY[name]
        for target in ("own", "other"):
            if not params and target == "other":
                continue
            url = reverse(name, kwargs={p: objects[target][p] for p in params})
            with transaction.atomic():  # every call starts from the same world
                response = client.post(url, {}) if method == "post" else client.get(url)
                transaction.set_rollback(True)
            got, want = outcome(response), expected(name, role, target, bool(params))
            if got != want:
                failures.append(
                    f"{name} [{target}] as {role}: got {got} ({response.status_code}), expected {want}"
                )
    assert not failures, "\n".join(failures)
