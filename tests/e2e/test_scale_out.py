"""Two Rasa instances behind one "load balancer" share PostgreSQL (tracker store and app
database) and Redis (lock store): a conversation can hop between them message by message, and
concurrent messages to one conversation are serialised with nothing lost or duplicated."""
from __future__ import annotations

import json
import tempfile
import threading
from pathlib import Path

import pytest
import requests
import sqlalchemy

from bot import storage
from scripts.stack import Ports, Stack
from tests.helpers.ports import free_ports
from tests.helpers.services import postgres, redis

pytestmark = [pytest.mark.e2e, pytest.mark.services]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    logs = tmp_path_factory.mktemp("cluster-logs")
    # Ports asked of the OS just before the servers start, so two test runs on one machine
    # never share a server.
    pg_port, redis_port, rasa_a, rasa_b, actions_port = free_ports(5)
    # PostgreSQL runs as the postgres user, which cannot enter pytest's private tmp folders.
    pg_folder = Path(tempfile.mkdtemp(prefix="awex-pg-"))
    with postgres(pg_folder, pg_port) as pg_url, redis(redis_port):
        env = {"RASA_ENDPOINTS": "endpoints.scale.yml", "TRACKER_HOST": "127.0.0.1",
               "TRACKER_PORT": str(pg_port), "TRACKER_DB": "rasa", "TRACKER_USER": "awex",
               "TRACKER_PASSWORD": "awex-test", "LOCK_STORE_HOST": "127.0.0.1",
               "LOCK_STORE_PORT": str(redis_port), "DATABASE_URL": f"{pg_url}/app"}
        first = Stack(Ports(rasa=rasa_a, actions=actions_port, web=0), logs / "a", env)
        second = Stack(Ports(rasa=rasa_b, actions=actions_port, web=0), logs / "b", env)
        try:
            first.start(["actions", "rasa"])
            second.start(["rasa"])
            first.wait_ready(names=["actions", "rasa"])
            second.wait_ready(names=["rasa"])
            yield {"pg": pg_url, "env": env, "rasa": (rasa_a, rasa_b)}
        finally:
            second.stop()
            first.stop()


def say(cluster: dict, instance: int, sender: str, text: str, lang: str = "fr"):
    reply = requests.post(f"http://127.0.0.1:{cluster['rasa'][instance]}/webhooks/rest/webhook",
                          json={"sender": sender, "message": text, "metadata": {"lang": lang}},
                          timeout=120)
    assert reply.status_code == 200, reply.text
    return [m.get("text", "") for m in reply.json()]


def tracker_events(pg_url: str, sender: str):
    engine = sqlalchemy.create_engine(f"{pg_url}/rasa")
    with engine.connect() as connection:
        rows = connection.execute(sqlalchemy.text(
            "SELECT type_name, action_name, data FROM events WHERE sender_id = :s ORDER BY id"),
            {"s": sender}).fetchall()
    engine.dispose()
    return rows


def test_form_conversation_alternates_between_instances(cluster):
    sender = "scale-form-1"
    steps = [("suis-je prêt à vendre en Chine ?", "Que vendez-vous ?"),
             ("nous faisons du chocolat", "Combien de personnes"),
             ("35 personnes", "Exportez-vous déjà ?"),
             ("en France", "service client en chinois"),
             ("/affirm", "stock"),
             ("Combien coûte l'ouverture d'une boutique sur Tmall Global ?", "stock"),
             ("/affirm", "partenaire logistique")]
    for number, (text, expected) in enumerate(steps):
        replies = say(cluster, number % 2, sender, text)
        assert expected in replies[-1], (number, text, replies)


def test_concurrent_messages_are_serialised_without_loss_or_duplicates(cluster):
    sender = "scale-concurrent-1"
    texts = [f"merci beaucoup {n}" for n in range(12)]
    errors = []

    def send(n: int) -> None:
        try:
            say(cluster, n % 2, sender, texts[n])
        except Exception as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=send, args=(n,)) for n in range(len(texts))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors
    rows = tracker_events(cluster["pg"], sender)
    user_texts = [json.loads(r.data)["text"] for r in rows if r.type_name == "user"]
    assert sorted(user_texts) == sorted(texts)  # every message once: none lost, none doubled
    # Serialised: after each user message the bot finishes (action_listen) before the next one.
    sequence = [("user" if r.type_name == "user" else "listen") for r in rows
                if r.type_name == "user" or r.action_name == "action_listen"]
    first_user = sequence.index("user")
    assert sequence[first_user:] == ["user", "listen"] * len(texts)


def test_lead_goes_to_the_postgresql_app_database(cluster):
    sender = "scale-lead-1"
    for number, text in enumerate(["talk to an advisor", "John Smith", "Smith Brewery",
                                   "john@example.com", "/deny", "/affirm"]):
        replies = say(cluster, number % 2, sender, text, lang="en")
    assert "john@example.com" in replies[-1]
    leads = [lead for lead in storage.recent(cluster["env"]["DATABASE_URL"], storage.Lead)
             if lead.conversation_id == sender]
    assert len(leads) == 1 and leads[0].company == "Smith Brewery"
