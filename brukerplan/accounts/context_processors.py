from django.utils.functional import SimpleLazyObject

from brukerplan.accounts import permissions


def navigation(request):
    """What the menu offers; evaluated only when a page draws the menu."""
    return {
        "may_see_reports": SimpleLazyObject(lambda: permissions.may_see_some_report(request.user))
    }
