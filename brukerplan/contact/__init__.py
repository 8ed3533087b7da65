"""The contact person's pages: a municipality's overview, its duplicates, units and mappers.

Above organisations, accounts and registrations, which it shows together.
"""
