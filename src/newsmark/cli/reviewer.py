"""The reviewer's commands: ``stats``, ``report`` and ``agree``."""

from __future__ import annotations

import sys
from pathlib import Path

import newsmark
from newsmark.cli.common import (
    UsageError,
    command,
    format_option,
    jobs_option,
    no_cache_option,
    progress,
    quiet_option,
    require_corpus,
    root_option,
)


def register(commands) -> None:
    """Declare this family's subcommands on ``commands`` (argparse subparsers)."""
    stats = command(
        commands,
        "stats",
        help="print corpus statistics",
        description="Count articles per split, mentions per entity type, claims per claim type, topics and "
        "annotator kinds over the validated articles (articles with errors are not counted, and "
        "their number is said on stderr).",
        succeeded="counted (even when some articles have errors)",
        failed="the corpus could not be read",
        examples="""
newsmark stats --root path/to/corpus
newsmark stats -q | grep '^articles'
""",
    )
    root_option(stats)
    quiet_option(stats)
    no_cache_option(stats, "the validation results")
    jobs_option(stats)
    stats.set_defaults(run=_run_stats)

    report = command(
        commands,
        "report",
        help="render the corpus as a static HTML site",
        description="Write index.html (statistics as SVG charts, a table of articles) and one page per "
        "article: the text with every mention highlighted by entity type (hover or focus for "
        "name, type and Wikidata id) and every claim underlined, with a side panel of entities "
        "and claims. Self-contained: no network assets. Only valid articles are rendered.",
        succeeded="written (articles with errors are named on stderr and not rendered)",
        failed="the corpus could not be read or the folder not written",
        examples="""
newsmark report                                 # dist/report/index.html
newsmark report --compare ann-b adjudicated     # and compare/<id>.html side by side
newsmark report 000-833129a6a27d8038            # that article's page (and the index)
newsmark report --changed origin/main           # the articles a pull request changes
""",
    )
    report.add_argument("ids", nargs="*", metavar="ID", help="render only these articles (default: all)")
    root_option(report)
    report.add_argument("--out", metavar="DIR", help="output folder (default: <root>/dist/report)")
    report.add_argument(
        "--changed",
        metavar="REV",
        help="render only the articles whose files differ from git "
        "revision REV, and new untracked ones (removed articles "
        "are named, not rendered)",
    )
    report.add_argument(
        "--compare",
        nargs=2,
        metavar=("LAYER", "LAYER"),
        help="also write compare/<id>.html: two annotation layers side by side (annotator folder "
        "names under annotations/independent/, or 'adjudicated'), differences marked and "
        "listed with links to their spans",
    )
    jobs_option(report)
    report.set_defaults(run=_run_report)

    agree = command(
        commands,
        "agree",
        help="inter-annotator agreement of two annotation layers, and their disagreements",
        description="Compare two annotation layers of the same articles: independent layers in "
        "annotations/independent/<annotator>/<id>.yaml, or one of them and the adjudicated "
        "annotations/<id>.yaml (named 'adjudicated'). Reports mention strict span F1 and span+type "
        "F1, entity coreference B3 F1 over the mentions both annotated, claim strict span F1 and "
        "overlap F1 (one-to-one, greatest overlap first, at least half the shorter span), Cohen's "
        "kappa on claim type, attribution and check-worthiness over matched claims and on each "
        "topic's presence, and every disagreement located (path:line), for an adjudicator to work "
        "through. --files compares two annotation files of one article wherever they are.",
        succeeded="compared (disagreements are not a failure)",
        failed="a layer does not validate, or nothing to compare",
        examples="""
newsmark agree                                   # the two layers there are
newsmark agree --annotators jdoe adjudicated --format json
newsmark agree --files mine.yaml annotations/000-833129a6a27d8038.yaml
newsmark agree --sample 0.1                      # which articles to annotate twice
""",
    )
    agree.add_argument("ids", nargs="*", metavar="ID", help="only these articles (default: every article with both)")
    agree.add_argument(
        "--annotators",
        nargs="+",
        metavar="NAME",
        help="the layers: annotator folder names, or 'adjudicated'; three or more give every pair's "
        "figures and Krippendorff's alpha",
    )
    agree.add_argument("--files", nargs=2, metavar=("FILE", "FILE"), help="compare two annotation files directly")
    agree.add_argument(
        "--sample",
        type=float,
        metavar="FRACTION",
        help="print the articles to double-annotate: the ceil(FRACTION x N) with the smallest "
        "SHA-256 of 'newsmark-double-annotation:<id>' (a stated random rule)",
    )
    format_option(agree, text="the figures and one line per disagreement", json="the comparison as data")
    root_option(agree)
    agree.set_defaults(run=_run_agree)


def _run_stats(args) -> int:
    from newsmark.pipeline.check.layers import agreement_summary
    from newsmark.pipeline.read.inventory import inventory
    from newsmark.pipeline.stats import corpus_stats, stats_rows
    from newsmark.settings import read_settings

    require_corpus(args.root)
    report = newsmark.validate(args.root, cache=not args.no_cache, jobs=args.jobs, progress=progress(args))
    agreement = agreement_summary(Path(args.root), inventory(Path(args.root)))
    read_settings(args.root)  # the statistics need the split rule: without one, say so
    stats = corpus_stats(report.tally, agreement)
    width = max(len(name) for name, _ in stats_rows(stats))
    for name, value in stats_rows(stats):
        print(f"{name:<{width}}  {value}")
    if report.errors:
        print(
            f"({len(report.errors)} validation error(s): articles with errors are not counted; run newsmark validate)",
            file=sys.stderr,
        )
    return 0


def _run_report(args) -> int:
    from newsmark.reviewer.report import changed_articles, report

    require_corpus(args.root)
    ids = list(args.ids) or None
    changed = frozenset(changed_articles(Path(args.root), args.changed)) if args.changed else frozenset()
    if args.changed:
        ids = sorted(set(ids or []) | changed)
    result = report(
        args.root,
        args.out,
        ids,
        jobs=args.jobs,
        may_be_gone=changed,
        compare=tuple(args.compare) if args.compare else None,
    )
    print(f"wrote {len(result['pages'])} article page(s) and {Path(result['out']) / 'index.html'}")
    if args.compare:
        print(f"wrote {len(result['compared'])} comparison page(s) in {Path(result['out']) / 'compare'}")
    for article_id in result["gone"]:
        print(f"  note: {article_id} was removed since {args.changed}; no page for it")
    for article_id in result["skipped"]:
        print(f"  note: {article_id} has errors and is not rendered; run newsmark validate", file=sys.stderr)
    return 0


def _run_agree(args) -> int:
    import json

    from newsmark.reviewer.agree import agree_corpus, agree_files, double_annotation_sample

    if args.sample is not None:
        if args.files or args.ids or args.annotators:
            raise UsageError("--sample chooses articles by itself; leave out IDs, --annotators and --files")
        if not 0 < args.sample <= 1:
            raise UsageError(f"--sample {args.sample}: give a fraction above 0 and at most 1")
        require_corpus(args.root)
        for article_id in double_annotation_sample(args.root, args.sample):
            print(article_id)
        return 0
    if args.annotators is not None and len(args.annotators) < 2:
        raise UsageError("--annotators takes at least two names")
    if args.files and (args.ids or args.annotators):
        raise UsageError("--files compares two files by itself; leave out IDs and --annotators")
    if args.files:
        result = agree_files(args.root, *args.files)
    else:
        require_corpus(args.root)
        result = agree_corpus(args.root, list(args.ids) or None, args.annotators)
    if args.format == "json":
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return 0

    def shown(value) -> str:
        return "n/a (undefined)" if value is None else f"{value:.3f}"

    if "alpha" in result:
        print(f"agreement over {result['articles']} article(s): {', '.join(result['annotators'])}")
        print("  Krippendorff's alpha  " + ", ".join(f"{key} {shown(value)}" for key, value in result["alpha"].items()))
        for pair, figures in result["pairs"].items():
            print(
                f"  {pair}: mention span F1 {shown(figures['mentions']['strict_f1'])}, entity B3 F1 "
                f"{shown(figures['entities']['b3_f1'])}, claim overlap F1 {shown(figures['claims']['overlap_f1'])}"
            )
        return 0

    mentions, claims = result["mentions"], result["claims"]
    who = " vs ".join(result.get("annotators", args.files or []))
    print(f"agreement over {result['articles']} article(s): {who}")
    print(
        f"  mentions  strict span F1 {shown(mentions['strict_f1'])}, span+type F1 {shown(mentions['strict_typed_f1'])}"
        f" ({mentions['a']} vs {mentions['b']})"
    )
    print(
        f"  entities  B3 F1 {shown(result['entities']['b3_f1'])} over {result['entities']['mentions_compared']} "
        "shared mention(s)"
    )
    print(
        f"  claims    strict span F1 {shown(claims['strict_f1'])}, overlap F1 {shown(claims['overlap_f1'])} "
        f"({claims['matched']} matched of {claims['a']} vs {claims['b']})"
    )
    print(
        "  kappa     "
        + ", ".join(f"{key} {shown(value)}" for key, value in claims["kappa"].items())
        + f", topics {shown(result['topics']['kappa'])}"
    )
    if result["disagreements"]:
        print(f"{len(result['disagreements'])} disagreement(s):")
    for item in result["disagreements"]:
        print(f"{item['path']}:{item['line']}: {item['message']}")
    return 0
