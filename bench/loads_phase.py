"""`make bench`, run files and training load (issue 19):

- import throughput: 60-minute FIT run files (one record a second, 12 laps) read the way the
  worker reads them (`loads.services.read`: the limited child process, then the rows), files
  per second, one after the other on one core;
- load computation: `loads.analytics.clinic_loads` (each patient's EWMA ACWR, weekly load,
  monotony and strain: two queries and one pass per patient) for every bench clinic.
"""

from __future__ import annotations

import statistics
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from django.core.files.base import ContentFile

from loads import analytics, services
from loads.models import RunImport
from patients.models import Patient
from tests.loads.samples import LapSpec, Run, fit_file

FILES = 20


def sixty_minute_fit(start: datetime) -> bytes:
    laps = [LapSpec(300, 850.0, 85, 0.5) for _ in range(12)]  # 12 x 5 min: 60 minutes
    return fit_file(Run(start=start, laps=laps, pause_s=0, record_every=1))


def run(clinic_ids: list[int], patient_id: int, user_id: int | None) -> dict[str, Any]:
    patient = Patient.objects.select_related("clinic").get(pk=patient_id)
    today = datetime.now(UTC).astimezone(patient.clinic.zone).date()
    base = datetime(2001, 1, 1, 7, tzinfo=UTC)  # far from the bench's own days
    made = []
    sizes = []
    for n in range(FILES):
        data = sixty_minute_fit(base + timedelta(days=n))
        sizes.append(len(data))
        item = RunImport(
            patient=patient,
            uploaded_by_id=user_id,
            file_format="fit",
            file_bytes=len(data),
            sha256=f"bench-{n}-{time.time_ns()}",
        )
        item.file.save("bench", ContentFile(data), save=True)
        made.append(item)
    started = time.perf_counter()
    statuses = [services.read(item.pk).status for item in made]  # type: ignore[union-attr]
    seconds = time.perf_counter() - started
    for item in RunImport.objects.filter(pk__in=[m.pk for m in made]):
        item.file.delete(save=False)
        item.delete()

    per_clinic = []
    patients = 0
    started = time.perf_counter()
    for clinic_id in clinic_ids:
        t = time.perf_counter()
        result = analytics.clinic_loads(clinic_id, today)
        per_clinic.append(time.perf_counter() - t)
        patients += len(result)
    load_seconds = time.perf_counter() - started
    return {
        "import": {
            "files": FILES,
            "file_kb": round(statistics.fmean(sizes) / 1024),
            "all_read": statuses.count("done") == FILES,
            "files_per_s": round(FILES / seconds, 2),
            "ms_per_file": round(1000 * seconds / FILES),
        },
        "load": {
            "clinics": len(clinic_ids),
            "patients_with_data": patients,
            "seconds": round(load_seconds, 2),
            "ms_per_patient": round(1000 * load_seconds / max(patients, 1), 2),
        },
    }


def report(result: dict[str, Any]) -> list[str]:
    imp, load = result["import"], result["load"]
    return [
        "Run files and training load",
        f"  import: {imp['files']} FIT files of a 60-minute run ({imp['file_kb']} KB, one record a "
        f"second) read by the worker's path: {imp['files_per_s']} files/s "
        f"({imp['ms_per_file']} ms each){'' if imp['all_read'] else ' (SOME NOT READ)'}",
        f"  load figures (ACWR, weekly load, monotony, strain) for {load['patients_with_data']} "
        f"patients in {load['clinics']} clinic(s): {load['seconds']} s "
        f"({load['ms_per_patient']} ms per patient)",
    ]
