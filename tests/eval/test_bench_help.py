"""Every benchmark script says how to run it: ``--help`` prints its options and exits 0, without a traceback
and without running anything (loadgen reads its job on stdin only after its options)."""

from __future__ import annotations

import subprocess
import sys

from core.settings import PROJECT_ROOT

SCRIPTS = sorted(p.stem for p in (PROJECT_ROOT / "eval").glob("bench_*.py")) + ["loadgen"]


def test_every_bench_script_has_help() -> None:
    assert len(SCRIPTS) > 10
    runs = {name: subprocess.Popen([sys.executable, "-m", f"eval.{name}", "--help"], cwd=PROJECT_ROOT,
                                   stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for name in SCRIPTS}
    failed = {}
    for name, run in runs.items():
        out, err = run.communicate(timeout=300)
        if run.returncode != 0 or "usage:" not in out or "Traceback" in err:
            failed[name] = (run.returncode, err[-500:])
    assert failed == {}
