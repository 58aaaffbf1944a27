"""The child process that parses one run file: bytes on stdin, one JSON object on stdout.

Started by `loads.sandbox` with a wall-clock timeout and an address-space limit, so a file
that makes a parser hang or balloon ends this process only, never the Celery worker.
"""

from __future__ import annotations

import json
import sys

from loads.parsing import RunFileError, parse


def main() -> int:
    data = sys.stdin.buffer.read()
    try:
        session = parse(data)
    except RunFileError as error:
        # A parser that ran out of memory may say so only deep in its own wrapped error.
        json.dump({"error": "memory" if _out_of_memory(error) else str(error)}, sys.stdout)
        return 0
    except MemoryError:
        json.dump({"error": "memory"}, sys.stdout)
        return 0
    json.dump({"session": session.as_dict()}, sys.stdout)
    return 0


def _out_of_memory(error: BaseException) -> bool:
    seen: set[int] = set()
    todo: list[object] = [error]
    while todo:
        item = todo.pop()
        if not isinstance(item, BaseException) or id(item) in seen:
            continue
        if isinstance(item, MemoryError) or "out of memory" in str(item).lower():
            return True  # expat reports its own allocation failure as a ParseError
        seen.add(id(item))
        todo.extend([item.__cause__, item.__context__, *item.args])
    return False


if __name__ == "__main__":
    sys.exit(main())
