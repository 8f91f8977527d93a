"""Shared set-up for the workspace, history, runner and watch tests: a settings object on tmp
folders, a tiny chr21 reference in the real schema, and the real HG00096 VCF."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from reference_factory import write_reference

from just_dna_desktop.core.errors import Cancelled

REAL_VCF = Path("/work/shared/data/vcf/HG00096_chr21.vcf")
if not REAL_VCF.exists():  # the same file ships as the bundled demo
    from just_dna_desktop.core.demo import DEMO_VCF as REAL_VCF  # noqa: F811


def vcf_records(path: Path = REAL_VCF) -> list[tuple[int, str, str, str]]:
    rows = []
    for line in path.read_text().splitlines():
        if line.startswith("#"):
            continue
        chrom, pos, rsid, ref, alt = line.split("\t")[:5]
        rows.append((int(pos), rsid, ref, alt))
    return rows


def make_reference(cache_dir: Path) -> Path:
    """`{cache}/ensembl_variations/data/homo_sapiens-chr21.parquet` matching the real VCF."""
    reference_dir = cache_dir / "ensembl_variations"
    write_reference(reference_dir, "21", vcf_records())
    return reference_dir


def copy_vcf(target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(REAL_VCF, target)
    return target


def slow_target(job, progress, event):
    """A job body that leaves what a real annotation leaves mid-run (a half output file and a
    spill folder with a part file, under the real owner-tagged names), then waits to be cancelled
    or killed."""
    from just_dna_desktop.core.housekeeping import temp_dir, temp_file

    progress(0.1, "pretending to work")
    job.output.parent.mkdir(parents=True, exist_ok=True)
    temp_file(job.output).write_bytes(b"half a parquet file")
    (temp_dir(job.output) / "in-0-0.parquet").write_bytes(b"x" * 100_000)
    event("info", "wrote a partial file")
    for _ in range(600):
        time.sleep(0.1)
    raise Cancelled("never reached")


def undying_slow_target(job, progress, event):
    """slow_target without Linux's parent-death signal: only the sentinel thread can end it."""
    import ctypes
    import sys

    if sys.platform.startswith("linux"):
        ctypes.CDLL(None).prctl(1, 0)  # PR_SET_PDEATHSIG = 0
    return slow_target(job, progress, event)


def annotate_then_die_target(job, progress, event):
    """A real annotation, after which the child is killed before it can report to its parent."""
    import os
    import signal

    from just_dna_desktop.core.runner import annotate_target

    annotate_target(job, progress, event)
    os.kill(os.getpid(), signal.SIGKILL)


def failing_target(job, progress, event):
    from just_dna_desktop.core.errors import UserError

    raise UserError(f"{job.vcf}: deliberately broken")


def deaf_target(job, progress, event):
    """A child stuck where SIGTERM cannot reach it (as in a long native call): only SIGKILL ends it."""
    import signal

    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    event("info", "deaf now")
    time.sleep(60)
    return {}


MAKE_LEFTOVERS = """
import sys
from pathlib import Path
from just_dna_desktop.core.housekeeping import temp_dir, temp_file
output = Path(sys.argv[1])
temp_file(output).write_bytes(b"half a file")
(temp_dir(output) / "in-0-0.parquet").write_bytes(b"x" * 1000)
temp_file(output.with_name("s1.vcf"), "part").write_bytes(b"an import")
"""


def leftovers_of_a_dead_process(output: Path) -> list[str]:
    """Temporary names made beside `output` by a real process that has exited since (as after a
    kill -9): a half output file, a spill folder, an import's part file."""
    import sys

    output.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-c", MAKE_LEFTOVERS, str(output)], check=True)
    return sorted(p.name for p in output.parent.iterdir())


@contextlib.contextmanager
def mounted(target: Path, *options: str):
    """A real mount for this test (root in a container); skipped where mounting is not allowed."""
    if not target.exists():
        target.mkdir(parents=True)
    result = subprocess.run(["mount", *options, str(target)], capture_output=True, text=True) \
        if os.geteuid() == 0 else None
    if result is None or result.returncode != 0:
        pytest.skip(f"cannot mount here ({result.stderr.strip() if result else 'not root'})")
    try:
        yield target
    finally:
        subprocess.run(["umount", "-l", str(target)], check=False)


@contextlib.contextmanager
def read_only(path: Path):
    """Make a folder or a file read-only for this process: chmod for a user, a read-only bind
    mount for root (root writes through permission bits)."""
    if os.geteuid() != 0:
        mode = path.stat().st_mode
        path.chmod(0o555 if path.is_dir() else 0o444)
        try:
            yield
        finally:
            path.chmod(mode)
        return
    with mounted(path, "--bind", str(path)):
        subprocess.run(["mount", "-o", "remount,ro,bind", str(path)], check=True)
        yield
