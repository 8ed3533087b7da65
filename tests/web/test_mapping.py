"""The mapping actions and the mapper's pages: periods, the fødselsnummer, drafts, submit."""

import datetime
import logging

import pytest
from django.test import Client
from django.urls import reverse

from brukerplan.organisations.actions import close_period
from brukerplan.organisations.models import MappingPeriod
from brukerplan.registrations import actions, mapping
from brukerplan.registrations.models import Registration

BIRTH = datetime.date(1980, 5, 17)


@pytest.fixture
def mapper(world):
    client = Client()
    client.force_login(world.users["mapper_a"])
    return client


def start(world, helpers, woman=False, unit=None, birth=BIRTH):
    return actions.start_registration(
        unit=unit or world.unit_a,
        by=world.users["mapper_a"],
        fodselsnummer=helpers.person(birth, woman=woman),
        today=world.today,
    )


def test_a_new_registration_keeps_only_the_derived_birth_year_sex_and_person_key(world, helpers):
    registration = start(world, helpers, woman=True)
    assert (registration.fodselsaar, registration.kjonn) == (1980, "kvinne")
    assert registration.alder == world.today.year - 1980
    assert registration.status == "draft" and registration.levekarsindeks is None
    assert len(registration.person_key) == 64


def test_a_wrong_check_digit_is_refused_without_repeating_the_number(world, helpers, mapper):
    number = helpers.person(BIRTH)
    wrong = number[:-1] + str((int(number[-1]) + 1) % 10)
    response = mapper.post(
        reverse("registrations:start", args=[world.unit_a.id]),
        {"fodselsnummer": wrong, "kartlagt_dato": world.today.isoformat()},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "kontrollsiffer" in page
    assert wrong not in page and number[:6] not in page
    assert not Registration.objects.exists()


def test_the_fodselsnummer_never_reaches_the_page_the_url_or_the_log(
    world, helpers, mapper, caplog
):
    number = helpers.person(BIRTH)
    caplog.set_level(logging.DEBUG)
    response = mapper.post(
        reverse("registrations:start", args=[world.unit_a.id]),
        {"fodselsnummer": number, "kartlagt_dato": world.today.isoformat()},
        follow=True,
    )
    assert response.status_code == 200
    assert number not in response.content.decode()
    assert all(number not in url for url, _ in response.redirect_chain)
    assert number not in caplog.text
    registration = Registration.objects.get()
    assert registration.person_key not in response.content.decode()


def test_a_person_under_16_is_not_mapped(world, helpers):
    with pytest.raises(mapping.MappingError, match="under 16"):
        actions.start_registration(
            unit=world.unit_a,
            by=None,
            fodselsnummer=helpers.person(datetime.date(world.today.year - 10, 1, 1), start=500),
            today=world.today,
        )


def test_the_same_unit_cannot_map_the_same_person_twice_in_a_year(world, helpers):
    first = start(world, helpers)
    with pytest.raises(mapping.AlreadyMapped) as refused:
        start(world, helpers)
    assert refused.value.existing == first


def test_nothing_is_created_or_changed_outside_the_open_period(world, helpers):
    registration = start(world, helpers)
    close_period(MappingPeriod.objects.get(county__code="46", year=world.today.year), by=None)
    with pytest.raises(mapping.PeriodClosed, match="avsluttet"):
        start(world, helpers, woman=True)
    with pytest.raises(mapping.PeriodClosed):
        actions.save_draft(registration, {"rusproblem": 1}, by=None, today=world.today)
    with pytest.raises(mapping.PeriodClosed):
        actions.submit_registration(
            registration, helpers.complete_answers(), by=None, today=world.today
        )


def test_a_closed_period_is_explained_on_the_page_and_refused_on_post(world, helpers, mapper):
    registration = start(world, helpers)
    close_period(MappingPeriod.objects.get(county__code="46", year=world.today.year), by=None)
    page = mapper.get(reverse("registrations:form", args=[registration.registrering_id]))
    assert "ikke åpen" in page.content.decode()
    response = mapper.post(
        reverse("registrations:form", args=[registration.registrering_id]),
        helpers.as_post(helpers.complete_answers()),
    )
    assert response.status_code == 409
    registration.refresh_from_db()
    assert registration.status == "draft" and registration.answers == {}


def test_a_municipality_without_a_period_cannot_map(world, helpers):
    with pytest.raises(mapping.PeriodClosed, match="ingen kartleggingsperiode"):
        actions.start_registration(
            unit=world.unit_voss.__class__.objects.create(
                municipality=world.oslo, name="Oslo enhet", type="annen"
            ),
            by=None,
            fodselsnummer=helpers.person(BIRTH),
            today=world.today,
        )


def test_autosave_keeps_partial_answers_and_drops_questions_not_asked(world, helpers, mapper):
    registration = start(world, helpers)
    response = mapper.post(
        reverse("registrations:autosave", args=[registration.registrering_id]),
        {"rusproblem": "0", "injiserer": "1", "okonomi": "rod", "bor_med__vist": "1"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200 and "Lagret" in response.content.decode()
    registration.refresh_from_db()
    assert registration.answers == {"rusproblem": 0, "okonomi": "rod", "bor_med": []}
    assert registration.status == "draft"


def test_submitting_lists_norwegian_errors_at_the_fields_and_keeps_the_draft(
    world, helpers, mapper
):
    registration = start(world, helpers)
    response = mapper.post(
        reverse("registrations:form", args=[registration.registrering_id]),
        {"rusproblem": "0", "psykisk_problem": "0"},
    )
    page = response.content.decode()
    assert response.status_code == 422
    assert "Velg grønn, gul eller rød." in page
    assert 'id="q-okonomi-error"' in page
    registration.refresh_from_db()
    assert registration.status == "draft" and registration.answers["rusproblem"] == 0


def test_a_rule_between_questions_is_explained_in_norwegian(world, helpers, mapper):
    registration = start(world, helpers)
    answers = helpers.complete_answers()
    answers["rusproblem"] = 0
    answers = mapping.asked_answers(mapping.instrument_of(registration), answers, {"kjonn": "mann"})
    answers["rusmiddelbruk"] = "rod"
    response = mapper.post(
        reverse("registrations:form", args=[registration.registrering_id]),
        helpers.as_post(answers),
    )
    assert (
        "Når «Har rusproblem» er Nei, må «Rusmiddelbruk» være Grønn." in response.content.decode()
    )


def test_one_submission_lists_number_errors_missing_answers_and_rule_errors_at_once(
    world, helpers, mapper
):
    registration = start(world, helpers)
    instrument = mapping.instrument_of(registration)
    answers = helpers.complete_answers()
    answers["rusproblem"] = 0
    answers = mapping.asked_answers(instrument, answers, {"kjonn": "mann"})
    answers["rusmiddelbruk"] = "rod"  # breaks "rusproblem == 0 requires rusmiddelbruk == gronn"
    for missing in ("okonomi", "bosituasjon"):
        del answers[missing]
    data = helpers.as_post(answers)
    data["barn_omsorg"] = "to"  # unreadable: not a number
    data["barn_samvaer"] = "99"  # a number out of range
    response = mapper.post(reverse("registrations:form", args=[registration.registrering_id]), data)
    page = response.content.decode()
    assert response.status_code == 422
    summary = page[page.index('id="feil"') : page.index('class="form-layout"')]
    expected = {
        "q-barn_omsorg-input": "Skriv et helt tall.",
        "q-barn_samvaer-input": "Tallet må være mellom 0 og 20.",
        "q-okonomi-gronn": "Velg grønn, gul eller rød.",
        "q-bosituasjon-gronn": "Velg grønn, gul eller rød.",
        "q-rusmiddelbruk-gronn": "Når «Har rusproblem» er Nei, må «Rusmiddelbruk» være Grønn.",
    }
    for target, message in expected.items():
        label = instrument.question(target.split("-")[1]).label
        assert f'<a href="#{target}">{label}: {message}</a>' in summary
        assert f'id="{target}"' in page  # the link reaches an input
    assert summary.count("<li>") == len(expected)
    assert "5 svar må rettes før innsending" in summary
    # Each field names its error for screen readers.
    for key in ("barn_omsorg", "okonomi", "rusmiddelbruk"):
        assert f'aria-describedby="q-{key}-error"' in page
    registration.refresh_from_db()
    assert registration.status == "draft" and registration.answers["rusmiddelbruk"] == "rod"


def test_a_complete_registration_is_submitted_scored_and_shows_the_journal_note(
    world, helpers, mapper
):
    registration = start(world, helpers)
    response = mapper.post(
        reverse("registrations:form", args=[registration.registrering_id]),
        helpers.as_post(helpers.complete_answers()),
        follow=True,
    )
    assert f"Kartlagt i BrukerPlan {world.today.year}" in response.content.decode()
    registration.refresh_from_db()
    assert registration.status == "submitted" and registration.submitted_at
    assert registration.levekarsindeks == 8 * 34.5
    assert registration.indeksgruppe == "rod"
    assert registration.kategori == "mindre_alvorlig_rop"


def test_a_submitted_registration_changes_only_to_valid_answers(world, helpers):
    registration = start(world, helpers)
    answers = helpers.complete_answers()
    assert actions.submit_registration(registration, answers, by=None, today=world.today) == []
    result = actions.save_draft(registration, {"rusproblem": 1}, by=None, today=world.today)
    assert not result.saved
    registration.refresh_from_db()
    assert registration.status == "submitted" and registration.answers == answers
    answers["okonomi"] = "rod"
    assert actions.save_draft(registration, answers, by=None, today=world.today).saved
    registration.refresh_from_db()
    assert registration.levekarsindeks == 7 * 34.5 + 69


def test_a_draft_can_be_deleted_but_a_submitted_registration_cannot(world, helpers):
    draft = start(world, helpers)
    actions.delete_draft(draft, by=None, today=world.today)
    assert not Registration.objects.exists()
    sent = start(world, helpers)
    actions.submit_registration(sent, helpers.complete_answers(), by=None, today=world.today)
    with pytest.raises(mapping.MappingError):
        actions.delete_draft(sent, by=None, today=world.today)


def test_deleting_a_draft_asks_first_and_a_post_without_confirmation_deletes_nothing(
    world, helpers, mapper
):
    draft = start(world, helpers)
    url = reverse("registrations:delete", args=[draft.registrering_id])
    form = mapper.get(reverse("registrations:form", args=[draft.registrering_id])).content.decode()
    # The form only links to the question; the one delete button is on the page that asks.
    assert f'href="{url}"' in form and f'action="{url}"' not in form
    page = mapper.get(url)
    assert page.status_code == 200
    assert 'name="bekreft"' in page.content.decode() and f'action="{url}"' in page.content.decode()

    for unconfirmed in ({}, {"bekreft": ""}, {"bekreft": "nei"}):
        response = mapper.post(url, unconfirmed)
        assert response.status_code == 400
        assert "Kryss av for å bekrefte" in response.content.decode()
        assert Registration.objects.filter(pk=draft.pk).exists()

    response = mapper.post(url, {"bekreft": "ja"})
    assert response.status_code == 302
    assert response["Location"] == reverse("registrations:unit", args=[world.unit_a.id])
    assert not Registration.objects.filter(pk=draft.pk).exists()


def test_a_submitted_registration_has_no_delete_page(world, helpers, mapper):
    sent = start(world, helpers)
    actions.submit_registration(sent, helpers.complete_answers(), by=None, today=world.today)
    url = reverse("registrations:delete", args=[sent.registrering_id])
    for response in (mapper.get(url), mapper.post(url, {"bekreft": "ja"})):
        assert response.status_code == 302
    assert Registration.objects.filter(pk=sent.pk).exists()


def test_the_unit_list_shows_nothing_identifying_in_few_queries(
    world, helpers, mapper, django_assert_max_num_queries
):
    registrations = [start(world, helpers, birth=datetime.date(1960 + i, 2, 3)) for i in range(8)]
    # 7 of its own (session, user, roles, unit, period, legal basis, list), 1 audit entry,
    # and 3 to renew the idle timeout.
    with django_assert_max_num_queries(11):
        response = mapper.get(reverse("registrations:unit", args=[world.unit_a.id]))
    page = response.content.decode()
    for registration in registrations:
        assert registration.registrering_id in page
        assert registration.person_key not in page
    assert "1963" in page


def test_the_form_renders_in_few_queries(world, helpers, mapper, django_assert_max_num_queries):
    registration = start(world, helpers)
    # 5 of its own (session, user, registration, roles, period), 1 audit entry, and 3 to
    # renew the session.
    with django_assert_max_num_queries(9):
        response = mapper.get(reverse("registrations:form", args=[registration.registrering_id]))
    assert response.status_code == 200
    # Autosave: the same reads, the period, the row locked and updated, its audit entry, the
    # session renewed.
    with django_assert_max_num_queries(13):
        mapper.post(
            reverse("registrations:autosave", args=[registration.registrering_id]),
            {"rusproblem": "1"},
            HTTP_HX_REQUEST="true",
        )
