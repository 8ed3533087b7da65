"""bench/loss.py: the share of a document's cells hidden as secondary."""

from bench import loss


def test_it_counts_secondary_cells_among_the_cells_with_a_value():
    document = {
        "tables": {
            "kategorier": {
                "rows": [
                    {"key": "a", "values": {"antall": None, "andel": None}},
                    {"key": "b", "values": {"antall": 12, "andel": None}},
                ],
                "suppressed": {"a": {"antall": "secondary", "andel": "primary"}},
            },
            "egen": {
                "rows": [{"key": "c", "values": {"antall": None}}],
                "suppressed": {"c": {"antall": "secondary"}},
            },
        }
    }
    # b/andel is null without a reason (no value): not a cell that was hidden.
    assert loss.secondary_share(document, frozenset({"kategorier"})) == 1 / 3
    assert loss.secondary_share(document) == 2 / 4
    assert "kategorier" in loss.FIXED and "egen" not in loss.FIXED
