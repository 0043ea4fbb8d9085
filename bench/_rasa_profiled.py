"""Helper of bench/profile_rasa.py (not a benchmark): `rasa` with a switchable cProfile.

Run with Rasa's Python instead of scripts/rasa_server.py (the launcher the stack uses, whose
cached reply validator it installs too), same arguments. SIGUSR1 starts
profiling Rasa's main thread (where its asyncio loop runs), SIGUSR2 stops it and writes the
stats to $BENCH_PROFILE_OUT, so only the turns sent in between are profiled — not the start-up
and model loading.

    var/venv-rasa/bin/python bench/_rasa_profiled.py run --model ... --port ...
"""
import cProfile
import os
import signal
import sys

_profiler = cProfile.Profile()


def _start(*_args):
    _profiler.enable()


def _stop(*_args):
    _profiler.disable()
    _profiler.dump_stats(os.environ["BENCH_PROFILE_OUT"])


signal.signal(signal.SIGUSR1, _start)
signal.signal(signal.SIGUSR2, _stop)

if __name__ == "__main__":
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts"))
    from rasa_server import install_cached_reply_validator
    from rasa.__main__ import main

    install_cached_reply_validator()

    sys.argv = ["rasa"] + sys.argv[1:]
    sys.exit(main())
