"""The demo: synthetic mapping years and one account per role, on top of every app."""
