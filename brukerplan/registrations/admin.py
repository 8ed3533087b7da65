"""No registration is in the Django admin, for anyone.

Registrations hold health data: they are reached only through the app's own
views, which ask `brukerplan.accounts.permissions` first. The administrator
role has no row data (see that module's table).
"""
