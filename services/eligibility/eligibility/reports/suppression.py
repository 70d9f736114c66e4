"""Small-number suppression of a table of student counts, for figures that leave the district."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping

Cell = tuple[str, ...]
"""A cell's value of each dimension of its table; `()` for the district."""


def suppressed(counts: Mapping[Cell, int], minimum: int) -> set[Cell]:
    """The cells to hide: each resting on fewer than `minimum` students (primary), and then, so that no hidden
    cell can be worked out from its slice's margin less the cells shown, the smallest shown cell of every slice
    that hides exactly one (complementary), slice by slice until nothing changes."""
    hidden = {cell for cell, students in counts.items() if students < minimum}
    width = len(next(iter(counts), ()))
    changed = True
    while changed:
        changed = False
        for axis in range(width):
            for cells in slices(counts, axis):
                shown = [cell for cell in cells if cell not in hidden]
                if len(cells) - len(shown) == 1 and shown:
                    hidden.add(min(shown, key=lambda cell: (counts[cell], cell)))
                    changed = True
    return hidden


def slices(cells: Collection[Cell], axis: int) -> list[list[Cell]]:
    """The cells grouped by their values of every dimension but `axis`: each group sums to one margin."""
    grouped: dict[Cell, list[Cell]] = defaultdict(list)
    for cell in sorted(cells):
        grouped[cell[:axis] + cell[axis + 1 :]].append(cell)
    return list(grouped.values())
