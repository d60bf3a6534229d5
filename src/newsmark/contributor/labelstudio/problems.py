"""Problems of an import, each located where the export's JSON writes its task and region."""

from __future__ import annotations

import json
import re
from bisect import bisect_left
from pathlib import Path

ID_KEY = re.compile(r'"id"\s*:\s*')
TASK_ID = re.compile(r"-?\d+\b")  # as a task's id is searched for: ``"id": 12`` is not task 1
JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')


class Problems:
    """Located problems of one import, each ``EXPORT:LINE:COL: task T (article A), region R: message``.

    Only the problems shown are located, all of them in one pass over the export: locating each one as
    it was found searched the export from its start every time, which took minutes for a large export
    with many unknown tasks."""

    def __init__(self, export: Path, raw: str):
        self.export, self.raw = export, raw
        self.found: list[tuple[str | None, object, str]] = []  # (task id, region, "task T...: message")

    def add(self, task, message: str, region: str | None = None) -> None:
        article = task_data(task).get("article")
        who = f"task {task.get('id', '?') if isinstance(task, dict) else '?'}" + (
            f" (article {article})" if article else ""
        )
        where = f", region {region!r}" if region is not None else ""
        task_id = format(task["id"], "d") if isinstance(task, dict) and isinstance(task.get("id"), int) else None
        self.found.append((task_id, region, f"{who}{where}: {message}"))

    def __len__(self) -> int:
        return len(self.found)

    def lines(self, limit: int) -> list[str]:
        """The first ``limit`` problems, each with its place in the export."""
        shown = self.found[:limit]
        offsets = offsets_in_export(self.raw, [(task_id, region) for task_id, region, _ in shown])
        places = line_and_column(self.raw, offsets)
        return [f"{self.export}:{line}:{col}: {said}" for (line, col), (_, _, said) in zip(places, shown)]


def task_data(task) -> dict:
    """A task's ``data`` object, or an empty one for a task of the wrong shape."""
    data = task.get("data") if isinstance(task, dict) else None
    return data if isinstance(data, dict) else {}


def offsets_in_export(raw: str, wanted: list[tuple[str | None, object]]) -> list[int]:
    """Where in the export's text each (task id, region) is written: the task at the first ``"id": T``
    of the export (the export's start when it has no whole-number id), the region at its first ``"id": "R"`` from
    there (the task's place when there is none). One pass over the export's ``"id"`` keys for them all."""
    task_keys = {task_id for task_id, _ in wanted if task_id is not None}
    region_keys = {json.dumps(region) for _, region in wanted if isinstance(region, str)}
    task_at: dict[str, int] = {}
    region_at: dict[str, list[int]] = {}  # ascending
    if task_keys or region_keys:
        for key in ID_KEY.finditer(raw):
            if raw.startswith('"', key.end()):
                value = JSON_STRING.match(raw, key.end())
                if value and value.group() in region_keys:
                    region_at.setdefault(value.group(), []).append(key.start())
            else:
                value = TASK_ID.match(raw, key.end())
                if value and value.group() in task_keys:
                    task_at.setdefault(value.group(), key.start())
    offsets = []
    for task_id, region in wanted:
        at = task_at.get(task_id, 0)
        if isinstance(region, str):
            starts = region_at.get(json.dumps(region), [])
            after = bisect_left(starts, at)
            at = starts[after] if after < len(starts) else at
        elif region is not None:  # an id that is no string (never from Label Studio): searched for as written
            match = re.compile(r'"id"\s*:\s*' + re.escape(json.dumps(region))).search(raw, at)
            at = match.start() if match else at
        offsets.append(at)
    return offsets


def line_and_column(raw: str, offsets: list[int]) -> list[tuple[int, int]]:
    """The line and column (from 1) of each offset, counting the export's lines once up to the last."""
    place, line, line_start, counted = {}, 1, 0, 0
    for at in sorted(set(offsets)):
        newlines = raw.count("\n", counted, at)
        if newlines:
            line += newlines
            line_start = raw.rfind("\n", counted, at) + 1
        place[at], counted = (line, at - line_start + 1), at
    return [place[at] for at in offsets]
