"""Suppression: no figure drawn from fewer than five people is shown, and no figure that is hidden
can be worked out from the figures that are shown (docs/security.md,
"Figures: no one from fewer than five people").

The rules, in the order they run:

1. **Primary suppression.** A cell (including a cell of the total row) drawn from fewer than
   `MIN_PEOPLE` people is hidden: `value=None, suppressed=True`. Suppressed, never rounded.
   A true zero (nobody) is hidden too, and reads "fewer than five" like any other small cell:
   if zeros were shown, every hidden cell would be known to be 1-4, so two hidden cells whose
   line leaves a remainder of 2 would both be 1; and "0 of programme P's mentees completed"
   states something about every member of a group an onlooker may know to be small.
2. **Complementary suppression.** Every line of the table is an equation someone can subtract
   along: a column's cells add up to its total (the total row when the table has one; otherwise
   the total is assumed to be known from elsewhere, e.g. a wider scope of the same figure), and,
   in a count table that says its rows add up (`rows_add_up`, the default: reasons that
   partition the early endings do, funnel stages do not), a row's cells add up to the row's
   total, which is not shown but is assumed to be known (the "implicit row total"; the total
   row's own cells add up to the grand total). A line of a single cell is never assumed known
   (that would be assuming the cell itself). For MEAN tables the additive quantity is the sum
   `mean * people` (the total mean times its people, minus the visible means times their
   people, is the hidden sum), and the people counts themselves add up the same way; so mean
   tables use the same column equations (their rows never add up).
   A hidden cell can be worked out from these equations exactly when it is a *bridge* of the
   graph whose nodes are the lines and whose edges are the hidden cells (a cell that lies on a
   cycle of hidden cells can move up and down that cycle without changing any line's sum). So
   while any hidden cell is a bridge, one more cell is hidden: the smallest visible cell that
   closes a cycle through it, or, when no single cell can (a lone hidden cell in its line),
   the smallest other cell of that line (the "next-smallest cell" rule), until stable. This
   covers the single subtraction along a row or a column and every combination of them.
3. **Zeros pinned by a line.** Counts and sums are never negative, so hidden cells whose line
   leaves a remainder of 0 are all known to be 0, and are then as good as visible for the
   equations above. When a line's hidden cells add up to 0, its smallest visible non-zero cell
   is hidden too, so the remainder no longer pins them. (A column whose total is hidden pins
   nothing: its cells minus its total make 0 whatever they are.)

Complements prefer inner cells to totals (the totals are the figures people came for) and small
cells to large (less is lost). A suppressed cell never carries its people count either
(`people=0`): in a table of people counted, the people count *is* the value.

Outside this module's reach, and documented in docs/security.md: figures in *different*
tables or different filter choices that share a margin are suppressed each on its own, so the
read models keep related breakdowns in one table with its totals.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable

from services.evaluation.domain.figures import (
    MIN_PEOPLE,
    Figure,
    FigureRow,
    FigureTable,
    Measure,
)

Cell = tuple[int, int]
"""(row, column); row `len(table.rows)` is the total row."""

Node = tuple[str, int]
"""A line of the table: ("row", i), ("column", j), or FREE."""

FREE: Node = ("free", 0)
"""Stands for every line that is not an equation anyone knows: cells meeting there are free."""

_ZERO_TOLERANCE = 1e-9  # sums of means times people are floats


def suppress(table: FigureTable) -> FigureTable:
    """The table as it may be shown: small cells and the cells that would reveal them hidden.

    Pure and deterministic; a table that is already suppressed comes back unchanged.
    """
    grid = _Grid(table)
    hidden = grid.protect()
    return grid.render(hidden)


def hidden_by_design(figure: Figure) -> bool:
    """Whether a figure must be hidden on its own (before any complementary suppression)."""
    return figure.suppressed or figure.people < MIN_PEOPLE


class _Grid:
    """The table as cells on a grid, the lines (equations) they lie on, and the search for a
    set of hidden cells that protects every small one."""

    def __init__(self, table: FigureTable) -> None:
        width = len(table.columns)
        for row in [*table.rows, *([table.total] if table.total else [])]:
            if len(row.cells) != width:
                raise ValueError(
                    f"table {table.id!r}: row {row.label!r} has {len(row.cells)} cells "
                    f"for {width} columns"
                )
        self.table = table
        self.width = width
        self.total_row = len(table.rows) if table.total is not None else None
        lines = [*table.rows, *([table.total] if table.total is not None else [])]
        self.figures: dict[Cell, Figure] = {
            (i, j): cell for i, row in enumerate(lines) for j, cell in enumerate(row.cells)
        }
        self.height = len(lines)
        # A line is an equation someone may know only if it holds more than one cell.
        # Rows are equations only in count tables that say so: means along a row (commitment
        # and OSKAR in a month) are different measures, never parts of one total.
        self.rows_are_known = width >= 2 and table.rows_add_up and table.measure is Measure.COUNT
        self.columns_are_known = self.height >= 2

    # -- the equations -----------------------------------------------------------------------

    def endpoints(self, cell: Cell) -> tuple[Node, Node]:
        """The two lines a cell lies on (FREE where that line is no known equation)."""
        row, column = cell
        return (
            ("row", row) if self.rows_are_known else FREE,
            ("column", column) if self.columns_are_known else FREE,
        )

    def line(self, node: Node) -> list[Cell]:
        """The cells of one known line."""
        kind, index = node
        if kind == "row":
            return [(index, j) for j in range(self.width)]
        if kind == "column":
            return [(i, index) for i in range(self.height)]
        return []

    def known_lines(self) -> list[Node]:
        """Every line whose total someone may know."""
        rows = [("row", i) for i in range(self.height)] if self.rows_are_known else []
        columns = [("column", j) for j in range(self.width)] if self.columns_are_known else []
        return rows + columns

    def amount(self, cell: Cell) -> float | None:
        """The additive quantity of a cell (a count, or a mean times its people), or None
        when it is not known (a cell that came in already suppressed)."""
        figure = self.figures[cell]
        if figure.suppressed:
            return None
        if figure.people == 0:
            return 0.0 if figure.value is None else figure.value * self._weight(figure)
        if figure.value is None:
            return None
        return figure.value * self._weight(figure)

    def _weight(self, figure: Figure) -> float:
        return float(figure.people) if self.table.measure is Measure.MEAN else 1.0

    def size(self, cell: Cell) -> tuple[bool, float, float, Cell]:
        """Order of preference for a complement: inner cells before totals, then the smallest
        (by value for counts, by people for means), then position, so the result is stable."""
        figure = self.figures[cell]
        value = figure.value if figure.value is not None else 0.0
        people = float(figure.people)
        is_total = cell[0] == self.total_row
        if self.table.measure is Measure.MEAN:
            return (is_total, people, value, cell)
        return (is_total, value, people, cell)

    # -- the search --------------------------------------------------------------------------

    def protect(self) -> set[Cell]:
        """The cells to hide: primary ones, then complements until no hidden cell can be worked
        out from the visible ones."""
        hidden = {cell for cell, figure in self.figures.items() if hidden_by_design(figure)}
        everything = set(self.figures)
        while hidden != everything:
            unpin = self.unpinning_complement(hidden)
            if unpin is not None:
                hidden.add(unpin)
                continue
            pinned = self.pinned_zeros(hidden)  # only lines of nothing but zeros are left
            bridge = self.first_bridge(hidden - pinned)
            if bridge is None:
                return hidden
            complement = self.closing_complement(bridge, hidden, pinned)
            if complement is None:
                # No cell can protect it (every line around it is already hidden or pinned):
                # hide the whole table rather than show something that reveals a person.
                return everything
            hidden.add(complement)
        return hidden

    def pinned_zeros(self, hidden: set[Cell]) -> set[Cell]:
        """Hidden cells anyone can tell are 0: those of a known line whose other hidden cells
        are known to be 0 too and whose visible cells leave nothing over."""
        pinned: set[Cell] = set()
        changed = True
        while changed:
            changed = False
            for node in self.known_lines():
                unknown = [c for c in self.line(node) if c in hidden and c not in pinned]
                if unknown and self._only_parts(node, unknown) and self._adds_up_to_zero(unknown):
                    pinned.update(unknown)
                    changed = True
        return pinned

    def _only_parts(self, node: Node, cells: Iterable[Cell]) -> bool:
        """Whether `cells` are all parts of their line's known total (not the total itself: a
        column's total row cell counts against its other cells)."""
        return node[0] != "column" or all(cell[0] != self.total_row for cell in cells)

    def _adds_up_to_zero(self, cells: Iterable[Cell]) -> bool:
        amounts = [self.amount(c) for c in cells]
        return all(a is not None for a in amounts) and (
            sum(a for a in amounts if a is not None) <= _ZERO_TOLERANCE
        )

    def unpinning_complement(self, hidden: set[Cell]) -> Cell | None:
        """A visible non-zero cell whose hiding stops a line pinning its hidden cells to 0:
        the smallest one of the first known line whose hidden cells add up to 0."""
        for node in self.known_lines():
            cells = self.line(node)
            hidden_here = [c for c in cells if c in hidden]
            if (
                not hidden_here
                or not self._only_parts(node, hidden_here)
                or not self._adds_up_to_zero(hidden_here)
            ):
                continue
            candidates = [
                c for c in cells if c not in hidden and (self.amount(c) or 0.0) > _ZERO_TOLERANCE
            ]
            if candidates:
                return min(candidates, key=self.size)
        return None

    def first_bridge(self, edges: set[Cell]) -> Cell | None:
        """The first hidden cell (in grid order) that lies on no cycle of hidden cells."""
        for cell in sorted(edges):
            start, end = self.endpoints(cell)
            if start == end:
                continue  # a cell on no known line at all is free
            if end not in self.reachable(start, edges - {cell}):
                return cell
        return None

    def reachable(self, start: Node, edges: set[Cell]) -> set[Node]:
        """The lines connected to `start` through hidden cells."""
        adjacency: dict[Node, list[Node]] = {}
        for cell in edges:
            a, b = self.endpoints(cell)
            adjacency.setdefault(a, []).append(b)
            adjacency.setdefault(b, []).append(a)
        seen = {start}
        queue = deque([start])
        while queue:
            node = queue.popleft()
            for other in adjacency.get(node, []):
                if other not in seen:
                    seen.add(other)
                    queue.append(other)
        return seen

    def closing_complement(self, bridge: Cell, hidden: set[Cell], pinned: set[Cell]) -> Cell | None:
        """The cell to hide so that `bridge` lies on a cycle: the smallest visible cell joining
        the two sides the bridge separates, else the smallest other cell of a line the bridge
        is alone on, else the smallest other cell of either of its lines."""
        edges = (hidden - pinned) - {bridge}
        start, end = self.endpoints(bridge)
        near = self.reachable(start, edges)
        far = self.reachable(end, edges)
        visible = [c for c in self.figures if c not in hidden]
        across = [c for c in visible if _joins(self.endpoints(c), near, far)]
        if across:
            return min(across, key=self.size)
        degree = {node: sum(1 for c in edges if node in self.endpoints(c)) for node in (start, end)}
        lonely = [node for node in (start, end) if node != FREE and degree[node] == 0]
        for nodes in (lonely, [n for n in (start, end) if n != FREE]):
            in_line = [c for node in nodes for c in self.line(node) if c not in hidden]
            if in_line:
                return min(in_line, key=self.size)
        return None

    # -- the result --------------------------------------------------------------------------

    def render(self, hidden: set[Cell]) -> FigureTable:
        """The table with every hidden cell shown as suppressed (no value, no people count)."""

        def shown(cell: Cell) -> Figure:
            if cell in hidden:
                return Figure(value=None, people=0, suppressed=True)
            return self.figures[cell]

        rows = [
            FigureRow(label=row.label, cells=[shown((i, j)) for j in range(self.width)])
            for i, row in enumerate(self.table.rows)
        ]
        total = None
        if self.table.total is not None and self.total_row is not None:
            total = FigureRow(
                label=self.table.total.label,
                cells=[shown((self.total_row, j)) for j in range(self.width)],
            )
        return self.table.model_copy(update={"rows": rows, "total": total})


def _joins(ends: tuple[Node, Node], near: set[Node], far: set[Node]) -> bool:
    a, b = ends
    return (a in near and b in far) or (a in far and b in near)
