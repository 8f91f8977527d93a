"""Shared set-up for the workspace, history, runner and watch tests: a settings object on tmp
folders, a tiny chr21 reference in the real schema, and the real HG00096 VCF."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

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
    """A job body that writes a half output file and then waits to be cancelled or killed."""
    progress(0.1, "pretending to work")
    job.output.parent.mkdir(parents=True, exist_ok=True)
    import os

    partial = job.output.with_name(f".{job.output.name}.{os.getpid()}.1.tmp")
    partial.write_bytes(b"half a parquet file")
    event("info", "wrote a partial file")
    for _ in range(600):
        time.sleep(0.1)
    raise Cancelled("never reached")


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
