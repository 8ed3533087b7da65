"""The reports' background tasks (django-tasks; the database backend and its `db_worker`).

`build_publication(county_code, year)` builds and stores every document and file a
county's closed mapping period publishes (`publication.build`). It is enqueued after the
commit that closes a period or changes data of a closed year (`request_build`, connected
in `apps.ReportsConfig.ready` through `signals`), at most once per county and year per
transaction.
"""

from __future__ import annotations

from django.db import transaction
from django_tasks import task

from brukerplan.reports import publication


@task()
def build_publication(county_code: str, year: int) -> dict:
    return publication.build(county_code, year)


class _Enqueue:
    """An on-commit callback that enqueues one build, recognisable among the pending ones."""

    def __init__(self, county_code: str, year: int) -> None:
        self.key = (county_code, year)

    def __call__(self) -> None:
        build_publication.enqueue(*self.key)


def pending(county_code: str, year: int, using: str | None = None) -> bool:
    """Whether this transaction will enqueue the build of the county and year already."""
    connection = transaction.get_connection(using)
    return any(
        isinstance(hook, _Enqueue) and hook.key == (county_code, year)
        for _, hook, *_ in connection.run_on_commit
    )


def request_build(county_code: str, year: int, using: str | None = None) -> None:
    """Enqueue the build after the current transaction commits (at once outside one),
    once per county and year however many rows the transaction changes."""
    if not pending(county_code, year, using):
        transaction.on_commit(_Enqueue(county_code, year), using=using)
