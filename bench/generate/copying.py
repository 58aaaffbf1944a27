"""Writing generated rows with PostgreSQL COPY, allocating ids, deleting the bench rows."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from django.apps import apps
from django.core.management.base import CommandError
from django.db import connection, models
from django.utils import timezone

from rtr.accounts.models import Clinic, User

# --- COPY -------------------------------------------------------------------------------------


class Copier:
    """COPY rows of a model: the given columns in order, every other column from its default."""

    def __init__(self, model: type[models.Model], names: Sequence[str], *, with_pk: bool) -> None:
        self.model = model
        self.names = list(names)
        by_name = {f.attname: f for f in model._meta.concrete_fields}
        unknown = set(self.names) - set(by_name)
        if unknown:
            raise CommandError(f"{model.__name__} has no columns {sorted(unknown)}")
        self.json = [isinstance(by_name[n], models.JSONField) for n in self.names]
        self.extra: list[tuple[str, Callable[[], Any]]] = []
        now = timezone.now()
        for f in model._meta.concrete_fields:
            if f.attname in self.names or (f.primary_key and not with_pk):
                continue
            if f.primary_key:
                raise CommandError(f"{model.__name__}: give the primary key")
            self.extra.append((str(f.column), _default_maker(f, now)))
        columns = [by_name[n].column for n in self.names] + [c for c, _m in self.extra]
        self.sql = (
            f'COPY "{model._meta.db_table}" ({", ".join(f'"{c}"' for c in columns)}) FROM STDIN'
        )

    def row(self, values: Sequence[Any]) -> tuple[Any, ...]:
        converted = [
            json.dumps(v) if is_json and v is not None else v
            for v, is_json in zip(values, self.json, strict=True)
        ]
        return (*converted, *(make() for _c, make in self.extra))

    def copy(self, rows: Iterable[Sequence[Any]]) -> int:
        count = 0
        with connection.cursor() as cursor, cursor.copy(self.sql) as copy:
            for values in rows:
                copy.write_row(self.row(values))
                count += 1
        return count

    def line(self, values: Sequence[Any]) -> str:
        """One row in COPY's text format (built by a generating process, written as bytes)."""
        return "\t".join(_text(v) for v in self.row(values)) + "\n"

    def copy_text(self, chunks: Iterable[bytes]) -> None:
        with connection.cursor() as cursor, cursor.copy(self.sql) as copy:
            for chunk in chunks:
                copy.write(chunk)


def _text(value: Any) -> str:
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        text: str = value
        if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
            text = (
                text.replace("\\", "\\\\")
                .replace("\t", "\\t")
                .replace("\n", "\\n")
                .replace("\r", "\\r")
            )
        return text
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def _default_maker(f: models.Field[Any, Any], now: datetime) -> Callable[[], Any]:
    if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
        return lambda: now
    if isinstance(f, models.JSONField):
        return lambda: json.dumps(f.get_default())
    if f.has_default() and callable(f.default):
        return f.get_default
    value = f.get_default()
    if value is None and not f.null:
        value = "" if f.empty_strings_allowed else None
    return lambda: value


def allocate_ids(model: type[models.Model], count: int) -> list[int]:
    """Primary keys taken from the table's sequence, so COPY can write parents and children."""
    if count == 0:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [f'"{model._meta.db_table}"', model._meta.pk.column, count],
        )
        return [row[0] for row in cursor.fetchall()]


# --- Deleting the bench rows --------------------------------------------------------------------


def purge(clinic_ids: list[int], user_ids: list[int]) -> dict[str, int]:
    """Delete the bench clinics and users and every row that depends on them, whatever the app
    (the foreign keys are walked from the models). Django's foreign keys are deferred on
    PostgreSQL, so the order of the deletes does not matter inside the transaction."""
    doomed: dict[type[models.Model], str] = {}
    nullify: set[tuple[type[models.Model], str, type[models.Model]]] = set()

    def table_for(model: type[models.Model], cursor: Any) -> str:
        if model not in doomed:
            name = f"bench_doomed_{len(doomed)}"
            pk = model._meta.pk.column
            cursor.execute(
                f'CREATE TEMP TABLE {name} ON COMMIT DROP AS SELECT "{pk}" AS pk '  # noqa: S608
                f'FROM "{model._meta.db_table}" WHERE false'
            )
            cursor.execute(f"CREATE UNIQUE INDEX ON {name} (pk)")
            doomed[model] = name
        return doomed[model]

    with connection.cursor() as cursor:
        roots: list[tuple[type[models.Model], list[int]]] = [(Clinic, clinic_ids), (User, user_ids)]
        for model, ids in roots:
            table = table_for(model, cursor)
            if ids:
                cursor.execute(
                    f"INSERT INTO {table} SELECT unnest(%s::bigint[]) ON CONFLICT DO NOTHING",
                    [ids],
                )
        changed = True
        while changed:
            changed = False
            for parent in list(doomed):
                for rel in parent._meta.get_fields(include_hidden=True):
                    if not (rel.auto_created and not rel.concrete and rel.is_relation):
                        continue
                    if rel.many_to_many:
                        continue  # its through model's foreign keys are walked instead
                    related: Any = rel.related_model
                    child: type[models.Model] = related._meta.concrete_model
                    if not child._meta.managed:
                        continue
                    column = str(rel.field.column)  # type: ignore[union-attr]
                    on_delete = rel.on_delete  # type: ignore[union-attr]
                    if on_delete in (models.SET_NULL, models.SET_DEFAULT):
                        nullify.add((child, column, parent))
                        continue
                    target = table_for(child, cursor)
                    pk = child._meta.pk.column
                    cursor.execute(
                        f'INSERT INTO {target} SELECT "{pk}" FROM "{child._meta.db_table}" '  # noqa: S608
                        f'WHERE "{column}" IN (SELECT pk FROM {doomed[parent]}) '
                        "ON CONFLICT DO NOTHING"
                    )
                    changed = changed or cursor.rowcount > 0
        # Temporary tables are never analysed by autovacuum: without this the planner guessed
        # them tiny and ran `NOT IN` over a million check-ins row by row (minutes, not seconds).
        for table in doomed.values():
            cursor.execute(f"ANALYZE {table}")
        for child, column, parent in sorted(nullify, key=lambda item: item[0]._meta.db_table):
            pk = child._meta.pk.column
            survivors = (
                f" AND NOT EXISTS (SELECT 1 FROM {doomed[child]} d"  # noqa: S608
                f' WHERE d.pk = "{child._meta.db_table}"."{pk}")'
                if child in doomed
                else ""
            )
            cursor.execute(
                f'UPDATE "{child._meta.db_table}" SET "{column}" = NULL '  # noqa: S608
                f'WHERE "{column}" IN (SELECT pk FROM {doomed[parent]}){survivors}'
            )
        deleted: dict[str, int] = {}
        for model, table in doomed.items():
            cursor.execute(
                f'DELETE FROM "{model._meta.db_table}" '  # noqa: S608
                f'WHERE "{model._meta.pk.column}" IN (SELECT pk FROM {table})'
            )
            if cursor.rowcount:
                deleted[model._meta.label] = cursor.rowcount
        if clinic_ids and apps.is_installed("auditlog"):
            # The audit log refers to records by id in its JSON, not by a foreign key.
            cursor.execute(
                "DELETE FROM auditlog_logentry WHERE (additional_data->>'clinic')::text "
                "= ANY(%s::text[])",
                [[str(i) for i in clinic_ids]],
            )
    return deleted
