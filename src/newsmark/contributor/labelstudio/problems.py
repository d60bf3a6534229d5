"""Problems of an import, each located where the export's JSON writes its task and region."""

from __future__ import annotations

import json
import re
from bisect import bisect_left
from pathlib import Path

ID_KEY = re.compile(r'"id"\s*:\s*')
JSON_SPACE = re.compile(r"[ \t\n\r]*")
TASK_ID = re.compile(r"-?\d+\b")  # as a task's id is searched for: ``"id": 12`` is not task 1
JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')


class Problems:
    """Located problems of one import, each ``EXPORT:LINE:COL: task T (article A), region R: message``.

    Only the problems shown are located, all of them in one pass over the export: locating each one as
    it was found searched the export from its start every time, which took minutes for a large export
    with many unknown tasks."""

    def __init__(self, export: Path, raw: str, tasks: list):
        self.export, self.raw = export, raw
        self.index = {id(task): index for index, task in enumerate(tasks) if isinstance(task, dict)}
        self.found: list[tuple[int | None, str | None, object, str]] = []  # (task's index, its id, region, said)

    def add(self, task, message: str, region: str | None = None) -> None:
        article = task_data(task).get("article")
        who = f"task {task.get('id', '?') if isinstance(task, dict) else '?'}" + (
            f" (article {article})" if article else ""
        )
        where = f", region {region!r}" if region is not None else ""
        index = self.index.get(id(task))
        task_id = format(task["id"], "d") if index is not None and isinstance(task.get("id"), int) else None
        self.found.append((index, task_id, region, f"{who}{where}: {message}"))

    def __len__(self) -> int:
        return len(self.found)

    def lines(self, limit: int) -> list[str]:
        """The first ``limit`` problems, each with its place in the export."""
        shown = self.found[:limit]
        offsets = offsets_in_export(self.raw, [(index, task_id, region) for index, task_id, region, _ in shown])
        places = line_and_column(self.raw, offsets)
        return [f"{self.export}:{line}:{col}: {said}" for (line, col), (*_, said) in zip(places, shown)]


def task_data(task) -> dict:
    """A task's ``data`` object, or an empty one for a task of the wrong shape."""
    data = task.get("data") if isinstance(task, dict) else None
    return data if isinstance(data, dict) else {}


def offsets_in_export(raw: str, wanted: list[tuple[int | None, str | None, object]]) -> list[int]:
    """Where in the export's text each (task's index in the list, task id, region) is written: the task at
    the first ``"id": T`` within it (an annotation's id can equal a later task's), the region at its first
    ``"id": "R"`` from there within the task; the task's place when there is none, the export's start for
    a task without a whole-number id. One pass over the export's ``"id"`` keys for them all."""
    located = [index for index, task_id, _ in wanted if task_id is not None]
    spans = task_spans(raw, max(located, default=-1) + 1)
    task_keys = {task_id for _, task_id, _ in wanted if task_id is not None}
    region_keys = {region for _, _, region in wanted if isinstance(region, str)}
    task_at: dict[str, list[int]] = {}  # the places of each wanted task id, ascending
    region_at: dict[str, list[int]] = {}  # and of each wanted region id
    for key in ID_KEY.finditer(raw) if task_keys or region_keys else ():
        if raw.startswith('"', key.end()):
            string = JSON_STRING.match(raw, key.end()) if region_keys else None
            token = string.group() if string else ""
            value = token[1:-1] if "\\" not in token else json.loads(token)  # "\u00e9" is "é"
            if value in region_keys:
                region_at.setdefault(value, []).append(key.start())
        elif task_keys:
            number = TASK_ID.match(raw, key.end())
            if number and number.group() in task_keys:
                task_at.setdefault(number.group(), []).append(key.start())
    offsets = []
    for index, task_id, region in wanted:
        at, end = 0, len(raw)
        if task_id is not None:
            start, end = spans[index]
            at = _first(task_at.get(task_id, []), start, end, start)
        if isinstance(region, str):
            at = _first(region_at.get(region, []), at, end, at)
        elif region is not None:  # an id that is no string (never from Label Studio): searched for as written
            match = re.compile(r'"id"\s*:\s*' + re.escape(json.dumps(region))).search(raw, at, end)
            at = match.start() if match else at
        offsets.append(at)
    return offsets


def _first(places: list[int], start: int, end: int, default: int) -> int:
    """The first of the ascending ``places`` in [start, end), else ``default``."""
    after = bisect_left(places, start)
    return places[after] if after < len(places) and places[after] < end else default


def task_spans(raw: str, count: int) -> list[tuple[int, int]]:
    """Where the first ``count`` tasks of the export (a JSON list) start and end, by parsing it again one
    task at a time (JSON's own parser keeps no places)."""
    decoder, spans = json.JSONDecoder(), []
    at = JSON_SPACE.match(raw).end() + 1  # after "["
    while len(spans) < count:
        start = JSON_SPACE.match(raw, at).end()
        _, end = decoder.raw_decode(raw, start)
        spans.append((start, end))
        at = JSON_SPACE.match(raw, end).end() + 1  # after ","
    return spans


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
