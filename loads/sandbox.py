"""Parse a run file in a child process with a time and a memory limit (see parse_child)."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path
from typing import Any

from .parsing import RunFileError

ROOT = Path(__file__).resolve().parent.parent
TOO_SLOW = (
    "Reading this file took too long and was stopped. Try exporting it again from your watch."
)
TOO_BIG = "This file needs too much memory to read and was stopped."


def parse_limited(data: bytes, *, seconds: float, memory_mb: int) -> dict[str, Any]:
    """The run session as a dict, or RunFileError with the message for the athlete."""

    def limits() -> None:  # in the child, before it runs Python
        cap = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    try:
        done = subprocess.run(
            [sys.executable, "-m", "loads.parse_child"],
            input=data,
            capture_output=True,
            timeout=seconds,
            preexec_fn=limits,
            cwd=ROOT,
            env=env,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise RunFileError(TOO_SLOW) from error
    try:
        answer = json.loads(done.stdout or b"{}")
    except ValueError:
        answer = {}
    if "session" in answer:
        session: dict[str, Any] = answer["session"]
        return session
    if answer.get("error") == "memory" or (done.returncode != 0 and b"MemoryError" in done.stderr):
        raise RunFileError(TOO_BIG)
    if "error" in answer:
        raise RunFileError(answer["error"])
    raise RunFileError("The file could not be read.")
