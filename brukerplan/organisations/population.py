"""Population per municipality and year from Statistics Norway's CSV table format.

Pure: no Django. Reads what StatBank (PxWeb) downloads as "CSV", e.g. table
07459 (Befolkning, etter region, alder, kjønn og år):

    "region";"alder";"år";"07459: Befolkning, etter region, alder og år"
    "4601 Bergen";"017 17 år";"2025";3210
    "4601 Bergen";"018 18 år";"2025";3302

Both the long layout above and the wide one (one value column per year, a
heading such as "Personer 2025") are read; semicolons or commas; a title line
before the heading is skipped. Regions are "NNNN Name" or "K-NNNN Name"; rows
for counties or the whole country are ignored. When the table has an age
column, `adults` sums ages 18 and over; `total` sums every age. Values ".",
".." and ":" (not available / confidential) count as missing.

Size classes are those of Tabell 3 and 4 in the 2020 annual report. `SIZE_CLASSES`
is their one home: the reports (`brukerplan.reports.comparison`) put municipalities
in them and label them from here.
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from dataclasses import dataclass

SIZE_CLASSES = (
    ("under_2000", "Under 2 000", 0, 1999),
    ("2000_4999", "2 000–4 999", 2000, 4999),
    ("5000_9999", "5 000–9 999", 5000, 9999),
    ("10000_19999", "10 000–19 999", 10000, 19999),
    ("20000_29999", "20 000–29 999", 20000, 29999),
    ("30000_49999", "30 000–49 999", 30000, 49999),
    ("50000_pluss", "50 000 og mer", 50000, None),
)
SIZE_CLASS_LABELS = {key: label for key, label, _low, _high in SIZE_CLASSES}

_REGION = re.compile(r"^(?:K-)?(\d{4})\b")
_AGE = re.compile(r"(\d{1,3})")
_YEAR = re.compile(r"\b(19|20)(\d{2})\b")
MISSING = {".", "..", ":", "...", "-"}


class PopulationFormatError(ValueError):
    pass


@dataclass(frozen=True)
class Population:
    municipality_code: str
    year: int
    total: int
    adults: int | None


def size_class(inhabitants: int) -> str:
    for key, _label, low, high in SIZE_CLASSES:
        if inhabitants >= low and (high is None or inhabitants <= high):
            return key
    raise ValueError(inhabitants)


def parse(text: str) -> list[Population]:
    rows = _rows(text)
    header_at = next(
        (i for i, row in enumerate(rows) if any(c.strip().lower() == "region" for c in row)),
        None,
    )
    if header_at is None:
        raise PopulationFormatError("fant ingen kolonne «region» i filen")
    header = [c.strip().lower() for c in rows[header_at]]
    region_col = header.index("region")
    age_col = header.index("alder") if "alder" in header else None
    year_col = header.index("år") if "år" in header else None
    if year_col is not None:
        value_cols = {len(header) - 1: None}  # long layout: the year is in its own column
    else:
        value_cols = {
            i: int(m.group(0)) for i, h in enumerate(header) if (m := _YEAR.search(h)) and i > 0
        }
        if not value_cols:
            raise PopulationFormatError("fant verken kolonnen «år» eller kolonner med årstall")

    totals: dict[tuple[str, int], int] = defaultdict(int)
    adults: dict[tuple[str, int], int] = defaultdict(int)
    for number, row in enumerate(rows[header_at + 1 :], start=header_at + 2):
        if len(row) < len(header) or not row[region_col].strip():
            continue
        region = _REGION.match(row[region_col].strip())
        if not region:
            continue  # a county, the whole country, or a footnote
        code = region.group(1)
        age = None
        if age_col is not None:
            found = _AGE.search(row[age_col])
            if not found:
                raise PopulationFormatError(f"rad {number}: ukjent alder '{row[age_col]}'")
            age = int(found.group(1))
        for col, column_year in value_cols.items():
            year = column_year
            if year is None:
                year_text = row[year_col].strip()
                if not year_text.isdigit():
                    raise PopulationFormatError(f"rad {number}: ukjent år '{year_text}'")
                year = int(year_text)
            value = row[col].strip().replace(" ", "")
            if value in MISSING or value == "":
                continue
            if not value.isdigit():
                raise PopulationFormatError(f"rad {number}: '{value}' er ikke et antall")
            totals[(code, year)] += int(value)
            if age is not None and age >= 18:
                adults[(code, year)] += int(value)
    return [
        Population(code, year, total, adults[(code, year)] if age_col is not None else None)
        for (code, year), total in sorted(totals.items())
    ]


def _rows(text: str) -> list[list[str]]:
    lines = text.lstrip("\ufeff").splitlines()
    sample = "\n".join(lines[:5])
    delimiter = ";" if sample.count(";") >= sample.count(",") else ","
    return list(csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter))
