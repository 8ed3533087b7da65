"""The database's register of counties and municipalities, as a `reference.Register`.

What the web application and the reports ask about codes and years. It is read from the
database once, and again only when a new load or import has been recorded
(`RegisterLoad`), so every process sees an import as soon as it is committed. Whether one
has is asked once per request (a page asks the register many times), and on every call
outside a request.
"""

from __future__ import annotations

import threading

from django.core.signals import request_finished, request_started

from brukerplan.organisations import reference
from brukerplan.organisations.models import County, Municipality, MunicipalityChange, RegisterLoad

_cached: tuple[tuple, reference.Register] | None = None
_request = threading.local()


def _in_request(**kwargs) -> None:
    _request.active, _request.checked = True, False


def _out_of_request(**kwargs) -> None:
    _request.active, _request.checked = False, False


request_started.connect(_in_request, dispatch_uid="brukerplan.register.started")
request_finished.connect(_out_of_request, dispatch_uid="brukerplan.register.finished")


def current() -> reference.Register:
    """The register as the database has it (the shipped one before any load)."""
    global _cached
    cached = _cached
    if cached is not None and getattr(_request, "checked", False):
        return cached[1]
    stamp = RegisterLoad.objects.order_by("-id").values_list("id", "loaded_at").first()
    if stamp is None:
        return reference.shipped()
    if cached is None or cached[0] != stamp:
        cached = _cached = (stamp, _read())
    _request.checked = getattr(_request, "active", False)
    return cached[1]


def forget() -> None:
    """After a load in this process: ask the database again."""
    _request.checked = False


def _read() -> reference.Register:
    counties = [
        reference.County(c.code, c.name, c.valid_from, c.valid_to, c.health_region)
        for c in County.objects.all()
    ]
    municipalities = [
        reference.Municipality(code, name, county, valid_from, valid_to)
        for code, name, county, valid_from, valid_to in Municipality.objects.values_list(
            "code", "name", "county__code", "valid_from", "valid_to"
        )
    ]
    changes = [
        reference.Change(*row)
        for row in MunicipalityChange.objects.values_list("year", "old_code", "new_code")
    ]
    checked = RegisterLoad.objects.order_by("-id").values_list("checked_through", flat=True)[0]
    return reference.Register(counties, municipalities, changes, checked)


def notice(year: int) -> str | None:
    """What administrators are told when ``year`` is past what the register has been
    checked for (its codes are the last known ones), else None."""
    from django.utils.translation import gettext as _

    register = current()
    if register.checked(year):
        return None
    return _(
        "Kommuneregisteret er kontrollert til og med %(checked)s; %(year)s bruker kodene fra "
        "%(checked)s. Hent SSBs kodeliste og endringstabell (KLASS 131 og 104) og kjør "
        "«brukerplan import-register»."
    ) % {"checked": register.checked_through, "year": year}
