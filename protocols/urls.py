from __future__ import annotations

from django.urls import path

from .views import editor, plans, templates, written_plan

app_name = "protocols"

urlpatterns = [
    path("protocols/", templates.template_list, name="template_list"),
    path("protocols/new/", templates.template_create, name="template_create"),
    path("protocols/<uuid:template_id>/", templates.template_detail, name="template_detail"),
    path("protocols/<uuid:template_id>/edit/", templates.template_edit, name="template_edit"),
    path(
        "protocols/<uuid:template_id>/publish/", templates.template_publish, name="template_publish"
    ),
    path("protocols/<uuid:template_id>/retire/", templates.template_retire, name="template_retire"),
    path(
        "protocols/<uuid:template_id>/new-version/",
        templates.template_new_version,
        name="template_new_version",
    ),
    path("protocols/<uuid:template_id>/clone/", templates.template_clone, name="template_clone"),
    path("protocols/<uuid:template_id>/stages/", editor.stage_add, name="stage_add"),
    path("protocols/stages/<uuid:stage_id>/", editor.stage_edit, name="stage_edit"),
    path("protocols/stages/<uuid:stage_id>/delete/", editor.stage_delete, name="stage_delete"),
    path("protocols/stages/<uuid:stage_id>/move/", editor.stage_move, name="stage_move"),
    path("protocols/stages/<uuid:stage_id>/steps/", editor.step_add, name="step_add"),
    path("protocols/stages/<uuid:stage_id>/criteria/", editor.criterion_add, name="criterion_add"),
    path("protocols/steps/<uuid:step_id>/", editor.step_edit, name="step_edit"),
    path("protocols/steps/<uuid:step_id>/delete/", editor.step_delete, name="step_delete"),
    path("protocols/steps/<uuid:step_id>/move/", editor.step_move, name="step_move"),
    path(
        "protocols/criteria/<uuid:criterion_id>/delete/",
        editor.criterion_delete,
        name="criterion_delete",
    ),
    path("patients/<uuid:patient_id>/assign/", plans.plan_assign, name="plan_assign"),
    path(
        "patients/<uuid:patient_id>/plan-section/",
        plans.patient_plan_section,
        name="patient_plan_section",
    ),
    path("plans/<uuid:plan_id>/", plans.plan_detail, name="plan_detail"),
    path("plans/<uuid:plan_id>/confirm/", plans.plan_confirm, name="plan_confirm"),
    path("plans/<uuid:plan_id>/discard/", plans.plan_discard, name="plan_discard"),
    path("plans/<uuid:plan_id>/decide/", plans.plan_decide, name="plan_decide"),
    path("plans/<uuid:plan_id>/sign-off/", plans.plan_signoff, name="plan_signoff"),
    path("plans/<uuid:plan_id>/print/", written_plan.plan_print, name="plan_print"),
    path("me/plan/", written_plan.my_plan, name="my_plan"),
    path("support/<uuid:contact_id>/send-plan/", written_plan.send_plan, name="send_plan"),
]
