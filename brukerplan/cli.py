"""The `brukerplan` command: Django's management commands under one name.

`brukerplan import FILE` is `manage.py import FILE`, and so on.
"""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "brukerplan.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["brukerplan", *sys.argv[1:]])


if __name__ == "__main__":
    main()
