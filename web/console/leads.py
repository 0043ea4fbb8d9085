"""Leads: the companies that asked to be contacted, as a table and as a CSV export that a
spreadsheet opens safely."""
from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from flask import Response
from sqlalchemy import select

from bot import storage
from web.console.core import bp, database_url, render

LEAD_COLUMNS = ("created_at", "name", "company", "email", "phone", "language",
                "conversation_id", "consent_text", "assessment_json")


@bp.get("/leads")
def leads() -> tuple[str, int]:
    with storage.session_for(database_url()) as db:
        rows = list(db.scalars(select(storage.Lead).order_by(storage.Lead.created_at.desc())
                               .limit(2000)))
    return render("leads.html", section="leads", leads=rows)


def csv_cell(value: Any) -> str:
    """A cell a spreadsheet will not run: formulas are neutralised with a leading quote."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@bp.get("/leads.csv")
def leads_csv() -> Response:
    with storage.session_for(database_url()) as db:
        rows = list(db.scalars(select(storage.Lead).order_by(storage.Lead.created_at.desc())))
    out = io.StringIO()
    out.write("\ufeff")  # so spreadsheet programs read UTF-8 accents correctly
    writer = csv.writer(out)
    writer.writerow(LEAD_COLUMNS)
    for row in rows:
        writer.writerow([csv_cell(row.created_at.isoformat(sep=" ", timespec="seconds")
                                  if column == "created_at" else getattr(row, column))
                         for column in LEAD_COLUMNS])
    name = f"awex-leads-{dt.date.today():%Y%m%d}.csv"
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
