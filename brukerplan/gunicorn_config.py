"""Gunicorn settings for `make run` and production (`-c python:brukerplan.gunicorn_config`).

The access log writes method, path, status, size and time: never the query
string or the Referer (either may carry what a user typed), and every value
goes through the same mask as the application's own log, so a fødselsnummer
typed into the address is written as ***********.
"""

import re

from gunicorn.glogging import Logger

from brukerplan.env import env_int, env_str
from brukerplan.privacy import mask

bind = env_str("GUNICORN_BIND", "127.0.0.1:8000")
workers = env_int("GUNICORN_WORKERS", 3)
accesslog = env_str("GUNICORN_ACCESS_LOG", "-")
access_log_format = '%(h)s %(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'

# One-time tokens of invitation and password links are left out of the log too.
TOKEN_PATH = re.compile(
    r"^(/konto/(?:invitasjon|glemt-passord)/)(?!velg-passord/|godta/|ferdig/|sendt/).+"
)


def masked(value: str) -> str:
    return TOKEN_PATH.sub(r"\1…", mask(value))


class MaskingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {
            key: masked(value) if isinstance(value, str) else value for key, value in atoms.items()
        }

    def error(self, msg, *args, **kwargs):
        super().error(mask(str(msg)), *(mask(str(a)) for a in args), **kwargs)

    def warning(self, msg, *args, **kwargs):
        super().warning(mask(str(msg)), *(mask(str(a)) for a in args), **kwargs)


logger_class = MaskingLogger
