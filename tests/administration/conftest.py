"""The web tests' world of units, users and roles."""

import importlib.util
from pathlib import Path

_spec = importlib.util.spec_from_file_location(
    "web_fixtures_for_administration", Path(__file__).resolve().parents[1] / "web" / "conftest.py"
)
_web = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_web)

django_db_setup = _web.django_db_setup
reference_data = _web.reference_data
world = _web.world
helpers = _web.helpers
smtp_server = _web.smtp_server
