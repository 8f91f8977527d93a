"""Time core.results.summary.summarize (the Summary tab, `report`) on a genome-sized annotated output.

    uv run python benchmarks/summary.py OUTPUT.parquet [--runs 5]

Make a genome-sized output first (about 5 M allele rows; the reference generation takes a few
minutes, the annotation about 30 s):

    uv run --with numpy python benchmarks/generate.py --chromosomes 20,21,22 --scale 0.3 \\
        --wgs-per-kb 100 --out benchmarks/data/genome-summary
    uv run just-dna-desktop annotate benchmarks/data/genome-summary/vcf/wgs-100perkb.vcf.gz \\
        --cache-dir benchmarks/data/genome-summary/cache --output benchmarks/data/summary-5M.parquet

Prints wall and CPU seconds per run (median and min), the process's peak RSS, the load average,
and the numbers (so a fast wrong answer shows). Target: well under a second.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import time
from pathlib import Path

from just_dna_desktop.core.results.summary import summarize


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("output", type=Path)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    walls, cpus = [], []
    summary = None
    for _ in range(args.runs):
        wall, cpu = time.perf_counter(), time.process_time()
        summary = summarize(args.output)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    assert summary is not None
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{args.output}: {summary.allele_rows:,} allele rows, {summary.carried:,} carried, "
          f"{summary.clinical['any']:,} flagged, {summary.rare_carried:,} rare")
    print(f"wall s: median {statistics.median(walls):.3f}, min {min(walls):.3f}; "
          f"CPU s: median {statistics.median(cpus):.3f}; peak RSS {peak_mb:.0f} MB; "
          f"{args.runs} runs; load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
