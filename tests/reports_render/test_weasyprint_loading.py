"""`pdf.load_weasyprint`, in fresh processes: the test process has WeasyPrint imported."""

import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="the library search is left out on Linux only"
)

COUNTING = """
import ctypes.util, json, sys
searched = []
real = ctypes.util.find_library
def counting(name):
    searched.append(name)
    return real(name)
ctypes.util.find_library = counting
from brukerplan.reports.render import pdf
{before}
pdf.load_weasyprint()
import pyphen
import weasyprint.text.ffi as ffi
print(json.dumps({{
    "searched": searched,
    "restored": ctypes.util.find_library is counting,
    "subset": ffi.harfbuzz_subset is not None,
    "subset_installed": real("harfbuzz-subset") is not None,
    "patterns": len(pyphen.hdcache),
    "pdf": pdf.render_page(pdf.Page("<p>Side</p>", {{}}))[:4].decode(),
}}))
"""


def load(before: str = "") -> dict:
    import json

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "brukerplan.settings"}
    done = subprocess.run(
        [sys.executable, "-c", COUNTING.format(before=before)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def test_weasyprint_opens_its_libraries_without_searching_for_them():
    loaded = load()
    assert loaded["searched"] == []
    assert loaded["restored"]
    # The fast font subsetter is found by its soname too, where it is installed.
    assert loaded["subset"] == loaded["subset_installed"]
    assert loaded["patterns"] == 1
    assert loaded["pdf"] == "%PDF"


def test_weasyprint_is_imported_with_the_search_when_the_import_without_it_fails():
    failing = (
        "import contextlib\n"
        "@contextlib.contextmanager\n"
        "def failing():\n"
        "    raise OSError('no library')\n"
        "    yield\n"
        "pdf._without_library_search = failing\n"
    )
    loaded = load(failing)
    assert loaded["searched"]  # the ordinary import, names searched as before
    assert loaded["pdf"] == "%PDF"


def test_another_thread_still_searches_for_libraries_while_weasyprint_is_imported():
    import ctypes.util
    import threading

    from brukerplan.reports.render import pdf

    found = []
    with pdf._without_library_search():
        assert ctypes.util.find_library("c") is None
        other = threading.Thread(target=lambda: found.append(ctypes.util.find_library("c")))
        other.start()
        other.join()
    assert found and found[0] is not None
