"""Row data waits for the second factor: a password alone opens no raw rows."""

import fastexcel
from django.test import Client
from django.urls import reverse

from brukerplan.reports.render import xlsx
from tests.conftest import authenticator, totp_code

PASSWORD = "et-godt-passord-123"


def test_a_password_only_analyst_gets_no_row_data_and_after_a_totp_code_does(
    world, imported, settings
):
    # A wrong code makes django-otp wait a second before the next; not this test's subject.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    analyst = world.users["analyst"]
    analyst.set_password(PASSWORD)
    analyst.save()
    device = authenticator(analyst)
    rows = reverse("reports:download", args=["municipality-4601", imported, "xlsx"]) + "?radata=1"
    client = Client()
    login = {"username": "analyst", "password": PASSWORD}
    logged_in = client.post(reverse("accounts:login"), login)
    assert logged_in.status_code == 302

    refused = client.get(rows)
    assert refused.status_code == 302
    assert refused["Location"].startswith(reverse("accounts:second_factor") + "?next=")
    assert refused.get("Content-Disposition") is None
    assert b"PK" not in refused.content[:2]  # no workbook

    form = client.get(refused["Location"])
    assert form.status_code == 200
    wrong_code = f"{(int(totp_code(device)) + 1) % 10**6:06d}"
    wrong = client.post(refused["Location"], {"code": wrong_code})
    assert wrong.status_code == 422
    assert client.get(rows).status_code == 302

    verified = client.post(refused["Location"], {"code": totp_code(device)})
    assert verified.status_code == 302
    assert verified["Location"] == rows
    workbook = client.get(rows)
    assert workbook.status_code == 200
    assert xlsx.RAW_SHEET in fastexcel.read_excel(workbook.content).sheet_names
