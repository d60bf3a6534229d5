"""What the old-against-new benchmarks measure of one command, in one place.

``measured`` runs a command in a fresh process under a small wrapper (so that the figures are those of the
command and its children, not of the benchmark) with CI=true (no progress bars) and, when given, the
newsmark of another source folder on PYTHONPATH. ``same_tree`` compares two outputs byte for byte.
"""

from __future__ import annotations

import filecmp
import os
import subprocess
import sys
from pathlib import Path

# wall seconds, CPU seconds (user + system of every process of the command), peak RSS of its largest
# process (MiB), exit status; then the tail of its output, for a failure's message and for comparing
_WRAPPER = (
    "import resource, subprocess, sys, time\n"
    "t = time.perf_counter()\n"
    "r = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
    "wall = time.perf_counter() - t\n"
    "u = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "sys.stdout.write(f'{wall} {u.ru_utime + u.ru_stime} {u.ru_maxrss / 1024} {r.returncode}\\n'"
    " + r.stdout[-2000:] + r.stderr[-2000:])\n"
)


def measured(command: list[str], code: str | None = None, ok=("0",)) -> tuple[float, float, float, str]:
    """Wall seconds, CPU seconds, peak RSS (MiB) and the tail of the output of one run of ``command``, with
    the newsmark of the source folder ``code`` (None: the environment's). An exit status not in ``ok``
    stops the benchmark with the command's output."""
    env = {**os.environ, "CI": "true", "HF_HUB_OFFLINE": "1"}
    if code is not None:
        env["PYTHONPATH"] = code
    out = subprocess.run([sys.executable, "-c", _WRAPPER, *command], capture_output=True, text=True, env=env).stdout
    first, _, rest = out.partition("\n")
    wall, cpu, peak, status = first.split()
    if status not in ok:
        raise SystemExit(f"{' '.join(command)} failed ({status}):\n{rest}")
    return float(wall), float(cpu), float(peak), rest


def same_tree(a: Path, b: Path) -> bool:
    """Whether two folders hold the same names and the same bytes in every file."""
    compared = filecmp.dircmp(a, b)
    if compared.left_only or compared.right_only or compared.funny_files:
        return False
    _, mismatch, errors = filecmp.cmpfiles(a, b, compared.common_files, shallow=False)
    return not mismatch and not errors and all(same_tree(a / name, b / name) for name in compared.common_dirs)
