"""E-mail to users, through Django's e-mail backend (console in development, SMTP in production).

Each message is two templates, `accounts/email/<name>_subject.txt` and
`accounts/email/<name>.txt`. Messages carry links and names, never
registration data.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string


def send(name: str, *, to: str, context: dict) -> None:
    subject = render_to_string(f"accounts/email/{name}_subject.txt", context)
    body = render_to_string(f"accounts/email/{name}.txt", context)
    send_mail(
        " ".join(subject.split()),
        body,
        settings.DEFAULT_FROM_EMAIL,
        [to],
        fail_silently=False,
    )
