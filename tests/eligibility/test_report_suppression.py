"""Small-number suppression: cells under the minimum are withheld, and enough others that none can be worked out."""

from __future__ import annotations

from eligibility.playbook import Playbook
from eligibility.reports.figures import CountedStudent, Dimension
from eligibility.reports.service import table
from eligibility.reports.suppression import suppressed


def test_a_lone_small_cell_takes_the_smallest_other_cell_with_it():
    counts = {("A",): 30, ("B",): 4, ("C",): 12, ("D",): 20}
    assert suppressed(counts, 10) == {("B",), ("C",)}


def test_two_small_cells_hide_each_other():
    counts = {("A",): 30, ("B",): 4, ("C",): 2}
    assert suppressed(counts, 10) == {("B",), ("C",)}


def test_nothing_is_withheld_when_every_cell_is_large_enough():
    assert suppressed({("A",): 10, ("B",): 11}, 10) == set()


def test_each_school_and_each_grade_hides_a_second_cell_beside_a_small_one():
    # Ninth grade hides two cells already; each school hides one, so its smallest other (Tenth) goes too.
    counts = {("S1", "9"): 5, ("S1", "10"): 25, ("S1", "11"): 30,
              ("S2", "9"): 3, ("S2", "10"): 20, ("S2", "11"): 40}  # fmt: skip
    assert suppressed(counts, 10) == {("S1", "9"), ("S2", "9"), ("S1", "10"), ("S2", "10")}


def test_complementary_cells_are_added_until_no_slice_hides_exactly_one():
    # S1/9 alone: S2/9 goes with it (its grade); then S1 and S2 each hide one: S1/11 (25) and S2/10 (12);
    # then grades 10 and 11 each hide one: S1/10 and S2/11. Everything is withheld.
    counts = {("S1", "9"): 5, ("S1", "10"): 30, ("S1", "11"): 25,
              ("S2", "9"): 40, ("S2", "10"): 12, ("S2", "11"): 20}  # fmt: skip
    assert suppressed(counts, 10) == set(counts)


def test_the_district_alone_is_withheld_below_the_minimum():
    assert suppressed({(): 9}, 10) == {()}
    assert suppressed({(): 10}, 10) == set()


def _counted(school: str, absent: int) -> CountedStudent:
    return CountedStudent({Dimension.SCHOOL: school}, 20, absent)


def test_a_table_withholds_every_figure_of_a_hidden_row_and_of_a_small_district():
    playbook = Playbook(report_minimum_students=3)
    students = [_counted("A", 0), _counted("A", 1), _counted("A", 4), _counted("B", 2), _counted("C", 0),
                _counted("C", 0), _counted("C", 0), _counted("C", 3)]  # fmt: skip
    rows, total = table(students, [Dimension.SCHOOL], playbook, suppress=True)
    shown, _ = table(students, [Dimension.SCHOOL], playbook, suppress=False)
    small, district = table(students[:2], [Dimension.SCHOOL], playbook, suppress=True)
    assert [(r.by, r.students, r.suppressed) for r in rows] == [({"school": "A"}, None, True),
                                                               ({"school": "B"}, None, True), ({"school": "C"}, 4, False)]
    assert rows[0].average_attendance_rate is None and rows[0].severe_chronic is None
    # B (1 < 3) is withheld, and A (3), the smaller of the others; C: 1 - 3 / 80, and 3 of 20 days is moderate.
    assert (rows[2].average_attendance_rate, rows[2].satisfactory, rows[2].moderate_chronic) == (0.9625, 0.75, 0.25)
    assert [r.students for r in shown] == [3, 1, 4] and not any(r.suppressed for r in shown)
    assert total.students == 8 and total.suppressed is False
    assert district.suppressed is True and district.students is None and small[0].suppressed is True
