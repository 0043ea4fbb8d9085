"""What a knowledge turn would gain if its question were prepared before Rasa calls the action.

What: through the whole stack (`scripts.stack`), one session at a time, a greeting then a
knowledge question whose text is unique, in three ways taken in turn:
- cold: the question as users send it (the action server embeds it during the turn);
- warm: the same question first sent to the action server's /webhook and answered, so its
  embedding (and what else the engine caches) is ready when Rasa calls the action: the bound of
  any prefetch;
- overlap: the question sent to /webhook at the same moment as to /api/chat, as a prefetch from
  the web app would, so the embedding runs while Rasa parses the message.
It prints each kind's p50 / p95 and the knowledge / greet ratio at p50, and stores them under
`embedding_overlap` in docs/bench/results.json.

Why: the knowledge / greet target (1.5 at p50) needs the ~12 ms query embedding off the turn's
critical path; this measures whether computing it concurrently on this machine's cores does
that, before anyone builds a prefetch into the product.

Reproduce:  python -m bench.embedding_overlap            (60 rounds)
            python -m bench.embedding_overlap --quick    (15 rounds)
"""
from __future__ import annotations

import threading
import time
import uuid

from bench.common import (
    GOLD,
    LoadSampler,
    free_ports,
    header,
    knowledge_webhook_body,
    parse_args,
    say,
    store,
    summary,
    temp_dir,
)

MODES = ("cold", "warm", "overlap")
TIMEOUT = 30.0


def main() -> None:
    args = parse_args(__doc__)
    import requests

    from bot.knowledge.evaluation import load_gold
    from scripts.stack import Ports, running_stack

    rounds = 15 if args.quick else 60
    questions = [q for q in load_gold(GOLD) if q.in_scope and not q.previous]
    work = temp_dir("overlap")
    rasa, actions, web = free_ports(3)
    env = {"AWEX_RATE_LIMIT_PER_IP": "1000000", "AWEX_RATE_LIMIT_PER_SESSION": "1000000",
           "TRACKER_SQLITE_PATH": str(work / "tracker.db"),
           "DATABASE_URL": f"sqlite:///{work / 'app.db'}"}
    timings: dict[str, list[float]] = {"greet": [], **{m: [] for m in MODES}}
    say(f"starting the stack (logs in {work}); {rounds} rounds of {', '.join(MODES)}")
    with LoadSampler() as load, \
            running_stack(Ports(rasa=rasa, actions=actions, web=web), work / "logs", env) as stack:
        webhook = f"http://127.0.0.1:{stack.ports.actions}/webhook"
        chat = stack.web_url + "/api/chat"
        with requests.Session() as http, requests.Session() as side:
            def post(body: dict) -> tuple[dict, float]:
                started = time.perf_counter()
                reply = http.post(chat, json=body, timeout=TIMEOUT)
                reply.raise_for_status()
                return reply.json(), 1000 * (time.perf_counter() - started)

            for n in range(rounds + 1):  # the first round warms the stack and is not counted
                for k, mode in enumerate(MODES[n % 3:] + MODES[:n % 3]):
                    q = questions[(3 * n + k) % len(questions)]
                    text = f"{q.text} ({mode} {n})"
                    session, greet = post({"message": "bonjour", "lang": "fr"})
                    prefetch = None
                    call = knowledge_webhook_body(text, q.lang,
                                                  f"overlap-{uuid.uuid4().hex[:12]}")
                    if mode == "warm":
                        side.post(webhook, json=call, timeout=TIMEOUT).raise_for_status()
                    elif mode == "overlap":
                        prefetch = threading.Thread(target=side.post, args=(webhook,), kwargs={
                            "json": call, "timeout": TIMEOUT})
                        prefetch.start()
                    _, took = post({"session": session["session"], "message": text,
                                    "lang": q.lang})
                    if prefetch is not None:
                        prefetch.join()
                    if n:
                        timings["greet"].append(greet)
                        timings[mode].append(took)
    figures = {kind: summary(values) for kind, values in timings.items()}
    greet_p50 = figures["greet"]["p50"]
    ratios = {mode: round(figures[mode]["p50"] / greet_p50, 2) for mode in MODES}
    data = header("embedding_overlap", args.quick, load.result())
    data.update({"rounds": rounds, "ms": figures, "ratio_to_greet_p50": ratios})
    store(args.results, "embedding_overlap", data)
    say(f"greet p50 {greet_p50} ms, p95 {figures['greet']['p95']} ms")
    for mode in MODES:
        say(f"knowledge, {mode:7}: p50 {figures[mode]['p50']} ms, p95 {figures[mode]['p95']} ms,"
            f" knowledge / greet at p50 {ratios[mode]}")


if __name__ == "__main__":
    main()
