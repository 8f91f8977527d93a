"""Regenerate the README's screenshots of the window (docs/screenshots/*.png).

Run under a virtual display so the real platform plugin (xcb) draws fonts and widgets:

    xvfb-run -a -s "-screen 0 1600x1000x24" uv run python scripts/screenshots.py

Everything happens in a temporary data folder with the bundled demo: nothing touches your own.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"


def wait(app, condition, timeout: float = 60.0) -> None:
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            raise TimeoutError("the window did not get there in time")
        app.processEvents()
        time.sleep(0.02)


def settle(app, seconds: float = 0.4) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.02)


def main() -> int:
    data = Path(tempfile.mkdtemp(prefix="just-dna-shots-"))
    os.environ["JUST_DNA_DESKTOP_DATA_DIR"] = str(data / "data")
    os.environ["JUST_DNA_PIPELINES_CACHE_DIR"] = str(data / "cache")
    sys.path.insert(0, str(ROOT))
    from PySide6.QtWidgets import QApplication

    from just_dna_desktop.core import settings as core_settings
    from just_dna_desktop.core.demo import DEMO_REFERENCE_DIR, DEMO_VCF
    from just_dna_desktop.gui.app import apply_theme
    from just_dna_desktop.gui.import_dialog import ImportDialog
    from just_dna_desktop.gui.main_window import MainWindow

    theme = sys.argv[1] if len(sys.argv) > 1 else "light"
    app = QApplication.instance() or QApplication(["just-dna-desktop"])
    apply_theme(app, theme)
    OUT.mkdir(parents=True, exist_ok=True)
    suffix = "" if theme == "light" else f"-{theme}"

    def shot(widget, name: str) -> None:
        settle(app)
        path = OUT / f"{name}{suffix}.png"
        widget.grab().save(str(path))
        print("saved", path.relative_to(ROOT))

    settings = core_settings.load_settings()
    # Both samples annotate at once here (the default waits a minute between automatic runs).
    core_settings.write_settings(settings.settings_file, {"min_interval_seconds": 0})
    settings = core_settings.load_settings()
    window = MainWindow(settings, reference_dir=DEMO_REFERENCE_DIR)
    window.resize(1360, 860)
    window.show()
    shot(window, "01-first-run")

    # Two people; alice's genome is annotated against the bundled reference slice.
    done: list[str] = []
    window.sample_annotated.connect(done.append)
    window.start_import([(DEMO_VCF, "alice", "HG00096")])
    wait(app, lambda: done)
    (settings.input_dir / "bob").mkdir(parents=True, exist_ok=True)
    window.start_import([(DEMO_VCF, "bob", "exome-2023")])
    wait(app, lambda: len(done) >= 2)
    window.refresh_samples()
    settle(app, 1.0)
    window.tree.expandAll()
    window.tree.setCurrentIndex(window.samples.index_of("alice/HG00096"))
    # An annotated sample opens on its Summary (computed on the pool).
    wait(app, lambda: window.summary_view.summary is not None)
    window.show_tab(window.summary_view)
    shot(window, "08-summary")

    window.show_tab(window.results)
    window.results.search.setText("")
    shot(window, "02-results")

    window.results.clinical.setChecked(True)
    shot(window, "03-results-clinically-flagged")
    window.results.clinical.setChecked(False)

    window.show_tab(window.history_view)
    window.history_view.table.selectRow(0)
    shot(window, "04-run-history")

    window.show_tab(window.reference_panel)
    shot(window, "05-reference-and-lineage")

    dialog = ImportDialog([Path("/home/me/Downloads/genome.vcf.gz"), Path("/home/me/Downloads/exome v2.vcf")],
                          window.samples.users, "bob", {e.key for e in window.samples.entries()}, window)
    dialog.show()
    shot(dialog, "06-import-dialog")
    dialog.close()
    window.shutdown()
    window.close()

    # A bigger run, caught mid-way, for the live metrics and the jobs panel (needs the benchmark
    # data: uv run --with numpy python benchmarks/generate.py).
    bench_vcf = ROOT / "benchmarks" / "data" / "vcf" / "wgs.vcf.gz"
    bench_reference = ROOT / "benchmarks" / "data" / "cache" / "ensembl_variations"
    if bench_vcf.is_file() and bench_reference.is_dir():
        busy = MainWindow(settings, reference_dir=bench_reference)
        busy.resize(1360, 860)
        busy.show()
        busy.tree.expandAll()
        busy.start_import([(bench_vcf, "carol", "wgs-chr22")])
        wait(app, lambda: busy.jobs.find("carol/wgs-chr22") is not None
             and busy.jobs.find("carol/wgs-chr22").fraction >= 0.1
             and len(busy.metrics.chart.samples) >= 4, timeout=120)
        busy.tree.expandAll()
        shot(busy, "07-annotating-live-metrics")
        busy.shutdown()
        settle(app)  # the cancelled run leaves the jobs list, so closing asks nothing
        busy.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
