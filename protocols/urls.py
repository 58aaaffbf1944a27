from __future__ import annotations

from django.urls import path

from . import views

app_name = "protocols"

urlpatterns = [
    path("protocols/", views.template_list, name="template_list"),
    path("protocols/new/", views.template_create, name="template_create"),
    path("protocols/<uuid:template_id>/", views.template_detail, name="template_detail"),
    path("protocols/<uuid:template_id>/edit/", views.template_edit, name="template_edit"),
    path("protocols/<uuid:template_id>/publish/", views.template_publish, name="template_publish"),
    path("protocols/<uuid:template_id>/retire/", views.template_retire, name="template_retire"),
    path(
        "protocols/<uuid:template_id>/new-version/",
        views.template_new_version,
        name="template_new_version",
    ),
    path("protocols/<uuid:template_id>/clone/", views.template_clone, name="template_clone"),
    path("protocols/<uuid:template_id>/stages/", views.stage_add, name="stage_add"),
    path("protocols/stages/<uuid:stage_id>/", views.stage_edit, name="stage_edit"),
    path("protocols/stages/<uuid:stage_id>/delete/", views.stage_delete, name="stage_delete"),
    path("protocols/stages/<uuid:stage_id>/move/", views.stage_move, name="stage_move"),
    path("protocols/stages/<uuid:stage_id>/steps/", views.step_add, name="step_add"),
    path("protocols/stages/<uuid:stage_id>/criteria/", views.criterion_add, name="criterion_add"),
    path("protocols/steps/<uuid:step_id>/", views.step_edit, name="step_edit"),
    path("protocols/steps/<uuid:step_id>/delete/", views.step_delete, name="step_delete"),
    path("protocols/steps/<uuid:step_id>/move/", views.step_move, name="step_move"),
    path(
        "protocols/criteria/<uuid:criterion_id>/delete/",
        views.criterion_delete,
        name="criterion_delete",
    ),
    path("patients/<uuid:patient_id>/assign/", views.plan_assign, name="plan_assign"),
    path(
        "patients/<uuid:patient_id>/plan-section/",
        views.patient_plan_section,
        name="patient_plan_section",
    ),
    path("plans/<uuid:plan_id>/", views.plan_detail, name="plan_detail"),
    path("plans/<uuid:plan_id>/confirm/", views.plan_confirm, name="plan_confirm"),
    path("plans/<uuid:plan_id>/discard/", views.plan_discard, name="plan_discard"),
    path("plans/<uuid:plan_id>/decide/", views.plan_decide, name="plan_decide"),
    path("plans/<uuid:plan_id>/sign-off/", views.plan_signoff, name="plan_signoff"),
    path("plans/<uuid:plan_id>/print/", views.plan_print, name="plan_print"),
    path("me/plan/", views.my_plan, name="my_plan"),
]
