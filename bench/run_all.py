"""Run every benchmark, then write docs/bench/report.md (numbers and verdicts only).

What: bench.engine_latency, bench.scale, bench.cold_start, bench.turn_latency and bench.soak,
one after the other, each in its own process (so one's memory and threads do not colour the
next one's figures) and each bounded by a timeout. Each stores its figures under its own key in
docs/bench/results.json (not committed); bench.report then fills the report's template from
that file. The analysis of the figures is written by hand in docs/bench/analysis.md.

Why: one command, `make bench`, that anyone can re-run after a change and compare.

Reproduce:  make bench                               (full counts; ~1 h on 2 cores)
            python -m bench.run_all --quick          (small counts, for development)
            python -m bench.run_all --only scale,cold_start
            python -m bench.run_all --report-only    (rebuild the report from results.json)
The full run wants a quiet machine: the script warns when the load average is above 1.5.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time

from bench.common import DOCS, ROOT, app_env, git_commit, parse_args, python, say

SCRIPTS = ["engine_latency", "scale", "cold_start", "turn_latency", "soak"]
TIMEOUTS = {"quick": 1800, "full": 3 * 3600}


def run(name: str, args) -> dict:
    """One benchmark in its own process; SIGTERM on timeout (it stops its servers), then
    SIGKILL if it does not exit."""
    command = [python(), "-m", f"bench.{name}", "--results", str(args.results)]
    if args.quick:
        command.append("--quick")
    mode = "quick" if args.quick else "full"
    say(f"=== {name} ({mode})")
    started = time.monotonic()
    child = subprocess.Popen(command, cwd=ROOT, env=app_env())
    try:
        code = child.wait(timeout=TIMEOUTS[mode])
    except subprocess.TimeoutExpired:
        code = "timeout"
    finally:
        if child.poll() is None:
            child.terminate()
            try:
                child.wait(timeout=120)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
    seconds = round(time.monotonic() - started)
    say(f"=== {name}: exit {code} after {seconds} s")
    return {"mode": mode, "seconds": seconds, "exit_code": code}


def main() -> None:
    def extra(parser):
        parser.add_argument("--only", default="", help=f"comma-separated subset of {SCRIPTS}")
        parser.add_argument("--report-only", action="store_true",
                            help="do not run anything; rebuild the report from results.json")

    args = parse_args(__doc__, extra)
    from bench.report import write_report

    names = [n for n in args.only.split(",") if n] or SCRIPTS
    unknown = set(names) - set(SCRIPTS)
    if unknown:
        sys.exit(f"unknown benchmark(s): {', '.join(sorted(unknown))}; choose from {SCRIPTS}")
    runs: dict[str, dict] = {}
    if not args.report_only:
        load = os.getloadavg()[0]
        if load > 1.5 and not args.quick:
            say(f"warning: load average {load:.1f} on {os.cpu_count()} cores; the figures "
                "will be inflated by other work (the report gives the load of each benchmark)")
        runs = {name: run(name, args) for name in names}
    if not args.results.exists():
        sys.exit(f"no results in {args.results}: run the benchmarks first")
    path = write_report(args.results, DOCS / "report.md", commit=git_commit(), runs=runs)
    say(f"report: {path}; raw figures: {args.results}")
    if any(r["exit_code"] != 0 for r in runs.values()):
        sys.exit(1)


if __name__ == "__main__":
    main()
