"""`newsmark suggest`: the corpus gazetteer at 100,000 articles, and the command end to end.

    python benchmarks/suggest.py --articles 100000 --cli-articles 10000

Part 1, in one process: a synthetic gazetteer of ``--articles`` articles, each annotating 20 mention texts
drawn (Zipf-like) from a pool of invented names, so that frequent names recur and most are rare, as in
news. It reports the gazetteer's build time, its memory, and the time to find every suggestion in one
3,000-character article whose text holds 30 of those names (median of 50 runs).

Part 2, the real CLI on a synthetic corpus of ``--cli-articles`` (``newsmark synth``): `suggest ID` with no
validate cache (the gazetteer read from every annotation) and with a warm one.
"""
from __future__ import annotations

import argparse
import random
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from run import BIN, corpus, timed

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

TYPES = ["PERSON", "ORG", "GPE", "LOC", "FAC", "NORP", "EVENT", "PRODUCT"]


def invented_names(rng: random.Random, count: int) -> list[str]:
    syllables = ["ka", "lo", "ve", "dri", "mar", "sen", "tho", "bel", "quin", "ros", "at", "el", "un", "dor"]
    names = set()
    while len(names) < count:
        words = ["".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))).capitalize()
                 for _ in range(rng.randint(1, 3))]
        names.add(" ".join(words))
    return sorted(names)


def gazetteer_part(articles: int, pool_size: int) -> dict:
    from newsmark.contributor.suggest import Gazetteer, suggestions

    rng = random.Random(0)
    pool = invented_names(rng, pool_size)
    kinds = {name: rng.choice(TYPES) for name in pool}
    cumulative, total = [], 0.0
    for rank in range(len(pool)):
        total += 1 / (rank + 1)
        cumulative.append(total)
    surfaces: dict[str, dict[str, list[str]]] = {}  # as validate gathers them: text -> type -> articles
    for index in range(articles):
        for name in set(rng.choices(pool, cum_weights=cumulative, k=20)):
            surfaces.setdefault(name, {}).setdefault(kinds[name], []).append(f"article-{index:06d}")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    gazetteer = Gazetteer(surfaces)
    build = time.perf_counter() - started
    memory = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024  # peak growth, automaton included
    words = ["the", "council", "said", "on", "that", "plans", "would", "go", "ahead", "despite", "concerns"]
    parts = []
    for name in rng.sample(pool[:5000], 30):
        parts += rng.choices(words, k=12) + [name]
    text = " ".join(parts)[:3000]
    annotation = {"entities": [], "claims": []}
    runs = []
    for _ in range(50):
        started = time.perf_counter()
        found = suggestions(text, annotation, gazetteer)
        runs.append(time.perf_counter() - started)
    import io
    import pickle

    from newsmark.contributor.suggest import _AutomatonOnly

    started = time.perf_counter()
    kept = pickle.dumps(gazetteer.automaton, protocol=pickle.HIGHEST_PROTOCOL)  # what `suggest` keeps
    keep = time.perf_counter() - started
    started = time.perf_counter()
    _AutomatonOnly(io.BytesIO(kept)).load()  # what a warm `suggest` loads instead of building
    load = time.perf_counter() - started
    return {"articles": articles, "unique_names": len(gazetteer.entries()), "build_s": build,
            "keep_s": keep, "kept_mib": len(kept) / 2**20, "load_kept_s": load,
            "peak_growth_mib": memory, "suggest_one_article_ms": statistics.median(runs) * 1000,
            "suggestions": len(found)}


def cli_part(articles: int, workdir: Path) -> dict:
    root = corpus(workdir, articles)
    target = sorted((root / "annotations").glob("*.yaml"))[articles // 2].stem
    shutil.rmtree(root / ".newsmark-cache", ignore_errors=True)
    cold, cold_peak, _ = timed([str(BIN / "newsmark"), "suggest", target, "--root", str(root)])
    warm, warm_peak, out = timed([str(BIN / "newsmark"), "suggest", target, "--root", str(root)])
    return {"articles": articles, "cold_s": cold, "cold_peak_mib": cold_peak, "warm_s": warm,
            "warm_peak_mib": warm_peak, "summary": out.strip().splitlines()[-1]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--pool", type=int, default=300_000, help="invented names to draw from")
    parser.add_argument("--cli-articles", type=int, default=10_000)
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "newsmark-bench")
    args = parser.parse_args()
    print(gazetteer_part(args.articles, args.pool))
    if args.cli_articles:
        args.workdir.mkdir(parents=True, exist_ok=True)
        print(cli_part(args.cli_articles, args.workdir))


if __name__ == "__main__":
    main()
