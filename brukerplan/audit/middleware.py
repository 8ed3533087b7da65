"""A request id for every request: in the audit trail's entries and the response header."""

import re
import secrets

from brukerplan.audit import trail
from brukerplan.masking import ELEVEN_DIGITS

HEADER = "X-Request-ID"
# A proxy's id is kept when it is short and plain; never one that reads as a fødselsnummer.
_PLAIN = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.headers.get(HEADER, "")
        if not _PLAIN.match(given) or ELEVEN_DIGITS.search(given):
            # base64, not hex: a hex id can hold eleven digits in a row.
            given = secrets.token_urlsafe(12)
        request.request_id = given
        token = trail.request_id.set(given)
        try:
            response = self.get_response(request)
        finally:
            trail.request_id.reset(token)
        response[HEADER] = given
        return response
