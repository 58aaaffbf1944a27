"""Beat keeps its schedule on plain `dbm.dumb` files (rtr/beat.py), not Python 3.13's SQLite shelve."""

from __future__ import annotations

from datetime import UTC, datetime

from rtr.beat import ScheduleOnFiles
from rtr.celery import app


def test_the_project_runs_beat_on_the_file_schedule():
    assert app.conf.beat_scheduler == "rtr.beat:ScheduleOnFiles"
    # `celery beat` and the worker's embedded beat both take the class from this setting.
    assert app.Beat().scheduler_cls == "rtr.beat:ScheduleOnFiles"


def test_the_schedule_is_written_to_dumb_files_and_read_back_after_a_restart(tmp_path):
    filename = str(tmp_path / "celerybeat-schedule")
    first = ScheduleOnFiles(app=app, schedule_filename=filename, lazy=False)
    last_run = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
    first.schedule["worker-heartbeat"].last_run_at = last_run
    first.sync()
    first.close()

    assert (tmp_path / "celerybeat-schedule.dat").exists()
    assert (tmp_path / "celerybeat-schedule.dir").exists()
    # No SQLite database under the schedule's own name (what shelve would pick on 3.13).
    assert not (tmp_path / "celerybeat-schedule").exists()

    again = ScheduleOnFiles(app=app, schedule_filename=filename, lazy=False)
    try:
        assert again.schedule["worker-heartbeat"].last_run_at == last_run
        assert "evaluate-pending-checkins" in again.schedule
    finally:
        again.close()


def test_a_corrupt_schedule_is_replaced_not_fatal(tmp_path):
    filename = str(tmp_path / "celerybeat-schedule")
    (tmp_path / "celerybeat-schedule.dir").write_text("not a dbm index\n")
    (tmp_path / "celerybeat-schedule.dat").write_bytes(b"\x00garbage")

    scheduler = ScheduleOnFiles(app=app, schedule_filename=filename, lazy=False)
    try:
        assert "evaluate-pending-checkins" in scheduler.schedule
    finally:
        scheduler.close()
