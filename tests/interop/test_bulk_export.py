"""The clinic's bulk FHIR export, built by a Celery task on a real worker for 1,000 patients."""

from __future__ import annotations

import io
import json
import re
import time
import zipfile
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from fhir.resources.R4B import get_fhir_model_class

from checkins.models import CheckIn
from interop.models import BulkExport, BulkExportStatus
from patients.models import Injury, Patient
from tests.factories import make_clinic, make_member
from tests.patients.factories import make_patient

N = 1000


def wait_for(predicate, timeout: float = 240.0, every: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(every)
    return False


@pytest.fixture
def celery_worker_thread(transactional_db):
    from celery.contrib.testing.worker import start_worker

    from rtr.celery import app

    app.control.purge()
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30) as worker:
        yield worker


def _caseload(clinic, physio, day):
    patients = Patient.objects.bulk_create(
        Patient(
            clinic=clinic,
            first_name=f"Bulk{n}",
            last_name=f"Patient{n}",
            date_of_birth=timezone.localdate().replace(year=1990),
            sex="female" if n % 2 else "male",
            contact_email=f"bulk{n}@example.org",
            assigned_physio=physio,
        )
        for n in range(N)
    )
    Injury.objects.bulk_create(
        Injury(
            patient=p,
            site="tibia_posteromedial",
            side="left",
            bone_type="cortical",
            derived_risk="low",
            risk_category="low",
            first_symptoms_on=day - timedelta(days=10),
            diagnosed_on=day - timedelta(days=5),
            fredericson_grade="2",
        )
        for p in patients
    )
    CheckIn.objects.bulk_create(
        CheckIn(
            patient=p,
            date=day,
            pain_rest=1,
            pain_next_morning=0,
            session_done="as_prescribed",
            pain_during=1,
            run_minutes=10,
            run_distance_km=Decimal("1.5"),
            sleep_hours=Decimal("7.5"),
        )
        for p in patients
    )
    return patients


@pytest.mark.redis
def test_bulk_export_on_a_real_worker_writes_ndjson_the_page_shows_progress_and_downloads_once(
    client, celery_worker_thread
):
    clinic = make_clinic(name="Bulk clinic")
    lead = make_member(clinic=clinic, role="lead")
    physio = make_member(clinic=clinic, role="physio")
    day = timezone.localdate() - timedelta(days=2)
    _caseload(clinic, physio, day)
    other_clinic = make_clinic(name="Elsewhere")
    outsider = make_patient(
        clinic=other_clinic, physio=make_member(clinic=other_clinic, role="physio")
    )
    CheckIn.objects.create(
        patient=outsider, date=day, pain_rest=0, pain_next_morning=0, session_done="rest_day"
    )
    client.force_login(lead)

    response = client.post(
        reverse("interop:bulk_request"),
        {"start": (day - timedelta(days=7)).isoformat(), "end": day.isoformat()},
    )
    assert response.status_code == 302
    job = BulkExport.objects.get(clinic=clinic)
    status_url = reverse("interop:bulk_status", args=[job.public_id])
    assert response["Location"] == status_url
    page = client.get(status_url).content.decode()
    assert 'id="bulk-bar"' in page and "hx-trigger" in page  # the progress bar refreshes itself

    seen: set[int] = set()

    def ready() -> bool:
        partial = client.get(status_url, headers={"HX-Request": "true"}).content.decode()
        shown = re.search(r'id="bulk-bar" value="(\d+)"', partial)
        assert shown is not None
        seen.add(int(shown.group(1)))
        job.refresh_from_db()
        return job.status == BulkExportStatus.READY

    assert wait_for(ready), job.status
    assert any(0 < p < 100 for p in seen), seen  # progress was shown while it ran
    assert job.total == N and job.done == N
    page = client.get(status_url).content.decode()
    assert "hx-trigger" not in page and 'id="bulk-download"' in page

    download = client.get(reverse("interop:bulk_download", args=[job.public_id]))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(download.content))
    manifest = json.loads(archive.read("manifest.json"))
    outputs = {o["type"]: o for o in manifest["output"]}
    assert {"Patient", "Condition", "QuestionnaireResponse", "Observation", "Provenance"} <= set(
        outputs
    )
    assert outputs["Patient"]["count"] == N
    for resource_type, output in outputs.items():
        lines = archive.read(output["url"]).decode().splitlines()
        assert len(lines) == output["count"]
        for line in lines:  # each line parses as one resource of the file's type
            resource = json.loads(line)
            assert resource["resourceType"] == resource_type
            get_fhir_model_class(resource_type).model_validate(resource)
    patients_text = archive.read("Patient.ndjson").decode()
    assert str(outsider.public_id) not in patients_text  # nothing of another clinic

    # The link works once.
    again = client.get(reverse("interop:bulk_download", args=[job.public_id]))
    assert again.status_code == 410
    job.refresh_from_db()
    assert job.status == BulkExportStatus.DOWNLOADED and job.archive is None
    from auditlog.models import LogEntry

    assert LogEntry.objects.filter(
        action=LogEntry.Action.ACCESS, actor=lead, object_pk=str(job.pk)
    ).exists()


@pytest.mark.django_db
def test_an_export_expires(client, lead, clinic):
    from interop import bulk

    job = BulkExport.objects.create(
        clinic=clinic,
        requested_by=lead,
        start=timezone.localdate(),
        end=timezone.localdate(),
        status=BulkExportStatus.READY,
        archive=b"zip",
        expires_at=timezone.now() - timedelta(seconds=1),
    )
    client.force_login(lead)
    response = client.get(reverse("interop:bulk_download", args=[job.public_id]))
    assert response.status_code == 410
    assert "no longer available" in response.content.decode()
    job.refresh_from_db()
    assert job.status == BulkExportStatus.EXPIRED and job.archive is None
    assert bulk.bulk_exports_expire() == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("", "", "This field is required"),
        ("2026-03-10", "2026-03-01", "before the first day"),
        ("2024-01-01", "2026-01-01", "too long"),
        ("not a date", "2026-01-01", "Enter a valid date"),
    ],
)
def test_bad_date_ranges_are_refused_clearly(client, lead, start, end, message):
    client.force_login(lead)
    response = client.post(reverse("interop:bulk_request"), {"start": start, "end": end})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not BulkExport.objects.exists()


@pytest.mark.django_db
def test_another_clinics_lead_cannot_see_or_download_an_export(client, lead, clinic, outsider_lead):
    job = BulkExport.objects.create(
        clinic=clinic, requested_by=lead, start=timezone.localdate(), end=timezone.localdate()
    )
    client.force_login(outsider_lead)
    assert client.get(reverse("interop:bulk_status", args=[job.public_id])).status_code == 404
    assert client.get(reverse("interop:bulk_download", args=[job.public_id])).status_code == 404


@pytest.mark.django_db
def test_the_bulk_export_leaves_out_erased_patients_and_other_clinics(
    lead, clinic, physio, other_clinic, outsider
):
    from interop import bulk
    from patients import erasure

    day = timezone.localdate() - timedelta(days=1)
    kept = make_patient(clinic=clinic, physio=physio)
    erased = make_patient(clinic=clinic, physio=physio)
    elsewhere = make_patient(clinic=other_clinic, physio=outsider)
    for patient in (kept, erased, elsewhere):
        CheckIn.objects.create(
            patient=patient, date=day, pain_rest=0, pain_next_morning=0, session_done="rest_day"
        )
    erasure.patient_erase(patient=erased, by=lead)
    job = bulk.bulk_export_request(clinic=clinic, by=lead, start=day, end=day)
    bulk.bulk_export_build(job.pk)
    bulk.bulk_export_build(job.pk)  # a repeated task changes nothing
    job.refresh_from_db()
    assert job.status == BulkExportStatus.READY and job.total == 1
    archive = zipfile.ZipFile(io.BytesIO(bytes(job.archive)))
    lines = archive.read("Patient.ndjson").decode().splitlines()
    assert [json.loads(line)["id"] for line in lines] == [str(kept.public_id)]
    text = "".join(archive.read(n).decode() for n in archive.namelist())
    assert str(erased.public_id) not in text and str(elsewhere.public_id) not in text
