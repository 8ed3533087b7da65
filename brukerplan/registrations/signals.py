"""What registrations tells the apps above it, which it may not import.

`registrations_imported` is sent after an import has committed, with the
years it created registrations in. The reports app answers by preparing those
years' report data; each receiver may return a line for the command to print.
"""

from django.dispatch import Signal

registrations_imported = Signal()  # keyword arguments: years (a sorted list of ints)
