"""Every write is an action that knows who acted, and the outermost ones run on their own."""

import datetime
import inspect

import pytest
from django.db import transaction

from brukerplan.accounts import actions as account_actions
from brukerplan.organisations import actions as organisation_actions
from brukerplan.organisations.models import MappingPeriod
from brukerplan.registrations import actions as registration_actions

ACTION_MODULES = (account_actions, organisation_actions, registration_actions)

# Public functions of the actions modules that write nothing, or are not yet this rule's.
NOT_WRITES = {
    "brukerplan.accounts.actions.open_invitation",  # a query: the invitation of a token
    "brukerplan.registrations.actions.no_progress",  # the import's default progress bar
}


def _public_functions(module):
    return [
        function
        for name, function in inspect.getmembers(module, inspect.isfunction)
        if not name.startswith("_") and function.__module__ == module.__name__
    ]


def test_every_write_action_takes_the_acting_user():
    checked = []
    for module in ACTION_MODULES:
        for function in _public_functions(module):
            qualified = f"{module.__name__}.{function.__name__}"
            if qualified in NOT_WRITES:
                continue
            parameters = inspect.signature(function).parameters
            acting = parameters.get("by") or parameters.get("invited_by")
            assert acting is not None, f"{qualified} does not take the acting user"
            assert acting.kind in (acting.KEYWORD_ONLY, acting.POSITIONAL_OR_KEYWORD), qualified
            checked.append(qualified)
    assert "brukerplan.registrations.actions.start_registration" in checked


def test_the_exempt_names_are_still_there():
    names = {
        f"{module.__name__}.{function.__name__}"
        for module in ACTION_MODULES
        for function in _public_functions(module)
    }
    assert names >= NOT_WRITES


def test_a_new_registration_records_who_created_it(world, helpers):
    registration = registration_actions.start_registration(
        unit=world.unit_a,
        by=world.users["mapper_a"],
        fodselsnummer=helpers.person(datetime.date(1980, 5, 17)),
        today=world.today,
    )
    registration.refresh_from_db()
    assert registration.created_by == world.users["mapper_a"]


def test_a_mapping_action_refuses_to_run_inside_another_transaction(world, helpers):
    with pytest.raises(RuntimeError, match="durable"), transaction.atomic():
        registration_actions.start_registration(
            unit=world.unit_a,
            by=world.users["mapper_a"],
            fodselsnummer=helpers.person(datetime.date(1980, 5, 17)),
            today=world.today,
        )


def test_an_organisation_and_an_account_action_refuse_to_run_inside_another_transaction(world):
    period = MappingPeriod.objects.get(county__code="46", year=world.today.year)
    with pytest.raises(RuntimeError, match="durable"), transaction.atomic():
        organisation_actions.close_period(period, by=world.users["admin"])
    with pytest.raises(RuntimeError, match="durable"), transaction.atomic():
        account_actions.grant_role(world.users["analyst"], "analytiker", by=world.users["admin"])


def test_opening_a_period_runs_inside_the_admins_transaction(world):
    period = MappingPeriod.objects.get(county__code="46", year=world.today.year)
    with transaction.atomic():
        opened = organisation_actions.open_period(
            period.county, period.year, period.start, period.end, by=world.users["admin"]
        )
    assert opened.pk == period.pk and opened.closed_at is None
