"""The pipeline's commands: ``validate`` and ``build``."""

from __future__ import annotations

import os
import sys

import newsmark
from newsmark.cli.common import (
    UsageError,
    command,
    format_option,
    is_under,
    jobs_option,
    no_cache_option,
    progress,
    quiet_option,
    require_corpus,
    root_option,
)


def register(commands) -> None:
    """Declare this family's subcommands on ``commands`` (argparse subparsers)."""
    validate = command(
        commands,
        "validate",
        help="check the corpus and print findings",
        description="Check every article text, metadata file and annotation file: encoding, YAML, the JSON "
        "Schemas, spans, ids and references. Each finding is printed as "
        "'path:line:col: CODE message'; docs/validation-rules.md explains every CODE.",
        succeeded="no errors (warnings allowed)",
        failed="errors found",
        examples="""
newsmark validate
newsmark validate --root path/to/corpus --format json
newsmark validate annotations/2024-03-19-rafah.yaml   # that article only (pre-commit)
""",
    )
    validate.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="check only the articles these corpus/ or annotations/ files belong to (default: everything)",
    )
    root_option(validate)
    format_option(
        validate,
        text="one line per finding and a summary",
        github="GitHub Actions annotations",
        json="a machine-readable report",
    )
    quiet_option(validate, "print findings only, without the summary line")
    no_cache_option(validate, "the results")
    jobs_option(validate)
    validate.set_defaults(run=_run_validate)

    build = command(
        commands,
        "build",
        help="validate, then write the dataset folder",
        description="Validate the corpus; if there is no error, write a complete Hugging Face dataset folder: "
        "data/<config>/<split>-*.parquet for the configs articles (default), mentions, claims, ner "
        "and sentences, labels/<set>.csv, README.md (dataset card), croissant.json and manifest.json. The folder is written "
        "beside the target and moved into place only when complete; on any error nothing is "
        "written and a previous build stays as it was. Articles not yet annotated (a skeleton, or "
        "'status: in-progress') are left out and counted. Also refreshes the statistics block of "
        "DATASHEET.md. With --public, articles whose text's licence is unknown or does not allow "
        "redistribution are withheld too (and DATASHEET.md, which describes the whole corpus, is "
        "left alone): the folder `newsmark publish` may push to a public repository.",
        succeeded="built",
        failed="validation errors or a refused write (nothing written)",
        examples="""
newsmark build --out dist/newsmark
newsmark build --public --out dist/public && newsmark publish --dataset dist/public --dry-run
python -c "from datasets import load_dataset; print(load_dataset('dist/newsmark', 'ner'))"
""",
    )
    root_option(build)
    build.add_argument("--out", metavar="DIR", help="output folder (default: <root>/dist/newsmark)")
    quiet_option(build, "print only errors")
    build.add_argument(
        "--public",
        action="store_true",
        help="withhold articles whose text may not be redistributed (for a public release)",
    )
    no_cache_option(build, "the checked and assembled rows")
    jobs_option(build)
    build.set_defaults(run=_run_build)


def _run_validate(args) -> int:
    from newsmark.reporters import REPORTERS, summary_line

    require_corpus(args.root)
    paths = None
    if args.paths:
        from newsmark.pipeline.check.runner import article_id_of

        paths = args.paths
        for path in paths:
            if not os.path.lexists(path):
                raise UsageError(f"{path}: no such file")
            if article_id_of(args.root, path) is None and not is_under(path, os.path.join(args.root, "schema")):
                raise UsageError(f"{path}: not a file under {args.root}/corpus/ or {args.root}/annotations/")
    report = newsmark.validate(
        args.root, paths, cache=not args.no_cache, jobs=args.jobs, progress=progress(args), details=False
    )
    output = REPORTERS[args.format](report)
    if args.quiet and args.format != "json":
        output = output.removesuffix(summary_line(report) + "\n")
    sys.stdout.write(output)
    return 0 if report.ok else 1


def _run_build(args) -> int:
    from newsmark.errors import ValidationFailed
    from newsmark.reporters import text

    require_corpus(args.root)
    try:
        result = newsmark.build(
            args.root, args.out, jobs=args.jobs, progress=progress(args), cache=not args.no_cache, public=args.public
        )
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
    if result["empty_splits"]:
        print(
            f"  note: empty, so left out of the card (datasets cannot load a 0-row split): "
            f"{', '.join(result['empty_splits'])}"
        )
    pending = sum(result["stats"]["not_annotated"].values())
    if pending:
        print(f"  note: {pending} article(s) not yet annotated, left out")
    for article_id, license_id in result["withheld"].items():
        print(f"  note: {article_id} withheld from this public build (licence {license_id})")
    if result["warnings"]:
        # NM604 compares the names of every article; the build cache keeps no names, so only validate has it
        print(
            f"  {len(result['warnings'])} warning(s) in the articles and layers; newsmark validate lists them, "
            "and the corpus-wide ones (NM604)"
        )
    if result["datasheet"] == "updated":
        print("  DATASHEET.md statistics block updated")
    print(f"load it with: datasets.load_dataset({result['out']!r})")
    return 0
