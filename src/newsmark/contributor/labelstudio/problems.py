"""Problems of an import, each located where the export's JSON writes its task and region."""

from __future__ import annotations

import json
import re
from pathlib import Path


class Problems(list):
    """Located problems of one import, each ``EXPORT:LINE:COL: task T (article A), region R: message``."""

    def __init__(self, export: Path, raw: str):
        super().__init__()
        self.export, self.raw = export, raw

    def add(self, task, message: str, region: str | None = None) -> None:
        at = _locate(self.raw, task, region)
        line = self.raw.count("\n", 0, at) + 1
        col = at - (self.raw.rfind("\n", 0, at) + 1) + 1
        article = task_data(task).get("article")
        who = f"task {task.get('id', '?') if isinstance(task, dict) else '?'}" + (
            f" (article {article})" if article else ""
        )
        where = f", region {region!r}" if region is not None else ""
        self.append(f"{self.export}:{line}:{col}: {who}{where}: {message}")


def task_data(task) -> dict:
    """A task's ``data`` object, or an empty one for a task of the wrong shape."""
    data = task.get("data") if isinstance(task, dict) else None
    return data if isinstance(data, dict) else {}


def _locate(raw: str, task, region: str | None) -> int:
    """Where in the export's text a task (and a region of it) is written, for the message's line:col."""
    at = 0
    if isinstance(task, dict) and isinstance(task.get("id"), int):
        match = re.search(rf'"id"\s*:\s*{task["id"]:d}\b', raw)
        at = match.start() if match else 0
    if region is not None:
        match = re.compile(r'"id"\s*:\s*' + re.escape(json.dumps(region))).search(raw, at)
        at = match.start() if match else at
    return at
