"""bench/doc.py: `make bench` rewrites docs/performance.md's figures table, and only it.

bench/ is importable here because pytest-django puts manage.py's folder, the checkout's
root, on sys.path.
"""

from pathlib import Path

import pytest

from bench import doc

ROOT = Path(__file__).resolve().parents[1]

BEFORE = f"""# Performance

What each figure means.

{doc.BEGIN}
Run of an old day.

| measure | median | runs | target | met |
|---|---|---|---|---|
| import | 99 s | 1 | < 15 s | no |
{doc.END}

How to run it.
"""

ROWS = [
    doc.Row("import, 60,000 rows", "12.0 s, peak 117 MiB", 1, "< 15 s", True),
    doc.Row("stored download", "0.130 s", 3, "< 0.3 s", False),
    doc.Row("national deck (PPTX)", "4.00 s", 1),
    doc.Row("mapping load test", "not run (BENCH_MAPPING=0)", 0),
]


def test_the_block_is_replaced_by_the_run_line_and_the_table():
    after = doc.rewrite(BEFORE, doc.table(ROWS, "Run of today."))
    assert after == (
        "# Performance\n\nWhat each figure means.\n\n"
        f"{doc.BEGIN}\n"
        "Run of today.\n\n"
        "| measure | median | runs | target | met |\n"
        "|---|---|---|---|---|\n"
        "| import, 60,000 rows | 12.0 s, peak 117 MiB | 1 | < 15 s | yes |\n"
        "| stored download | 0.130 s | 3 | < 0.3 s | no |\n"
        "| national deck (PPTX) | 4.00 s | 1 | – | – |\n"
        "| mapping load test | not run (BENCH_MAPPING=0) | – | – | – |\n"
        f"{doc.END}\n\nHow to run it.\n"
    )


def test_the_prose_around_the_block_stays_as_it_is():
    after = doc.rewrite(BEFORE, doc.table(ROWS, "Run of today."))
    head, _, rest = BEFORE.partition(doc.BEGIN)
    tail = rest.partition(doc.END)[2]
    assert after.startswith(head + doc.BEGIN)
    assert after.endswith(doc.END + tail)
    assert "99 s" not in after and "an old day" not in after


def test_a_second_run_replaces_the_first():
    once = doc.rewrite(BEFORE, doc.table(ROWS, "Run one."))
    twice = doc.rewrite(once, doc.table(ROWS[:1], "Run two."))
    assert "Run one." not in twice and twice.count("| import") == 1
    assert twice == doc.rewrite(BEFORE, doc.table(ROWS[:1], "Run two."))


def test_an_empty_block_is_filled():
    after = doc.rewrite(f"intro\n{doc.BEGIN}\n{doc.END}\n", doc.table(ROWS[:1], "Run."))
    assert after.startswith(f"intro\n{doc.BEGIN}\nRun.\n\n| measure |")
    assert after.endswith(f"| yes |\n{doc.END}\n")


def test_a_pipe_in_a_figure_does_not_split_its_cell():
    line = doc.table([doc.Row("a | b", "1 s")], "Run.").splitlines()[-1]
    assert line == "| a \\| b | 1 s | 1 | – | – |"


@pytest.mark.parametrize(
    "text",
    [
        "# Performance\n\nNo block here.\n",
        f"only the start {doc.BEGIN}\n",
        f"only the end {doc.END}\n",
        f"{doc.END}\nreversed\n{doc.BEGIN}\n",
        f"{doc.BEGIN}\n{doc.END}\n{doc.BEGIN}\n{doc.END}\n",
    ],
    ids=["none", "no-end", "no-begin", "reversed", "two-blocks"],
)
def test_without_one_block_in_order_the_rewrite_fails_and_says_what_is_missing(text):
    with pytest.raises(doc.MarkersMissing, match="bench:"):
        doc.rewrite(text, doc.table(ROWS, "Run."), name="docs/performance.md")


def test_the_doc_in_the_checkout_has_the_block():
    text = (ROOT / "docs" / "performance.md").read_text(encoding="utf-8")
    assert doc.rewrite(text, "x").count(doc.BEGIN) == 1
