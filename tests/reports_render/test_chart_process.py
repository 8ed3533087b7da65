import os
import re
import signal
import subprocess
import sys
import time
import uuid

import pytest
import vl_convert

from brukerplan.reports.render import chart_process, charts


@pytest.fixture
def helper():
    chart_process.start()
    yield chart_process._helper
    chart_process.stop()


def a_new_chart() -> dict:
    """A spec no cache has seen."""
    return {
        "title": f"Figur {uuid.uuid4()}",
        "data": {
            "values": [{"kategori": "Rus", "prosent": 12.5}, {"kategori": "Psyk", "prosent": 3}]
        },
        "mark": "bar",
        "encoding": {
            "y": {"field": "kategori", "type": "nominal"},
            "x": {"field": "prosent", "type": "quantitative"},
        },
    }


def made_here(spec: dict) -> str:
    return vl_convert.vegalite_to_svg(spec, format_locale=charts.FORMAT_LOCALE)


def ended(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] in "ZX"  # a zombie has ended
    except FileNotFoundError:
        return True


def test_the_helper_makes_the_svg_this_process_would(helper):
    spec = a_new_chart()
    pending = charts.PendingSvg(spec)
    assert pending._future is not None  # sent to the helper
    assert pending.result() == made_here(spec)
    assert helper.alive()


def test_a_chart_already_made_is_not_sent_again(helper):
    spec = a_new_chart()
    first = charts.PendingSvg(spec).result()
    again = charts.PendingSvg(spec)
    assert again._future is None
    assert again.result() == first


def test_without_a_helper_the_chart_is_made_here():
    chart_process.stop()
    spec = a_new_chart()
    pending = charts.PendingSvg(spec)
    assert pending._future is None
    assert pending.result() == made_here(spec)


def test_a_chart_the_helper_had_when_it_died_is_made_here(helper):
    os.kill(helper.process.pid, signal.SIGSTOP)  # holds the request unanswered
    spec = a_new_chart()
    pending = charts.PendingSvg(spec)
    assert pending._future is not None
    helper.process.kill()
    assert pending.result() == made_here(spec)
    assert not helper.alive()
    chart_process.start()  # a new helper replaces the dead one
    assert chart_process._helper is not helper and chart_process._helper.alive()


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

    charts._CACHE.clear()
    made = pdf.page(document)
    assert made.charts and all(p._future is not None for p in made.charts.values())
    text = pdf_text(pdf.render_pdf(document))
    assert "Figur 1." in text
    assert re.search(r"0 +20 +40 +60 +80 +100", text)  # an axis: drawn only in the charts
