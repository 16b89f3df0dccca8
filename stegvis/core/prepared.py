"""Querysets the ORM builds once per shape and the database runs many times.

On the hot path Django spends several times longer building and compiling a queryset than
the database spends running it (bench/hotpath.py). A `Prepared` query is written with the
ORM as usual, as a function of named parameters returning a queryset: `rows()` gives a
`values_list` queryset's tuples, `instances()` a model queryset's objects, with the related
objects and the annotations the Prepared names (`related=`, `annotations=`), made with the
public `Model.from_db`, `count()` how many rows either finds, and `subquery()` the query as
an `__in` lookup takes it (Django's RawSQL), for another query to be built around. The SQL
is the ORM's own (for objects, of a `values_list` of their columns), as a query expression
is given it: the compiler's `as_sql()` and its converters. The first call for a database
and a shape (the lengths of the list parameters) builds it with stand-in values, compiles
it, and notes where each stand-in landed among the SQL's parameters; later calls put their
own values there and run the same SQL.

Every value that changes from call to call must be a parameter: one the build function
took from elsewhere (the clock, the date, a setting) would be frozen into the SQL. So pass
them in; and each shape is compiled twice, with different stand-ins, and refused when the
two differ in anything but the stand-ins (which catches the clock's time, though not the
date: a build function reads nothing but its parameters).
"""

import itertools
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.core.exceptions import EmptyResultSet, ImproperlyConfigured
from django.db import connections
from django.db.models import F, Func, IntegerField, QuerySet, Subquery
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce

_counter = itertools.count(1)
# A list longer than this is run through the ORM as usual: a shape per length would keep
# one SQL text per length ever seen.
MAX_LIST = 64


def _stand_in(value):
    """A value of the same type as `value`, unlike any other (and any constant)."""
    n = next(_counter)
    if isinstance(value, uuid.UUID):
        return uuid.uuid4()
    if isinstance(value, bool):
        raise TypeError("a boolean parameter would be ambiguous: build one query per value")
    if isinstance(value, int):
        # Within a 32-bit column's range: Django answers an out-of-range value with an
        # empty result at compile time, which would then be kept for every value.
        return 1_900_000_000 + n
    if isinstance(value, datetime):
        return datetime(2999, 1, 1, tzinfo=UTC) + timedelta(microseconds=n)
    if isinstance(value, date):
        return date(2900, 1, 1) + timedelta(days=n)
    if isinstance(value, str):
        return f"stand-in {uuid.uuid4().hex}"
    raise TypeError(f"unsupported parameter type: {type(value).__name__}")


def _to_db(connection, value):
    """`value` as the ORM hands it to the driver (as the fields' get_db_prep_value do)."""
    if isinstance(value, uuid.UUID):
        return value if connection.features.has_native_uuid_field else value.hex
    if isinstance(value, datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, date):
        return connection.ops.adapt_datefield_value(value)
    return value


def _shape(values: dict) -> tuple:
    return tuple(
        sorted((name, len(v)) for name, v in values.items() if isinstance(v, list | tuple))
    )


def _flat(values: dict) -> list[tuple[str, int | None, object]]:
    flat = []
    for name, value in values.items():
        if isinstance(value, list | tuple):
            flat += [(name, i, item) for i, item in enumerate(value)]
        else:
            flat.append((name, None, value))
    return flat


@dataclass(frozen=True)
class _Compiled:
    sql: str | None  # None: the shape's result is always empty (an empty `__in`)
    # Per SQL parameter: (name, index in a list or None, None), or ("", None, constant).
    slots: tuple
    converters: dict


@dataclass(frozen=True)
class _Part:
    """One model's objects in a row of instances(): where its columns are, and where the
    object goes (None: the row's own object; else the name of its foreign key)."""

    model: type
    attnames: tuple
    columns: slice
    relation: str | None


def _attnames(model) -> tuple:
    return tuple(f.attname for f in model._meta.get_fields() if f.concrete and not f.many_to_many)


class Prepared:
    def __init__(
        self,
        build: Callable[..., QuerySet],
        using: str = "default",
        *,
        related: tuple[str, ...] = (),
        annotations: tuple[str, ...] = (),
    ):
        """`related`: the foreign keys whose objects instances() builds in place (as
        `select_related` would); `annotations`: the build's annotations it sets on each."""
        self.build = build
        self.using = using
        self.related = related
        self.annotations = annotations
        self._compiled: dict[tuple, _Compiled] = {}
        self._parts: tuple[_Part, ...] | None = None

    def _layout(self, model) -> tuple[tuple[_Part, ...], tuple[str, ...]]:
        """The objects of a row and the columns of the `values_list` that selects them."""
        if self._parts is None:
            parts, start = [], 0
            for relation in (None, *self.related):
                of = model if relation is None else model._meta.get_field(relation).related_model
                names = _attnames(of)
                parts.append(_Part(of, names, slice(start, start + len(names)), relation))
                start += len(names)
            self._parts = tuple(parts)
        columns = [
            name if part.relation is None else f"{part.relation}__{name}"
            for part in self._parts
            for name in part.attnames
        ]
        return self._parts, (*columns, *self.annotations)

    def _query(self, values: dict, objects: bool) -> QuerySet:
        queryset = self.build(**values)
        if objects:
            queryset = queryset.values_list(*self._layout(queryset.model)[1])
        return queryset

    def _compile_once(self, connection, values: dict, objects: bool):
        stand_ins = {
            name: [_stand_in(v) for v in value] if isinstance(value, list | tuple) else
            _stand_in(value)
            for name, value in values.items()
        }  # fmt: skip
        compiler = self._query(stand_ins, objects).query.get_compiler(connection=connection)
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet:
            return None, (), {}
        where = {_to_db(connection, v): (name, i, None) for name, i, v in _flat(stand_ins)}
        slots = tuple(
            where.get(p, ("", None, p)) if _hashable(p) else ("", None, p) for p in params
        )
        selected = [expression for expression, _sql, _alias in compiler.select]
        return sql, slots, compiler.get_converters(selected)

    def _compile(self, connection, values: dict, objects: bool) -> _Compiled:
        first = self._compile_once(connection, values, objects)
        second = self._compile_once(connection, values, objects)
        if first[:2] != second[:2]:
            raise ImproperlyConfigured(
                f"{self.build.__qualname__} builds a query from a value it was not given"
            )
        return _Compiled(*first)

    def rows(self, **values) -> list[tuple]:
        if _too_long(values):
            return list(self.build(**values))
        return self._run(values, objects=False)[1]

    def instances(self, **values) -> list:
        """The model objects, with the `related` ones built in place and the `annotations`
        set, as the ORM's select_related and annotate would give them."""
        if _too_long(values):
            return list(self.build(**values).select_related(*self.related))
        compiled, rows = self._run(values, objects=True)
        if compiled.sql is None:
            return []
        parts = self._parts
        first_annotation = parts[-1].columns.stop
        found = []
        for row in rows:
            instance = None
            for part in parts:
                cells = row[part.columns]
                if part.relation is None:
                    instance = part.model.from_db(self.using, part.attnames, cells)
                else:
                    # A null foreign key leaves every column of its object empty.
                    related = None
                    if cells[part.attnames.index(part.model._meta.pk.attname)] is not None:
                        related = part.model.from_db(self.using, part.attnames, cells)
                    setattr(instance, part.relation, related)
            for offset, name in enumerate(self.annotations):
                setattr(instance, name, row[first_annotation + offset])
            found.append(instance)
        return found

    def first(self, **values):
        """The first object instances() finds, or None."""
        found = self.instances(**values)
        return found[0] if found else None

    def count(self, **values) -> int:
        """How many rows the query finds, counted by the database."""
        if _too_long(values):
            return self.build(**values).count()
        _compiled, rows = self._run(values, objects=False, counting=True)
        return rows[0][0] if rows else 0

    def subquery(self, **values):
        """The query as what an `__in` lookup takes: the SQL compiled once per shape with
        this call's values (Django's public RawSQL), or an empty list where the shape finds
        nothing. Used where one query's rows narrow another's (a reader's visible cases),
        so the outer query is built around it instead of resolving it again."""
        if _too_long(values):
            return self.build(**values)
        compiled = self._compiled_for(connections[self.using], values, objects=False)
        if compiled.sql is None:
            return []
        # The ORM's own SQL, compiled from the build's queryset: its values stay parameters.
        return RawSQL(compiled.sql, self._params(connections[self.using], compiled, values))  # noqa: S611

    def _compiled_for(self, connection, values: dict, objects: bool) -> _Compiled:
        key = (connection.vendor, connection.alias, _shape(values), objects)
        compiled = self._compiled.get(key)
        if compiled is None:
            compiled = self._compiled[key] = self._compile(connection, values, objects)
        return compiled

    @staticmethod
    def _params(connection, compiled: _Compiled, values: dict) -> list:
        return [
            _to_db(connection, values[name] if index is None else values[name][index])
            if name
            else constant
            for name, index, constant in compiled.slots
        ]

    def _run(
        self, values: dict, objects: bool, counting: bool = False
    ) -> tuple[_Compiled, list[tuple]]:
        connection = connections[self.using]
        compiled = self._compiled_for(connection, values, objects)
        if compiled.sql is None:
            return compiled, []
        params = self._params(connection, compiled, values)
        # The ORM's own SQL, counted around: its values stay parameters.
        sql = f"SELECT COUNT(*) FROM ({compiled.sql}) counted" if counting else compiled.sql  # noqa: S608
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        if counting or not compiled.converters:
            return compiled, rows
        converted = []
        for row in rows:
            row = list(row)
            for position, (functions, expression) in compiled.converters.items():
                for function in functions:
                    row[position] = function(row[position], expression, connection)
            converted.append(tuple(row))
        return compiled, converted


def _too_long(values: dict) -> bool:
    return any(isinstance(v, list | tuple) and len(v) > MAX_LIST for v in values.values())


def _hashable(value) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def counted(queryset: QuerySet) -> Coalesce:
    """How many rows `queryset` finds, as a scalar subquery: several counts can then come
    as the columns of one row, in one round trip."""
    rows = queryset.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n")
    return Coalesce(Subquery(rows[:1], output_field=IntegerField()), 0)


def insert(objects: list, using: str = "default") -> list:
    """Insert new objects of one model as bulk_create does (no save(), no signals), their
    generated keys set, but with SQL written once per model and number of rows: on the hot
    path the ORM's compiling of an insert took as long as the database running it."""
    if not objects:
        return objects
    model = type(objects[0])
    connection = connections[using]
    if not connection.features.can_return_rows_from_bulk_insert:
        return model.objects.using(using).bulk_create(objects)
    fields = _inserted_fields(model)
    batch = connection.ops.bulk_batch_size(fields, objects)
    for start in range(0, len(objects), batch):
        chunk = objects[start : start + batch]
        params = [
            field.get_db_prep_save(field.pre_save(obj, add=True), connection)
            for obj in chunk
            for field in fields
        ]
        with connection.cursor() as cursor:
            cursor.execute(_insert_sql(connection, model, len(chunk)), params)
            keys = cursor.fetchall()
        for obj, (key,) in zip(chunk, keys, strict=True):
            obj.pk = key
            obj._state.adding = False
            obj._state.db = using
    return objects


def _inserted_fields(model) -> list:
    return [field for field in model._meta.concrete_fields if field is not model._meta.auto_field]


# The INSERT of each (database vendor, model, number of rows).
_INSERTS: dict[tuple, str] = {}


def _insert_sql(connection, model, rows: int) -> str:
    key = (connection.vendor, model, rows)
    sql = _INSERTS.get(key)
    if sql is None:
        sql = _write_insert(connection, model, rows)
        if rows <= MAX_LIST:  # a bulk insert's long SQL is not worth keeping
            _INSERTS[key] = sql
    return sql


def _write_insert(connection, model, rows: int) -> str:
    quote = connection.ops.quote_name
    fields = _inserted_fields(model)
    columns = ", ".join(quote(field.column) for field in fields)
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    return (
        f"INSERT INTO {quote(model._meta.db_table)} ({columns}) "  # noqa: S608
        f"VALUES {', '.join([row] * rows)} RETURNING {quote(model._meta.auto_field.column)}"
    )
