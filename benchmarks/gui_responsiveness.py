"""The window under load: event-loop delay while annotating, and the time to open big results.

    uv run python benchmarks/gui_responsiveness.py [--vcf V] [--reference DIR] [--rows 5000000]

Defaults use benchmarks/data (make it with benchmarks/generate.py) or, without it, the bundled demo.
Runs offscreen in a temporary data folder. Prints a JSON summary:
- annotate: the run's wall time and the event loop's worst and 99th-percentile delay during it
  (a 50 ms timer; the goal is < 100 ms: annotation runs in a child process, the window only
  receives signals);
- results: seconds to open a parquet of `--rows` rows (first page shown) and to apply a filter,
  a sort (by MAF, by rs number, in chromosome order), and scroll to the middle.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "benchmarks" / "data"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--vcf", type=Path, default=DATA / "vcf" / "wgs.vcf.gz")
    parser.add_argument("--reference", type=Path, default=DATA / "cache" / "ensembl_variations")
    parser.add_argument("--rows", type=int, default=5_000_000)
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    tmp = Path(tempfile.mkdtemp(prefix="just-dna-gui-bench-"))
    os.environ["JUST_DNA_DESKTOP_DATA_DIR"] = str(tmp / "data")
    os.environ["JUST_DNA_PIPELINES_CACHE_DIR"] = str(tmp / "cache")
    sys.path.insert(0, str(ROOT))

    import polars as pl
    from PySide6.QtWidgets import QApplication

    from just_dna_desktop.core.workspace import settings as core_settings
    from just_dna_desktop.core.reference.demo import DEMO_REFERENCE_DIR, DEMO_VCF
    from just_dna_desktop.gui.main_window import MainWindow
    from just_dna_desktop.gui.results_model import ResultsModel

    vcf, reference = args.vcf, args.reference
    if not vcf.is_file() or not reference.is_dir():
        vcf, reference = DEMO_VCF, DEMO_REFERENCE_DIR
    app = QApplication.instance() or QApplication([])
    settings = core_settings.load_settings()
    window = MainWindow(settings, reference_dir=reference)
    window.show()
    delays: list[float] = []
    window.probe.delay_ms.connect(delays.append)
    done: list[str] = []
    window.sample_annotated.connect(done.append)
    failed: list[str] = []
    window.jobs.job_done.connect(lambda job: failed.append(job.error) if job.state == "failed" else None)
    started = time.perf_counter()
    window.start_import([(vcf, "bench", "genome")])
    while not done and not failed:
        app.processEvents()
        time.sleep(0.005)
    annotate_sec = time.perf_counter() - started
    delays.sort()
    summary: dict = {"vcf": str(vcf), "reference": str(reference),
                     "annotate": {"status": "failed: " + failed[0] if failed else "succeeded",
                                  "wall_sec": round(annotate_sec, 2),
                                  "event_loop_ticks": len(delays),
                                  "max_delay_ms": round(delays[-1], 1) if delays else None,
                                  "p99_delay_ms": round(delays[int(len(delays) * 0.99)], 1)
                                  if delays else None}}
    window.shutdown()

    path = tmp / "big.parquet"
    n = args.rows
    i = pl.int_range(0, n, dtype=pl.UInt32)
    h = (i.cast(pl.UInt64) * 2654435761) % 4294967291
    frame = pl.select(chrom=(i * 22 // n + 1).cast(pl.String), start=(i * 9 + 10_000).cast(pl.UInt32),
                      ref=pl.lit("ACGT").str.slice((h % 4).cast(pl.Int64), 1),
                      alt=pl.lit("CGTA").str.slice((h // 7 % 4).cast(pl.Int64), 1),
                      gt=pl.lit("0/1"), rsid=pl.format("rs{}", h),
                      **{f"clin_{k}": (h % m == 0) for k, m in (("pathogenic", 1000), ("benign", 97))},
                      **{f"e_{k}": (h % 3 == 0) for k in ("cited", "freq", "gnomad", "1000g")},
                      tsa=pl.lit("SNV"), maf=((h % 5000).cast(pl.Float32) / 10000))
    frame.write_parquet(path, row_group_size=125_000)
    del frame
    model = ResultsModel()
    timings = {}
    t = time.perf_counter()
    model.open(path)
    model.data(model.index(0, 0))
    timings["open_and_first_page_sec"] = time.perf_counter() - t
    t = time.perf_counter()
    model.data(model.index(n // 2, 3))
    timings["jump_to_middle_sec"] = time.perf_counter() - t
    t = time.perf_counter()
    model.set_filter("", clinical_only=True)
    model.data(model.index(0, 0))
    timings["clinical_filter_sec"] = time.perf_counter() - t
    t = time.perf_counter()
    model.set_filter("rs12345")
    timings["rsid_search_sec"] = time.perf_counter() - t
    model.set_filter("")
    t = time.perf_counter()
    model.sort(model.visible_columns.index("maf"))
    model.data(model.index(n // 2, 0))
    timings["sort_by_maf_and_jump_sec"] = time.perf_counter() - t
    for column in ("rsid", "chrom"):  # by rs number and in chromosome order, not as text
        t = time.perf_counter()
        model.sort(model.visible_columns.index(column))
        model.data(model.index(n // 2, 0))
        timings[f"sort_by_{column}_and_jump_sec"] = time.perf_counter() - t
    summary["results"] = {"rows": n, "rows_fetched": model.query.rows_fetched,
                          **{k: round(v, 3) for k, v in timings.items()}}
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
