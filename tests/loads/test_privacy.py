"""Run files are health data: private storage, served to the clinic's clinical staff only, in
the patient's export, deleted on erasure (the figures stay)."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from loads import services
from loads.models import RunImport
from tests.factories import make_member
from tests.loads.conftest import upload_of
from tests.loads.samples import Run, fit_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def run(patient, athlete):
    start = (timezone.now() - timedelta(hours=1)).replace(microsecond=0)
    item = services.upload(
        patient=patient, by=athlete, upload=upload_of(fit_file(Run(start=start)), "r.fit")
    )
    services.read(item.pk)
    item.refresh_from_db()
    return item


def test_the_file_is_kept_outside_every_served_folder(run):
    path = Path(run.file.path).resolve()
    assert path.is_relative_to(Path(settings.RTR_PRIVATE_DIR).resolve())
    assert not path.is_relative_to(Path(settings.STATIC_ROOT).resolve())
    assert str(run.patient.clinic.public_id) in str(path)


def test_clinical_staff_download_it_others_do_not(client, run, physio, athlete, coach, outsider):
    url = reverse("loads:file", args=[run.public_id])
    client.force_login(physio)
    response = client.get(url)
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == run.file.open("rb").read()
    assert response["Cache-Control"] == "private, no-store"
    for user, status in ((athlete, 403), (coach, 403), (outsider, 404)):
        client.force_login(user)
        assert client.get(url).status_code == status
    client.logout()
    assert client.get(url).status_code == 302


def test_the_physio_uploads_a_file_for_the_athlete(client, patient, physio):
    client.force_login(physio)
    start = (timezone.now() - timedelta(days=1)).replace(microsecond=0)
    response = client.post(
        reverse("loads:staff_upload", args=[patient.public_id]),
        {"file": upload_of(fit_file(Run(start=start)), "x.fit")},
    )
    assert response.status_code == 302
    run = RunImport.objects.get()
    assert run.uploaded_by == physio and run.patient == patient and run.status == "reading"
    bad = client.post(
        reverse("loads:staff_upload", args=[patient.public_id]),
        {"file": upload_of(b"hello", "x.fit")},
        follow=True,
    )
    assert "a .fit, .gpx or .tcx file" in bad.content.decode()
    assert RunImport.objects.count() == 1


def test_the_export_holds_the_run_files_and_erasure_deletes_them(
    client, run, patient, clinic, django_capture_on_commit_callbacks
):
    lead = make_member(clinic=clinic, role="lead")
    client.force_login(lead)
    exported = json.loads(client.get(reverse("patients:export", args=[patient.public_id])).content)
    (row,) = exported["run_files"]
    assert row["pk"] == run.pk and row["fields"]["cadence_spm"] == "173.0"
    path = Path(run.file.path)
    assert path.exists()
    from patients.erasure import patient_erase

    with django_capture_on_commit_callbacks(execute=True):  # the files go once it commits
        patient_erase(patient=patient, by=lead)
    run.refresh_from_db()
    assert not run.file and run.sha256 == f"erased-{run.pk}"
    assert run.moving_s == 1800 and run.cadence_spm is not None  # the figures stay
    assert not path.exists()


def test_nothing_of_the_file_or_its_figures_is_logged(client, patient, athlete, caplog):
    import logging

    caplog.set_level(logging.DEBUG)
    client.force_login(athlete)
    start = (timezone.now() - timedelta(hours=2)).replace(microsecond=0)
    data = fit_file(Run(start=start, avg_hr=163, max_hr=187))
    client.post(reverse("loads:athlete_upload"), {"file": upload_of(data, "Home_Loop_Run.fit")})
    services.read(RunImport.objects.get().pk)
    client.post(reverse("loads:athlete_upload"), {"file": upload_of(data, "Home_Loop_Run.fit")})
    # What the log lines say (messages and their arguments), not their timestamps or line
    # numbers, which can hold the same digits by chance.
    text = "\n".join(f"{r.getMessage()} {r.args!r}" for r in caplog.records)
    assert RunImport.objects.get().avg_hr == 163
    assert "Home_Loop_Run" not in text
    for secret in ("163", "187", "173.0", "5400"):
        assert not re.search(rf"(?<![\d.]){re.escape(secret)}(?![\d])", text), secret
