"""The article statistics page and its CSV export: numbers that match the rows inserted in a
real tracker store and app database (SQLite), sorting, the period, login."""
from __future__ import annotations

import csv
import datetime as dt
import io

from bot import storage
from tests.helpers.tracker import write_events


def served(sender: str, hours_ago: float, article: str, lang: str, text: str):
    at = dt.datetime.now(dt.UTC) - dt.timedelta(hours=hours_ago)
    return (sender, "bot", at.timestamp(), {"event": "bot", "text": text, "data": {"custom": {
        "type": "kb_answer", "language": lang, "article": article, "answer_language": lang}}})


def fill(app):
    write_events(f"sqlite:///{app.config['TRACKER_SQLITE_PATH']}", [
        served("c1", 3, "tmall-global", "fr", "Tmall Global demande un dépôt."),
        served("c2", 2, "tmall-global", "fr", "Autre réponse."),
        served("c3", 1, "tmall-global", "en", "Tmall Global asks for a deposit."),
        served("c4", 24 * 20, "old-figures", "fr", "Il y a 20 jours."),
    ])
    with storage.session_for(app.config["DATABASE_URL"]) as db, db.begin():
        db.add_all([storage.Feedback(conversation_id="c1", helpful=False,
                                     answer_excerpt="Tmall Global demande un dépôt."),
                    storage.Feedback(conversation_id="c3", helpful=True,
                                     answer_excerpt="Tmall Global asks for a deposit.")])


def cells(html: str, lang: str, article: str) -> list[str]:
    import re
    row = html.split(f'id="stats-{lang}-{article}"', 1)[1].split("</tr>", 1)[0]
    return re.findall(r'<td class="num">(\d+)</td>', row)


def test_stats_need_login(client):
    for path in ("/console/stats", "/console/stats.csv"):
        assert client.get(path).status_code == 302


def test_stats_page_counts_match_the_database(app, logged_in):
    fill(app)
    html = logged_in.get("/console/stats").get_data(as_text=True)
    # served, helpful, not helpful, clarifications, example questions
    assert cells(html, "fr", "tmall-global") == ["2", "0", "1", "0", "3"]
    assert cells(html, "en", "tmall-global") == ["1", "1", "0", "0", "3"]
    assert cells(html, "fr", "old-figures") == ["1", "0", "0", "0", "3"]
    never = html.split("Articles jamais servis", 1)[1]
    assert "en/old-figures" in never and "fr/old-figures" not in never
    week = logged_in.get("/console/stats?days=7").get_data(as_text=True)
    assert cells(week, "fr", "old-figures")[0] == "0"
    assert "fr/old-figures" in week.split("Articles jamais servis", 1)[1]


def test_stats_sorting(app, logged_in):
    fill(app)
    html = logged_in.get("/console/stats?sort=served&order=asc").get_data(as_text=True)
    order = [part.split('"', 1)[0] for part in html.split('id="stats-')[1:]]
    assert order[-1] == "fr-tmall-global" and order[0] == "en-old-figures"
    assert 'aria-sort="ascending"' in html
    helpful = logged_in.get("/console/stats?sort=helpful").get_data(as_text=True)
    assert helpful.split('id="stats-')[1].startswith("en-tmall-global")


def test_stats_csv_export(app, logged_in):
    fill(app)
    response = logged_in.get("/console/stats.csv?sort=article&order=asc")
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    by_key = {(r["article"], r["lang"]): r for r in rows}
    assert len(rows) == 4
    assert (by_key[("tmall-global", "fr")]["served"], by_key[("tmall-global", "fr")]
            ["not_helpful"]) == ("2", "1")
    assert by_key[("tmall-global", "en")]["helpful"] == "1"
    assert by_key[("old-figures", "en")]["last_served"] == ""
    assert [r["article"] for r in rows] == ["old-figures", "old-figures", "tmall-global",
                                            "tmall-global"]


def test_stats_without_a_tracker_store(logged_in):
    html = logged_in.get("/console/stats?days=oops&sort=nonsense").get_data(as_text=True)
    assert "La base des conversations n&#39;est pas encore lisible" in html
    assert html.count('class="stats-row never"') == 4
