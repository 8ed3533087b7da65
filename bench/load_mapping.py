"""Load test of the mapping form: concurrent mappers submitting complete registrations.

    python -m bench.load_mapping [--mappers 50] [--registrations 20] [--seconds 120]
                                 [--json FILE]

Prepares a PostgreSQL database (BENCH_MAPPING_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/brukerplan_bench, created with psql when
missing), starts gunicorn on a free loopback port, logs in one account per
mapper and lets every mapper, in a thread of its own, run through whole
registrations as the browser would: the start page, the fødselsnummer, the
form, one autosave and the submit. Prints throughput and p50/p99 latency per
request kind, then stops gunicorn. Loopback only; synthetic numbers only.
`make bench` (bench/__main__.py) runs it when PostgreSQL answers and takes the
figures for docs/performance.md from `--json`.
"""

from __future__ import annotations

import argparse
import datetime
import http.client
import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import defaultdict
from pathlib import Path

from bench import targets

ROOT = Path(__file__).resolve().parent.parent
DATABASE_URL = os.environ.get(
    "BENCH_MAPPING_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/brukerplan_bench"
)
PASSWORD = "bench-mapper-passord-1"  # noqa: S105 - throw-away accounts in a bench database
UNITS = 10
TARGET_P99 = targets.MAPPING_P99_MS


# --- preparing the database (runs in a subprocess with Django set up) --------------------


def prepare(mappers: int) -> None:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from brukerplan.accounts.actions import grant_role
    from brukerplan.accounts.models import Role
    from brukerplan.organisations.actions import open_period
    from brukerplan.organisations.models import County, Municipality, Unit
    from brukerplan.registrations.models import Registration

    today = timezone.localdate()
    bergen = Municipality.objects.valid_in(today.year).get(code="4601")
    units = [
        Unit.objects.get_or_create(
            municipality=bergen, name=f"Lasttest {n:02d}", defaults={"type": "helse_omsorg"}
        )[0]
        for n in range(UNITS)
    ]
    Registration.objects.filter(unit__in=units).delete()
    start = max(today - datetime.timedelta(days=7), datetime.date(today.year, 1, 1))
    end = min(today + datetime.timedelta(days=7), datetime.date(today.year, 12, 31))
    open_period(
        County.objects.filter(code="46").latest("valid_from"), today.year, start, end, by=None
    )
    password = make_password(PASSWORD)  # hash once; Argon2 is deliberately slow
    User = get_user_model()
    for n in range(mappers):
        user, _ = User.objects.get_or_create(username=f"lasttest-{n:03d}")
        user.password = password
        user.is_active = True
        user.save()
        grant_role(user, Role.KARTLEGGER, unit=units[n % UNITS])
    print(json.dumps({"units": [u.id for u in units]}))


# --- the client ------------------------------------------------------------------------------


class Mapper:
    """One browser: keep-alive connection, cookies, CSRF header."""

    def __init__(self, port: int, username: str, think: float = 0.0):
        self.think = think
        self.random = random.Random(username)
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookies: dict[str, str] = {}
        self.username = username
        self.timings: dict[str, list[float]] = defaultdict(list)

    def request(self, kind: str, method: str, path: str, fields=None) -> tuple[int, str, str]:
        headers = {"Host": "127.0.0.1"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if method == "POST":
            headers["X-CSRFToken"] = self.cookies.get("csrftoken", "")
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            body = urllib.parse.urlencode(fields or [], doseq=True)
        if kind == "autosave":
            headers["HX-Request"] = "true"
        if self.think:
            time.sleep(self.think * self.random.uniform(0.5, 1.5))
        started = time.perf_counter()
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        text = response.read().decode()
        self.timings[kind].append(time.perf_counter() - started)
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, response.getheader("Location") or "", text

    def log_in(self) -> None:
        self.request("login page", "GET", "/konto/logg-inn/")
        status, location, _ = self.request(
            "login",
            "POST",
            "/konto/logg-inn/",
            {"username": self.username, "password": PASSWORD, "next": ""},
        )
        if status != 302:
            raise RuntimeError(f"{self.username} could not log in ({status})")
        status, location, _ = self.request("home", "GET", "/")
        self.unit_path = urllib.parse.urlparse(location).path  # /enhet/<id>/

    def map_one(self, number: str, answers: list[tuple[str, str]], partial) -> None:
        start = self.unit_path + "ny/"
        self.request("start page", "GET", start)
        status, location, _ = self.request(
            "start", "POST", start, {"fodselsnummer": number, "kartlagt_dato": TODAY}
        )
        if status != 302:
            raise RuntimeError(f"start refused ({status})")
        form = urllib.parse.urlparse(location).path
        status, _, page = self.request("form page", "GET", form)
        if status != 200 or "data-instrument" not in page:
            raise RuntimeError(f"form page {status}")
        self.request("autosave", "POST", form + "lagre/", partial)
        status, location, _ = self.request("submit", "POST", form, answers)
        if status != 302 or not location.endswith("/sendt/"):
            raise RuntimeError(f"submit refused ({status})")


TODAY = datetime.date.today().isoformat()


def complete_answers() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Form fields of one complete registration (and of a partial autosave), from the instrument."""
    from brukerplan.instrument import definition

    instrument = definition.for_year(datetime.date.today().year)
    answers: dict = {}
    fields: list[tuple[str, str]] = []
    for question in instrument.questions:
        if not instrument.is_asked(question, {**answers, "kjonn": "mann"}):
            continue
        if question.type == "multi":
            plain = [c for c in question.codes if c.split(".")[-1] not in question.exclusive]
            answers[question.key] = plain[:2]
            fields.append((question.key + "__vist", "1"))
            fields.extend((question.key, code) for code in plain[:2])
        else:
            value = {"boolean": 1, "integer": 1, "traffic_light": "gul"}.get(
                question.type, question.codes[0] if question.codes else None
            )
            answers[question.key] = value
            fields.append((question.key, str(value)))
    return fields, fields[: len(fields) // 3]


def numbers(count: int) -> list[str]:
    """Distinct synthetic men's numbers (month + 80): never a real person's."""
    from brukerplan.registrations.pseudonyms import synthetic_number

    found: list[str] = []
    day = datetime.date(1950, 1, 1)
    while len(found) < count:
        for individual in range(1, 500, 2):
            number = synthetic_number(day, individual)
            if number:
                found.append(number)
                if len(found) == count:
                    break
        day += datetime.timedelta(days=1)
    return found


# --- running ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ensure_database() -> None:
    parsed = urllib.parse.urlparse(DATABASE_URL)
    name = parsed.path.lstrip("/")
    if not re.fullmatch(r"\w+", name):
        raise SystemExit(f"unexpected database name {name!r}")
    base = ["psql", "-h", parsed.hostname or "127.0.0.1", "-p", str(parsed.port or 5432)]
    base += ["-U", parsed.username or "postgres", "-d", "postgres", "-tAc"]
    exists = subprocess.run(
        [*base, f"SELECT 1 FROM pg_database WHERE datname = '{name}'"],  # noqa: S608 - checked \w+
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if exists != "1":
        subprocess.run([*base, f'CREATE DATABASE "{name}"'], check=True, capture_output=True)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mappers", type=int, default=50)
    parser.add_argument("--registrations", type=int, default=6, help="per mapper and phase")
    parser.add_argument("--seconds", type=float, default=90, help="per phase: no new ones after")
    parser.add_argument(
        "--think", type=float, default=1.0, help="seconds between a mapper's clicks (mean)"
    )
    parser.add_argument("--workers", type=int, default=max(2, (os.cpu_count() or 1) * 2 + 1))
    parser.add_argument("--json", type=Path, help="write the figures to this file as JSON")
    parser.add_argument("--prepare", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.prepare:
        prepare(args.mappers)
        return

    ensure_database()
    var = tempfile.mkdtemp(prefix="brukerplan-load-")
    env = {
        **os.environ,
        "DATABASE_URL": DATABASE_URL,
        "DATABASE_CONN_MAX_AGE": "60",
        "BRUKERPLAN_VAR_DIR": var,
        "BRUKERPLAN_PSEUDONYM_KEY": "bench-key",
        "SECRET_KEY": "bench-only-not-secret",
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "brukerplan.settings",
    }
    bin_dir = Path(sys.executable).parent
    subprocess.run([bin_dir / "brukerplan", "setup"], env=env, cwd=ROOT, check=True)
    subprocess.run(
        [sys.executable, "-m", "bench.load_mapping", "--prepare", "--mappers", str(args.mappers)],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    port = free_port()
    gunicorn = subprocess.Popen(
        [
            bin_dir / "gunicorn",
            "brukerplan.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(args.workers),
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=ROOT,
    )
    try:
        run(args, port)
    finally:
        gunicorn.terminate()
        gunicorn.wait(timeout=30)


def run(args, port: int) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if time.monotonic() > deadline:
                raise SystemExit("gunicorn did not start") from None
            time.sleep(0.2)
    answers, partial = complete_answers()
    per_phase = args.mappers * args.registrations
    pool = numbers(2 * per_phase)
    figures = {"mappers": args.mappers, "workers": args.workers, "think_seconds": args.think}
    print(
        f"Lasttest av kartleggingsskjemaet: {args.mappers} samtidige kartleggere, "
        f"gunicorn med {args.workers} arbeidere, PostgreSQL "
        f"({DATABASE_URL.rsplit('/', 1)[-1]}), {os.cpu_count()} CPU-kjerner delt med klientene"
    )
    ok, figures["working_day"] = phase(
        f"Tempo som i en arbeidsdag (ca. {args.think:g} s mellom klikk per kartlegger)",
        args,
        port,
        answers,
        partial,
        pool[:per_phase],
        think=args.think,
        judge=True,
    )
    _, figures["saturated"] = phase(
        "Metning (ingen pause mellom klikk: kapasiteten)",
        args,
        port,
        answers,
        partial,
        pool[per_phase:],
        think=0.0,
        judge=False,
    )
    if args.json:
        args.json.write_text(json.dumps(figures), encoding="utf-8")
    if not ok:
        raise SystemExit(1)


def phase(
    title, args, port, answers, partial, pool, *, think: float, judge: bool
) -> tuple[bool, dict]:
    """Runs one phase and prints its figures; returns whether it passed, and the figures."""
    mappers = [Mapper(port, f"lasttest-{n:03d}", think) for n in range(args.mappers)]
    for mapper in mappers:
        mapper.think, think_later = 0.0, mapper.think
        mapper.log_in()
        mapper.think = think_later
        mapper.timings.clear()

    done = [0] * len(mappers)
    failures: list[str] = []
    barrier = threading.Barrier(len(mappers) + 1)
    stop_at = [0.0]

    def work(index: int, mapper: Mapper) -> None:
        barrier.wait()
        mine = pool[index * args.registrations : (index + 1) * args.registrations]
        for number in mine:
            if time.monotonic() > stop_at[0]:
                break
            try:
                mapper.map_one(number, answers, partial)
                done[index] += 1
            except Exception as error:  # noqa: BLE001 - counted and reported
                failures.append(f"{mapper.username}: {error}")
                break

    threads = [
        threading.Thread(target=work, args=(i, m), daemon=True) for i, m in enumerate(mappers)
    ]
    for thread in threads:
        thread.start()
    stop_at[0] = time.monotonic() + args.seconds
    started = time.perf_counter()
    barrier.wait()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started

    timings: dict[str, list[float]] = defaultdict(list)
    for mapper in mappers:
        for kind, values in mapper.timings.items():
            timings[kind].extend(values)
    every = [v for values in timings.values() for v in values]
    submitted = sum(done)
    print(f"\n{title}")
    print(
        f"  {submitted} komplette kartlegginger sendt inn på {elapsed:.1f} s: "
        f"{submitted / elapsed:.1f} kartlegginger/s, {len(every) / elapsed:.0f} forespørsler/s"
    )
    print(f"  {'forespørsel':<12} {'antall':>7} {'p50 ms':>8} {'p99 ms':>8} {'maks ms':>8}")
    for kind in ("start page", "start", "form page", "autosave", "submit"):
        values = timings.get(kind, [])
        if values:
            print(
                f"  {kind:<12} {len(values):>7} {statistics.median(values) * 1000:>8.1f} "
                f"{percentile(values, 0.99) * 1000:>8.1f} {max(values) * 1000:>8.1f}"
            )
    within = True
    figures = {
        "submitted": submitted,
        "seconds": elapsed,
        "registrations_per_second": submitted / elapsed,
        "requests": len(every),
        "failures": len(failures),
    }
    if every:
        p99 = percentile(every, 0.99) * 1000
        within = TARGET_P99.met(p99)
        figures |= {"p50_ms": statistics.median(every) * 1000, "p99_ms": p99}
        verdict = ""
        if judge:
            verdict = f"   (mål p99 {TARGET_P99}: {'nådd' if within else 'IKKE nådd'})"
        print(
            f"  {'alle':<12} {len(every):>7} {statistics.median(every) * 1000:>8.1f} "
            f"{p99:>8.1f}{verdict}"
        )
    if failures:
        print(f"  {len(failures)} feil, f.eks. {failures[0]}")
        return False, figures
    return within or not judge, figures


if __name__ == "__main__":
    main()
