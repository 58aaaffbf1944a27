"""The child process that parses one run file: bytes on stdin, one JSON object on stdout.

Started by `loads.sandbox` with a wall-clock timeout and an address-space limit, so a file
that makes a parser hang or balloon ends this process only, never the Celery worker.
"""

from __future__ import annotations

import json
import sys


def main() -> int:
    from loads.parsing import RunFileError, parse

    data = sys.stdin.buffer.read()
    try:
        session = parse(data)
    except RunFileError as error:
        json.dump({"error": str(error)}, sys.stdout)
        return 0
    except MemoryError:
        json.dump({"error": "memory"}, sys.stdout)
        return 0
    json.dump({"session": session.as_dict()}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
