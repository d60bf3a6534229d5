"""Where a run spends its CPU, by stage, from py-spy's raw output.

    py-spy record --subprocesses -r 100 -f raw -o build.txt -- newsmark build --no-cache -q --out OUT
    python benchmarks/stages.py build.txt [more.txt ...]

A sample's stage is that of its innermost frame that names one (spaCy called from the row assembly
counts as tokenization); samples naming none are "other"; samples of a blocked thread are left out.
One column per file: percent of its samples (and the number of samples).
"""

from __future__ import annotations

import re
import sys
from collections import Counter

# (stage, pattern on one frame "function (file:line)"), tried innermost frame first, first match wins.
STAGES = [
    ("imports", r"<frozen importlib|_find_and_load|_call_with_frames_removed"),
    ("YAML parse", r"yamldoc\.py|/yaml/|yaml_from_bytes"),
    ("tokenization (spaCy, sentence splitting)", r"spacy|text\.py|thinc"),
    ("MinHash signatures (NM605)", r"neardup\.py|duplicates\.py"),
    ("schema", r"schemas\.py|jsonschema"),
    ("Parquet writing", r"parquet|_write_after|SplitWriter\._write"),
    ("Arrow conversion and IPC", r"pyarrow|to_table|encoder|encode_struct|ipc_stream|read_streams|concat_tables|spill|unspill"),
    ("row assembly", r"assemble\.py|columns\.py|chunk_streams|chunk_tables"),
    ("span and id checks, other rules", r"pipeline/check/|stats\.py"),
    ("file reads and hashing", r"read/files\.py|inventory\.py|hashlib|sha256"),
    ("process pool (pickling, queues, threads)", r"multiprocessing|concurrent/|threading\.py|queue\.py|pickle"),
]
COMPILED = [(stage, re.compile(pattern)) for stage, pattern in STAGES]


# Samples of a thread blocked, not on the CPU (py-spy counts some of them anyway): the Parquet threads
# waiting for a row group, the workers' parent-watch thread asleep, a process waiting on its pipes.
IDLE = re.compile(
    r"_worker \(concurrent/futures/thread\.py:81\)$|wait \(threading\.py|watch \(newsmark/pipeline/parallel\.py"
    r"|select \(selectors\.py|_recv \(multiprocessing/connection\.py|wait \(multiprocessing/connection\.py"
)


def stage_of(frames: list[str]) -> str:
    if IDLE.search(frames[-1]):
        return "idle"
    for frame in reversed(frames):
        for stage, pattern in COMPILED:
            if pattern.search(frame):
                return stage
    return "other"


def tally(path: str) -> Counter:
    counts: Counter = Counter()
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            stack, _, count = line.rstrip("\n").rpartition(" ")
            if stack:
                counts[stage_of(stack.split(";"))] += int(count)
    counts.pop("idle", None)
    return counts


def main(paths: list[str]) -> None:
    tallies = [tally(path) for path in paths]
    print("| stage | " + " | ".join(paths) + " |")
    print("| --- |" + " --- |" * len(paths))
    for stage in [name for name, _ in STAGES] + ["other"]:
        cells = [f"{100 * t[stage] / max(sum(t.values()), 1):.0f}% ({t[stage]})" for t in tallies]
        print(f"| {stage} | " + " | ".join(cells) + " |")
    print("| samples | " + " | ".join(str(sum(t.values())) for t in tallies) + " |")


if __name__ == "__main__":
    main(sys.argv[1:])
