import csv
import datetime
import json
import os
import time
from pathlib import Path

import pytest

# pytester: tests/test_suite_rules.py runs the skip rule below on tiny test files.
pytest_plugins = ["pytester"]

TEST_PSEUDONYM_KEY = "test-pseudonym-key"
# Copies of ../shared's files in the project, so that a fresh clone tests everything
# (tests/fixtures/spec/README.md; tests/test_suite_rules.py checks they equal ../shared).
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SAMPLE_CSV = FIXTURES / "spec" / "sample-registrations.csv"
FRAME_TEST_KEY = b"report-engine-test-key"

# Under CI=true a skipped test fails the run unless it is here: node id (a parametrised
# test's id without its [...]) or the start of the skip's reason -> why it may skip.
# docs/testing.md says why each entry is here; keep the two in step.
ALLOWED_SKIPS = {
    "tests/test_suite_rules.py::"
    "test_the_spec_copies_equal_the_shared_spec_when_it_is_beside_the_checkout": (
        "it compares the copies in tests/fixtures/ with ../shared, which a fresh clone "
        "(as CI's) does not have beside it"
    ),
}


def ci() -> bool:
    """Whether the run is CI's (CI=true, as CI services set it)."""
    return os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}


def skip_reason(report) -> str:
    """The reason a skipped test or collector gave, as `-rs` shows it."""
    longrepr = report.longrepr
    reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
    if reason == "Skipped":
        return ""
    return reason.removeprefix("Skipped: ")


def allowed_skip(nodeid: str, reason: str, allowed: dict[str, str] = ALLOWED_SKIPS) -> bool:
    test = nodeid.split("[", 1)[0]
    return any(test == key or reason.startswith(key) for key in allowed)


class SkipRule:
    """Under CI=true: a skip outside ALLOWED_SKIPS fails the run, and the summary names it.

    Registered on the controller only; under xdist the workers' reports reach it through
    the same hooks (pytest_runtest_logreport, pytest_collectreport for a skipped module).
    """

    def __init__(self):
        self.refused: list[tuple[str, str]] = []

    def _seen(self, report) -> None:
        if report.skipped and not hasattr(report, "wasxfail"):  # xfail is not a skip
            reason = skip_reason(report)
            if not allowed_skip(report.nodeid, reason):
                self.refused.append((report.nodeid, reason))

    def pytest_runtest_logreport(self, report):
        self._seen(report)

    def pytest_collectreport(self, report):
        self._seen(report)

    def pytest_sessionfinish(self, session):
        # (a run whose only module skipped collected nothing: 5, made 1 as well)
        passed = (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED)
        if self.refused and session.exitstatus in passed:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter):
        if not self.refused:
            return
        terminalreporter.write_sep(
            "=", f"CI=true: {len(self.refused)} skipped, not in ALLOWED_SKIPS", red=True
        )
        for nodeid, reason in self.refused:
            terminalreporter.write_line(f"SKIPPED {nodeid}: {reason}")
        terminalreporter.write_line(
            "A skip under CI=true fails the run; ALLOWED_SKIPS in tests/conftest.py and "
            "docs/testing.md list the few that may skip."
        )


def pytest_configure(config):
    if ci() and not hasattr(config, "workerinput"):  # not in an xdist worker
        config.pluginmanager.register(SkipRule(), "brukerplan-skip-rule")


@pytest.fixture(autouse=True)
def _pseudonym_key(settings):
    settings.BRUKERPLAN_PSEUDONYM_KEY = TEST_PSEUDONYM_KEY


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database, with the county and municipality register loaded once."""
    from brukerplan.organisations.actions import load_reference_data

    with django_db_blocker.unblock():
        load_reference_data()


@pytest.fixture
def sample_csv() -> Path:
    return SAMPLE_CSV


def sample_as_year(folder: Path, year: int, renumber: dict[str, str] | None = None) -> Path:
    """The spec's sample mapping as one of ``year`` (the same persons, so they link), its
    municipality codes renumbered, written into ``folder``."""
    with SAMPLE_CSV.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        rows, fields = list(reader), reader.fieldnames
    for row in rows:
        row["registrering_id"] = f"{year}-{row['registrering_id']}"
        row["aar"] = str(year)
        row["kartlagt_dato"] = f"{year}{row['kartlagt_dato'][4:]}"
        row["kommunenummer"] = (renumber or {}).get(row["kommunenummer"], row["kommunenummer"])
    path = folder / f"kartlegging-{year}.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fields)
        writer.writeheader()
        writer.writerows(rows)
    return path


# Debian's chromium, never a downloaded browser; the flags keep it off the closed network.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser():
    """A headless chromium through Playwright, one per test module."""
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian's chromium is not installed at /usr/bin/chromium (run `make browser`)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def open_page(browser, live_server):
    """Opens pages on the live server, each in a context of its own, with what they log:
    `page.csp_errors`, `page.console_errors` and, with `dismiss_dialogs`, `page.dialogs`
    (dismissed, as a user who stays on the page would; without, Playwright's default lets
    a page be left).

    On teardown nothing more goes out and every request in flight is answered first: a
    save still running in the live server would hold the database the next test empties
    (SQLite: "database table is locked" in the flush)."""
    opened = []

    def open_(*, timeout_ms: int = 5000, permissions: tuple[str, ...] = (), dismiss_dialogs=False):
        context = browser.new_context(base_url=live_server.url, locale="nb-NO")
        if permissions:
            context.grant_permissions(list(permissions), origin=live_server.url)
        context.set_default_timeout(timeout_ms)
        in_flight = set()
        context.on("request", lambda request: in_flight.add(request))
        context.on("requestfinished", lambda request: in_flight.discard(request))
        context.on("requestfailed", lambda request: in_flight.discard(request))
        page = context.new_page()
        page.csp_errors, page.console_errors, page.dialogs = [], [], []

        def on_console(message):
            if "Content Security Policy" in message.text:
                page.csp_errors.append(message.text)
            if message.type == "error" or "Content Security Policy" in message.text:
                page.console_errors.append(message.text)

        def on_dialog(dialog):
            page.dialogs.append(dialog.type)
            dialog.dismiss()

        page.on("console", on_console)
        page.on("pageerror", lambda error: page.console_errors.append(str(error)))
        if dismiss_dialogs:
            page.on("dialog", on_dialog)
        opened.append((context, page, in_flight))
        return page

    yield open_
    for context, page, in_flight in opened:
        page.unroute_all(behavior="ignoreErrors")
        page.route("**/*", lambda route: route.abort())
        deadline = time.monotonic() + 10
        while in_flight and time.monotonic() < deadline:
            page.wait_for_timeout(50)
        context.close()


# Analysis frames without a database, for the report engine's and the renderings' tests.
def _read_rows(path: Path = SAMPLE_CSV) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _frame_from_rows(rows: list[dict[str, str]], key: bytes = FRAME_TEST_KEY):
    """An analysis frame from rows of the exchange format, as the database loader would give."""
    import polars as pl

    from brukerplan.instrument import definition
    from brukerplan.instrument.cells import parse_cells
    from brukerplan.registrations.pseudonyms import pseudonymise
    from brukerplan.reports import frame

    instrument = definition.current()
    records = []
    for row in rows:
        identity = pseudonymise(row["fodselsnummer"], key)
        answers, errors = parse_cells(instrument, row, {"kjonn": identity.kjonn})
        assert not errors, (row["registrering_id"], errors)
        index = instrument.levekarsindeks(answers)
        records.append(
            {
                "registrering_id": row["registrering_id"],
                "aar": int(row["aar"]),
                "kartlagt_dato": datetime.date.fromisoformat(row["kartlagt_dato"]),
                "kommunenummer": row["kommunenummer"],
                "fylkesnummer": row["kommunenummer"][:2],
                "enhetstype": row["enhetstype"],
                "person_key": identity.person_key,
                "fodselsaar": identity.fodselsaar,
                "kjonn": identity.kjonn,
                "alder": int(row["aar"]) - identity.fodselsaar,
                "levekarsindeks": index,
                "indeksgruppe": instrument.index_group(index),
                "kategori": instrument.kategori(answers),
                "foretrukket": False,
                "answers": json.dumps(answers),
            }
        )
    if not records:
        return frame.empty(instrument)
    return frame.build(pl.DataFrame(records), instrument)


@pytest.fixture(scope="session")
def read_rows():
    """Read rows of the exchange format (default: the spec's sample CSV)."""
    return _read_rows


@pytest.fixture(scope="session")
def make_frame():
    """Build an analysis frame from rows of the exchange format."""
    return _frame_from_rows


# --- the second factor --------------------------------------------------------------
# Roles above mapper see no page before a second factor (brukerplan/accounts/
# second_factor.py). Tests that log such a user in with `client.force_login` get a
# session verified as a TOTP code would leave it (django-otp's `login` with a confirmed
# device of the user); `password_only_login` gives the session a password alone leaves.


def authenticator(user):
    """The user's confirmed TOTP device (made once), for codes: `totp_code(device)`."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.filter(user=user, confirmed=True).first() or (
        TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    )


def totp_code(device, at: float | None = None) -> str:
    from django_otp.oath import TOTP

    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() if at is None else at
    return f"{totp.token():0{device.digits}d}"


def _mark_verified(client, user) -> None:
    from django.http import HttpRequest
    from django_otp import login as otp_login

    from brukerplan.accounts import permissions

    if not permissions.needs_second_factor(user):
        return
    session = client.session
    request = HttpRequest()
    request.session, request.user = session, user
    otp_login(request, authenticator(user))
    session.save()


@pytest.fixture(autouse=True)
def verified_sessions(monkeypatch):
    from django.test import Client

    password_only = Client.force_login

    def force_login(self, user, backend=None):
        password_only(self, user, backend)
        _mark_verified(self, user)

    monkeypatch.setattr(Client, "force_login", force_login)
    return password_only


@pytest.fixture
def password_only_login(verified_sessions):
    """`password_only_login(client, user)`: logged in without a second factor."""
    return lambda client, user: verified_sessions(client, user)


def enter_second_factor(page, device) -> None:
    """In a browser, after the password: the code of the user's authenticator, typed in."""
    import re

    page.wait_for_url(re.compile(r"/konto/tofaktor/"))
    page.fill("#id_code", totp_code(device))
    page.click("main button[type=submit]")


def browser_authenticator(user):
    """The device whose code `enter_second_factor` types, for a user who needs one."""
    from brukerplan.accounts import permissions

    return authenticator(user) if permissions.needs_second_factor(user) else None


def browser_log_in(page, user, password: str) -> None:
    """In a browser: the login form with the user's (new) password, then the second factor
    where the user's role needs one, as a person logs in."""
    user.set_password(password)
    user.save()
    page.goto("/konto/logg-inn/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", password)
    device = browser_authenticator(user)
    page.click("button[type=submit]")
    if device:
        enter_second_factor(page, device)
    page.wait_for_load_state()
    assert "/konto/logg-inn/" not in page.url and "/konto/tofaktor/" not in page.url
