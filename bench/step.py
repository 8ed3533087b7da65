"""Runs one `brukerplan` command in this process and prints its time and peak memory as JSON."""

import json
import os
import resource
import sys
import time


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "brukerplan.settings")
    import django
    from django.core.management import call_command

    django.setup()
    started = time.perf_counter()
    with open(os.devnull, "w") as quiet:
        call_command(*sys.argv[1:], stdout=quiet, stderr=quiet)
    seconds = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"seconds": seconds, "peak_mib": peak_kib / 1024}))


if __name__ == "__main__":
    main()
