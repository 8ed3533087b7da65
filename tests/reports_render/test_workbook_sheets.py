"""The workbook's sheets: readable Norwegian names, an empty sheet says why, counts whole."""

import copy
import re

import pytest
from render_helpers import workbook_cells

from brukerplan.reports.render import xlsx
from brukerplan.reports.render.common import SHEETS, TABLES, cell_kind, compared_table


@pytest.fixture(scope="module")
def workbooks(sample_year) -> dict[str, tuple[dict, dict]]:
    """Every sample document with its workbook read back, by scope."""
    return {
        key: (document, workbook_cells(xlsx.render_xlsx(document)))
        for key, document in sample_year.items()
    }


def test_every_sheet_has_a_readable_unique_name_never_a_table_id(workbooks):
    for document, cells in workbooks.values():
        names = list(cells)
        assert len(names) > 40
        assert len({n.lower() for n in names}) == len(names)
        for name in names:
            assert 0 < len(name) <= 31 and not re.search(r"[\[\]:*?/\\]", name)
            assert name not in document["tables"] and "_" not in name, name
        for table_id, name in xlsx.sheet_names(document).items():
            assert name == (TABLES[table_id].sheet if table_id in TABLES else SHEETS[table_id])


def test_a_table_without_a_name_of_its_own_gets_its_title_shortened(workbooks):
    document = copy.deepcopy(workbooks["municipality:4601"][0])
    long_title = "Mottakere etter en inndeling som ingen har sett før i rapportene. Prosent"
    document["tables"]["ny_inndeling"] = {
        **document["tables"]["utdanning"],
        "title": long_title,
    }
    document["tables"]["ny_kort"] = {**document["tables"]["utdanning"], "title": "Utdanning"}
    names = xlsx.sheet_names(document)
    assert names["ny_inndeling"] == "Mottakere etter en inndeling…"
    assert names["ny_kort"] == "Utdanning (2)"  # the title is taken: made unique
    assert set(workbook_cells(xlsx.render_xlsx(document))) >= {names["ny_inndeling"]}


def table_area_numbers(cells: dict, table: dict) -> list[tuple[tuple[int, int], dict]]:
    last = xlsx.HEADER_ROW + len(table["rows"])
    return [
        (at, cell)
        for at, cell in cells.items()
        if xlsx.HEADER_ROW < at[0] <= last and isinstance(cell["value"], float)
    ]


def test_a_sheet_without_numbers_says_why_and_one_with_numbers_does_not(workbooks):
    said = {}
    for document, cells in workbooks.values():
        for table_id, name in xlsx.sheet_names(document).items():
            table = compared_table(table_id, document) or document["tables"][table_id]
            why = cells[name].get((2, 0), {}).get("value")
            if table_area_numbers(cells[name], table):
                assert why is None, (table_id, why)
            else:
                assert why, f"{name} is empty without saying why"
                said[table_id] = why
    assert said["unge_kategorier"] == "Ingen data: ingen kartlagte under 18 år."
    hidden = [t for t, why in said.items() if why == xlsx.ALL_HIDDEN]
    assert hidden  # Bergen's small groups: some tables are hidden whole


def test_a_table_whose_every_number_is_hidden_says_so(workbooks):
    document = copy.deepcopy(workbooks["municipality:4601"][0])
    table = document["tables"]["kjonn_kategori"]
    for row in table["rows"]:
        for column in table["columns"]:
            row["values"][column["key"]] = None
            table["suppressed"].setdefault(row["key"], {})[column["key"]] = "secondary"
    cells = workbook_cells(xlsx.render_xlsx(document))
    assert cells[xlsx.sheet_names(document)["kjonn_kategori"]][(2, 0)]["value"] == (
        "Alle tall er skjult for å beskytte små tall."
    )


def test_every_count_is_formatted_whole_in_the_tables_and_the_chart_data(workbooks):
    seen = 0
    for document, cells in workbooks.values():
        for table_id, name in xlsx.sheet_names(document).items():
            table = compared_table(table_id, document) or document["tables"][table_id]
            for r, row in enumerate(table["rows"], start=xlsx.HEADER_ROW + 1):
                for c, column in enumerate(table["columns"], start=1):
                    cell = cells[name].get((r, c))
                    if not cell or not isinstance(cell["value"], float):
                        continue
                    if cell_kind(table, row, column["key"]) == "count":
                        assert cell["format"] == "#,##0", (table_id, row["key"], column["key"])
                        assert cell["value"] == int(cell["value"])
                        seen += 1
                    else:
                        assert cell["format"] != "#,##0"
    assert seen > 100
    children = workbooks["national"][1][xlsx.sheet_names(workbooks["national"][0])["barn_kategori"]]
    assert {c["format"] for at, c in children.items() if at[1] in (1, 2, 4) and at[0] > 3 and
            isinstance(c["value"], float)} == {"#,##0"}  # fmt: skip
