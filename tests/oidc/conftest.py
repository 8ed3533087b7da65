"""A real OpenID provider for the login tests: tests/oidc_provider/provider.mjs (panva's
certified oidc-provider) run with the machine's Node.js on a loopback port.

`make test` installs it (`npm ci` in tests/oidc_provider). Without Node.js or the package
the tests skip, which under CI=true fails the run (docs/testing.md)."""

import importlib.util
import os
import re
import secrets
import select
import shutil
import subprocess
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
import requests

from brukerplan.accounts import oidc

_spec = importlib.util.spec_from_file_location(
    "web_fixtures", Path(__file__).resolve().parents[1] / "web" / "conftest.py"
)
_web = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_web)

reference_data = _web.reference_data
world = _web.world

PROVIDER_DIR = Path(__file__).resolve().parent.parent / "oidc_provider"
CLIENT_ID = "brukerplan-test"


@dataclass
class Provider:
    issuer: str
    client_id: str
    client_secret: str

    def discovery(self) -> dict:
        return requests.get(f"{self.issuer}/.well-known/openid-configuration", timeout=5).json()


@contextmanager
def running_provider(base_urls: list[str]):
    """Starts the provider for a client that comes back to `base_urls`; stops it after."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("Node.js is not installed (make test installs it)")
    if not (PROVIDER_DIR / "node_modules" / "oidc-provider").is_dir():
        pytest.skip("oidc-provider is not installed (make test runs npm ci in tests/oidc_provider)")
    secret = secrets.token_urlsafe(24)
    env = {
        "PATH": os.environ.get("PATH", ""),
        "CLIENT_ID": CLIENT_ID,
        "CLIENT_SECRET": secret,
        "BASE_URLS": ",".join(base_urls),
    }
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(
            [node, "provider.mjs"],
            cwd=PROVIDER_DIR,
            env=env,
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
        )
        try:
            issuer = _wait_until_it_answers(process, errors)
            yield Provider(issuer, CLIENT_ID, secret)
        finally:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_until_it_answers(process, errors, limit: float = 30.0) -> str:
    deadline = time.monotonic() + limit

    def failed(why: str):
        errors.seek(0)
        return AssertionError(f"{why}: {errors.read().decode(errors='replace')[-2000:]}")

    ready, _, _ = select.select([process.stdout], [], [], limit)
    line = process.stdout.readline() if ready else ""
    found = re.match(r"listening (http://127\.0\.0\.1:\d+)", line)
    if not found:
        raise failed("the OpenID provider did not start")
    issuer = found.group(1)
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{issuer}/.well-known/openid-configuration", timeout=2).ok:
                return issuer
        except requests.ConnectionError:
            pass
        if process.poll() is not None:
            break
        time.sleep(0.1)
    raise failed("the OpenID provider's discovery document did not answer")


@pytest.fixture(scope="module")
def provider():
    """The provider, for Django's test client (which is http://testserver)."""
    with running_provider(["http://testserver"]) as found:
        yield found


def configure(settings, found: Provider) -> None:
    settings.OIDC_ISSUER = found.issuer
    settings.OIDC_RP_CLIENT_ID = found.client_id
    settings.OIDC_RP_CLIENT_SECRET = found.client_secret
    settings.OIDC_PROVIDER_NAME = "Testleverandøren"
    oidc._metadata.clear()


@pytest.fixture
def oidc_settings(settings, provider):
    configure(settings, provider)
    yield provider
    oidc._metadata.clear()


def log_in_at_provider(client, account: str, *, next_url: str = ""):
    """Through the provider's login as `account`, and back: the callback's response."""
    start = client.get("/konto/oidc/logg-inn/" + (f"?next={next_url}" if next_url else ""))
    assert start.status_code == 302, start.status_code
    browser = requests.Session()
    response = browser.get(start["Location"], allow_redirects=False, timeout=10)
    for _ in range(10):
        if response.status_code == 200 and 'name="account"' in response.text:
            action = re.search(r'<form method="post" action="([^"]+)"', response.text).group(1)
            response = browser.post(
                urljoin(response.url, action),
                data={"account": account},
                allow_redirects=False,
                timeout=10,
            )
            continue
        assert response.is_redirect, (response.status_code, response.text[:500])
        location = urljoin(response.url, response.headers["Location"])
        if location.startswith("http://testserver/"):
            back = urlsplit(location)
            return client.get(f"{back.path}?{back.query}"), browser
        response = browser.get(location, allow_redirects=False, timeout=10)
    raise AssertionError("the provider's login did not come back")
