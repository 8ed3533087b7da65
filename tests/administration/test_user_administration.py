"""Roles above a mapper are given and taken in the app: every change an action with an entry."""

import csv
import io
import re
import socket

from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from brukerplan.accounts.models import Membership, Role
from brukerplan.audit.models import AuditEntry, Kind

PASSWORD = "et-langt-og-trygt-passord"


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _path(message) -> str:
    body = message.get_body(("plain",)).get_content()
    link = re.search(r"https?://\S+/konto/invitasjon/\S+/", body).group(0)
    return "/" + link.split("://", 1)[1].split("/", 1)[1]


def test_the_administrator_invites_an_analyst_who_chooses_a_password(world, smtp_server):
    admin = client_for(world.users["admin"])
    response = admin.post(
        reverse("administration:invite_staff"),
        {
            "role": "analytiker",
            "first_name": "Ada",
            "last_name": "Analyse",
            "email": "Ada.Analyse@example.org",
        },
    )
    assert response.status_code == 200
    assert response.context["invitation_link"]
    message = smtp_server.last_to("ada.analyse@example.org")
    assert "nasjonal analytiker for hele landet" in message.get_body(("plain",)).get_content()
    invited = Client()
    invited.get(_path(message))
    done = invited.post(
        reverse("accounts:invitation_password"),
        {"new_password1": PASSWORD, "new_password2": PASSWORD},
    )
    assert done.status_code == 302
    user = get_user_model().objects.get(username="ada.analyse@example.org")
    assert user.check_password(PASSWORD)
    assert Membership.objects.get(user=user).role == Role.ANALYTIKER
    entries = {e.kind: e for e in AuditEntry.objects.filter(what__target_user=user.pk)}
    assert {Kind.ROLE_GRANTED, Kind.INVITATION_SENT, Kind.PASSWORD_CHOSEN} <= set(entries)
    assert entries[Kind.INVITATION_SENT].username == "admin"
    assert entries[Kind.INVITATION_SENT].role == "administrator"


def test_a_regional_adviser_needs_either_a_county_or_a_health_region(world, smtp_server):
    admin = client_for(world.users["admin"])
    vestland = world.bergen.county
    data = {"role": "regional", "first_name": "R", "last_name": "R", "email": "r@example.org"}
    both = admin.post(
        reverse("administration:invite_staff"),
        data | {"county": vestland.pk, "health_region": "helse_vest"},
    )
    assert both.status_code == 422
    assert "Velg enten et fylke eller en helseregion" in both.content.decode()
    assert not get_user_model().objects.filter(username="r@example.org").exists()
    one = admin.post(reverse("administration:invite_staff"), data | {"county": vestland.pk})
    assert one.status_code == 200
    membership = Membership.objects.get(user__username="r@example.org")
    assert (membership.role, membership.county_id) == (Role.REGIONAL, vestland.pk)


def test_a_regional_adviser_invites_contact_persons_in_their_own_county_only(world, smtp_server):
    regional = client_for(world.users["regional"])
    url = reverse("administration:invite_contact", args=["46"])
    person = {"first_name": "Kari", "last_name": "Kontakt", "email": "kari@example.org"}
    outside = regional.post(url, person | {"municipality": world.oslo.pk})
    assert outside.status_code == 422
    assert not get_user_model().objects.filter(username="kari@example.org").exists()
    inside = regional.post(url, person | {"municipality": world.bergen.pk})
    assert inside.status_code == 200
    membership = Membership.objects.get(user__username="kari@example.org")
    assert (membership.role, membership.municipality_id) == (Role.KOMMUNEKONTAKT, world.bergen.pk)
    sent = AuditEntry.objects.get(kind=Kind.INVITATION_SENT)
    assert (sent.username, sent.municipality) == ("regional", "4601")
    page = regional.get(reverse("administration:contacts", args=["46"])).content.decode()
    assert "kari@example.org" in page and "contact_voss" in page


def test_an_existing_account_takes_up_a_contact_role_when_it_accepts(world, smtp_server):
    mapper = world.users["mapper_a"]
    mapper.email = "mapper.a@example.org"
    mapper.save()
    client_for(world.users["regional"]).post(
        reverse("administration:invite_contact", args=["46"]),
        {"municipality": world.bergen.pk, "first_name": "M", "last_name": "A",
         "email": "mapper.a@example.org"},
    )  # fmt: skip
    assert not Membership.objects.filter(user=mapper, role=Role.KOMMUNEKONTAKT).exists()
    invited = client_for(mapper)
    invited.get(_path(smtp_server.last_to("mapper.a@example.org")))
    accepted = invited.post(reverse("accounts:invitation_accept"), follow=True)
    assert "Du har nå rollen kommunekontakt for 4601 Bergen" in accepted.content.decode()
    assert Membership.objects.get(user=mapper, role=Role.KOMMUNEKONTAKT).active
    assert AuditEntry.objects.filter(kind=Kind.INVITATION_ACCEPTED, username="mapper_a").exists()


def test_a_regional_adviser_deactivates_a_contact_person_and_it_is_in_the_trail(world, smtp_server):
    world.users["contact_voss"].email = "kontakt.voss@example.org"
    world.users["contact_voss"].save()
    membership = Membership.objects.get(user=world.users["contact_voss"])
    response = client_for(world.users["regional"]).post(
        reverse("administration:deactivate_contact", args=["46", membership.pk])
    )
    assert response.status_code == 302
    membership.refresh_from_db()
    world.users["contact_voss"].refresh_from_db()
    assert not membership.active and not world.users["contact_voss"].is_active
    entry = AuditEntry.objects.get(kind=Kind.ROLE_WITHDRAWN)
    assert (entry.username, entry.municipality) == ("regional", "4621")
    assert entry.what["account_deactivated"] is True
    assert entry.what["target_user"] == world.users["contact_voss"].pk
    notice = smtp_server.last_to("kontakt.voss@example.org").get_body(("plain",)).get_content()
    assert "rollen din som kommunekontakt for 4621 Voss" in notice
    assert "kontoen er deaktivert" in notice


def test_a_role_ends_even_when_the_notice_cannot_be_sent(world, settings):
    with socket.socket() as probe:  # a free loopback port, closed again: nothing listens
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    world.users["contact_voss"].email = "kontakt.voss@example.org"
    world.users["contact_voss"].save()
    membership = Membership.objects.get(user=world.users["contact_voss"])
    client_for(world.users["regional"]).post(
        reverse("administration:deactivate_contact", args=["46", membership.pk])
    )
    membership.refresh_from_db()
    assert not membership.active


def test_the_administrator_deactivates_an_analyst(world):
    membership = Membership.objects.get(user=world.users["analyst"])
    client_for(world.users["admin"]).post(
        reverse("administration:deactivate_staff", args=[membership.pk])
    )
    membership.refresh_from_db()
    assert not membership.active
    assert AuditEntry.objects.get(kind=Kind.ROLE_WITHDRAWN).role == "administrator"


def test_the_administrator_searches_the_trail_and_downloads_what_was_found(world):
    client_for(world.users["mapper_a"]).get(reverse("registrations:unit", args=[world.unit_a.id]))
    client_for(world.users["mapper_voss"]).get(
        reverse("registrations:unit", args=[world.unit_voss.id])
    )
    admin = client_for(world.users["admin"])
    query = {"kommune": "4601", "hendelse": Kind.UNIT_LIST_VIEWED}
    page = admin.get(reverse("administration:audit_log"), query)
    assert page.status_code == 200
    assert [e.username for e in page.context["entries"]] == ["mapper_a"]
    download = admin.get(reverse("administration:audit_log_csv"), query)
    assert download["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(download.streaming_content).decode())))
    assert [(r["bruker"], r["kommune"], r["enhet"]) for r in rows] == [
        ("mapper_a", "4601", str(world.unit_a.id))
    ]
    assert AuditEntry.objects.filter(kind=Kind.AUDIT_EXPORTED, username="admin").exists()
    bad = admin.get(reverse("administration:audit_log"), {"kommune": "46011"})
    assert bad.status_code == 422
    assert "fire sifre" in bad.content.decode()


def test_a_role_given_in_the_django_admin_is_in_the_trail_too(world):
    admin = client_for(world.users["admin"])
    response = admin.post(
        reverse("admin:accounts_membership_add"),
        {
            "user": world.users["nobody"].pk,
            "role": "analytiker",
            "health_region": "",
            "active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    entry = AuditEntry.objects.get(
        kind=Kind.ROLE_GRANTED, what__target_user=world.users["nobody"].pk
    )
    assert (entry.username, entry.what["via"], entry.what["role"]) == (
        "admin",
        "admin",
        "analytiker",
    )
