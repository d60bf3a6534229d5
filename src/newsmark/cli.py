"""The ``newsmark`` command: parses arguments, calls the Python API, prints, and sets the exit code.

Exit codes: 0 success, 1 findings or a refused operation, 2 usage error.
"""
from __future__ import annotations

import argparse
import os
import sys
import textwrap
from pathlib import Path

import newsmark

_EPILOG = """\
commands in the order a corpus meets them:
  new       add an article from a text file (corpus files + annotation skeleton)
  ingest    the same for a seed document with a 'date YYYY-MM-DD' header (provenance recorded)
  anchor    fill in span offsets from quotes in an annotation file
  validate  check every file against the schemas and rules (docs/validation-rules.md)
  build     validate, then write the Hugging Face dataset folder (Parquet, card, Croissant, manifest)
  stats     counts per split, entity type, claim type and topic
  report    a static HTML site: highlighted mentions and claims, statistics charts
  synth     write a synthetic corpus (tests and benchmarks only)

examples:
  newsmark validate
  newsmark validate --format github        # inline findings on a pull request
  newsmark ingest seeds/000_833129a6a27d8038.txt
  newsmark build && python -c "import datasets; print(datasets.load_dataset('dist/newsmark'))"
"""


def _command(commands, name: str, help: str, description: str, epilog: str) -> argparse.ArgumentParser:
    """A subcommand: its description is wrapped to the terminal's usual width, its epilog (exit status,
    worked examples) is printed as written."""
    return commands.add_parser(name, help=help, description=textwrap.fill(description, 88), epilog=epilog,
                               formatter_class=argparse.RawDescriptionHelpFormatter)


def _jobs_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-j", "--jobs", type=int, metavar="N",
                        help="worker processes (default: one per core; 1 runs everything in this process)")


def _progress(args):
    """A progress line on stderr, only on a terminal, outside CI, without -q, and after 2 seconds."""
    if getattr(args, "quiet", False) or os.environ.get("CI") or not sys.stderr.isatty():
        return None
    import time

    started = time.monotonic()
    shown = [0.0]
    delay = float(os.environ.get("NEWSMARK_PROGRESS_AFTER", "2"))  # seconds before the bar appears

    def report(done: int, total: int) -> None:
        now = time.monotonic()
        if now - started < delay or (now - shown[0] < 0.2 and done < total):
            return
        shown[0] = now
        width = 30
        filled = width * done // max(total, 1)
        end = "\n" if done >= total else ""
        sys.stderr.write(f"\r{args.command} [{'#' * filled}{'.' * (width - filled)}] {done}/{total} articles{end}")
        sys.stderr.flush()

    return report


def _root_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--root", default=".", metavar="DIR",
                        help="the corpus folder holding corpus/ and annotations/ (default: the current folder)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newsmark",
        description="Validate, ingest and build the newsmark annotated news corpus.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"newsmark {newsmark.__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    validate = _command(
        commands,
        "validate",
        help="check the corpus and print findings",
        description="Check every article text, metadata file and annotation file: encoding, YAML, the JSON "
                    "Schemas, spans, ids and references. Each finding is printed as "
                    "'path:line:col: CODE message'; docs/validation-rules.md explains every CODE.",
        epilog="exit status: 0 no errors (warnings allowed), 1 errors found, 2 usage error\n\n"
               "examples:\n  newsmark validate\n  newsmark validate --root path/to/corpus --format json\n"
               "  newsmark validate annotations/2024-03-19-rafah.yaml   # that article only (pre-commit)",
    )
    validate.add_argument("paths", nargs="*", metavar="PATH",
                          help="check only the articles these corpus/ or annotations/ files belong to "
                               "(default: everything)")
    _root_option(validate)
    validate.add_argument("--format", choices=["text", "github", "json"], default="text",
                          help="text (default): one line per finding and a summary; github: GitHub Actions "
                               "annotations; json: a machine-readable report")
    validate.add_argument("-q", "--quiet", action="store_true",
                          help="print findings only: no summary line, no progress bar")
    validate.add_argument("--no-cache", action="store_true",
                          help="check every article afresh (default: reuse results of unchanged articles from "
                               "<root>/.newsmark-cache)")
    _jobs_option(validate)
    validate.set_defaults(run=_run_validate)

    build = _command(
        commands,
        "build",
        help="validate, then write the dataset folder",
        description="Validate the corpus; if there is no error, write a complete Hugging Face dataset folder: "
                    "data/<config>/<split>-*.parquet for the configs articles (default), mentions, claims and "
                    "ner, README.md (dataset card), croissant.json and manifest.json. The folder is written "
                    "beside the target and moved into place only when complete; on any error nothing is "
                    "written and a previous build stays as it was. Also refreshes the statistics block of "
                    "DATASHEET.md.",
        epilog="exit status: 0 built, 1 validation errors or a refused write, 2 usage error\n\n"
               "example:\n  newsmark build --out dist/newsmark\n"
               "  python -c \"from datasets import load_dataset; print(load_dataset('dist/newsmark', 'ner'))\"",
    )
    _root_option(build)
    build.add_argument("--out", metavar="DIR", help="output folder (default: <root>/dist/newsmark)")
    build.add_argument("-q", "--quiet", action="store_true", help="print only errors; no progress bar")
    _jobs_option(build)
    build.set_defaults(run=_run_build)

    new = _command(
        commands,
        "new",
        help="add an article from a text file",
        description="Add one article: normalise its text (NFC, LF, trimmed), write corpus/<id>.txt, "
                    "corpus/<id>.yaml and an annotation skeleton with comments. The id defaults to the date "
                    "and title as a slug (or the first words when there is no title), made unique. Give only "
                    "what the source says: no title, publisher or licence is invented (missing ones are null "
                    "or unknown).",
        epilog="example:\n  newsmark new --text article.txt --date 2024-03-19 --title 'Rafah plan' "
               "--source-name 'Example News' --url https://example.org/a --license CC-BY-4.0\n"
               "  pbpaste | newsmark new --text - --date 2024-03-19",
    )
    new.add_argument("--text", required=True, metavar="FILE", help="the article text, UTF-8 ('-' reads standard input)")
    new.add_argument("--date", required=True, metavar="YYYY-MM-DD", help="date of publication")
    new.add_argument("--title", help="the article's title, if the source gives one")
    new.add_argument("--id", dest="article_id", metavar="ID", help="article id (default: from date and title)")
    new.add_argument("--language", default="en", metavar="L", help="BCP 47 language tag (default: en)")
    new.add_argument("--source-name", metavar="N", help="publisher name, if known")
    new.add_argument("--url", metavar="U", help="URL of the original, if known")
    new.add_argument("--license", default="unknown", metavar="SPDX", help="SPDX licence id (default: unknown)")
    new.add_argument("--story", metavar="S", help="story key shared by articles on the same story")
    _root_option(new)
    new.set_defaults(run=_run_new)

    anchor = _command(
        commands,
        "anchor",
        help="fill in span offsets from quotes",
        description="For every mention and claim written as a quote (text:, optionally prefix:, suffix: or "
                    "occurrence:), find it in the article text and write start/end into the annotation file, "
                    "keeping comments and key order. Offsets whose quote no longer matches (after a text edit) "
                    "are re-anchored when the match is unique. A file with any missing or ambiguous quote is "
                    "left untouched and each problem is reported with its location.",
        epilog="exit status: 0 all spans anchored, 1 problems (files with problems unchanged), 2 usage error\n\n"
               "example:\n  newsmark anchor 2024-03-19-rafah-plan\n  newsmark anchor annotations/*.yaml",
    )
    anchor.add_argument("targets", nargs="+", metavar="ID|PATH", help="article ids or their files")
    _root_option(anchor)
    anchor.set_defaults(run=_run_anchor)

    stats = _command(
        commands,
        "stats",
        help="print corpus statistics",
        description="Count articles per split, mentions per entity type, claims per claim type, topics and "
                    "annotator kinds over the validated articles.",
        epilog="example:\n  newsmark stats --root path/to/corpus",
    )
    _root_option(stats)
    stats.set_defaults(run=_run_stats)

    report = _command(
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
    _root_option(report)
    report.add_argument("--out", metavar="DIR", help="output folder (default: <root>/dist/report)")
    report.add_argument("--changed", metavar="REV", help="render only the articles whose files differ from git "
                                                         "revision REV, and new untracked ones (removed articles "
                                                         "are named, not rendered)")
    _jobs_option(report)
    report.set_defaults(run=_run_report)

    synth = _command(
        commands,
        "synth",
        help="write a synthetic corpus for tests and benchmarks",
        description="Write a deterministic synthetic corpus (invented names, every article marked "
                    "'synthetic: true') into a separate folder, with a pyproject.toml so it builds on its own. "
                    "Article N is the same for a given seed however many articles are made. Never write it "
                    "into the real corpus.",
        epilog="example:\n  newsmark synth --articles 1000 --out /tmp/synthetic && "
               "newsmark build --root /tmp/synthetic",
    )
    synth.add_argument("--articles", type=int, required=True, metavar="N", help="how many articles")
    synth.add_argument("--out", required=True, metavar="DIR", help="the folder to write (a new corpus root)")
    synth.add_argument("--seed", type=int, default=0, metavar="S", help="random seed (default 0)")
    synth.add_argument("--first", type=int, default=0, metavar="K",
                       help="number of the first article (to add articles to an existing synthetic corpus)")
    synth.set_defaults(run=_run_synth)

    ingest = _command(
        commands,
        "ingest",
        help="add a seed document to the corpus",
        description="Read a seed document (a 'date YYYY-MM-DD' header, then the article), copy it to seeds/ "
                    "if it is not there, and write corpus/<id>.txt (NFC, LF, trimmed, one final newline), "
                    "corpus/<id>.yaml (title null, language en, source null, license unknown, provenance "
                    "with the seed's sha256) and an annotation skeleton. Running it again changes nothing; "
                    "it refuses to overwrite different content.",
        epilog="example:\n  newsmark ingest seeds/000_833129a6a27d8038.txt --id 000-833129a6a27d8038",
    )
    ingest.add_argument("seed", metavar="SEED_FILE", help="the seed document")
    _root_option(ingest)
    ingest.add_argument("--id", dest="article_id", metavar="ID",
                        help="the article id (default: the seed file name, lowercased, with hyphens)")
    ingest.set_defaults(run=_run_ingest)
    return parser


def _require_corpus(root: str) -> None:
    if not (os.path.isdir(os.path.join(root, "corpus")) or os.path.isdir(os.path.join(root, "annotations"))):
        raise _UsageError(f"--root {root}: not a newsmark corpus (no corpus/ or annotations/ folder)")


class _UsageError(Exception):
    pass


def _is_under(path: str, folder: str) -> bool:
    return os.path.abspath(path).startswith(os.path.abspath(folder) + os.sep)


def _run_validate(args) -> int:
    from newsmark.reporters import REPORTERS, summary

    _require_corpus(args.root)
    paths = None
    if args.paths:
        from newsmark.check import article_id_of

        paths = args.paths
        for path in paths:
            if not os.path.lexists(path):
                raise _UsageError(f"{path}: no such file")
            if article_id_of(args.root, path) is None and not _is_under(path, os.path.join(args.root, "schema")):
                raise _UsageError(f"{path}: not a file under {args.root}/corpus/ or {args.root}/annotations/")
    report = newsmark.validate(args.root, paths, cache=not args.no_cache, jobs=args.jobs,
                               progress=_progress(args))
    output = REPORTERS[args.format](report)
    if args.quiet and args.format != "json":
        output = output.removesuffix(summary(report) + "\n")
    sys.stdout.write(output)
    return 0 if report.ok else 1


def _run_build(args) -> int:
    from newsmark.errors import ValidationFailed
    from newsmark.reporters import text

    _require_corpus(args.root)
    try:
        result = newsmark.build(args.root, args.out, jobs=args.jobs, progress=_progress(args))
    except ValidationFailed as failed:
        sys.stdout.write(text(failed.report))
        print("newsmark: build refused: the corpus has errors (above); nothing was written", file=sys.stderr)
        return 1
    if args.quiet:
        return 0
    print(f"built newsmark {result['version']} (fingerprint {result['fingerprint']}) in {result['out']}")
    for config, splits in result["configs"].items():
        counts = ", ".join(f"{split} {info['num_examples']}" for split, info in splits.items())
        print(f"  {config:<9} {counts}")
    for empty in result["empty_splits"]:
        print(f"  note: {empty} is empty, so it is left out of the card (datasets cannot load a 0-row split)")
    for article_id in result["left_out"]:
        print(f"  note: {article_id} has no valid annotation yet and is left out")
    if result["warnings"]:
        print(f"  {len(result['warnings'])} validation warning(s); run newsmark validate to see them")
    if result["datasheet"] == "updated":
        print("  DATASHEET.md statistics block updated")
    print(f"load it with: datasets.load_dataset({result['out']!r})")
    return 0


def _run_new(args) -> int:
    from newsmark.errors import NewsmarkError
    from newsmark.intake import decode_input, new_article

    try:
        if args.text == "-":
            raw = sys.stdin.buffer.read()
        else:
            with open(args.text, "rb") as handle:
                raw = handle.read()
    except OSError as err:
        raise NewsmarkError(f"--text {args.text}: {err.strerror}") from None
    result = new_article(decode_input(raw, f"--text {args.text}"), args.root, args.date, title=args.title, article_id=args.article_id,
                         language=args.language, source_name=args.source_name, url=args.url,
                         license=args.license, story=args.story)
    for path in result["written"]:
        print(f"wrote {path}")
    article_id = result["id"]
    print(f"article id: {article_id}\n\nnext steps:\n"
          f"  1. annotate annotations/{article_id}.yaml (docs/annotation-guidelines.md)\n"
          f"  2. newsmark anchor {article_id}      # fills in offsets from your quotes\n"
          f"  3. newsmark validate\n"
          f"  4. commit the three files and open a pull request (CONTRIBUTING.md)")
    return 0


def _run_anchor(args) -> int:
    from newsmark.anchor import anchor
    from newsmark.reporters import finding_line

    failed = False
    for result in anchor(args.root, args.targets):
        for problem in result.problems:
            print(finding_line(problem))
        if result.problems:
            failed = True
            print(f"{result.path}: left unchanged ({len(result.problems)} problem(s))")
        elif result.anchored:
            print(f"{result.path}: anchored {len(result.anchored)} span(s)")
        else:
            print(f"{result.path}: every span already anchored")
    return 1 if failed else 0


def _run_stats(args) -> int:
    from newsmark.splits import read_settings
    from newsmark.stats import corpus_stats, stats_rows

    _require_corpus(args.root)
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
    from newsmark.report import changed_articles, report

    _require_corpus(args.root)
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


def _run_synth(args) -> int:
    from newsmark.synth import synthesize

    if args.articles < 0 or args.first < 0:
        raise _UsageError("--articles and --first must not be negative")
    synthesize(args.out, args.articles, seed=args.seed, first=args.first)
    print(f"wrote {args.articles} synthetic articles to {args.out}")
    return 0


def _run_ingest(args) -> int:
    result = newsmark.ingest(args.seed, args.root, args.article_id)
    for path in result["written"]:
        print(f"wrote {path}")
    if not result["written"]:
        print("nothing to do: the corpus already holds this seed")
    print(f"article id: {result['id']}")
    return 0


def _terminate(signum, _frame):
    # SIGTERM (timeout, CI cancelling a job) unwinds like Ctrl-C, so that staging folders are removed.
    raise KeyboardInterrupt


def _environment_problem(err: OSError) -> str:
    """One line for a failure of the user's environment (full disk, read-only folder, a file where a
    folder should be): what failed and where."""
    where = err.filename or ""
    if err.filename2:
        where = f"{where} -> {err.filename2}"
    reason = err.strerror or str(err)
    return f"{where}: {reason}" if where else reason


def main(argv: list[str] | None = None) -> int:
    import signal

    from newsmark.chars import printable

    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help()
        return 2
    from newsmark.errors import NewsmarkError

    signal.signal(signal.SIGTERM, _terminate)
    try:
        return args.run(args)
    except _UsageError as err:
        parser.error(printable(str(err)))
    except NewsmarkError as err:
        print(f"newsmark: error: {printable(str(err))}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("newsmark: interrupted", file=sys.stderr)
        return 130
    except OSError as err:
        if os.environ.get("NEWSMARK_DEBUG"):
            raise
        print(f"newsmark: error: {printable(_environment_problem(err))}; nothing was changed", file=sys.stderr)
        return 1
    except Exception as err:  # never a traceback for users; NEWSMARK_DEBUG=1 shows it
        if os.environ.get("NEWSMARK_DEBUG"):
            raise
        print(f"newsmark: internal error: {type(err).__name__}: {err} (set NEWSMARK_DEBUG=1 for details)",
              file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
