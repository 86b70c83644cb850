"""What an agency may publish about its firms without exposing any one of them.

Pure: no Django. The statistics and the peer comparison load counts and scores from
the database and pass them here; what comes back is what a page may show.

The rule is one k-anonymity floor (`FLOOR` firms). A figure is published only if at
least that many firms contribute to it, and no figure can be worked out by
subtracting published figures from a published total:

- a count below the floor (but not zero) is hidden, totals included;
- wherever a total is published (a row's, a column's, the table's), the figures it
  adds up that are hidden are none, or at least two adding up to at least the floor:
  more figures are hidden until they are, so a total minus the visible figures never
  isolates a group smaller than the floor.

This is the usual secondary suppression of statistical offices, not a proof against
every attack (bounds can still be narrowed by solving the table as equations); it
stops the subtraction that a reader of the page can do.

Zero is published: it says that no firm is in a group, which exposes no firm.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Generic, TypeVar

FLOOR = 10

Row = TypeVar("Row", bound=Hashable)
Col = TypeVar("Col", bound=Hashable)


# --- Tables of counts ---------------------------------------------------------------


@dataclass(frozen=True)
class SafeTable(Generic[Row, Col]):
    """Counts safe to publish: None marks a hidden figure."""

    rows: tuple[Row, ...]
    columns: tuple[Col, ...]
    cells: Mapping[tuple[Row, Col], int | None]
    row_totals: Mapping[Row, int | None]
    column_totals: Mapping[Col, int | None]
    total: int | None

    def cell(self, row: Row, column: Col) -> int | None:
        return self.cells[(row, column)]

    @property
    def hidden_cells(self) -> int:
        return sum(1 for value in self.cells.values() if value is None)


def _is_small(count: int, floor: int) -> bool:
    return 0 < count < floor


# A figure of the table: ("cell", row, column), ("row", row), ("column", column) or
# ("total",). A line is some figures and the published figure they add up to.
Key = tuple[Hashable, ...]
Line = tuple[list[Key], Key]


def _lines(rows: Sequence[Hashable], columns: Sequence[Hashable]) -> list[Line]:
    row_lines: list[Line] = [
        ([("cell", r, c) for c in columns], ("row", r)) for r in rows
    ]
    column_lines: list[Line] = [
        ([("cell", r, c) for r in rows], ("column", c)) for c in columns
    ]
    return [
        *row_lines,
        *column_lines,
        ([("row", r) for r in rows], ("total",)),
        ([("column", c) for c in columns], ("total",)),
    ]


def _protect_line(
    values: dict[Key, int],
    hidden: set[Key],
    locked: set[Key],
    line: Line,
    floor: int,
) -> bool:
    """Hide one more figure if this line's total would expose its hidden figures.

    While the total is published, the hidden figures of the line must be none, or at
    least two adding up to at least the floor; otherwise the total minus the visible
    figures isolates a group smaller than the floor. Returns whether it hid one.
    """
    members, total = line
    if total in hidden:
        return False
    concealed = [key for key in members if key in hidden]
    concealed_sum = sum(values[key] for key in concealed)
    if not concealed or (len(concealed) >= 2 and concealed_sum >= floor):
        return False
    visible = [key for key in members if key not in hidden]
    if concealed_sum < floor:
        visible = [key for key in visible if values[key] > 0]
    if not visible:
        if total in locked:
            return False  # published elsewhere already: nothing here adds to it
        hidden.add(total)
        return True
    hidden.add(min(visible, key=lambda key: (values[key], members.index(key))))
    return True


def safe_table(
    counts: Mapping[tuple[Row, Col], int],
    rows: Sequence[Row],
    columns: Sequence[Col],
    *,
    floor: int = FLOOR,
    published_columns: SafeTable[str, Col] | None = None,
) -> SafeTable[Row, Col]:
    """Hide the counts of a rows x columns table, and its totals, that could expose a
    small group. Missing cells count as zero.

    `published_columns` is a distribution of the same firms already published (its
    single row holds this table's column totals): its figures are kept as they are,
    hidden or shown, so that the two pages of figures cannot be played off each other.
    """
    values: dict[Key, int] = {
        ("cell", r, c): counts.get((r, c), 0) for r in rows for c in columns
    }
    for r in rows:
        values[("row", r)] = sum(values[("cell", r, c)] for c in columns)
    for c in columns:
        values[("column", c)] = sum(values[("cell", r, c)] for r in rows)
    values[("total",)] = sum(values[("row", r)] for r in rows)
    hidden = {key for key, value in values.items() if _is_small(value, floor)}
    locked: set[Key] = set()
    if published_columns is not None:
        fixed: dict[Key, int | None] = {
            ("column", c): published_columns.cell("all", c) for c in columns
        }
        fixed[("total",)] = published_columns.total
        locked = {key for key, shown in fixed.items() if shown is not None}
        hidden = (hidden - locked) | {k for k, v in fixed.items() if v is None}
    lines = _lines(rows, columns)
    # Each pass hides at least one more figure, and there are finitely many: it ends.
    while any([_protect_line(values, hidden, locked, ln, floor) for ln in lines]):
        pass

    def shown(key: Key) -> int | None:
        return None if key in hidden else values[key]

    return SafeTable(
        rows=tuple(rows),
        columns=tuple(columns),
        cells={(r, c): shown(("cell", r, c)) for r in rows for c in columns},
        row_totals={r: shown(("row", r)) for r in rows},
        column_totals={c: shown(("column", c)) for c in columns},
        total=shown(("total",)),
    )


def safe_counts(
    counts: Mapping[Col, int], columns: Sequence[Col], *, floor: int = FLOOR
) -> SafeTable[str, Col]:
    """A single row of counts (a distribution), under the same rule."""
    return safe_table(
        {("all", column): value for column, value in counts.items()},
        ["all"],
        columns,
        floor=floor,
    )


# --- Peer comparison ----------------------------------------------------------------


@dataclass(frozen=True)
class PeerCounts:
    """How the other firms of a group scored in one area, against this firm."""

    below: int
    equal: int
    peers: int  # other firms in the group, this firm excluded


def percentile(counts: PeerCounts, *, floor: int = FLOOR) -> int | None:
    """The share of peers this firm scores above, ties counting half; 0..100.

    None when fewer than `floor` other firms contribute: a group that small could let
    a firm infer another's answers.
    """
    if counts.peers < floor:
        return None
    if not 0 <= counts.below <= counts.below + counts.equal <= counts.peers:
        raise ValueError(f"inconsistent peer counts: {counts}")
    share = (Decimal(counts.below) + Decimal(counts.equal) / 2) / counts.peers
    return int((share * 100).to_integral_value())


# --- Movement between stages ----------------------------------------------------------


@dataclass(frozen=True)
class Movement:
    """Consecutive diagnostics of the same firms: how many moved up, stayed, fell."""

    up: int
    same: int
    down: int

    @property
    def total(self) -> int:
        return self.up + self.same + self.down


def consecutive_pairs(
    history: Iterable[tuple[Hashable, int]],
) -> dict[tuple[int, int], int]:
    """(stage before, stage after) -> re-assessments, from (firm, stage) rows given in
    each firm's order of submission (one firm's rows together): every diagnostic after
    a firm's first is paired with the one just before it."""
    pairs: dict[tuple[int, int], int] = {}
    previous_firm: Hashable | None = None
    previous_stage = 0
    for firm, stage in history:
        if firm == previous_firm:
            key = (previous_stage, stage)
            pairs[key] = pairs.get(key, 0) + 1
        previous_firm, previous_stage = firm, stage
    return pairs


def stage_movement(pairs: Mapping[tuple[int, int], int]) -> Movement:
    """Summarise (stage before, stage after) -> number of re-assessments."""
    up = same = down = 0
    for (before, after), count in pairs.items():
        if after > before:
            up += count
        elif after < before:
            down += count
        else:
            same += count
    return Movement(up=up, same=same, down=down)


def median(values: Sequence[float], *, floor: int = FLOOR) -> float | None:
    """The median of at least `floor` values, else None (e.g. days to review)."""
    if len(values) < floor:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2
