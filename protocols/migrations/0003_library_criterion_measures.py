"""Backfill the measures of the shared library's criteria loaded before measures existed."""

from __future__ import annotations

from django.db import migrations

MEASURES = {
    "Pain with daily activities": "adl_pain_free",
    "No focal bony tenderness on palpation": "no_tenderness",
    "Pain-free brisk walk, continuous": "longest_pain_free_walk",
    "Pain-free 30–45 min walks completed": "pain_free_walks_30",
    "Pain-free 45 min walks completed": "pain_free_walks_30",
    "Last walk-run step completed pain-free": "pain_free_sessions",
    "No next-morning pain increase after walk-run": "no_next_morning_rise",
    "No swelling or stiffness after runs": "no_swelling",
    "Pain-free 30 min continuous runs": "pain_free_runs_30",
}


def forwards(apps, schema_editor):
    criterion = apps.get_model("protocols", "EntryCriterion")
    for text, measure in MEASURES.items():
        criterion.objects.filter(stage__template__clinic__isnull=True, text=text, measure="").update(measure=measure)


class Migration(migrations.Migration):
    dependencies = [("protocols", "0002_criterion_measure")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
