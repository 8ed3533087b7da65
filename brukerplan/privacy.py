"""The second wall: masks anything that looks like a fødselsnummer in logs and error reports.

The first wall is `brukerplan.registrations.pseudonyms`, the only code that is
handed a fødselsnummer; it returns a pseudonym and lets the number go. This
module catches what slips past by accident (a number in an exception message,
a local variable in a traceback): every run of exactly 11 digits is masked.
"""

import logging

from django.views.debug import SafeExceptionReporterFilter

# The pattern and the mask live in a pure module, so the import's checks share them.
from brukerplan.masking import ELEVEN_DIGITS, MASK, mask  # noqa: F401 - re-exported


class MaskFodselsnummerFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = mask(record.getMessage())
        record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            # Render the traceback now, masked, so no handler formats the raw one.
            record.exc_text = mask(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


class MaskingExceptionReporterFilter(SafeExceptionReporterFilter):
    def get_traceback_frame_variables(self, request, tb_frame):
        variables = super().get_traceback_frame_variables(request, tb_frame)
        return [(name, _masked(value)) for name, value in variables]

    def get_post_parameters(self, request):
        params = super().get_post_parameters(request)
        if request is None:
            return params
        params = params.copy()
        for key in list(params):
            params[key] = mask(str(params[key]))
        return params


def _masked(value):
    if isinstance(value, str | int):
        return mask(str(value))
    return MaskedRepr(mask(repr(value)))


class MaskedRepr:
    def __init__(self, text: str):
        self.text = text

    def __repr__(self) -> str:
        return self.text


def masked_username(request, credentials) -> str:
    """What django-axes stores of a login attempt's username: eleven digits masked."""
    typed = (credentials or {}).get("username")
    if typed is None and request is not None:
        typed = getattr(request, "POST", {}).get("username")
    return mask(str(typed or ""))[:255]
