"""Read queries that are compiled to SQL once per database and then run many times.

On the pages every request touches (the logged-in user, the wizard's diagnostic),
turning a queryset into SQL costs the ORM more CPU than the database spends running
it. A `CompiledQuery` asks the ORM for the SQL once, with placeholder values, and then
sends that SQL with each call's values, passing the rows through the same converters
the ORM would have applied. It lives in `accounts`, the app every other app builds on.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import QuerySet

# Placeholder values no real row id takes, each recognisable among the SQL parameters.
_PLACEHOLDER_BASE = -(10**15)


class _Compiled(NamedTuple):
    sql: str
    params: list[Any]
    slots: list[tuple[int, str]]  # (position in params, argument name)
    converters: list[tuple[int, list[Callable[..., Any]], Any]]


class CompiledQuery:
    """A `values_list` queryset, compiled once per database alias.

    `build(**placeholders)` must return the queryset for the given integer arguments;
    each argument has to reach the SQL as one parameter, unchanged (filters such as
    `pk=` or `company_id=`). A query that uses an argument any other way (in an
    expression, twice, not at all) is refused when it is first compiled.
    """

    def __init__(
        self, build: Callable[..., QuerySet[Any]], arguments: Sequence[str]
    ) -> None:
        self._build = build
        self._arguments = tuple(arguments)
        self._compiled: dict[str, _Compiled] = {}

    def rows(self, *, using: str = DEFAULT_DB_ALIAS, **values: int) -> list[list[Any]]:
        """The query's rows for `values`, converted as the ORM converts them."""
        compiled = self._compiled.get(using) or self._compile(using)
        params = list(compiled.params)
        for position, name in compiled.slots:
            params[position] = values[name]
        connection = connections[using]
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows = [list(row) for row in cursor.fetchall()]
        for row in rows:
            for position, functions, expression in compiled.converters:
                value = row[position]
                for convert in functions:
                    value = convert(value, expression, connection)
                row[position] = value
        return rows

    def _compile(self, using: str) -> _Compiled:
        placeholders = {
            name: _PLACEHOLDER_BASE - index
            for index, name in enumerate(self._arguments)
        }
        by_value = {value: name for name, value in placeholders.items()}
        compiler = self._build(**placeholders).query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        slots = [
            (position, by_value[value])
            for position, value in enumerate(params)
            if type(value) is int and value in by_value
        ]
        if sorted(name for _, name in slots) != sorted(self._arguments):
            raise ImproperlyConfigured(
                f"Each of {self._arguments} must reach the SQL once as a parameter: {sql}"
            )
        columns = [column for column, _, _ in compiler.select[: compiler.col_count]]
        converters = [
            (position, functions, expression)
            for position, (functions, expression) in compiler.get_converters(
                columns
            ).items()
        ]
        compiled = _Compiled(sql, list(params), slots, converters)
        self._compiled[using] = compiled
        return compiled
