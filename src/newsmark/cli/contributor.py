"""The contributor's commands: ``new``, ``import``, ``dedup``, ``ingest``, ``anchor``, ``synth``, ``suggest`` and
``labelstudio export|import``."""

from __future__ import annotations

import sys

import newsmark
from newsmark.cli.common import (
    Skipped,
    UsageError,
    command,
    deprecated_flag,
    dry_run_option,
    format_option,
    jobs_option,
    progress,
    quiet_option,
    regular_expression,
    require_corpus,
    root_option,
    whole_number,
)

# The help of the old --apply of dedup and suggest, which wrote only when given (every writer now writes by
# default and takes --dry-run).
WROTE_BY_DEFAULT = "deprecated, kept for this release: the command writes without it (--dry-run to only list)"


def _cleaning_rules() -> list[str]:
    """The names of the cleaning rules, read only when ``import`` is the command run: the module compiles
    its patterns as it is imported, a cost every other command (a pre-commit validate) need not pay."""
    from newsmark.contributor.cleaning import RULES

    return list(RULES)


def register(commands) -> None:
    """Declare this family's subcommands on ``commands`` (argparse subparsers). Every one that writes the
    corpus writes by default and takes --dry-run to say what it would write."""
    new = command(
        commands,
        "new",
        help="add an article from a text file",
        description="Add one article: normalise its text (NFC, LF, trimmed), write corpus/<id>.txt, "
        "corpus/<id>.yaml and an annotation skeleton with comments. The id defaults to the date "
        "and title as a slug (or the first words when there is no title), made unique. Give only "
        "what the source says: no title, publisher or licence is invented (missing ones are null "
        "or unknown).",
        succeeded="written (or planned, with --dry-run)",
        failed="a problem with the text or the metadata (nothing written)",
        examples="""
newsmark new --text article.txt --date 2024-03-19 --title 'Rafah plan' --source-name 'Example News' \\
    --url https://example.org/a --license CC-BY-4.0
pbpaste | newsmark new --text - --date 2024-03-19 --dry-run
""",
    )
    new.add_argument("--text", required=True, metavar="FILE", help="the article text, UTF-8 ('-' reads standard input)")
    new.add_argument("--date", required=True, metavar="YYYY-MM-DD", help="date of publication")
    new.add_argument("--title", metavar="TITLE", help="the article's title, if the source gives one")
    new.add_argument("--id", dest="article_id", metavar="ID", help="article id (default: from date and title)")
    new.add_argument("--language", default="en", metavar="TAG", help="BCP 47 language tag (default: en)")
    new.add_argument("--source-name", metavar="NAME", help="publisher name, if known")
    new.add_argument(
        "--author",
        dest="authors",
        action="append",
        default=[],
        metavar="CREDIT",
        help="the credit the licence asks for, as the source gives it (e.g. 'Wikinews contributors'); repeatable",
    )
    new.add_argument("--url", metavar="URL", help="URL of the original, if known")
    new.add_argument("--license", default="unknown", metavar="SPDX", help="SPDX licence id (default: unknown)")
    new.add_argument("--story", metavar="KEY", help="story key shared by articles on the same story")
    dry_run_option(new, "print the id and the files it would write")
    root_option(new)
    new.set_defaults(run=_run_new)

    bulk = command(
        commands,
        "import",
        help="add many articles from JSONL, CSV, a folder of texts or saved web pages",
        description="Import articles in bulk: JSONL (one object per line) or CSV (one row per article) with "
        "columns text, title, date, url, source_name, license, language, story, id (other common "
        "names are recognised; --map FIELD=COLUMN names one), a folder of .txt files with optional "
        "sidecar .yaml/.json metadata of the same stem, or saved HTML pages (text, title, date, "
        "site and URL extracted by trafilatura, offline). Every article gets the checks of "
        "newsmark new and an annotation skeleton. All or nothing: any problem is reported with its "
        "location (feed.jsonl:LINE, export.csv:ROW) and nothing is written. Exact duplicates of "
        "an article already there are skipped and named; near-duplicates (MinHash over word "
        "shingles) join the story of the article they duplicate, so they share its split. "
        "Importing the same source twice changes nothing.",
        succeeded="imported (or planned, with --dry-run)",
        failed="problems in the sources (nothing written)",
        examples="""
newsmark import feed.jsonl --license CC-BY-4.0 --dry-run
newsmark import export.csv --map text=body --map date=published
newsmark import pages/*.html texts/ -q
""",
    )
    bulk.add_argument(
        "sources", nargs="+", metavar="SOURCE", help=".jsonl, .csv, .html or .txt files, or folders of .txt"
    )
    bulk.add_argument(
        "--map",
        action="append",
        metavar="FIELD=COLUMN",
        help="the column that holds FIELD (text, title, date, url, source_name, license, language, "
        "story, id); repeatable",
    )
    bulk.add_argument("--license", metavar="SPDX", help="licence for items that give none (default: unknown)")
    bulk.add_argument("--source-name", metavar="NAME", help="publisher name for items that give none")
    bulk.add_argument(
        "--author",
        dest="authors",
        action="append",
        default=[],
        metavar="CREDIT",
        help="the credit the licence asks for, recorded for every item (e.g. 'Wikinews contributors'); repeatable",
    )
    rules = _cleaning_rules() if not isinstance(bulk, Skipped) else []
    bulk.add_argument(
        "--clean",
        action="append",
        default=[],
        metavar="RULE",
        choices=rules,
        help="a mechanical cleaning rule applied to every text, recorded in each changed "
        f"article's changes: {', '.join(rules)}; repeatable, applied in order",
    )
    bulk.add_argument(
        "--skip-title",
        type=regular_expression,
        metavar="REGEX",
        help="leave out items whose title this regular expression finds (e.g. '^TEST PAGE')",
    )
    bulk.add_argument(
        "--skip-longer-than",
        dest="skip_longer",
        type=whole_number(1),
        metavar="N",
        help="leave out items whose text as given is longer than N characters",
    )
    dry_run_option(bulk, "say what would be imported and skipped")
    quiet_option(bulk, "print only warnings and problems, not the articles imported and skipped")
    jobs_option(bulk)
    root_option(bulk)
    bulk.set_defaults(run=_run_import)

    dedup = command(
        commands,
        "dedup",
        help="find near-duplicate articles and group them into stories",
        description="Find groups of near-duplicate articles in the corpus (the same story republished: MinHash "
        "over word shingles, with the shingle size, permutations and threshold of [tool.newsmark]) "
        "and the story each group shares: the one its members already name, else its first "
        "article's id, and write that story into the metadata of every member that lacks it "
        "(comments and key order kept), so the group lands in one split. Members of one group "
        "that already name different stories are reported for a person to decide. With --dry-run, "
        "only list the groups.",
        succeeded="done (or listed, with --dry-run)",
        failed="a group whose members name different stories (the other groups are written)",
        examples="""
newsmark dedup --dry-run
newsmark dedup && newsmark validate
""",
    )
    dry_run_option(dedup, "list the groups and the story each would share")
    deprecated_flag(dedup, "--apply", "apply", "dedup writes by default now; leave --apply out", WROTE_BY_DEFAULT)
    root_option(dedup)
    dedup.set_defaults(run=_run_dedup)

    ingest = command(
        commands,
        "ingest",
        help="add a seed document to the corpus",
        description="Read a seed document (a 'date YYYY-MM-DD' header, then the article), copy it to seeds/ "
        "if it is not there, and write corpus/<id>.txt (NFC, LF, trimmed, one final newline), "
        "corpus/<id>.yaml (title null, language en, source null, license unknown, provenance "
        "with the seed's sha256) and an annotation skeleton. Running it again changes nothing; "
        "it refuses to overwrite different content.",
        succeeded="written, or already there (or planned, with --dry-run)",
        failed="an unreadable seed, or different content already there (nothing written)",
        examples="""
newsmark ingest seeds/000_833129a6a27d8038.txt --id 000-833129a6a27d8038
newsmark ingest path/to/seed.txt --root path/to/corpus --dry-run
""",
    )
    ingest.add_argument("seed", metavar="SEED_FILE", help="the seed document")
    root_option(ingest)
    ingest.add_argument(
        "--id",
        dest="article_id",
        metavar="ID",
        help="the article id (default: the seed file name, lowercased, with hyphens)",
    )
    dry_run_option(ingest, "print the id and the files it would write")
    ingest.set_defaults(run=_run_ingest)

    anchor = command(
        commands,
        "anchor",
        help="fill in span offsets from quotes",
        description="For every mention and claim written as a quote (text:, optionally prefix:, suffix: or "
        "occurrence:), find it in the article text and write start/end into the annotation file, "
        "keeping comments and key order. Offsets whose quote no longer matches (after a text edit) "
        "are re-anchored when the match is unique. A file with any missing or ambiguous quote is "
        "left untouched and each problem is reported with its location.",
        succeeded="every span anchored (or would be, with --dry-run)",
        failed="problems (the files with problems are left unchanged)",
        examples="""
newsmark anchor 2024-03-19-rafah-plan
newsmark anchor annotations/*.yaml --dry-run
""",
    )
    anchor.add_argument("targets", nargs="+", metavar="ID|PATH", help="article ids or their files")
    dry_run_option(anchor, "report the offsets it would write")
    root_option(anchor)
    anchor.set_defaults(run=_run_anchor)

    synth = command(
        commands,
        "synth",
        help="write a synthetic corpus for tests and benchmarks",
        description="Write a deterministic synthetic corpus (invented names, every article marked "
        "'synthetic: true') into a separate folder, with a pyproject.toml so it builds on its own. "
        "Article N is the same for a given seed however many articles are made. Never write it "
        "into the real corpus.",
        succeeded="written",
        failed="the folder could not be written",
        examples="""
out=$(mktemp -d) && newsmark synth --articles 1000 --out "$out" && newsmark build --root "$out"
newsmark synth --articles 100 --first 1000 --near-duplicates 0.1 --out "$out"   # 100 more, some republished
""",
    )
    synth.add_argument("--articles", type=whole_number(1), required=True, metavar="N", help="how many articles")
    synth.add_argument("--out", required=True, metavar="DIR", help="the folder to write (a new corpus root)")
    synth.add_argument("--seed", type=int, default=0, metavar="N", help="random seed (default 0)")
    synth.add_argument(
        "--near-duplicates",
        type=float,
        default=0.0,
        metavar="FRACTION",
        help="share of articles that also get a republished copy <id>-copy (new headline, a "
        "paragraph dropped or two swapped, a few words replaced; no story): for measuring "
        "near-duplicate detection (default 0)",
    )
    synth.add_argument(
        "--first",
        type=whole_number(0),
        default=0,
        metavar="N",
        help="number of the first article (to add articles to an existing synthetic corpus)",
    )
    synth.set_defaults(run=_run_synth)

    hint = command(
        commands,
        "suggest",
        help="unannotated occurrences of names already annotated (in the article or the corpus)",
        description="List the mentions an annotator probably forgot in one article: word-bounded occurrences of "
        "a text that is already a mention in the article but not annotated there (the NM410 "
        "warnings), and of texts annotated as mentions in other articles of the corpus (a gazetteer "
        "of every mention text, matched with Aho-Corasick; the type shown is its commonest there). "
        "The in-article ones are added to their entities, keeping comments and order (with "
        "--dry-run, only listed); the corpus ones need a decision (which entity?) and are only "
        "listed, or offered in Label Studio by `newsmark labelstudio export --suggest`.",
        succeeded="done (or listed, with --dry-run)",
        failed="the article does not validate (nothing written)",
        examples="""
newsmark suggest 000-833129a6a27d8038 --dry-run
newsmark suggest 000-833129a6a27d8038 && newsmark validate
newsmark suggest 000-833129a6a27d8038 --dry-run --format json
""",
    )
    hint.add_argument("article_id", metavar="ID", help="the article (its id, as in annotations/<id>.yaml)")
    dry_run_option(hint, "list the suggestions")
    deprecated_flag(hint, "--apply", "apply", "suggest writes by default now; leave --apply out", WROTE_BY_DEFAULT)
    hint.add_argument(
        "--no-corpus",
        dest="corpus",
        action="store_false",
        help="only the in-article suggestions (no gazetteer of the other articles)",
    )
    format_option(hint, text="one line per suggestion and a summary", json="the suggestions as data")
    root_option(hint)
    hint.set_defaults(run=_run_suggest)

    studio = command(
        commands,
        "labelstudio",
        help="annotate in Label Studio: export tasks and a labeling config, import the annotations back",
        description="The Label Studio round trip. `export` writes label_config.xml (generated from "
        "schema/labels.json: entity types, claims with their type, attribution, check-worthiness "
        "and claimer, topics) and tasks.json (one task per article, its annotation as a "
        "prediction). Create a Label Studio project with that config, import the tasks, annotate, "
        "export the project as JSON, then `import` merges the export into annotations/<id>.yaml, "
        "keeping comments and key order, checking every region against the article text, and "
        "writing nothing when anything is wrong (each problem is located in the export). "
        'See CONTRIBUTING.md, "Annotate in Label Studio".',
        succeeded="done",
        failed="problems (nothing written)",
        examples="""
newsmark labelstudio export --out ls/
newsmark labelstudio export 000-833129a6a27d8038 --out ls/ --suggest
newsmark labelstudio import ~/Downloads/project-1-at-2026-11-26.json --annotator jdoe
""",
    )
    actions = studio.add_subparsers(dest="action", metavar="ACTION", required=True)
    export = command(
        actions,
        "export",
        help="write label_config.xml and tasks.json",
        description="Write label_config.xml and tasks.json into --out for the given articles (all by default). "
        "Each task holds the article's text and its current annotation as a prediction with "
        "stable region ids; a mention carries its entity id in the region's meta note. The "
        "articles must validate first.",
        succeeded="written",
        failed="an article does not validate, or --out cannot be written (nothing written)",
        examples="""
newsmark labelstudio export --out ls/ && ls ls/
newsmark labelstudio export --blind --out ls-second/   # tasks for an independent second annotation
""",
    )
    export.add_argument("ids", nargs="*", metavar="ID", help="article ids (default: every annotated article)")
    export.add_argument("--out", required=True, metavar="DIR", help="folder for label_config.xml and tasks.json")
    export.add_argument(
        "--as-annotations",
        action="store_true",
        help="put the current annotation in as a completed annotation, not a prediction",
    )
    export.add_argument(
        "--suggest", action="store_true", help="add the suggestions of `newsmark suggest` as extra predicted mentions"
    )
    export.add_argument(
        "--blind",
        action="store_true",
        help="leave the current annotation out: tasks for an independent second annotation "
        "(import them with --independent)",
    )
    root_option(export)
    export.set_defaults(run=_run_labelstudio_export)
    back = command(
        actions,
        "import",
        help="merge a Label Studio JSON export into annotations/",
        description="Merge a Label Studio JSON export (Export > JSON) into annotations/<id>.yaml. Each task's "
        "newest annotation is taken. Regions are checked against the article text (and re-anchored "
        "by their quote when the offsets drift); mentions group into entities by the entity id in "
        "their meta note, else with a mention of the same type and text; claims keep their ids. "
        "What did not change keeps its bytes, comments and order. The annotator (--annotator, else "
        "the Label Studio user's e-mail name) is added to the file's annotators when it changes.",
        succeeded="merged, or nothing to do (or planned, with --dry-run)",
        failed="problems in the export (no file changed)",
        examples="""
newsmark labelstudio import export.json --annotator jdoe --dry-run
newsmark labelstudio import export.json --annotator jdoe && newsmark validate
""",
    )
    back.add_argument("export", metavar="EXPORT.json", help="the JSON export of a Label Studio project")
    back.add_argument("--annotator", metavar="HANDLE", help="the handle recorded in annotators (kind human)")
    dry_run_option(back, "report which files would change")
    back.add_argument(
        "--independent",
        action="store_true",
        help="write the annotator's own layer, annotations/independent/<annotator>/<id>.yaml, for "
        "newsmark agree, instead of the adjudicated annotations/<id>.yaml (needs --annotator)",
    )
    root_option(back)
    back.set_defaults(run=_run_labelstudio_import)


def _writes(args) -> bool:
    """Whether dedup or suggest writes: by default, unless --dry-run; the old --apply with --dry-run
    contradicts itself."""
    if args.apply and args.dry_run:
        raise UsageError("--apply and --dry-run contradict each other (leave out --apply: writing is the default)")
    return not args.dry_run


def _run_import(args) -> int:
    from newsmark.contributor.bulk import Options, import_sources
    from newsmark.contributor.bulk.sources import FIELDS

    mapping = {}
    for pair in args.map or []:
        name, sep, column = pair.partition("=")
        if not sep or not name or not column:
            raise UsageError(f"--map {pair!r}: write FIELD=COLUMN, e.g. --map text=body")
        if name not in FIELDS:
            raise UsageError(f"--map {name}: the fields are {', '.join(FIELDS)}")
        mapping[name] = column
    options = Options(
        mapping, args.license, args.source_name, args.authors, args.clean, args.skip_title, args.skip_longer
    )
    result = import_sources(args.root, args.sources, options, args.dry_run, progress(args), args.jobs)
    for warning in result["warnings"]:
        print(f"warning: {warning}", file=sys.stderr)
    if args.quiet:
        return 0
    verb = "would import" if args.dry_run else "imported"
    print(f"{verb} {len(result['imported'])} article(s); {len(result['skipped'])} skipped")
    for item in result["imported"]:
        story = f" (story {item['story']})" if item["story"] else ""
        print(f"  {item['where']} -> {item['id']}{story}")
    for item in result["skipped"]:
        print(f"  skipped {item['where']}: {item['reason']}")
    if result["written"]:
        print(f"wrote {len(result['written'])} file(s); next: annotate, then newsmark anchor and validate")
    return 0


def _run_dedup(args) -> int:
    from newsmark.contributor.bulk import dedup

    writes = _writes(args)
    groups = dedup(args.root, apply=writes)
    if not groups:
        print("no near-duplicate articles")
        return 0
    for group in groups:
        if group["conflict"]:
            print(
                f"{', '.join(group['members'])}: near-duplicates with different stories "
                f"({', '.join(group['conflict'])}); decide by hand"
            )
        elif group["changes"]:
            verb = "story set to" if writes else "would share story"
            print(f"{', '.join(group['members'])}: {verb} {group['story']} ({len(group['changes'])} file(s))")
        else:
            print(f"{', '.join(group['members'])}: already share story {group['story']}")
    return 1 if any(group["conflict"] for group in groups) else 0


def _run_new(args) -> int:
    from newsmark.contributor.intake import decode_input, new_article, source_file_name
    from newsmark.errors import NewsmarkError

    try:
        if args.text == "-":
            raw = sys.stdin.buffer.read()
        else:
            with open(args.text, "rb") as handle:
                raw = handle.read()
    except OSError as err:
        raise NewsmarkError(f"--text {args.text}: {err.strerror}") from None
    result = new_article(
        decode_input(raw, f"--text {args.text}"),
        args.root,
        args.date,
        title=args.title,
        article_id=args.article_id,
        language=args.language,
        source_name=args.source_name,
        url=args.url,
        license=args.license,
        story=args.story,
        authors=args.authors,
        source_file=source_file_name(args.text, args.root),
        raw=raw,
        dry_run=args.dry_run,
    )
    article_id = result["id"]
    if args.dry_run:
        for path in result["written"]:
            print(f"would write {path}")
        print(f"article id: {article_id}")
        return 0
    for path in result["written"]:
        print(f"wrote {path}")
    print(
        f"article id: {article_id}\n\nnext steps:\n"
        f"  1. annotate annotations/{article_id}.yaml (docs/annotation-guidelines.md)\n"
        f"  2. newsmark anchor {article_id}      # fills in offsets from your quotes\n"
        f"  3. newsmark validate\n"
        f"  4. commit the three files and open a pull request (CONTRIBUTING.md)"
    )
    return 0


def _run_ingest(args) -> int:
    result = newsmark.ingest(args.seed, args.root, args.article_id, dry_run=args.dry_run)
    for path in result["written"]:
        print(f"{'would write' if args.dry_run else 'wrote'} {path}")
    if not result["written"]:
        print("nothing to do: the corpus already holds this seed")
    print(f"article id: {result['id']}")
    return 0


def _run_anchor(args) -> int:
    from newsmark.contributor.anchor import anchor
    from newsmark.reporters import finding_line

    failed = False
    for result in anchor(args.root, args.targets, dry_run=args.dry_run):
        for problem in result.problems:
            print(finding_line(problem))
        if result.problems:
            failed = True
            print(f"{result.path}: left unchanged ({len(result.problems)} problem(s))")
        elif result.anchored:
            verb = "would anchor" if args.dry_run else "anchored"
            print(f"{result.path}: {verb} {len(result.anchored)} span(s)")
        else:
            print(f"{result.path}: every span already anchored")
    return 1 if failed else 0


def _run_synth(args) -> int:
    from newsmark.contributor.synth import synthesize

    if args.articles < 0 or args.first < 0:
        raise UsageError("--articles and --first must not be negative")
    if not 0 <= args.near_duplicates <= 1:
        raise UsageError("--near-duplicates is a share between 0 and 1")
    synthesize(args.out, args.articles, seed=args.seed, first=args.first, near_duplicates=args.near_duplicates)
    print(f"wrote {args.articles} synthetic articles to {args.out}")
    return 0


def _run_labelstudio_export(args) -> int:
    from newsmark.contributor.labelstudio import export_tasks

    require_corpus(args.root)
    if args.blind and (args.suggest or args.as_annotations):
        raise UsageError("--blind leaves the annotation out; it does not go with --suggest or --as-annotations")
    result = export_tasks(args.root, args.ids or None, args.out, args.as_annotations, args.suggest, args.blind)
    for path in result["files"]:
        print(f"wrote {path}")
    print(f"{result['tasks']} task(s); create a Label Studio project with label_config.xml, then import tasks.json")
    return 0


def _run_labelstudio_import(args) -> int:
    from newsmark.contributor.labelstudio import import_export

    require_corpus(args.root)
    result = import_export(args.root, args.export, args.annotator, args.dry_run, args.independent)
    verb = "would change" if args.dry_run else "changed"
    for path in result["files"]:
        print(f"{verb} {path}")
    print(
        f"{len(result['changed'])} {verb}, {len(result['unchanged'])} unchanged, {len(result['skipped'])} "
        "without an annotation"
    )
    return 0


def _run_suggest(args) -> int:
    import json

    from newsmark.contributor.suggest import suggest

    require_corpus(args.root)
    writes = _writes(args)
    result = suggest(args.root, args.article_id, apply=writes, corpus=args.corpus)
    if args.format == "json":
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return 0
    for item in result["suggestions"]:
        where = f"{result['path']}:{item['line']}:{item['col']}: {item['text']!r} {item['start']}:{item['end']}"
        if item["entity"] is not None:
            done = "added to" if writes else "joins"
            print(f"{where} {done} entity '{item['entity']}' ({item['type']}): missed in this article")
        else:
            print(f"{where} {item['type']}? annotated in {item['articles']} other article(s), e.g. {item['example']}")
    own = sum(item["entity"] is not None for item in result["suggestions"])
    print(
        f"{len(result['suggestions'])} suggestion(s): {own} in-article"
        + (f" ({result['applied']} added)" if writes else " (not added: --dry-run)")
        + f", {len(result['suggestions']) - own} from the corpus"
    )
    return 0
