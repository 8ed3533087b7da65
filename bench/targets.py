"""The targets of `make bench`, in one place: printed beside the figures and written to
docs/performance.md's table (bench/doc.py). On a 2-core machine.

A cold municipal PDF (`brukerplan report` in a fresh process) has none: nobody waits
for it, the worker builds the reports of a closed period and the site serves them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Target:
    """A figure is within its target when it is below `limit` (in `unit`)."""

    limit: float
    unit: str  # "s", "ms", "MiB" or "%"

    def __str__(self) -> str:
        if self.unit == "MiB" and self.limit % 1024 == 0:
            return f"< {self.limit / 1024:g} GiB"
        return f"< {self.limit:g} {self.unit}"

    def met(self, value: float) -> bool:
        return value < self.limit


IMPORT_SECONDS = Target(15, "s")  # the year's file, 60,000 rows
LARGE_IMPORT_PEAK = Target(1024, "MiB")  # 1,000,000 rows, peak memory
REPORT_JSON_SECONDS = Target(5, "s")  # the national and the county report document
NATIONAL_PDF_SECONDS = Target(30, "s")
VESTLAND_PDFS_SECONDS = Target(120, "s")  # every municipal PDF of Vestland, 43 files
STORED_DOWNLOAD_SECONDS = Target(0.3, "s")  # the worker's PDF, a fresh server's first request
MAPPING_P99_MS = Target(150, "ms")  # every request of the load test, at working-day pace
# Protecting a year's publication as a whole (bench/linked.py): the worker's budget for a
# national year is 60 s, of which this is the linked step.
LINKED_SECONDS = Target(60, "s")
# Cells hidden by secondary suppression, of a document's fixed tables (issue 18).
BERGEN_SECONDARY_PERCENT = Target(5, "%")
NATIONAL_SECONDARY_PERCENT = Target(1, "%")
