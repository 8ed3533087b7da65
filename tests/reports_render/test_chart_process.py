import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import uuid

import pytest
import vl_convert

from brukerplan.reports.render import chart_images, chart_process, chart_svg


@pytest.fixture
def helper():
    chart_process.start()
    yield chart_process._helper
    chart_process.stop()


def a_new_chart(bars: int = 2) -> dict:
    """A spec no cache has seen."""
    return {
        "title": f"Figur {uuid.uuid4()}",
        "data": {"values": [{"kategori": f"K{i}", "prosent": i % 100 + 0.5} for i in range(bars)]},
        "mark": "bar",
        "encoding": {
            "y": {"field": "kategori", "type": "nominal"},
            "x": {"field": "prosent", "type": "quantitative"},
        },
    }


def made_here(spec: dict) -> str:
    return vl_convert.vegalite_to_svg(spec, format_locale=chart_images.FORMAT_LOCALE)


def ended(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] in "ZX"  # a zombie has ended
    except FileNotFoundError:
        return True


def test_the_helper_makes_the_svg_this_process_would(helper):
    spec = a_new_chart()
    pending = chart_images.PendingSvg(spec)
    assert pending._future.result(timeout=60) == made_here(spec)
    assert pending.result() == made_here(spec) and pending.made_by_helper
    assert helper.alive()


def test_many_large_charts_at_once_do_not_stall_the_pipes(helper):
    # Stopped, the helper reads nothing: the requests fill its stdin while the writer
    # waits, and then its large answers fill its stdout. Everything must still arrive.
    os.kill(helper.process.pid, signal.SIGSTOP)
    specs = [a_new_chart(bars=1500) for _ in range(8)]
    futures = []
    writer = threading.Thread(
        target=lambda: futures.extend(chart_process.submit({"spec": s}) for s in specs)
    )
    writer.start()
    time.sleep(0.5)
    os.kill(helper.process.pid, signal.SIGCONT)
    writer.join(timeout=120)
    assert not writer.is_alive()
    svgs = [f.result(timeout=120) for f in futures]
    assert all(svg.startswith("<svg") and len(svg) > 65536 for svg in svgs)


def test_a_chart_already_made_is_not_sent_again(helper):
    spec = a_new_chart()
    first = chart_images.PendingSvg(spec).result()
    again = chart_images.PendingSvg(spec)
    assert again._future is None
    assert again.result() == first


def test_without_a_helper_the_chart_is_made_here():
    chart_process.stop()
    spec = a_new_chart()
    pending = chart_images.PendingSvg(spec)
    assert pending._future is None
    assert pending.result() == made_here(spec)


def test_a_chart_the_helper_had_when_it_died_is_made_here(helper):
    os.kill(helper.process.pid, signal.SIGSTOP)  # holds the request unanswered
    spec = a_new_chart()
    pending = chart_images.PendingSvg(spec)
    assert pending._future is not None
    helper.process.kill()
    assert pending.result() == made_here(spec)
    assert not helper.alive()
    chart_process.start()  # a new helper replaces the dead one
    assert chart_process._helper is not helper and chart_process._helper.alive()


def test_a_helper_that_stops_answering_is_killed_and_the_chart_made_here(helper, monkeypatch):
    monkeypatch.setattr(chart_images, "HELPER_SECONDS", 1)
    os.kill(helper.process.pid, signal.SIGSTOP)
    spec = a_new_chart()
    pending = chart_images.PendingSvg(spec)
    assert pending._future is not None
    assert pending.result() == made_here(spec) and not pending.made_by_helper
    assert not helper.alive()
    assert helper.process.wait(timeout=30) == -signal.SIGKILL


def test_the_helper_ends_when_its_parent_is_killed():
    parent = subprocess.run(
        [
            sys.executable,
            "-c",
            "import os, signal\n"
            "from brukerplan.reports.render import chart_process\n"
            "chart_process.start()\n"
            "print(chart_process._helper.process.pid, flush=True)\n"
            "os.kill(os.getpid(), signal.SIGKILL)\n",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert parent.returncode == -signal.SIGKILL
    pid = int(parent.stdout.strip())
    deadline = time.monotonic() + 30  # it may be starting its engine still
    while not ended(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert ended(pid)


def test_a_pdf_made_with_the_helper_has_its_charts(helper, document):
    from render_helpers import pdf_text

    from brukerplan.reports.render import pdf

    chart_svg.clear()
    made = pdf.page(document)
    text = pdf_text(pdf.render_page(made))
    assert made.charts and all(p.made_by_helper for p in made.charts.values())
    assert "Figur 1." in text
    assert re.search(r"0 +20 +40 +60 +80 +100", text)  # an axis: drawn only in the charts


def test_a_figure_sent_to_the_helper_comes_back_as_the_chart_made_here(helper, document):
    from brukerplan.reports.render import charts
    from brukerplan.reports.render.common import figures, instrument_for

    figure = figures(
        "kategorier",
        document["tables"]["kategorier"],
        instrument_for(document),
        threshold=document["threshold"],
    )[0]
    chart_svg.clear()
    pending = chart_images.PendingSvg.of_figure(figure, charts.figure_chart)
    made = pending.result()
    assert pending.made_by_helper
    spec = charts.figure_chart(figure, titled=False)
    assert made == made_here(spec)


def test_a_figure_the_helper_cannot_have_is_made_here():
    from render_documents import hand_document

    from brukerplan.reports.render import charts
    from brukerplan.reports.render.common import figures, instrument_for

    chart_process.stop()
    document = hand_document()
    figure = figures(
        "kategorier",
        document["tables"]["kategorier"],
        instrument_for(document),
        threshold=document["threshold"],
    )[0]
    chart_svg.clear()
    pending = chart_images.PendingSvg.of_figure(figure, charts.figure_chart, titled=True)
    assert pending._future is None
    assert pending.result() == made_here(charts.figure_chart(figure, titled=True))


def test_the_process_that_writes_the_pdf_does_not_import_altair_when_the_helper_runs(
    document, tmp_path
):
    # Altair's import (0.2 s) and the specs are the helper's work, beside the document's.
    path = tmp_path / "document.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    script = (
        "import json, sys\n"
        "from brukerplan.reports.render import chart_process, pdf\n"
        "chart_process.start()\n"
        f"document = json.loads(open({str(path)!r}, encoding='utf-8').read())\n"
        "made = pdf.page(document)\n"
        "content = pdf.render_page(made)\n"
        "helper = all(p.made_by_helper for p in made.charts.values())\n"
        "print(content[:4].decode(), len(made.charts), helper, 'altair' in sys.modules)\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "brukerplan.settings"}
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, env=env
    )
    assert done.returncode == 0, done.stderr
    magic, count, helper, altair = done.stdout.split()
    assert magic == "%PDF" and int(count) > 0 and helper == "True"
    assert altair == "False"
