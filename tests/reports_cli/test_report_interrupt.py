"""`brukerplan report --all-municipalities` stopped by SIGTERM (a deploy, a killed job):
no worker process is left behind and no half-written file is left in the folder."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

VESTLAND = ["4601", "4602", "4621", "4624", "4626", "4627", "4631", "4632", "4640", "4647"]


def brukerplan(*args: str, env: dict) -> None:
    subprocess.run(
        [sys.executable, "-m", "brukerplan.cli", *args], env=env, check=True, capture_output=True
    )


def group_is_gone(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return True
    return False


def test_a_terminated_batch_leaves_no_workers_and_no_half_files(tmp_path: Path):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
        "BRUKERPLAN_VAR_DIR": str(tmp_path),
        "BRUKERPLAN_PSEUDONYM_KEY": "interrupt-test",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    data = tmp_path / "data.csv"
    brukerplan("setup", env=env)
    municipalities = [a for code in VESTLAND for a in ("--municipality", code)]
    brukerplan("synth", "--persons", "600", "--year", "2025", "--seed", "3",
               "--out", str(data), *municipalities, env=env)  # fmt: skip
    brukerplan("import", str(data), env=env)
    out = tmp_path / "reports"
    batch = subprocess.Popen(
        [sys.executable, "-m", "brukerplan.cli", "report", "--scope", "county:46",
         "--year", "2025", "--all-municipalities", "--format", "pdf", "--workers", "2",
         "--out", str(out)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while not (out.exists() and any(out.glob("*.pdf"))):
            assert batch.poll() is None, batch.stderr.read().decode()
            assert time.monotonic() < deadline, "no file in two minutes"
            time.sleep(0.1)
        batch.send_signal(signal.SIGTERM)
        batch.wait(timeout=60)
        deadline = time.monotonic() + 30
        while not group_is_gone(batch.pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert group_is_gone(batch.pid), "worker processes are still running"
    finally:
        if not group_is_gone(batch.pid):
            os.killpg(batch.pid, signal.SIGKILL)
    assert batch.returncode != 0
    assert "Avbrutt etter" in batch.stderr.read().decode()
    written = list(out.iterdir())
    assert 1 <= len(written) < len(VESTLAND)
    for path in written:
        assert path.suffix == ".pdf", path.name
        content = path.read_bytes()
        assert content.startswith(b"%PDF") and content.rstrip().endswith(b"%%EOF"), path.name
