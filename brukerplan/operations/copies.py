"""Copies of the whole database: `brukerplan backup` and `brukerplan restore`.

SQLite through its online backup API (a consistent copy while the site runs);
PostgreSQL through pg_dump and pg_restore in their custom format, of the configured
database. A copy holds what the database holds: pseudonymous person keys, never a
fødselsnummer, and neither the pseudonym secrets nor Django's SECRET_KEY, which live in
the environment only (README, "The pseudonym key over time"). A copy is written beside
its destination and renamed into place, so a failed backup leaves no half-written file.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from django.core.management import call_command
from django.db import connection

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_MAGIC = b"PGDMP"


class CopyError(RuntimeError):
    """A backup or restore that cannot be made; the message is one Norwegian line."""


def backup(out: Path) -> str:
    """Write a copy of the database to ``out``; returns what kind of copy it is."""
    if not out.parent.is_dir():
        raise CopyError(f"mappen {out.parent} finnes ikke")
    part = out.with_name(f".{out.name}.part")
    try:
        if connection.vendor == "sqlite":
            _sqlite_backup(part)
            kind = "SQLite"
        elif connection.vendor == "postgresql":
            _pg(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--file", part])
            kind = "PostgreSQL (pg_dump, eget format)"
        else:
            raise CopyError(f"databasen {connection.vendor} kan ikke sikkerhetskopieres")
        os.chmod(part, 0o600)  # pseudonymous health data
        os.replace(part, out)
    except (OSError, sqlite3.Error) as error:
        raise CopyError(f"kan ikke skrive {out}: {getattr(error, 'strerror', error)}") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            part.unlink()
    return kind


def holds_data() -> bool:
    """Whether the database has anything a restore would destroy: users, units or
    registrations (a database that only `setup` has run on has none)."""
    from django.contrib.auth import get_user_model

    from brukerplan.organisations.models import Unit
    from brukerplan.registrations.models import Registration

    return any(model.objects.exists() for model in (get_user_model(), Unit, Registration))


def restore(file: Path) -> None:
    """Replace the database's contents with the copy in ``file``, then migrate it."""
    try:
        with file.open("rb") as f:
            head = f.read(16)
    except OSError as error:
        raise CopyError(f"kan ikke lese {file}: {error.strerror}") from None
    if connection.vendor == "sqlite":
        if head != SQLITE_MAGIC:
            raise CopyError(f"{file.name} er ikke en SQLite-kopi (databasen er SQLite)")
        _sqlite_restore(file)
    elif connection.vendor == "postgresql":
        if not head.startswith(PG_MAGIC):
            raise CopyError(f"{file.name} er ikke en pg_dump-kopi (databasen er PostgreSQL)")
        connection.close()
        _pg(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                "--exit-on-error",
                "--dbname",
                None,
                file,
            ]
        )
    else:
        raise CopyError(f"databasen {connection.vendor} kan ikke gjenopprettes")
    connection.close()
    call_command("migrate", interactive=False, verbosity=0)


def _sqlite_backup(part: Path) -> None:
    connection.ensure_connection()
    target = sqlite3.connect(part)
    try:
        connection.connection.backup(target)
    finally:
        target.close()


def _sqlite_restore(file: Path) -> None:
    try:
        source = sqlite3.connect(f"file:{file}?mode=ro", uri=True)
        try:
            tables = {r[0] for r in source.execute("SELECT name FROM sqlite_master")}
            if "registrations_registration" not in tables:
                raise CopyError(f"{file.name} er ikke en kopi av en BrukerPlan-database")
            connection.ensure_connection()
            source.backup(connection.connection)
        finally:
            source.close()
    except sqlite3.DatabaseError as error:
        raise CopyError(f"{file.name} kan ikke leses som SQLite: {error}") from None


def _pg(command: list) -> None:
    """Run pg_dump or pg_restore against the configured database (``None`` in the
    command is its name); the password goes through the environment, never argv."""
    program = command[0]
    if shutil.which(program) is None:
        raise CopyError(
            f"{program} finnes ikke på maskinen (Debian: apt-get install postgresql-client)"
        )
    db = connection.settings_dict
    env = {**os.environ, "PGDATABASE": db["NAME"]}
    for variable, key in (("PGHOST", "HOST"), ("PGPORT", "PORT"), ("PGUSER", "USER")):
        if db.get(key):
            env[variable] = str(db[key])
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    argv = [str(db["NAME"]) if part is None else str(part) for part in command]
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        raise CopyError(f"{program} feilet: {lines[0] if lines else done.returncode}")
