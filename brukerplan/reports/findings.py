"""Hovedfunn: a finished document's main findings in plain Norwegian sentences.

Pure: no Django. `findings(document)` reads only the document's own published numbers
(its tables and its comparison sections, after the small-number rule) and gives at most
eight sentences, each with the id of the table it comes from:

    [{"text": "41 personer over 18 år er kartlagt i Bergen i 2025: …", "table": "kategorier"}]

A sentence is made only from cells that are shown: a null (hidden, or without a value)
is never read, and a sentence whose numbers are missing is left out rather than said
with fewer. Every number in a sentence is a shown number, rounded as the renderings
round it, or the difference or sum of such numbers, which a reader can work out from
the tables as well: a sentence reveals nothing the tables do not. The same document
always gives the same sentences (ties go to the first cell in the document's order).
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

MAX_FINDINGS = 8
NBSP = "\u00a0"

# Percentages compared with the county and the country: the comparison sections' tables,
# without the rows that say nothing of the persons (the total's 100 %, who mapped them).
_COMPARED = ("kategorier", "levekarsindeks_grupper", "levekarsomrader", "nokkeltall",
             "tjenester_kategori")  # fmt: skip
_NOT_COMPARED_ROWS = {"kategorier": ("alle",), "nokkeltall": ("enhetstype:",)}
# In the tables by category only the main groups and the total are compared: a category
# of a few persons swings by tens of points and would always be the largest difference.
_MAIN_ROWS_ONLY = ("levekarsindeks_grupper", "tjenester_kategori")
_TREND_SHARES = ("trend_levekarsindeks", "trend_levekarsomrader", "trend_tjenester")
_WITH = {"rus": "med rusproblemer", "psykisk": "med kun psykiske problemer"}
_GROUPS = {
    "rus": "mottakere med rusproblemer",
    "psykisk": "mottakere med kun psykiske problemer",
    "alle": "alle kartlagte",
}


def findings(document: dict) -> list[dict[str, str]]:
    """The document's main findings (see the module's docstring), in reading order."""
    found = [
        _overview(document),
        _red_or_blue(document),
        *(_largest_difference(document, name) for name in ("fylke", "landet")),
        _trend_persons(document),
        _largest_change(document),
        _children(document),
        _service_gaps(document),
    ]
    return [finding for finding in found if finding is not None][:MAX_FINDINGS]


# --- numbers as the renderings print them -----------------------------------


def whole(value: float) -> int:
    """A share rounded as the renderings round it: half up, to a whole percent."""
    return int(Decimal(repr(float(value))).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def percent_text(value: float) -> str:
    rounded = whole(value)
    if rounded == 0 and value > 0:
        text = "under 1"
    elif rounded == 100 and value < 100:
        text = "over 99"
    else:
        text = str(rounded)
    return f"{text}{NBSP}%"


def count_text(value: int) -> str:
    digits = str(int(value))
    groups = []
    while len(digits) > 3:
        groups.insert(0, digits[-3:])
        digits = digits[:-3]
    groups.insert(0, digits)
    return NBSP.join(groups)


def points_text(difference: int) -> str:
    size = abs(difference)
    return f"{size} prosentpoeng" if size != 1 else "1 prosentpoeng"


# --- reading the document ----------------------------------------------------


def _row(table: dict | None, key: str) -> dict | None:
    for row in (table or {}).get("rows", ()):
        if row["key"] == key:
            return row
    return None


def _shown(table: dict | None, row_key: str, column_key: str) -> float | int | None:
    """A cell's number when it is shown; None when hidden, without a value or absent."""
    row = _row(table, row_key)
    if row is None:
        return None
    if column_key in (table.get("suppressed") or {}).get(row_key, {}):
        return None
    value = row["values"].get(column_key)
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None


def _percent_cells(table: dict) -> Iterator[tuple[dict, dict, float]]:
    """(row, column, value) of every shown percentage of a table, in the document's order."""
    for row in table.get("rows", ()):
        for column in table.get("columns", ()):
            if (row.get("kind") or column.get("kind")) != "percent":
                continue
            value = _shown(table, row["key"], column["key"])
            if value is not None:
                yield row, column, value


def _place(document: dict) -> str:
    """Where, after «i»."""
    scope = document.get("scope") or {}
    if scope.get("type") == "national":
        return "hele landet"
    if scope.get("type") == "pool":
        return f"«{scope.get('name')}»"
    return scope.get("name") or "rapporten"


def _label(text: str) -> str:
    return text.replace(" (%)", "").strip()


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _finding(text: str, table: str) -> dict[str, str]:
    return {"text": _capital(text), "table": table}


# --- the sentences -----------------------------------------------------------


def _overview(document: dict) -> dict | None:
    table = document.get("tables", {}).get("kategorier")
    everyone = _shown(table, "alle", "antall")
    if not everyone:
        return None
    parts = []
    for group in ("rus", "psykisk"):
        n, share = _shown(table, group, "antall"), _shown(table, group, "andel")
        if n is not None and share is not None:
            parts.append(f"{count_text(n)} ({percent_text(share)}) {_WITH[group]}")
    if not parts:
        return None
    text = (
        f"{count_text(everyone)} personer over 18 år er kartlagt i {_place(document)} i "
        f"{document.get('year')}: {' og '.join(parts)}."
    )
    return _finding(text, "kategorier")


def _red_or_blue(document: dict) -> dict | None:
    table = document.get("tables", {}).get("levekarsindeks_grupper")
    for group in ("alle", "rus", "psykisk"):
        red, blue = _shown(table, group, "rod"), _shown(table, group, "blalys")
        if red is None or blue is None:
            continue
        who = "de kartlagte" if group == "alle" else _GROUPS[group]
        text = (
            f"{percent_text(red + blue)} av {who} i {_place(document)} har rød eller blålys "
            f"levekårsindeks ({percent_text(red)} rød, {percent_text(blue)} blålys)."
        )
        return _finding(text, "levekarsindeks_grupper")
    return None


def _what(table_id: str, row: dict, column: dict) -> str:
    """What a compared percentage is a share of, in words."""
    row_label, column_label = _label(row["label"]), _label(column["label"])
    group = _GROUPS.get(column["key"], f"«{column_label}»")
    if table_id == "kategorier":
        return f"andelen «{row_label}»"
    if table_id == "levekarsindeks_grupper":
        return f"andelen med {column_label.lower()} levekårsindeks blant «{row_label}»"
    if table_id == "levekarsomrader" and row_label.count(": ") == 1:
        area, colour = row_label.split(": ")
        return f"andelen med {colour.lower()} score på {area.lower()} blant {group}"
    if table_id == "tjenester_kategori":
        return f"andelen som bruker {column_label.lower()} blant «{row_label}»"
    return f"andelen «{row_label}» blant {group}"


def _largest_difference(document: dict, name: str) -> dict | None:
    section = (document.get("comparisons") or {}).get(name)
    if not section:
        return None
    best = None  # ((rounded difference, difference), table id, row, column, own, other)
    for table_id in _COMPARED:
        own_table = document.get("tables", {}).get(table_id)
        other_table = (section.get("tables") or {}).get(table_id)
        if not own_table or not other_table:
            continue
        skipped = _NOT_COMPARED_ROWS.get(table_id, ())
        for row, column, own in _percent_cells(own_table):
            if any(row["key"] == s or (s.endswith(":") and row["key"].startswith(s))
                   for s in skipped):  # fmt: skip
                continue
            if table_id in _MAIN_ROWS_ONLY and row["key"] not in _GROUPS:
                continue
            other = _shown(other_table, row["key"], column["key"])
            if other is None:
                continue
            size = (abs(whole(own) - whole(other)), abs(own - other))
            if size[0] and (best is None or size > best[0]):
                best = (size, table_id, row, column, own, other)
    if best is None:
        return None
    _, table_id, row, column, own, other = best
    label = section.get("label") or name
    where = "hele landet" if name == "landet" else label
    difference = whole(own) - whole(other)
    text = (
        f"Den største forskjellen mot {where} er {_what(table_id, row, column)}: "
        f"{percent_text(own)} i {_place(document)} mot {percent_text(other)} i {where}, "
        f"{points_text(difference)} {'høyere' if difference > 0 else 'lavere'}."
    )
    return _finding(text, table_id)


def _trend_persons(document: dict) -> dict | None:
    table = document.get("tables", {}).get("trend_kategorier")
    before, now = _shown(table, "alle", "forrige"), _shown(table, "alle", "denne")
    if before is None or now is None:
        return None
    years = {c["key"]: c["label"] for c in table["columns"]}
    where = (
        f"i {_place(document)}"
        if (document.get("scope") or {}).get("type") == "municipality"
        else "i det sammenlignbare utvalget av kommuner"
    )
    change = now - before
    if change > 0:
        how = f"{count_text(change)} flere enn"
    elif change < 0:
        how = f"{count_text(-change)} færre enn"
    else:
        how = "like mange som"
    text = (
        f"{where} ble {count_text(now)} personer kartlagt i {years['denne']}, {how} ved "
        f"forrige kartlegging i {years['forrige']} ({count_text(before)})."
    )
    return _finding(text, "trend_kategorier")


def _largest_change(document: dict) -> dict | None:
    best = None
    for table_id in _TREND_SHARES:
        table = document.get("tables", {}).get(table_id)
        if not table:
            continue
        for row in table.get("rows", ()):
            if (row.get("kind") or "percent") != "percent":
                continue
            before, now = _shown(table, row["key"], "forrige"), _shown(table, row["key"], "denne")
            if before is None or now is None:
                continue
            size = (abs(whole(now) - whole(before)), abs(now - before))
            if size[0] and (best is None or size > best[0]):
                best = (size, table_id, table, row, before, now)
    if best is None:
        return None
    _, table_id, table, row, before, now = best
    years = {c["key"]: c["label"] for c in table["columns"]}
    difference = whole(now) - whole(before)
    text = (
        f"Den største endringen siden forrige kartlegging ({years['forrige']}) er andelen "
        f"«{_label(row['label'])}»: fra {percent_text(before)} til {percent_text(now)} i "
        f"{years['denne']}, {points_text(difference)} {'opp' if difference > 0 else 'ned'}."
    )
    return _finding(text, table_id)


def _children(document: dict) -> dict | None:
    table = document.get("tables", {}).get("barn_antall_kategori")
    care, contact = _shown(table, "alle", "omsorg"), _shown(table, "alle", "samvaer")
    parts = []
    if care is not None:
        parts.append(f"har daglig omsorg for {_children_count(care)} under 18 år")
    if contact is not None:
        parts.append(f"har samvær med {_children_count(contact)}")
    if not parts:
        return None
    text = f"De kartlagte i {_place(document)} {' og '.join(parts)}."
    return _finding(text, "barn_antall_kategori")


def _children_count(n: int) -> str:
    if n == 0:
        return "ingen barn"
    return f"{count_text(n)} barn"


def _service_gaps(document: dict) -> dict | None:
    table = document.get("tables", {}).get("behov_tjenester")
    gaps: list[tuple[int, int, dict, int, int]] = []
    for order, row in enumerate((table or {}).get("rows", ())):
        if "." not in row["key"]:  # a group's "minst én tjeneste"
            continue
        received, needed = _shown(table, row["key"], "mottatt"), _shown(table, row["key"], "behov")
        if received is None or needed is None or needed <= received:
            continue
        gaps.append((-(needed - received), order, row, needed, received))
    if not gaps:
        return None
    largest = [
        f"«{_service(row['label'])}» ({count_text(needed)} med behov, {count_text(received)} "
        "mottatt)"
        for _, _, row, needed, received in sorted(gaps, key=lambda gap: gap[:2])[:3]
    ]
    text = (
        "Flere har behov for tjenesten de neste 12 månedene enn som har mottatt den siste "
        f"12 måneder; størst er forskjellen for {_listed(largest)}."
    )
    return _finding(text, "behov_tjenester")


def _service(label: str) -> str:
    """A service's label without its group when the group's name is long."""
    group, _, service = label.rpartition(": ")
    return service if len(group) > 20 else label


def _listed(items: list[str]) -> str:
    if len(items) < 2:
        return "".join(items)
    return ", ".join(items[:-1]) + " og " + items[-1]


def with_findings(document: dict[str, Any]) -> dict[str, Any]:
    """The document with its `"findings"` (made again from its numbers as they are)."""
    return {**document, "findings": findings(document)}
