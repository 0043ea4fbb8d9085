"""Article statistics: per article and language, times served, helpful / not helpful,
clarifications, last served and example questions over a period, sortable, with a CSV export;
and the articles never served. The counting lives in bot/article_stats.py."""
from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Response, request

from bot import storage
from bot.article_stats import SORTABLE, StatsReport, collect, sort_rows, to_csv
from bot.settings import Settings
from web.console.conversations import tracker_url
from web.console.core import bp, database_url, render
from web.console.leads import csv_cell

PERIODS = (7, 30, 90, 365)  # days


def _report() -> tuple[StatsReport, dict[str, Any]]:
    days = request.args.get("days", "30")
    period = int(days) if days.isdigit() and int(days) in PERIODS else 30
    key = request.args.get("sort", "served")
    key = key if key in SORTABLE else "served"
    descending = request.args.get("order", "desc") != "asc"
    report = collect(Settings.from_env().knowledge_dir, database_url(), tracker_url(),
                     since=storage.utcnow() - dt.timedelta(days=period))
    report.rows = sort_rows(report.rows, key, descending)
    return report, {"days": period, "sort": key, "order": "desc" if descending else "asc"}


@bp.get("/stats")
def stats() -> tuple[str, int]:
    report, view = _report()
    return render("stats.html", section="stats", report=report, view=view, periods=PERIODS,
                  columns=SORTABLE)


@bp.get("/stats.csv")
def stats_csv() -> Response:
    report, view = _report()
    name = f"awex-articles-{view['days']}d-{dt.date.today():%Y%m%d}.csv"
    return Response("\ufeff" + to_csv(report.rows, cell=csv_cell), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
