"""Time how findings are said: arranging a sample's findings (core.results.sample_findings) and
rendering the HTML report with them (core.results.report), for 1,000 to 100,000 findings.

    uv run python benchmarks/findings_report.py [--findings 1000 10000 100000] [--runs 5]

The findings are synthetic rows in findings.py's FINDING_COLUMNS, spread over four modules (one a
drug table naming 50 drugs), with priorities, weights, ClinVar classes, ClinPGx levels and PubMed
IDs mixed as real modules mix them; the sample summary is a tiny real one (the bundled demo), so
the time is the findings'. Prints per size: arrange and render seconds (median, min), the HTML's
size, and the process's peak RSS.
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import tempfile
import time
from pathlib import Path

import polars as pl

from just_dna_desktop.core.engine.annotate import annotate_vcf
from just_dna_desktop.core.modules.findings import FINDING_COLUMNS
from just_dna_desktop.core.reference.demo import DEMO_REFERENCE_DIR, DEMO_VCF
from just_dna_desktop.core.results.report import render_report
from just_dna_desktop.core.results.sample_findings import arrange
from just_dna_desktop.core.results.summary import summarize

MODULES = ("clinvar_panel", "longevity", "traits", "pgx")


def synthetic(n: int, seed: int = 7) -> tuple[pl.DataFrame, dict]:
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        module = MODULES[i % len(MODULES)]
        drug = f"drug{rng.randrange(50)}" if module == "pgx" else None
        rows.append({
            "module": module, "rsid": f"rs{1000 + i}", "chrom": str(1 + i % 22),
            "start": 10_000 + i * 97, "ref": "G", "genotype": rng.choice(["A/G", "A/A", "G/G"]),
            "zygosity": None, "state": rng.choice(["risk", "protective", "neutral", None]),
            "weight": None if module == "pgx" else round(rng.uniform(-2, 2), 2),
            "priority": rng.choice(["high", "medium", "low", None]),
            "conclusion": f"What genotype {i} means, in the curator's words, about one line long.",
            "gene": f"GENE{i % 300}", "phenotype": f"Phenotype {i % 120}",
            "category": "drug_response" if module == "pgx" else "trait",
            "pmids": [str(10_000_000 + i), str(20_000_000 + i)][: rng.randrange(3)],
            "clin_sig": rng.choice(["pathogenic", "likely_pathogenic", "risk_factor", None])
            if module == "clinvar_panel" else None,
            "evidence_level": rng.choice(["1A", "1B", "2A", "3"]) if module == "pgx" else None,
            "stat_significance": rng.choice(["significant", "suggestive", None]),
            "direction": None, "drug": drug, "response": "changed" if drug else None,
            "phenotype_category": "efficacy" if drug else None, "requires_callable": False,
            "matched_by": "position",
        })
    frame = pl.DataFrame(rows, schema=FINDING_COLUMNS)
    metadata = {"modules": [{"name": m, "title": m.replace("_", " ").title(), "version": "1.0.0",
                             "digest": "sha256:" + "0" * 64, "verified": True,
                             "license": "CC0-1.0", "curator": "bench", "sites": n,
                             "not_in_file": n // 2, "filtered": 3} for m in MODULES],
                "modules_refused": [], "match_by": "position"}
    return frame, metadata


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--findings", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        output = Path(folder) / "demo.parquet"
        annotate_vcf(DEMO_VCF, DEMO_REFERENCE_DIR, output)
        summary = summarize(output)
    for n in args.findings:
        frame, metadata = synthetic(n)
        arranging, rendering, size = [], [], 0
        for _ in range(args.runs):
            start = time.perf_counter()
            summary.findings = arrange(frame, metadata, "bench/sample")
            arranging.append(time.perf_counter() - start)
            start = time.perf_counter()
            size = len(render_report(summary).encode())
            rendering.append(time.perf_counter() - start)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"{n:>7,} findings: arrange median {statistics.median(arranging):.3f} s "
              f"(min {min(arranging):.3f}), render median {statistics.median(rendering):.3f} s "
              f"(min {min(rendering):.3f}), HTML {size / 1e6:.1f} MB, peak RSS {peak:.0f} MB")


if __name__ == "__main__":
    main()
