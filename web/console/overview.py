"""The overview: open questions and leads at a glance, and 14 days of charts (questions asked,
answered or declined, feedback), drawn as SVG bars laid out here."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from bot import storage
from bot.tracker_store import TrackerReader
from web.console.conversations import tracker_url
from web.console.core import bp, console_lang, database_url, render
from web.pages import page_strings

DAYS = 14


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    series: int
    title: str


@dataclass
class Chart:
    """A grouped bar chart, laid out here so the template only draws rectangles."""

    width: int
    height: int
    bars: list[Bar]
    ticks: list[tuple[float, str]]
    maximum: int
    legend: list[tuple[int, str, int]]
    top: float
    baseline: float


def bar_chart(days: list[dt.date], series: list[tuple[str, list[int]]],
              width: int = 640, height: int = 200) -> Chart:
    left, right, top, bottom = 34.0, 8.0, 12.0, 26.0
    plot_w, plot_h = width - left - right, height - top - bottom
    maximum = max([1] + [v for _, values in series for v in values])
    slot = plot_w / max(1, len(days))
    bar_w = slot * 0.8 / max(1, len(series))
    bars, ticks = [], []
    for d, day in enumerate(days):
        for k, (name, values) in enumerate(series):
            h = plot_h * values[d] / maximum
            x = left + d * slot + slot * 0.1 + k * bar_w
            bars.append(Bar(round(x, 1), round(top + plot_h - h, 1), round(bar_w, 1),
                            round(h, 1), k, f"{day.strftime('%d/%m')} · {name}: {values[d]}"))
        if len(days) <= 7 or (len(days) - 1 - d) % 2 == 0:
            ticks.append((round(left + d * slot + slot / 2, 1), day.strftime("%d/%m")))
    legend = [(k, name, sum(values)) for k, (name, values) in enumerate(series)]
    return Chart(width, height, bars, ticks, maximum, legend, top, top + plot_h)


@bp.get("/")
def overview() -> tuple[str, int]:
    s = page_strings(console_lang())
    today = dt.datetime.now(dt.UTC).date()
    days = [today - dt.timedelta(days=DAYS - 1 - i) for i in range(DAYS)]
    index = {d: i for i, d in enumerate(days)}
    since = dt.datetime.combine(days[0], dt.time.min)

    questions, answered, declined = [0] * DAYS, [0] * DAYS, [0] * DAYS
    tracker_ok = TrackerReader(tracker_url()).daily(
        since.replace(tzinfo=dt.UTC).timestamp(), index, questions, answered, declined)

    up, down = [0] * DAYS, [0] * DAYS
    with storage.session_for(database_url()) as db:
        for helpful, created in db.execute(
                select(storage.Feedback.helpful, storage.Feedback.created_at)
                .where(storage.Feedback.created_at >= since)):
            i = index.get(created.date())
            if i is not None:
                (up if helpful else down)[i] += 1
        open_unanswered = len(list(db.scalars(
            select(storage.UnansweredQuestion.id).where(
                storage.UnansweredQuestion.handled.is_(False)).limit(10000))))
        leads = len(list(db.scalars(select(storage.Lead.id).limit(10000))))

    charts = [
        ("console_chart_questions", bar_chart(days, [(s["console_questions"], questions)])),
        ("console_chart_answers", bar_chart(days, [(s["console_answered"], answered),
                                                   (s["console_declined"], declined)])),
        ("console_chart_feedback", bar_chart(days, [(s["console_helpful"], up),
                                                    (s["console_not_helpful"], down)])),
    ]
    return render("overview.html", section="overview", charts=charts, tracker_ok=tracker_ok,
                  open_unanswered=open_unanswered, leads=leads)
