"""The researcher's and releaser's commands: ``evaluate``, ``export``, ``diff`` and ``publish``."""

from __future__ import annotations

import argparse
import json
import sys

from newsmark.cli.common import (
    Deprecated,
    UsageError,
    command,
    dataset_option,
    dry_run_option,
    format_option,
    progress,
    quiet_option,
    root_option,
    split_option,
)

# The file formats export writes (kept in step with newsmark.release.export.FORMATS, which is not imported
# here so that `newsmark --help` does not load the export stack).
EXPORT_FORMATS = ("spacy", "conll", "brat", "jsonl")


def register(commands) -> None:
    """Declare this family's subcommands on ``commands`` (argparse subparsers)."""
    evaluate = command(
        commands,
        "evaluate",
        help="score a model's predictions on a split of the built dataset",
        description="Score predictions (JSONL) against one split of a built dataset. An article line: "
        '{"id": ..., "mentions": [{"start", "end", "type"}], "claims": [{"start", '
        '"end"}], "checkworthy_sentences": [index, ...], "topics": [QCode, ...]} (any of the four); '
        'a sentence line: {"id": "<article id>/<sentence index>", "ner_tags": [tag, ...]}, one tag '
        "per token of that ner row. Each task present is scored: mentions (exact span + type, micro "
        "and per type, with nervaluate's schemes), ner (seqeval, strict IOB2), claims (exact span and "
        "one-to-one overlap), check-worthy sentences (positive class) and topics (micro and macro F1). "
        "Malformed lines and ids not in the split are located errors, and nothing is scored.",
        succeeded="scored",
        failed="problems in the predictions or the dataset (nothing scored)",
        examples="""
newsmark evaluate predictions.jsonl --dataset dist/newsmark --split test
newsmark evaluate predictions.jsonl --format json | jq .mentions.f1
""",
    )
    evaluate.add_argument("predictions", metavar="PREDICTIONS", help="the predictions, JSONL")
    dataset_option(evaluate)
    split_option(evaluate, "the split to score on (default: test)", default="test")
    format_option(
        evaluate,
        text="a table",
        json="each task a top-level key with precision, recall and f1 of its headline metric, and the "
        "other figures beside them",
    )
    evaluate.set_defaults(run=_run_evaluate)

    export = command(
        commands,
        "export",
        help="write the built dataset as spaCy DocBin, CoNLL, brat standoff or JSONL",
        description="Write a built dataset in another file format, chosen by --to: spacy (<split>.spacy "
        "DocBin: ner tokens, outermost mentions in doc.ents, all mentions in doc.spans['mentions'], "
        "claims in doc.spans['claims'] with their attributes in doc.user_data, topics in doc.cats), "
        "conll (<split>.conll, CoNLL-2003 style 'token TAG' lines), brat (<split>/<id>.txt and .ann, "
        "with annotation.conf) or jsonl (<split>.jsonl, one article per line, labels as names). The "
        "folder is written beside --out and moved into place when complete.",
        succeeded="written",
        failed="a problem with the dataset or --out (nothing written)",
        examples="""
newsmark export --to spacy --out exports/spacy
newsmark export --to conll --split test --dataset dist/newsmark --out exports/conll
""",
    )
    # --to, not --format: everywhere else --format is how a command prints its result; here the choice is
    # the kind of files written. --format was this option's first spelling and still works for a release.
    export.add_argument(
        "--to",
        choices=EXPORT_FORMATS,
        help="the file format to write (required; --format, its old spelling, still works in this release)",
    )
    export.add_argument(
        "--format",
        dest="to",
        choices=EXPORT_FORMATS,
        action=Deprecated,
        instead="write --to",
        help=argparse.SUPPRESS,
    )
    export.add_argument("--out", required=True, metavar="DIR", help="a new or empty folder (or an earlier export)")
    split_option(export, "only this split (default: every split with rows)")
    dataset_option(export)
    root_option(export)
    export.set_defaults(run=_run_export)

    diff = command(
        commands,
        "diff",
        help="what changed between two releases (a draft CHANGELOG entry)",
        description="Compare two releases: each of OLD and NEW is a dataset folder written by newsmark build, or "
        "a git revision of the corpus (built in a temporary folder). Reports articles added, removed "
        "and changed (text, metadata, annotation), rows per config and split, label count deltas, "
        "label-set changes and each article whose split changed. A split change of an article in both "
        "releases is an error unless the split rule changed, and a split-rule change (salt or "
        "fractions) is an error unless the major version changed too; so is a label set that was "
        "reordered or lost a label. The text output is a draft of the CHANGELOG entry.",
        succeeded="compared",
        failed="an error in the comparison (a split move, a broken label set) or a problem reading the releases",
        examples="""
newsmark diff v0.1.0 HEAD
newsmark diff dist/newsmark-v0.1.0 dist/newsmark --format json
""",
    )
    diff.add_argument("old", metavar="OLD", help="dataset folder or git revision of the earlier release")
    diff.add_argument("new", metavar="NEW", help="dataset folder or git revision of the later release")
    root_option(diff)  # the repository whose git revisions OLD and NEW may name
    format_option(diff, text="a CHANGELOG draft", json="the comparison as data")
    diff.set_defaults(run=_run_diff)

    publish = command(
        commands,
        "publish",
        help="upload a built version to the Hugging Face Hub and tag it",
        description="Upload the dataset folder (built now, or --dataset DIR) to a Hugging Face dataset repository "
        "in one commit, and tag that commit v<version>, so that load_dataset(repo, "
        "revision='v<version>') gets exactly this release. A public push is refused while any "
        "article's licence is unknown or does not allow redistribution (the articles are named): "
        "--gated or --private are the ways around it. The token comes from your Hugging Face login "
        "(hf auth login) or HF_TOKEN, never from a file in the repository. CHANGELOG.md needs an "
        "entry for the version.",
        succeeded="published (or planned, with --dry-run)",
        failed="refused (nothing uploaded) or the upload failed",
        examples="""
newsmark publish --repo-id acme/newsmark --dry-run
newsmark publish --repo-id acme/newsmark --gated
""",
    )
    root_option(publish)
    publish.add_argument(
        "--repo-id", metavar="OWNER/NAME", help="the Hub dataset repository (default: repo_id in [tool.newsmark])"
    )
    visibility = publish.add_mutually_exclusive_group()
    visibility.add_argument("--private", action="store_true", help="a private repository")
    visibility.add_argument("--gated", action="store_true", help="a public repository whose users must ask for access")
    publish.add_argument("--dataset", metavar="DIR", help="publish this built folder instead of building now")
    dry_run_option(publish, "print what would be uploaded and tagged")
    quiet_option(publish, "there is one only while it builds (without --dataset)")
    publish.set_defaults(run=_run_publish)


def _run_export(args) -> int:
    from newsmark.release.export import export

    if args.to is None:
        raise UsageError(f"the file format to write is required: --to {{{','.join(EXPORT_FORMATS)}}}")
    result = export(args.dataset, args.to, args.out, args.split, args.root)
    print(
        f"wrote {len(result['files'])} file(s) in {result['format']} format to {result['out']} "
        f"({', '.join(result['splits'])})"
    )
    return 0


def _run_diff(args) -> int:
    from newsmark.release.diff import changelog_draft, diff

    result = diff(args.old, args.new, args.root)
    sys.stdout.write(json.dumps(result, indent=2) + "\n" if args.format == "json" else changelog_draft(result))
    return 1 if result["errors"] else 0


def _run_publish(args) -> int:
    import newsmark
    from newsmark.release.publish import plan, upload

    dataset = args.dataset
    if dataset is None:
        dataset = newsmark.build(args.root, progress=progress(args))["out"]
    steps = plan(args.root, args.repo_id, dataset, private=args.private, gated=args.gated)
    size = sum(size for _, size in steps["files"])
    print(
        f"{'would upload' if args.dry_run else 'uploading'} {len(steps['files'])} file(s), {size:,} bytes, from "
        f"{steps['dataset']} to the {steps['visibility']} dataset repository {steps['repo_id']} in one commit "
        f"({steps['commit_message']!r}) and tag it {steps['tag']}"
    )
    if args.dry_run:
        for rel, file_size in steps["files"]:
            print(f"  {rel} ({file_size:,} bytes)")
        return 0
    print(f"published: {upload(steps)}")
    return 0


def _run_evaluate(args) -> int:
    from newsmark.release.evaluate import evaluate, text_report

    result = evaluate(args.predictions, args.dataset, args.split)
    if args.format == "json":
        sys.stdout.write(json.dumps(result, indent=2, sort_keys=False) + "\n")
    else:
        sys.stdout.write(text_report(result))
    return 0
