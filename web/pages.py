"""Pages: the demo host page, the widget script and its strings, the privacy notice, health."""
from __future__ import annotations

from flask import Blueprint, Response, jsonify, render_template, request, send_from_directory

from web.strings import ui_strings

bp = Blueprint("pages", __name__)


@bp.get("/healthz")
def healthz() -> Response:
    return jsonify({"status": "ok"})


@bp.get("/")
def demo() -> str:
    return render_template("demo.html", lang=request.args.get("lang", "fr"))


@bp.get("/widget.js")
def widget() -> Response:
    return send_from_directory(bp.root_path + "/static", "widget.js",
                               mimetype="application/javascript", max_age=300)


@bp.get("/api/ui-strings")
def strings() -> Response:
    return jsonify(ui_strings())
