"""What the subcommands of every family share: the way a subcommand is declared (wrapped description, then
its exit status and examples), the options defined once (``--root``, ``--format``, ``-q``, ``-j``,
``--no-cache``, ``--dry-run``, ``--dataset``, ``--split``) and the old spellings kept for a release, the
progress bar, and the usage error that exits 2."""

from __future__ import annotations

import argparse
import os
import sys
import textwrap


class UsageError(Exception):
    """Bad arguments: printed with the usage line, exit status 2."""


class Skipped:
    """Stands for the parser of a subcommand this run does not use: every declaration on it does nothing
    (building all twenty parsers costs a pre-commit run more than checking its article)."""

    def __getattr__(self, name):
        return lambda *args, **kwargs: self


# The last line of every exit-status block: argparse exits 2 itself, and UsageError joins it.
USAGE_STATUS = "usage error: an unknown command or option, a bad value, a missing argument"


def exit_status(succeeded: str, failed: str) -> str:
    """The exit-status block every help text ends with (before its examples): 0, 1 and 2, what each means
    for this command. Every command has all three: any refused operation (a NewsmarkError, a full disk) is 1."""
    return f"exit status:\n  0  {succeeded}\n  1  {failed}\n  2  {USAGE_STATUS}\n"


def command(
    commands, name: str, help: str, description: str, succeeded: str, failed: str, examples: str
) -> argparse.ArgumentParser:
    """A subcommand: its description is wrapped to the terminal's usual width; its help ends with the exit
    status (what 0 and 1 mean for it; 2 is always a usage error) and ``examples``, printed as written so that
    their comments stay aligned. Only the subcommand being run is built when ``commands`` says which
    (``build_parser(only=...)``)."""
    if isinstance(commands, Skipped) or getattr(commands, "newsmark_only", name) != name:
        return Skipped()
    return commands.add_parser(
        name,
        help=help,
        description=textwrap.fill(description, 88),
        epilog=f"{exit_status(succeeded, failed)}\nexamples:\n{textwrap.indent(examples.strip(chr(10)), '  ')}\n",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


# The options several commands share, each declared once here (in the manner of sqlite-utils' shared
# decorators): the same spelling, metavar and meaning wherever they appear. A command only adds words that
# say what the option means for it.


def root_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--root",
        default=".",
        metavar="DIR",
        help="the corpus folder holding corpus/ and annotations/ (default: the current folder)",
    )


def whole_number(least: int, most: int | None = None):
    """An argparse type: a whole number from ``least`` (to ``most``); anything else is a usage error (exit
    2) naming the bounds, never a value a command would misuse (-j 0, a negative length)."""

    def parse(value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            number = None
        if number is None or number < least or (most is not None and number > most):
            bounds = f"from {least} to {most}" if most is not None else f"of at least {least}"
            raise argparse.ArgumentTypeError(f"{value!r} is not a whole number {bounds}")
        return number

    return parse


def regular_expression(value: str) -> str:
    """An argparse type: a Python regular expression that compiles (else a usage error saying why)."""
    import re

    try:
        re.compile(value)
    except re.error as err:
        raise argparse.ArgumentTypeError(f"{value!r} is not a regular expression ({err})") from None
    return value


MAX_JOBS = 256  # far above any core count here; a larger number would only start idle processes


def jobs_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-j",
        "--jobs",
        type=whole_number(1, MAX_JOBS),
        metavar="N",
        help="worker processes (default: one per core; 1 runs everything in this process)",
    )


def quiet_option(parser: argparse.ArgumentParser, also: str = "") -> None:
    """-q/--quiet: no progress bar (which is shown only on a terminal, outside CI, see ``progress``), and
    for some commands less of the rest, said in ``also``."""
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar" + (f"; {also}" if also else ""))


def no_cache_option(parser: argparse.ArgumentParser, reused: str) -> None:
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help=f"work on every article afresh (default: reuse {reused} of unchanged articles from "
        "<root>/.newsmark-cache; the output is the same either way)",
    )


def format_option(parser: argparse.ArgumentParser, **formats: str) -> None:
    """--format: how the command prints its result (the first of ``formats``, text, is the default). It
    always means that: a file format a command writes has an option of its own (``export --to``)."""
    described = "; ".join(
        f"{name}{' (default)' if i == 0 else ''}: {what}" for i, (name, what) in enumerate(formats.items())
    )
    parser.add_argument(
        "--format",
        choices=list(formats),
        default=next(iter(formats)),
        help=f"how to print the result: {described}",
    )


def dry_run_option(parser: argparse.ArgumentParser, what: str) -> None:
    """--dry-run: every command that writes the corpus or pushes writes by default and takes this flag to
    check everything and say what it would do (docs/design.md, "The command line's habits")."""
    parser.add_argument("--dry-run", action="store_true", help=f"check everything and {what}; write nothing")


def dataset_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--dataset",
        default="dist/newsmark",
        metavar="DIR",
        help="a folder written by newsmark build (default: dist/newsmark)",
    )


def split_option(parser: argparse.ArgumentParser, help: str, default: str | None = None) -> None:
    from newsmark.pipeline.splits import SPLITS

    parser.add_argument("--split", default=default, choices=SPLITS, help=help)


class Deprecated(argparse.Action):
    """An old spelling kept working for one release: does what ``dest`` says, with a warning on stderr
    (never stdout, which scripts read) naming what to write instead."""

    def __init__(self, option_strings, dest, instead: str, **kwargs):
        self.instead = instead
        super().__init__(option_strings, dest, **kwargs)

    def __call__(self, parser, namespace, values, option_string=None):
        print(
            f"{parser.prog}: warning: {option_string} is deprecated and will be removed after 0.1.0: {self.instead}",
            file=sys.stderr,
        )
        setattr(namespace, self.dest, self.const if self.nargs == 0 else values)


def deprecated_flag(parser: argparse.ArgumentParser, flag: str, dest: str, instead: str, help: str) -> None:
    """``flag`` (no value) kept for this release: sets ``dest`` to True and warns."""
    parser.add_argument(
        flag, dest=dest, action=Deprecated, nargs=0, const=True, default=False, instead=instead, help=help
    )


def progress(args):
    """A progress line on stderr, only on a terminal, outside CI, without -q, and after 2 seconds."""
    if getattr(args, "quiet", False) or os.environ.get("CI") or not sys.stderr.isatty():
        return None
    import time

    started = time.monotonic()
    shown = [0.0]
    delay = float(os.environ.get("NEWSMARK_PROGRESS_AFTER", "2"))  # seconds before the bar appears

    def report(done: int, total: int | None) -> None:
        """``total`` None: the count is not known yet (a bulk import's first pass); a counter instead of a bar."""
        now = time.monotonic()
        if now - started < delay or (now - shown[0] < 0.2 and (total is None or done < total)):
            return
        shown[0] = now
        if total is None:
            sys.stderr.write(f"\r{args.command}: {done} articles checked")
        else:
            width = 30
            filled = width * done // max(total, 1)
            end = "\n" if done >= total else ""
            sys.stderr.write(f"\r{args.command} [{'#' * filled}{'.' * (width - filled)}] {done}/{total} articles{end}")
        sys.stderr.flush()

    return report


def require_corpus(root: str) -> None:
    if not (os.path.isdir(os.path.join(root, "corpus")) or os.path.isdir(os.path.join(root, "annotations"))):
        raise UsageError(f"--root {root}: not a newsmark corpus (no corpus/ or annotations/ folder)")


def is_under(path: str, folder: str) -> bool:
    return os.path.abspath(path).startswith(os.path.abspath(folder) + os.sep)
