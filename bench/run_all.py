"""Run every benchmark, then write docs/bench/report.md, its PNG charts and results.json.

What: bench/engine_latency.py, bench/profile_turn.py, bench/scale.py, bench/cold_start.py,
bench/turn_latency.py and bench/profile_rasa.py, one after the other, each in its own process
(so one's memory and threads do not colour the next one's figures) and each bounded by a
timeout. Each script
stores its figures under its own key in docs/bench/results.json; the report is then built from
that file (bench/report.py): machine (CPU model, cores, RAM), commit, date, the load average
during each benchmark, every figure with its spread, the targets met or missed and by how much.

Why: one command, `make bench`, that anyone can re-run after a change and compare.

Reproduce:  make bench                                  (full counts; ~1 h on 2 cores)
            var/venv-app/bin/python bench/run_all.py --quick   (small counts, for development)
            var/venv-app/bin/python bench/run_all.py --only scale,cold_start
            var/venv-app/bin/python bench/run_all.py --report-only   (rebuild the report)
The full run wants a quiet machine: the script warns when the load average is above 1.5.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
from typing import Dict

from common import APP_PYTHON, DOCS, ROOT, app_env, git_commit, parse_args, say

SCRIPTS = ["engine_latency", "profile_turn", "scale", "cold_start", "turn_latency",
           "profile_rasa"]
TIMEOUTS = {"quick": 1800, "full": 3 * 3600}


def main() -> None:
    def extra(parser):
        parser.add_argument("--only", default="", help=f"comma-separated subset of {SCRIPTS}")
        parser.add_argument("--report-only", action="store_true",
                            help="do not run anything; rebuild the report from results.json")

    args = parse_args(__doc__, extra)
    from report import write_report

    names = [n for n in args.only.split(",") if n] or SCRIPTS
    unknown = set(names) - set(SCRIPTS)
    if unknown:
        sys.exit(f"unknown benchmark(s): {', '.join(sorted(unknown))}; choose from {SCRIPTS}")
    mode = "quick" if args.quick else "full"
    runs: Dict[str, Dict] = {}
    if not args.report_only:
        load = os.getloadavg()[0]
        if load > 1.5 and not args.quick:
            say(f"warning: load average {load:.1f} on {os.cpu_count()} cores; the figures "
                "will be inflated by other work (see the load noted in each section)")
        python = str(APP_PYTHON) if APP_PYTHON.exists() else sys.executable
        for name in names:
            command = [python, str(ROOT / "bench" / f"{name}.py"), "--results", str(args.results)]
            if args.quick:
                command.append("--quick")
            say(f"=== {name} ({mode})")
            started = time.monotonic()
            child = subprocess.Popen(command, cwd=ROOT, env=app_env())
            try:
                code = child.wait(timeout=TIMEOUTS[mode])
            except subprocess.TimeoutExpired:
                code = "timeout"
            finally:
                # Timed out, or this script was stopped: SIGTERM lets the benchmark stop the
                # servers it started before it exits; SIGKILL only if it does not.
                if child.poll() is None:
                    child.terminate()
                    try:
                        child.wait(timeout=120)
                    except subprocess.TimeoutExpired:
                        child.kill()
                        child.wait()
            runs[name] = {"mode": mode, "seconds": round(time.monotonic() - started),
                          "exit_code": code}
            say(f"=== {name}: exit {code} after {runs[name]['seconds']} s")
    if not args.results.exists():
        sys.exit(f"no results in {args.results}: run the benchmarks first")
    path = write_report(args.results, DOCS, commit=git_commit(), runs=runs or None)
    say(f"report: {path}; raw figures: {args.results}")
    if any(r["exit_code"] != 0 for r in runs.values()):
        sys.exit(1)


if __name__ == "__main__":
    main()
