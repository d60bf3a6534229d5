"""The reviewer's commands: ``stats`` and ``report``."""
from __future__ import annotations

import sys
from pathlib import Path

import newsmark
from newsmark.cli.common import command, jobs_option, require_corpus, root_option


def register(commands) -> None:
    """Declare this family's subcommands on ``commands`` (argparse subparsers)."""
    stats = command(
        commands,
        "stats",
        help="print corpus statistics",
        description="Count articles per split, mentions per entity type, claims per claim type, topics and "
                    "annotator kinds over the validated articles.",
        epilog="example:\n  newsmark stats --root path/to/corpus",
    )
    root_option(stats)
    stats.set_defaults(run=_run_stats)

    report = command(
        commands,
        "report",
        help="render the corpus as a static HTML site",
        description="Write index.html (statistics as SVG charts, a table of articles) and one page per "
                    "article: the text with every mention highlighted by entity type (hover or focus for "
                    "name, type and Wikidata id) and every claim underlined, with a side panel of entities "
                    "and claims. Self-contained: no network assets. Only valid articles are rendered.",
        epilog="examples:\n  newsmark report                      # dist/report/index.html\n"
               "  newsmark report 000-833129a6a27d8038  # that article's page (and the index)\n"
               "  newsmark report --changed origin/main # the articles a pull request changes",
    )
    report.add_argument("ids", nargs="*", metavar="ID", help="render only these articles (default: all)")
    root_option(report)
    report.add_argument("--out", metavar="DIR", help="output folder (default: <root>/dist/report)")
    report.add_argument("--changed", metavar="REV", help="render only the articles whose files differ from git "
                                                         "revision REV, and new untracked ones (removed articles "
                                                         "are named, not rendered)")
    jobs_option(report)
    report.set_defaults(run=_run_report)


def _run_stats(args) -> int:
    from newsmark.pipeline.splits import read_settings
    from newsmark.pipeline.stats import corpus_stats, stats_rows

    require_corpus(args.root)
    report = newsmark.validate(args.root)
    stats = corpus_stats(report.articles, read_settings(args.root))
    width = max(len(name) for name, _ in stats_rows(stats))
    for name, value in stats_rows(stats):
        print(f"{name:<{width}}  {value}")
    if report.errors:
        print(f"({len(report.errors)} validation error(s): articles with errors are not counted; run "
              "newsmark validate)", file=sys.stderr)
    return 0


def _run_report(args) -> int:
    from newsmark.reviewer.report import changed_articles, report

    require_corpus(args.root)
    ids = list(args.ids) or None
    changed = frozenset(changed_articles(Path(args.root), args.changed)) if args.changed else frozenset()
    if args.changed:
        ids = sorted(set(ids or []) | changed)
    result = report(args.root, args.out, ids, jobs=args.jobs, may_be_gone=changed)
    print(f"wrote {len(result['pages'])} article page(s) and {Path(result['out']) / 'index.html'}")
    for article_id in result["gone"]:
        print(f"  note: {article_id} was removed since {args.changed}; no page for it")
    for article_id in result["skipped"]:
        print(f"  note: {article_id} has errors and is not rendered; run newsmark validate", file=sys.stderr)
    return 0
