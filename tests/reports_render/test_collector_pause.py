import gc
import threading

from brukerplan.reports import outputs
from brukerplan.reports.render import pdf


def test_the_collector_is_paused_while_the_pdf_is_laid_out_and_runs_again_after(
    document, monkeypatch
):
    seen = []
    render_page = pdf.render_page

    def watching(made):
        seen.append(gc.isenabled())
        return render_page(made)

    monkeypatch.setattr(pdf, "render_page", watching)
    assert gc.isenabled()
    assert outputs.output(document, "pdf").startswith(b"%PDF")
    assert seen == [False]
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off():
    gc.disable()
    try:
        with outputs.collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_the_collector_stays_paused_until_the_last_thread_has_rendered():
    first_inside, second_done = threading.Event(), threading.Event()
    running_after_second = []

    def first():
        with outputs.collector_paused():
            first_inside.set()
            second_done.wait(timeout=30)
            running_after_second.append(gc.isenabled())

    thread = threading.Thread(target=first)
    thread.start()
    first_inside.wait(timeout=30)
    with outputs.collector_paused():
        pass
    second_done.set()
    thread.join(timeout=30)
    assert running_after_second == [False]
    assert gc.isenabled()
