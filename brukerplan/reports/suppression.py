"""The small-number rule: the one place where a typed cell becomes a number or null.

Pure: no Django. report-format.md, "Small numbers": no report may let a reader
learn about a group of fewer than `threshold` persons. The threshold is a setting
(`BRUKERPLAN_SMALL_NUMBER_THRESHOLD`, default 5) read in one place,
`brukerplan.reports.data.small_number_threshold`, and handed to every function here
and in `document` and `secondary` as a required argument: nothing in the pure core
has a threshold of its own to fall back on.

  Count(n)          null when 1 <= n < threshold; 0 is shown.
  Share(num, den)   null when den < threshold (a share of 0 persons has no value
                    at all) or when 1 <= num < threshold.
  Mean, StdDev      null when computed from fewer than threshold persons (and
                    when there is no value: a mean of nobody, an SD of one).
  Total(value, n)   a sum over n persons (e.g. their children): null when
                    1 <= n < threshold or 1 <= value < threshold.
  NotApplicable     always null (no value by definition, not a suppression).

`primary` tells a suppression from a null of another reason (a share of 0 persons, a
mean of nobody, `NotApplicable`): the document lists the suppressions of every table as
"primary" (and secondary suppression's cells as "secondary", `brukerplan.reports.secondary`).

Every number of a report document passes through `apply`; renderers only
format what the document carries.
"""

from __future__ import annotations

from brukerplan.reports.tables import (
    Cell,
    Count,
    Mean,
    NotApplicable,
    Share,
    StdDev,
    Total,
)


def checked(threshold: int) -> int:
    """`threshold`, when it is one (a positive integer); ValueError otherwise."""
    if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 1:
        raise ValueError(f"the small-number threshold must be a positive integer: {threshold!r}")
    return threshold


def apply(cell: Cell, threshold: int) -> int | float | None:
    """The number a reader may see for a cell, or None."""
    checked(threshold)
    match cell:
        case Count(n):
            return None if _small(n, threshold) else int(n)
        case Share(numerator, denominator):
            if denominator < threshold or denominator == 0 or _small(numerator, threshold):
                return None
            return 100.0 * numerator / denominator
        case Mean(value, n) | StdDev(value, n):
            if value is None or n < threshold:
                return None
            return float(value)
        case Total(value, n):
            if _small(n, threshold) or _small(value, threshold):
                return None
            return int(value)
        case NotApplicable():
            return None
    raise TypeError(f"not a report cell: {cell!r}")


def primary(cell: Cell, threshold: int) -> bool:
    """Whether `apply` hides the cell because it is computed from 1 to threshold - 1
    persons (or its value is that small): a suppression. A null for another reason is
    not one: `NotApplicable`, a share or mean of nobody, a value that does not exist (a
    standard deviation of one person is primary: one person is a small group)."""
    checked(threshold)
    match cell:
        case Count(n):
            return _small(n, threshold)
        case Share(numerator, denominator):
            return _small(denominator, threshold) or (
                denominator > 0 and _small(numerator, threshold)
            )
        case Mean(_, n) | StdDev(_, n):
            return _small(n, threshold)
        case Total(value, n):
            return _small(n, threshold) or _small(value, threshold)
        case NotApplicable():
            return False
    raise TypeError(f"not a report cell: {cell!r}")


def _small(n: int, threshold: int) -> bool:
    return 0 < n < threshold
