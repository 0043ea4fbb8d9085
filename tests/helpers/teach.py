"""Teaching test helpers: a workspace on a tiny corpus and a temporary SQLite database, an
article's path, its front matter, and the change log as stored."""
from __future__ import annotations

from pathlib import Path

import yaml
from sqlalchemy import select

from bot import storage
from bot.knowledge.publish import KnowledgeChange, Workspace
from tests.helpers.corpus import write_corpus


def workspace(tmp_path: Path) -> Workspace:
    knowledge = write_corpus(tmp_path / "knowledge")
    return Workspace(knowledge, f"sqlite:///{tmp_path / 'app.db'}", tmp_path / "var" / "lock")


def article(ws: Workspace, lang: str = "fr", article_id: str = "tmall-global") -> Path:
    return ws.knowledge_dir / lang / f"{article_id}.md"


def front_matter(text: str) -> dict:
    return yaml.safe_load(text.split("---\n")[1])


def log_rows(ws: Workspace) -> list[KnowledgeChange]:
    with storage.session_for(ws.database_url) as db:
        return list(db.scalars(select(KnowledgeChange).order_by(KnowledgeChange.id)))
