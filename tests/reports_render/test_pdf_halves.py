"""A PDF laid out in two processes reads as the one laid out whole, page for page."""

import gc
import io
import logging
import os
import re
import shutil
import subprocess
import threading
import time

import pytest
from render_documents import compared_document

from brukerplan.reports import outputs
from brukerplan.reports.render import pdf, pdf_halves

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="the halves need os.fork")
only_renderer = pdf_halves._only_renderer


@pytest.fixture(autouse=True)
def alone(monkeypatch):
    """Threads other tests leave in this process (a live server's) are not this one's to see."""
    monkeypatch.setattr(pdf_halves, "_only_renderer", lambda: True)


def pages_text(content: bytes) -> list[str]:
    """Each page's text as laid out, runs of spaces as one."""
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=content, capture_output=True, check=True
    ).stdout.decode()
    return [re.sub(r" +", " ", page).strip() for page in text.split("\f")]


def bookmarks(content: bytes) -> list[tuple[int, str, int]]:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(content))
    found = []

    def walk(items, depth):
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            else:
                found.append((depth, item.title, reader.get_destination_page_number(item)))

    walk(reader.outline, 0)
    return found


@pytest.fixture(params=["municipality", "national"])
def report(request, real_documents) -> dict:
    if request.param == "municipality":
        return compared_document(names=("fylke", "landet", "storrelse"))
    return real_documents["national"]


def test_the_halves_read_as_the_whole_page_for_page(report):
    halves = pdf_halves.render(report)
    whole = pdf.render_pdf(report)  # after the halves: WeasyPrint's own numbering again
    assert halves is not None
    joined, alone = pages_text(halves), pages_text(whole)
    assert len(joined) == len(alone) > 2
    for number, (mine, theirs) in enumerate(zip(joined, alone, strict=True), start=1):
        assert mine == theirs, f"page {number}"
    total = len(alone) - 1  # the text ends with a form feed
    assert f"Side {total} av {total}" in joined[-2]


def test_the_joined_pdf_has_the_bookmarks_title_and_language_of_the_whole():
    from pypdf import PdfReader

    report = compared_document(names=("fylke", "landet"))
    halves, whole = pdf_halves.render(report), pdf.render_pdf(report)
    assert bookmarks(halves) == bookmarks(whole)
    joined, alone = PdfReader(io.BytesIO(halves)), PdfReader(io.BytesIO(whole))
    assert joined.metadata.title == alone.metadata.title
    assert joined.trailer["/Root"]["/Lang"] == alone.trailer["/Root"]["/Lang"] == "nb"


def fail_in_the_child(monkeypatch) -> None:
    parent, render_page = os.getpid(), pdf.render_page

    def failing_in_the_child(made):
        if os.getpid() != parent:
            raise RuntimeError("the child fails")
        return render_page(made)

    monkeypatch.setattr(pdf, "render_page", failing_in_the_child)


def test_a_failed_second_half_leaves_the_pdf_to_the_caller(monkeypatch, caplog):
    fail_in_the_child(monkeypatch)
    with caplog.at_level(logging.WARNING, logger="brukerplan.reports.render.pdf_halves"):
        assert pdf_halves.render(compared_document()) is None
    assert "the child fails" in caplog.text
    # WeasyPrint's margin boxes are its own again: the whole PDF is numbered as usual.
    assert "Side 2 av" in pages_text(pdf.render_pdf(compared_document()))[1]


def test_nothing_stays_frozen_whether_the_halves_succeed_or_fail(monkeypatch):
    assert gc.get_freeze_count() == 0
    assert pdf_halves.render(compared_document()) is not None
    assert gc.get_freeze_count() == 0
    fail_in_the_child(monkeypatch)
    assert pdf_halves.render(compared_document()) is None
    assert gc.get_freeze_count() == 0


def test_the_garbage_of_the_first_half_is_collected_before_the_pause_ends():
    report = compared_document()
    pdf_halves.render(report)  # WeasyPrint's caches filled: what follows is one PDF's work
    collected = []

    def counting(phase, info):
        if phase == "stop":
            collected.append(info["collected"])

    with outputs.collector_paused():
        gc.callbacks.append(counting)
        try:
            assert pdf_halves.render(report) is not None
        finally:
            gc.callbacks.remove(counting)
        # Left for the pass when the pause ends: what the join made, not the layout's objects.
        assert gc.get_count()[0] < 20_000
    assert sum(collected) > 10_000  # the first half's layout, in cycles


def test_halves_that_pypdf_cannot_join_leave_the_pdf_to_the_caller(monkeypatch):
    from pypdf.errors import PdfReadError

    def unreadable(self, first):
        raise PdfReadError("not a PDF")

    monkeypatch.setattr(pdf_halves._Joining, "__init__", unreadable)
    assert pdf_halves.render(compared_document()) is None


def test_a_report_of_one_section_is_left_to_the_caller(document):
    one = {**document, "tables": {"kategorier": document["tables"]["kategorier"]}}
    assert pdf.halves(one) is None
    assert pdf_halves.render(one) is None


def test_on_one_core_the_pdf_is_left_to_the_caller(monkeypatch):
    monkeypatch.setattr(pdf_halves, "_cores", lambda: 1)
    assert pdf_halves.render(compared_document()) is None


def running(monkeypatch, name: str) -> threading.Thread:
    """A thread of this name beside this one, and no other."""
    thread = threading.Thread(name=name)
    this = threading.current_thread()
    monkeypatch.setattr(pdf_halves, "_only_renderer", only_renderer)
    monkeypatch.setattr(pdf_halves.threading, "enumerate", lambda: [this, thread])
    return thread


def test_while_another_thread_may_render_the_pdf_is_left_to_the_caller(monkeypatch):
    # A threaded server: a fork could copy a lock the other thread holds inside Pango.
    running(monkeypatch, "Thread-3 (process_request_thread)")
    monkeypatch.setattr(pdf_halves, "_render", lambda *args: pytest.fail("forked"))
    assert pdf_halves.render(compared_document()) is None


def test_the_chart_helpers_reader_does_not_keep_the_pdf_from_two_processes(monkeypatch):
    running(monkeypatch, "chart-helper")
    assert pdf_halves.render(compared_document()) is not None


def test_a_thread_started_in_this_process_is_seen():
    release = threading.Event()
    other = threading.Thread(target=release.wait, name="request-2")
    other.start()
    try:
        assert not only_renderer()
    finally:
        release.set()
        other.join()


def test_a_second_half_that_stops_answering_is_killed_and_left_to_the_caller(monkeypatch):
    parent, render_page = os.getpid(), pdf.render_page

    def hanging_in_the_child(made):
        if os.getpid() != parent:
            time.sleep(600)
        return render_page(made)

    monkeypatch.setattr(pdf, "render_page", hanging_in_the_child)
    monkeypatch.setattr(pdf_halves, "ANSWER_SECONDS", 1)
    started = time.monotonic()
    assert pdf_halves.render(compared_document()) is None
    assert time.monotonic() - started < 30


def test_a_chart_of_the_second_half_that_cannot_be_had_stops_the_child_at_once(monkeypatch):
    report = compared_document()
    first, second = pdf.halves(report, chart_set="all")
    assert second.charts

    def unavailable():
        raise RuntimeError("no chart")

    for pending in second.charts.values():
        monkeypatch.setattr(pending, "result", unavailable)
    monkeypatch.setattr(pdf, "halves", lambda *args, **kwargs: (first, second))
    started = time.monotonic()
    assert pdf_halves.render(report) is None
    assert time.monotonic() - started < 30  # not the 60 s wait for an answer


def test_the_footer_text_is_written_into_the_css_as_a_string_that_cannot_end_early():
    assert pdf._css_string('Aust "Agder" \\ </style>') == 'Aust \\"Agder\\" \\\\ \\3C /style>'
