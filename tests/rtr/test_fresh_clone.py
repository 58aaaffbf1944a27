"""Issue 15.4: `python manage.py check` works on a fresh clone, before `make run` ever ran.

The tracked files (what a clone has: no .run/, no .env, no database) are copied to an empty
folder and `manage.py check` runs there in development mode with nothing else set. Before,
it failed with "unable to open database file": the default SQLite file is in .run/, which
only `make run` created.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from django.conf import settings

from tests.conftest import service_unavailable

ROOT = Path(settings.BASE_DIR)
SET_BY_THE_SUITE = {
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "CACHE_URL",
    "EMAIL_URL",
    "RTR_BROKER_DIR",
    "RTR_RUN_DIR",
    "DJANGO_SETTINGS_MODULE",
    "DJANGO_SECRET_KEY",
    "DJANGO_DEBUG",
}


def fresh_clone(target: Path) -> Path:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        service_unavailable("needs git and a git checkout to list the tracked files")
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


def test_manage_py_check_works_on_a_fresh_clone_before_make_run(tmp_path):
    clone = fresh_clone(tmp_path / "rtr")
    assert not (clone / ".run").exists()
    env = {k: v for k, v in os.environ.items() if k not in SET_BY_THE_SUITE}
    env["DJANGO_DEBUG"] = "1"  # development mode, as `make run` and a newcomer use it
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
