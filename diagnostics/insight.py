"""What an agency may publish about its firms without exposing any one of them.

Pure: no Django. The statistics and the peer comparison load counts and scores from
the database and pass them here; what comes back is what a page may show.

The rule is one k-anonymity floor (`FLOOR` firms). A figure is published only if at
least that many firms contribute to it, and no figure can be worked out by
subtracting published figures from a published total:

- a count below the floor (but not zero) is hidden;
- in every row and column of a table, the hidden cells add up to zero or to at least
  the floor (more cells are hidden until they do), so a total minus the visible cells
  never isolates a group smaller than the floor;
- a total below the floor is hidden too.

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


def _hide_until_safe(
    counts: dict[tuple[Row, Col], int],
    hidden: set[tuple[Row, Col]],
    lines: Iterable[list[tuple[Row, Col]]],
    floor: int,
) -> bool:
    """Hide more cells of any line whose hidden cells add up to 1..floor-1."""
    changed = False
    for line in lines:
        hidden_sum = sum(counts[key] for key in line if key in hidden)
        while _is_small(hidden_sum, floor):
            visible = [key for key in line if key not in hidden and counts[key] > 0]
            if not visible:
                break  # every non-zero cell of the line is hidden already
            smallest = min(visible, key=lambda key: (counts[key], line.index(key)))
            hidden.add(smallest)
            hidden_sum += counts[smallest]
            changed = True
    return changed


def safe_table(
    counts: Mapping[tuple[Row, Col], int],
    rows: Sequence[Row],
    columns: Sequence[Col],
    *,
    floor: int = FLOOR,
) -> SafeTable[Row, Col]:
    """Hide the counts of a rows x columns table that could expose a small group.

    Missing cells count as zero. Totals are computed from all counts, hidden or not,
    and hidden when they are themselves below the floor.
    """
    full = {(r, c): counts.get((r, c), 0) for r in rows for c in columns}
    hidden = {key for key, value in full.items() if _is_small(value, floor)}
    row_lines = [[(r, c) for c in columns] for r in rows]
    column_lines = [[(r, c) for r in rows] for c in columns]
    # Hiding a cell for its row can unbalance its column, and back: repeat until
    # neither changes. Each pass hides at least one more cell, so this ends.
    while _hide_until_safe(full, hidden, row_lines, floor) | _hide_until_safe(
        full, hidden, column_lines, floor
    ):
        pass
    row_totals = {r: sum(full[(r, c)] for c in columns) for r in rows}
    column_totals = {c: sum(full[(r, c)] for r in rows) for c in columns}
    total = sum(full.values())
    return SafeTable(
        rows=tuple(rows),
        columns=tuple(columns),
        cells={key: None if key in hidden else value for key, value in full.items()},
        row_totals=_safe_totals(row_totals, floor),
        column_totals=_safe_totals(column_totals, floor),
        total=None if _is_small(total, floor) else total,
    )


def _safe_totals(totals: Mapping[Row, int], floor: int) -> dict[Row, int | None]:
    """Totals of lines, with the same rule: hidden ones add up to 0 or >= floor."""
    keys = list(totals)
    one_row = {(key, None): value for key, value in totals.items()}
    table = safe_table(one_row, [k for k in keys], [None], floor=floor)
    return {key: table.cell(key, None) for key in keys}


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
