"""Invitations: a link is bound to its invitation, and an existing account is never taken over."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from brukerplan.accounts.models import Invitation, Membership, Role

PASSWORD = "et-langt-og-trygt-passord"


@pytest.fixture
def contact(world):
    client = Client()
    client.force_login(world.users["contact"])
    return client


def _invite(contact, world, email, unit=None):
    return contact.post(
        reverse("contact:invite_mapper", args=["4601"]),
        {
            "inv-unit": (unit or world.unit_b).id,
            "inv-first_name": "Ny",
            "inv-last_name": "Person",
            "inv-email": email,
        },
        follow=True,
    )


def _link(message) -> str:
    body = message.get_body(("plain",)).get_content()
    return re.search(r"https?://\S+/konto/invitasjon/\S+/", body).group(0)


def _path(link: str) -> str:
    return "/" + link.split("://", 1)[1].split("/", 1)[1]


def _pending_account(username: str):
    user = get_user_model().objects.create_user(username, email=username)
    user.set_unusable_password()
    user.save()
    return user


def test_inviting_a_pending_analysts_address_gives_no_password_link(world, contact, smtp_server):
    analyst = _pending_account("ny.analytiker@example.org")
    Membership.objects.create(user=analyst, role=Role.ANALYTIKER)
    response = _invite(contact, world, "ny.analytiker@example.org")
    page = response.content.decode()
    assert "Adressen har allerede en konto; personen har fått beskjed" in page
    assert "/konto/invitasjon/" not in page
    assert response.context.get("invitation_link") in (None, "")
    analyst.refresh_from_db()
    assert not analyst.has_usable_password()
    # The e-mail goes to the account's own address, and its link sets no password.
    link = _link(smtp_server.last_to("ny.analytiker@example.org"))
    stranger = Client()
    landing = stranger.get(_path(link), follow=True)
    assert "/konto/logg-inn/" in landing.redirect_chain[-1][0]
    assert stranger.get(reverse("accounts:invitation_password")).status_code == 404
    assert not Membership.objects.filter(user=analyst, role=Role.KARTLEGGER).exists()


def test_an_existing_account_gets_the_role_only_when_it_accepts_while_logged_in(
    world, contact, smtp_server
):
    voss_mapper = world.users["mapper_voss"]
    voss_mapper.email = "voss.kartlegger@example.org"
    voss_mapper.save()
    password_before = voss_mapper.password
    _invite(contact, world, "voss.kartlegger@example.org")
    assert not Membership.objects.filter(user=voss_mapper, unit=world.unit_b).exists()
    link = _link(smtp_server.last_to("voss.kartlegger@example.org"))

    someone_else = Client()
    someone_else.force_login(world.users["mapper_a"])
    someone_else.get(_path(link))
    refused = someone_else.post(reverse("accounts:invitation_accept"))
    assert refused.status_code == 403
    assert not Membership.objects.filter(user=voss_mapper, unit=world.unit_b).exists()

    invited = Client()
    invited.force_login(voss_mapper)
    assert invited.get(_path(link), follow=True).status_code == 200
    invited.post(reverse("accounts:invitation_accept"))
    assert Membership.objects.get(user=voss_mapper, unit=world.unit_b).active
    voss_mapper.refresh_from_db()
    assert voss_mapper.password == password_before
    # Single use.
    again = Client()
    again.force_login(voss_mapper)
    assert "Lenken virker ikke" in again.get(_path(link), follow=True).content.decode()


def test_inviting_a_deactivated_account_does_not_reactivate_it(world, contact, smtp_server):
    former = get_user_model().objects.create_user(
        "tidligere@example.org", email="tidligere@example.org", password=PASSWORD
    )
    former.is_active = False
    former.save()
    _invite(contact, world, "tidligere@example.org")
    former.refresh_from_db()
    assert not former.is_active
    assert former.check_password(PASSWORD)
    assert not Membership.objects.filter(user=former, active=True).exists()
    login = Client().post(
        reverse("accounts:login"), {"username": "tidligere@example.org", "password": PASSWORD}
    )
    assert login.status_code == 200  # the form again: no session for a deactivated account


def test_granting_a_role_leaves_a_deactivated_account_deactivated(world):
    from brukerplan.accounts.actions import grant_role

    user = world.users["mapper_b"]
    user.is_active = False
    user.save()
    grant_role(user, Role.KARTLEGGER, unit=world.unit_a)
    user.refresh_from_db()
    assert not user.is_active


def test_a_new_accounts_link_works_once_and_is_sent_by_email(world, contact, smtp_server):
    response = _invite(contact, world, "Helt.Ny@example.org")
    shown = response.context["invitation_link"]
    mailed = _link(smtp_server.last_to("helt.ny@example.org"))
    assert shown == mailed
    client = Client()
    form = client.get(_path(mailed), follow=True)
    assert form.redirect_chain[-1][0] == reverse("accounts:invitation_password")
    # The page where the password is typed carries no token in its address.
    assert mailed.rstrip("/").rsplit("/", 1)[1] not in form.redirect_chain[-1][0]
    client.post(
        reverse("accounts:invitation_password"),
        {"new_password1": PASSWORD, "new_password2": PASSWORD},
    )
    assert get_user_model().objects.get(username="helt.ny@example.org").check_password(PASSWORD)
    assert "Lenken virker ikke" in Client().get(_path(mailed), follow=True).content.decode()


def test_an_invitation_link_expires_after_seven_days(world, contact, smtp_server):
    response = _invite(contact, world, "sen@example.org")
    link = response.context["invitation_link"]
    Invitation.objects.update(expires_at=timezone.now() - timezone.timedelta(seconds=1))
    page = Client().get(_path(link), follow=True)
    assert page.status_code == 404 and "Lenken virker ikke" in page.content.decode()
    invitation = Invitation.objects.get()
    assert invitation.expires_at - invitation.created_at <= timezone.timedelta(days=7, seconds=1)


def test_an_invitation_link_is_void_once_the_role_is_withdrawn(world, contact, smtp_server):
    response = _invite(contact, world, "trukket@example.org")
    link = response.context["invitation_link"]
    membership = Membership.objects.get(user__username="trukket@example.org")
    contact.post(reverse("contact:deactivate_mapper", args=["4601", membership.id]))
    client = Client()
    assert client.get(_path(link)).status_code == 404
    response = client.post(
        reverse("accounts:invitation_password"),
        {"new_password1": PASSWORD, "new_password2": PASSWORD},
    )
    assert response.status_code == 404
    assert not get_user_model().objects.get(username="trukket@example.org").has_usable_password()


def test_a_link_is_not_the_users_password_state(world, contact, smtp_server):
    """A reset-style token for the user (uid + token) opens nothing."""
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    _invite(contact, world, "token@example.org")
    user = get_user_model().objects.get(username="token@example.org")
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    assert Client().get(f"/konto/invitasjon/{uid}/{token}/").status_code == 404
    assert Client().get(f"/konto/invitasjon/{token}/").status_code == 404


def test_the_contact_person_can_withdraw_an_offer_to_an_existing_account(
    world, contact, smtp_server
):
    world.users["analyst"].email = "analyst@example.org"
    world.users["analyst"].save()
    _invite(contact, world, "analyst@example.org")
    offer = Invitation.objects.get(user=world.users["analyst"])
    page = contact.get(reverse("contact:units", args=["4601"])).content.decode()
    assert "Invitasjoner som venter på svar" in page
    contact.post(reverse("contact:withdraw_invitation", args=["4601", offer.id]))
    offer.refresh_from_db()
    assert offer.withdrawn_at is not None


def test_a_contact_person_cannot_withdraw_another_municipalitys_invitation(world, smtp_server):
    voss_contact = Client()
    voss_contact.force_login(world.users["contact_voss"])
    voss_contact.post(
        reverse("contact:invite_mapper", args=["4621"]),
        {
            "inv-unit": world.unit_voss.id,
            "inv-first_name": "A",
            "inv-last_name": "B",
            "inv-email": "voss.ny@example.org",
        },
    )
    invitation = Invitation.objects.get(user__username="voss.ny@example.org")
    bergen = Client()
    bergen.force_login(world.users["contact"])
    response = bergen.post(reverse("contact:withdraw_invitation", args=["4601", invitation.id]))
    assert response.status_code == 404
    invitation.refresh_from_db()
    assert invitation.withdrawn_at is None


def test_a_failed_email_leaves_no_invitation_and_says_so(world, contact, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    response = _invite(contact, world, "ingen.post@example.org")
    assert "Fikk ikke sendt e-post" in response.content.decode()
    assert not get_user_model().objects.filter(username="ingen.post@example.org").exists()
    assert not Invitation.objects.exists()


def test_only_a_hash_of_the_token_is_stored(world, contact, smtp_server):
    link = _invite(contact, world, "hash@example.org").context["invitation_link"]
    token = link.rstrip("/").rsplit("/", 1)[1]
    stored = Invitation.objects.get()
    assert token not in stored.token_hash and len(stored.token_hash) == 64
