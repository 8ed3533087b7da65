"""No fødselsnummer in a log, an error page or the admin: the doors beside the import."""

import logging
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.contrib import admin
from django.test import Client

from brukerplan.registrations.models import Registration

ROOT = Path(__file__).resolve().parents[2]
NUMBER = "01018012345"  # eleven digits; what matters is that none is written anywhere


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def gunicorn(tmp_path):
    """Gunicorn as `make run` starts it, with its access log in a file."""
    port = _free_port()
    log = tmp_path / "access.log"
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "DATABASE_URL")}
    env.update(
        BRUKERPLAN_VAR_DIR=str(tmp_path),
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_WORKERS="1",
        GUNICORN_ACCESS_LOG=str(log),
    )
    subprocess.run(
        [sys.executable, "-m", "django", "migrate", "-v", "0"],
        cwd=ROOT,
        env=dict(env, DJANGO_SETTINGS_MODULE="brukerplan.settings"),
        check=True,
        timeout=120,
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "python:brukerplan.gunicorn_config"]
        + ["brukerplan.wsgi"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    else:
        process.kill()
        pytest.fail("gunicorn did not start: " + process.communicate()[0].decode())
    yield f"http://127.0.0.1:{port}", log, process
    process.terminate()
    process.wait(timeout=10)


def _get(url: str, **headers) -> tuple[int, str]:
    assert url.startswith("http://127.0.0.1:")
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 (loopback only)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_the_access_log_holds_no_query_string_referer_token_or_fodselsnummer(gunicorn):
    base, log, process = gunicorn
    token = "hemmelig-invitasjonstoken-0123456789"
    _get(f"{base}/finnes-ikke/{NUMBER}/?fnr={NUMBER}", Referer=f"{base}/?fnr={NUMBER}")
    _get(f"{base}/konto/invitasjon/{token}/?q=1")
    _get(f"{base}/konto/logg-inn/?next=/kartlegging/{NUMBER}/")
    process.terminate()
    output = process.communicate(timeout=10)[0].decode()
    written = log.read_text()
    assert written.count("\n") >= 3, written
    assert token not in written
    for text in (written, output):
        assert NUMBER not in text
        assert "fnr=" not in text and "next=" not in text and "?" not in text
    assert "/finnes-ikke/***********/" in written


def test_make_run_serves_a_norwegian_404_that_repeats_nothing(gunicorn):
    base, _, _ = gunicorn
    status, page = _get(f"{base}/kartlegging/x/{NUMBER}/")
    assert status == 404
    assert "Fant ikke siden" in page
    assert NUMBER not in page
    assert "URLconf" not in page and "urlpatterns" not in page.lower()


def test_debug_is_off_unless_the_developer_asks_for_it(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DEBUG"}
    env.update(BRUKERPLAN_VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="brukerplan.settings")
    code = "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"
    off = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    on = subprocess.run(
        [sys.executable, "-c", code], env=dict(env, DEBUG="true"), capture_output=True, text=True
    )
    assert (off.stdout.strip(), on.stdout.strip()) == ("False", "True")


def test_djangos_own_loggers_write_only_through_the_mask():
    for name in ("django", "django.request", "django.server", "django.security"):
        logger = logging.getLogger(name)
        while logger is not None:
            for handler in logger.handlers:
                if type(handler).__module__.startswith("_pytest"):
                    continue  # pytest's own capture, not an output of the application
                assert any(
                    type(f).__name__ == "MaskFodselsnummerFilter" for f in handler.filters
                ), f"{logger.name} has an unmasked handler {handler}"
            logger = logger.parent if logger.propagate else None


def test_a_not_found_page_logs_no_fodselsnummer(db, capfd):
    response = Client().get(f"/finnes-ikke/{NUMBER}/")
    assert response.status_code == 404
    assert NUMBER not in response.content.decode()
    captured = capfd.readouterr()
    assert NUMBER not in captured.out + captured.err


def test_the_admin_shows_no_registration_to_anyone(world):
    assert not admin.site.is_registered(Registration)
    client = Client()
    client.force_login(world.users["admin"])
    index = client.get("/admin/").content.decode()
    assert "/admin/registrations/" not in index
    assert client.get("/admin/registrations/registration/").status_code == 404
