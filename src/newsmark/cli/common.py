"""What the subcommands of every family share: the flags defined once (``--root``, ``-j``), the way a
subcommand is declared (wrapped description, examples printed as written), the progress bar, and the
usage error that exits 2."""

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


def command(commands, name: str, help: str, description: str, epilog: str) -> argparse.ArgumentParser:
    """A subcommand: its description is wrapped to the terminal's usual width, its epilog (exit status,
    worked examples) is printed as written. Only the subcommand being run is built when ``commands``
    says which (``build_parser(only=...)``)."""
    if isinstance(commands, Skipped) or getattr(commands, "newsmark_only", name) != name:
        return Skipped()
    return commands.add_parser(
        name,
        help=help,
        description=textwrap.fill(description, 88),
        epilog=epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def jobs_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-j",
        "--jobs",
        type=int,
        metavar="N",
        help="worker processes (default: one per core; 1 runs everything in this process)",
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


def root_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--root",
        default=".",
        metavar="DIR",
        help="the corpus folder holding corpus/ and annotations/ (default: the current folder)",
    )


def require_corpus(root: str) -> None:
    if not (os.path.isdir(os.path.join(root, "corpus")) or os.path.isdir(os.path.join(root, "annotations"))):
        raise UsageError(f"--root {root}: not a newsmark corpus (no corpus/ or annotations/ folder)")


def is_under(path: str, folder: str) -> bool:
    return os.path.abspath(path).startswith(os.path.abspath(folder) + os.sep)
