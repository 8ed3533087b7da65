"""A municipal PDF as the dashboard serves it: downloaded from a running server process.

A web worker pays its imports and vl-convert's engine start once, for its first
report. So this process first serves one municipality's PDF (Askøy), then
times Bergen's in the three ways a user meets it:

  * `seconds`: the download alone, the document not built yet: the permission
    check, the year's fingerprint, Bergen's report document (its comparison
    sections from the report store, as every worker finds them after the
    county's first report) and the rendering;
  * `page_seconds`: the download from Bergen's dashboard page, the way the
    site offers it: the page has built the document, the click renders;
  * `again_seconds`: the same download again (the shared cache answers);
  * `dashboard_seconds`: Bergen's dashboard page, viewed first after the download above
    (which built its document): its tables and charts;
  * `served_seconds`: before all of the above, the first request of this process:
    Bergen's PDF as the worker stores it (built and stored by another process first, as
    `brukerplan db_worker` does), served from the report store (target < 0.3 s).

Prints the figures as JSON, like bench/step.py.
"""

import json
import os
import resource
import subprocess
import sys
import time

WARM_UP = "municipality-4627"  # Askøy
MEASURED = "municipality-4601"  # Bergen


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "brukerplan.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.test.utils import setup_test_environment

    from brukerplan.accounts.actions import grant_role
    from brukerplan.accounts.models import Role
    from brukerplan.reports import publication, store

    setup_test_environment()  # allows the test client's host
    user, _ = get_user_model().objects.get_or_create(username="bench-analytiker")
    grant_role(user, Role.ANALYTIKER)
    client = Client()
    client.force_login(user)
    year = int(sys.argv[1])

    def download(scope: str) -> float:
        started = time.perf_counter()
        response = client.get(f"/rapporter/{scope}/{year}.pdf")
        seconds = time.perf_counter() - started
        if response.status_code != 200 or not response.content.startswith(b"%PDF"):
            raise SystemExit(f"download of {scope} failed: {response.status_code}")
        return seconds

    def forget(scope: str, *parts: str) -> None:
        key = scope.replace("-", ":", 1)
        fingerprint = publication.fingerprint(key, year)
        store.shared().delete_many(
            [publication.cache_key(key, year, fingerprint, p) for p in parts]
        )

    # What an earlier run left in the shared cache (the report store's frame and
    # comparison sections stay: every worker finds those).
    # Stored by another process, as the worker does; then served to this fresh one.
    key = MEASURED.replace("-", ":", 1)
    build = (
        "import django, sys; django.setup(); from brukerplan.reports import publication as p; "
        f"p.file({key!r}, {year}, p.fingerprint({key!r}, {year}), 'pdf')"
    )
    subprocess.run([sys.executable, "-c", build], check=True)
    served = download(MEASURED)
    for scope in (WARM_UP, MEASURED):
        forget(scope, "document", "page", "pdf")
    download(WARM_UP)
    first = download(MEASURED)
    # The page, then the click; the file rendered above is forgotten first. The page's
    # first view (its document built by the download above): its tables and 40 charts.
    started = time.perf_counter()
    assert client.get(f"/rapporter/{MEASURED}/{year}/").status_code == 200
    dashboard = time.perf_counter() - started
    forget(MEASURED, "pdf")
    from_page = download(MEASURED)
    again = download(MEASURED)
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    figures = {
        "seconds": first,
        "page_seconds": from_page,
        "again_seconds": again,
        "dashboard_seconds": dashboard,
        "served_seconds": served,
    }
    print(json.dumps({**figures, "peak_mib": peak_kib / 1024}))


if __name__ == "__main__":
    main()
