"""The benchmark (`make bench`, bench/__main__.py) and its parts."""

import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def step(*args: str, env: dict, module: str = "bench.step", cwd: Path = ROOT) -> dict:
    """Runs a bench module in a process of its own (from `cwd`: a checkout) and returns the
    figures it printed as JSON, with the wall time added."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"bench step failed: {' '.join(args)}")
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    figures["wall_seconds"] = time.perf_counter() - started
    return figures
