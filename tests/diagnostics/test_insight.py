"""The k-anonymity rules are pure: counts in, what may be published out."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from diagnostics import insight
from diagnostics.insight import (
    Movement,
    PeerCounts,
    percentile,
    safe_counts,
    safe_table,
)

INSIGHT_PATH = Path(insight.__file__)
FLOOR = insight.FLOOR


def test_it_imports_nothing_from_django() -> None:
    tree = ast.parse(INSIGHT_PATH.read_text())
    imported = [
        alias.name if isinstance(node, ast.Import) else node.module or ""
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    ]
    assert not [name for name in imported if name.split(".")[0] == "django"]
    script = (
        "import importlib.util, sys\n"
        f"spec = importlib.util.spec_from_file_location('insight', {str(INSIGHT_PATH)!r})\n"
        "module = importlib.util.module_from_spec(spec)\n"
        "sys.modules['insight'] = module\n"
        "spec.loader.exec_module(module)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'django'))\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert completed.stdout.strip() == "[]"


# --- Hand-counted tables -------------------------------------------------------------


def test_a_distribution_hides_small_counts_and_enough_others_to_protect_them() -> None:
    # 3 firms at stage 9 would be revealed by the total minus the rest; the next
    # smallest count (12) is hidden too, so the hidden pair adds up to 15.
    table = safe_counts({1: 40, 2: 25, 3: 12, 9: 3}, [1, 2, 3, 9])
    assert [table.cell("all", s) for s in (1, 2, 3, 9)] == [40, 25, None, None]
    assert table.total == 80
    assert table.row_totals["all"] == 80


def test_zero_is_published_since_it_exposes_no_firm() -> None:
    table = safe_counts({1: 20, 2: 0}, [1, 2])
    assert table.cell("all", 2) == 0
    assert table.hidden_cells == 0


def test_a_region_with_three_firms_of_one_industry_shows_no_breakdown() -> None:
    counts = {("seoul", "C"): 30, ("seoul", "G"): 20, ("jeju", "C"): 3}
    table = safe_table(counts, ["seoul", "jeju"], ["C", "G"])
    assert table.cell("jeju", "C") is None
    assert table.row_totals["jeju"] is None
    # Industry C's total (33) minus Seoul's C would give Jeju's 3: Seoul's C is
    # hidden too. The table's total minus Seoul's total would give Jeju's: Seoul's
    # total is hidden as well, so Seoul's C cannot be had from its row either.
    assert table.cell("seoul", "C") is None
    assert table.row_totals["seoul"] is None
    assert table.cell("seoul", "G") == 20
    assert table.column_totals == {"C": 33, "G": 20}
    assert table.total == 53


def test_totals_below_the_floor_are_hidden() -> None:
    table = safe_counts({1: 4, 2: 3}, [1, 2])
    assert table.total is None
    assert table.hidden_cells == 2


def test_large_counts_are_all_published() -> None:
    counts = {(r, c): 10 + r + c for r in range(3) for c in range(4)}
    table = safe_table(counts, range(3), range(4))
    assert table.hidden_cells == 0
    assert table.total == sum(counts.values())


# --- Properties ----------------------------------------------------------------------

counts_tables = st.dictionaries(
    st.tuples(st.integers(0, 3), st.integers(0, 4)),
    st.integers(0, 40),
    max_size=20,
)


def _subtraction_isolates_no_small_group(
    members: list[tuple[int, int | None]], total: int | None
) -> bool:
    """Where a total is published, its hidden members are none, or two or more that
    add up to at least the floor."""
    if total is None:
        return True
    hidden = [true for true, shown in members if shown is None]
    return not hidden or (len(hidden) >= 2 and sum(hidden) >= FLOOR)


@given(counts_tables)
def test_no_published_figure_comes_from_fewer_firms_than_the_floor(
    counts: dict[tuple[int, int], int],
) -> None:
    rows, columns = list(range(4)), list(range(5))
    table = safe_table(counts, rows, columns)
    full = {(r, c): counts.get((r, c), 0) for r in rows for c in columns}
    row_sums = {r: sum(full[(r, c)] for c in columns) for r in rows}
    column_sums = {c: sum(full[(r, c)] for r in rows) for c in columns}
    published = [
        *[(full[key], shown) for key, shown in table.cells.items()],
        *[(row_sums[r], table.row_totals[r]) for r in rows],
        *[(column_sums[c], table.column_totals[c]) for c in columns],
        (sum(full.values()), table.total),
    ]
    for true, shown in published:
        assert shown is None or shown == true
        assert shown is None or shown == 0 or shown >= FLOOR
    for r in rows:
        members = [(full[(r, c)], table.cell(r, c)) for c in columns]
        assert _subtraction_isolates_no_small_group(members, table.row_totals[r])
    for c in columns:
        members = [(full[(r, c)], table.cell(r, c)) for r in rows]
        assert _subtraction_isolates_no_small_group(members, table.column_totals[c])
    row_members = [(row_sums[r], table.row_totals[r]) for r in rows]
    column_members = [(column_sums[c], table.column_totals[c]) for c in columns]
    assert _subtraction_isolates_no_small_group(row_members, table.total)
    assert _subtraction_isolates_no_small_group(column_members, table.total)


@given(below=st.integers(0, 50), equal=st.integers(0, 50), above=st.integers(0, 50))
def test_a_percentile_needs_the_floor_and_stays_between_0_and_100(
    below: int, equal: int, above: int
) -> None:
    peers = below + equal + above
    result = percentile(PeerCounts(below=below, equal=equal, peers=peers))
    if peers < FLOOR:
        assert result is None
    else:
        assert result is not None
        assert 0 <= result <= 100


@given(below=st.integers(0, 40), above=st.integers(0, 40))
def test_scoring_above_one_more_peer_never_lowers_the_percentile(
    below: int, above: int
) -> None:
    peers = below + above + 1
    before = percentile(PeerCounts(below=below, equal=1, peers=peers))
    after = percentile(PeerCounts(below=below + 1, equal=0, peers=peers))
    if before is not None:
        assert after is not None and after >= before


def test_percentile_counts_ties_as_half() -> None:
    # 10 peers: 4 below, 2 equal: (4 + 1) / 10.
    assert percentile(PeerCounts(below=4, equal=2, peers=10)) == 50
    assert percentile(PeerCounts(below=9, equal=0, peers=9)) is None


def test_stage_movement_counts_up_same_and_down() -> None:
    movement = insight.stage_movement({(3, 5): 4, (5, 5): 2, (6, 4): 1, (1, 2): 3})
    assert movement == Movement(up=7, same=2, down=1)
    assert movement.total == 10


def test_median_needs_the_floor() -> None:
    assert insight.median([1.0] * 9) is None
    assert insight.median([float(n) for n in range(1, 11)]) == 5.5
    assert insight.median([float(n) for n in range(1, 12)]) == 6.0


# Each firm's stages in the order of its submissions.
firm_histories = st.dictionaries(
    st.integers(min_value=1, max_value=50),
    st.lists(st.integers(min_value=1, max_value=9), min_size=1, max_size=6),
    max_size=20,
)


@given(firm_histories)
def test_consecutive_pairs_pair_each_diagnostic_with_the_firms_one_before(
    histories: dict[int, list[int]],
) -> None:
    rows = [(firm, stage) for firm, stages in histories.items() for stage in stages]
    expected: dict[tuple[int, int], int] = {}
    for stages in histories.values():
        for pair in zip(stages, stages[1:], strict=False):
            expected[pair] = expected.get(pair, 0) + 1

    pairs = insight.consecutive_pairs(rows)

    assert pairs == expected
    # Every diagnostic but each firm's first is one re-assessment.
    assert sum(pairs.values()) == len(rows) - len(histories)


def test_consecutive_pairs_never_pair_two_firms() -> None:
    assert insight.consecutive_pairs([(1, 3), (2, 5), (2, 6), (3, 1)]) == {(5, 6): 1}
