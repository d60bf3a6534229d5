"""The researcher's and releaser's commands: ``evaluate`` and ``export``."""
from __future__ import annotations

import json
import sys

from newsmark.cli.common import command


def register(commands) -> None:
    """Declare this family's subcommands on ``commands`` (argparse subparsers)."""
    evaluate = command(
        commands,
        "evaluate",
        help="score a model's predictions on a split of the built dataset",
        description="Score predictions (JSONL) against one split of a built dataset. An article line: "
                    "{\"id\": ..., \"mentions\": [{\"start\", \"end\", \"type\"}], \"claims\": [{\"start\", "
                    "\"end\"}], \"checkworthy_sentences\": [index, ...], \"topics\": [QCode, ...]} (any of the four); "
                    "a sentence line: {\"id\": \"<article id>/<sentence index>\", \"ner_tags\": [tag, ...]}, one tag "
                    "per token of that ner row. Each task present is scored: mentions (exact span + type, micro "
                    "and per type, with nervaluate's schemes), ner (seqeval, strict IOB2), claims (exact span and "
                    "one-to-one overlap), check-worthy sentences (positive class) and topics (micro and macro F1). "
                    "Malformed lines and ids not in the split are located errors, and nothing is scored.",
        epilog="exit status: 0 scored, 1 problems in the predictions or the dataset, 2 usage error\n\n"
               "examples:\n  newsmark evaluate predictions.jsonl --dataset dist/newsmark --split test\n"
               "  newsmark evaluate predictions.jsonl --format json | jq .mentions.f1",
    )
    evaluate.add_argument("predictions", metavar="PREDICTIONS", help="the predictions, JSONL")
    evaluate.add_argument("--dataset", default="dist/newsmark", metavar="DIR",
                          help="a folder written by newsmark build (default: dist/newsmark)")
    evaluate.add_argument("--split", default="test", choices=["train", "validation", "test"],
                          help="the split to score on (default: test)")
    evaluate.add_argument("--format", choices=["text", "json"], default="text",
                          help="text (default): a table; json: each task a top-level key with precision, recall "
                               "and f1 of its headline metric, and the other figures beside them")
    evaluate.set_defaults(run=_run_evaluate)

    export = command(
        commands,
        "export",
        help="write the built dataset as spaCy DocBin, CoNLL, brat standoff or JSONL",
        description="Write a built dataset in another format: spacy (<split>.spacy DocBin: ner tokens, outermost "
                    "mentions in doc.ents, all mentions in doc.spans['mentions'], claims in doc.spans['claims'] "
                    "with their attributes in doc.user_data, topics in doc.cats), conll (<split>.conll, "
                    "CoNLL-2003 style 'token TAG' lines), brat (<split>/<id>.txt and .ann, with annotation.conf) "
                    "or jsonl (<split>.jsonl, one article per line, labels as names). The folder is written "
                    "beside --out and moved into place when complete.",
        epilog="exit status: 0 written, 1 a problem with the dataset or --out, 2 usage error\n\n"
               "examples:\n  newsmark export --format spacy --out exports/spacy\n"
               "  newsmark export --format conll --split test --dataset dist/newsmark --out exports/conll",
    )
    export.add_argument("--format", required=True, choices=["spacy", "conll", "brat", "jsonl"],
                        help="the format to write")
    export.add_argument("--out", required=True, metavar="DIR", help="a new or empty folder (or an earlier export)")
    export.add_argument("--split", choices=["train", "validation", "test"],
                        help="only this split (default: every split with rows)")
    export.add_argument("--dataset", default="dist/newsmark", metavar="DIR",
                        help="a folder written by newsmark build (default: dist/newsmark)")
    export.set_defaults(run=_run_export)


def _run_export(args) -> int:
    from newsmark.release.export import export

    result = export(args.dataset, args.format, args.out, args.split)
    print(f"wrote {len(result['files'])} file(s) in {result['format']} format to {result['out']} "
          f"({', '.join(result['splits'])})")
    return 0


def _run_evaluate(args) -> int:
    from newsmark.release.evaluate import evaluate, text_report

    result = evaluate(args.predictions, args.dataset, args.split)
    if args.format == "json":
        sys.stdout.write(json.dumps(result, indent=2, sort_keys=False) + "\n")
    else:
        sys.stdout.write(text_report(result))
    return 0
