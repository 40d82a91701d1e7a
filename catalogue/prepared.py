"""Queries that differ only in a list of values, compiled once and run many times.

A listing looks up the tags it is filtered by and reads the rows of its page by id: simple statements that
the database answers in a fraction of a millisecond, where Django builds and compiles each of them afresh in
about as long again. A `Prepared` query is compiled once for each database and number of values; each call
puts the values in their places and reads the rows into model instances, as the queryset would.
"""

import functools
import inspect
from collections.abc import Callable, Sequence
from typing import Any

from django.db import connections
from django.db.models import Model, QuerySet
from django.db.models.base import ModelState
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.signals import post_init, pre_init


class _Slot(int):
    """Where the nth value goes among a compiled statement's parameters."""


class Prepared:
    def __init__(self, build: Callable[[list], QuerySet], mark: Callable[[int], Any]):
        """`build(values)` makes the queryset for a list of values; `mark(n)` a stand-in for the nth value
        that no other parameter of the statement can equal (it is never sent)."""
        self.build, self.mark = build, mark
        self._compiled: dict[tuple[str, int], tuple[type[Model], str, tuple, list, tuple[str, ...]]] = {}

    def compiled(self, alias: str, count: int) -> tuple[type[Model], str, tuple, list, tuple[str, ...]]:
        """(the model, its SQL, its parameters with a `_Slot` for each value, the converters of its columns for
        this database as [(position, (converters, expression))], and the fields the columns fill)."""
        key = (alias, count)
        if key not in self._compiled:
            marks = [self.mark(n) for n in range(count)]
            compiler = self.build(marks).query.get_compiler(alias)
            sql, params = compiler.as_sql()
            slots = tuple(_Slot(marks.index(p)) if p in marks else p for p in params)
            columns = [column for column, _sql, _alias in compiler.select]
            converters = list(compiler.get_converters(columns).items())
            fields = tuple(column.target.attname for column in columns)
            self._compiled[key] = (compiler.query.model, sql, slots, converters, fields)
        return self._compiled[key]

    def rows(self, values: Sequence, alias: str) -> list[Model]:
        """The model instances `build(values)` gives, read from the database `alias` (`values` distinct)."""
        if not values:
            return []
        model, sql, slots, converters, fields = self.compiled(alias, len(values))
        connection = connections[alias]
        with connection.cursor() as cursor:
            cursor.execute(sql, [values[p] if isinstance(p, _Slot) else p for p in slots])
            found = cursor.fetchall()
        if converters:
            # Each value as the queryset would give it (a date read from SQLite's text, say), by Django's own
            # converters (as `SQLCompiler.apply_converters`, with this thread's connection).
            found = [list(row) for row in found]
            for row in found:
                for position, (functions, expression) in converters:
                    for function in functions:
                        row[position] = function(row[position], expression, connection)
        return [loaded(model, alias, fields, row) for row in found]


def loaded(model: type[Model], alias: str, fields: tuple[str, ...], row: Sequence) -> Any:
    """An instance of `model` read from the database `alias`, its `fields` holding the values of `row`, as
    `Model.from_db` makes it (any other field read when asked for, as after `only()`), without `__init__`'s
    pass over every field: a listing makes a hundred. Where something listens for a model's making (Django's
    `pre_init` and `post_init`), it is made the usual way."""
    if not plainly_set(model, fields):
        return model.from_db(alias, fields, row)
    instance = model.__new__(model)
    state = ModelState()
    state.adding, state.db = False, alias
    instance.__dict__.update(zip(fields, row, strict=True), _state=state)
    return instance


@functools.cache
def plainly_set(model: type[Model], fields: tuple[str, ...]) -> bool:
    """Whether setting these fields of a new `model` only stores their values: no one listens for its making
    and no field's descriptor does more than store (a foreign key's id only forgets a cached object, which a
    new instance does not have)."""
    if pre_init.has_listeners(model) or post_init.has_listeners(model):
        return False
    for name in fields:
        descriptor = inspect.getattr_static(model, name, None)
        if hasattr(type(descriptor), "__set__") and not isinstance(descriptor, ForeignKeyDeferredAttribute):
            return False
    return True
