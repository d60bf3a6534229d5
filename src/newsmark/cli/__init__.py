"""The ``newsmark`` command: assembles the subcommands of each family (one module each beside this one:
pipeline.py, contributor.py, reviewer.py, release.py), runs the chosen one, and turns errors into messages and exit
codes. No subcommand's arguments are declared here.

Exit codes: 0 success, 1 findings or a refused operation, 2 usage error.
"""

from __future__ import annotations

import argparse
import os
import sys

import newsmark
from newsmark.cli import contributor, pipeline, release, reviewer
from newsmark.cli.common import UsageError

_EPILOG = """\
commands in the order a corpus meets them:
  new       add an article from a text file (corpus files + annotation skeleton)
  import    add many articles from JSONL, CSV, text folders or saved web pages (near-duplicates grouped)
  dedup     find near-duplicate articles and group them into stories
  ingest    the same for a seed document with a 'date YYYY-MM-DD' header (provenance recorded)
  anchor    fill in span offsets from quotes in an annotation file
  labelstudio  annotate in Label Studio: export tasks and config, import the annotations back
  suggest   unannotated occurrences of names already annotated (in the article or the corpus)
  validate  check every file against the schemas and rules (docs/validation-rules.md)
  build     validate, then write the Hugging Face dataset folder (Parquet, card, Croissant, manifest)
  stats     counts per split, entity type, claim type and topic
  report    a static HTML site: highlighted mentions and claims, statistics charts
  agree     inter-annotator agreement of two annotation layers, and their disagreements
  evaluate  score a model's predictions on a split of the built dataset
  export    write the built dataset as spaCy DocBin, CoNLL, brat standoff or JSONL
  diff      what changed between two releases (a draft CHANGELOG entry)
  publish   upload a built version to the Hugging Face Hub and tag it v<version>
  synth     write a synthetic corpus (tests and benchmarks only)

options every command that has them spells the same way: --root DIR (the corpus folder), --format
(how the result is printed: text, json), -q/--quiet (no progress bar), -j/--jobs N, --no-cache, and
--dry-run on every command that writes the corpus or pushes (they write by default).

exit status (of every command; each one's --help says what 1 means for it):
  0    success
  1    findings, or a refused or failed operation
  2    usage error: an unknown command or option, a bad value, a missing argument
  130  interrupted (Ctrl-C, SIGTERM); nothing half-written is left

examples:
  newsmark validate
  newsmark validate --format github        # inline findings on a pull request
  newsmark ingest seeds/000_833129a6a27d8038.txt
  newsmark build && python -c "import datasets; print(datasets.load_dataset('dist/newsmark'))"
  newsmark COMMAND --help                  # a command's options, exit status and examples
"""


class _Version(argparse.Action):
    """--version, looking the version up only when it is asked for."""

    def __call__(self, parser, namespace, values, option_string=None):
        print(f"newsmark {newsmark.__version__}")
        parser.exit()


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The command line; with ``only`` (the subcommand named on it), that subcommand's parser alone,
    or every one when no subcommand has that name (so that the error lists them all)."""
    parser = argparse.ArgumentParser(
        prog="newsmark",
        description="Validate, ingest and build the newsmark annotated news corpus.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action=_Version, nargs=0, help="show the version and exit")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    if only is not None:
        commands.newsmark_only = only
    for family in (contributor, pipeline, reviewer, release):
        family.register(commands)
    if only is not None and only not in commands.choices:
        return build_parser()
    return parser


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

    words = sys.argv[1:] if argv is None else argv
    parser = build_parser(words[0] if words and not words[0].startswith("-") else None)
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help()
        return 2
    from newsmark.errors import NewsmarkError

    signal.signal(signal.SIGTERM, _terminate)
    try:
        return args.run(args)
    except UsageError as err:
        parser.error(printable(str(err)))
    except NewsmarkError as err:
        message = "\n".join(printable(line) for line in str(err).split("\n"))  # lines kept, each escaped
        print(f"newsmark: error: {message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("newsmark: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `newsmark ... | head`: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as err:
        if os.environ.get("NEWSMARK_DEBUG"):
            raise
        print(f"newsmark: error: {printable(_environment_problem(err))}", file=sys.stderr)
        return 1
    except Exception as err:  # never a traceback for users; NEWSMARK_DEBUG=1 shows it
        if os.environ.get("NEWSMARK_DEBUG"):
            raise
        print(
            f"newsmark: internal error: {type(err).__name__}: {printable(str(err))} (set NEWSMARK_DEBUG=1 for details)",
            file=sys.stderr,
        )
        return 1
