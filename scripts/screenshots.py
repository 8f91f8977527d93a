"""Regenerate the README's screenshots of the window (docs/screenshots/*.png).

Run under a virtual display so the real platform plugin (xcb) draws fonts and widgets:

    xvfb-run -a -s "-screen 0 1400x900x24" uv run python scripts/screenshots.py [light|dark] [--only NAME,...]

Offscreen (QT_QPA_PLATFORM=offscreen) draws the same widgets, but an open menu is cut to its
small virtual screen: keep 09-columns-menu from a run under a display.

Everything happens in a temporary data folder with the bundled demo: nothing touches your own.
The annotation modules come from a loopback Hub (tests/hub_server.py) offering the test modules
(resources/demo/modules) in the layout of just-dna-seq/annotators: nothing is downloaded.
`--only 14-modules,15-summary-findings` saves those pictures alone (the others stay as they are).
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


def partial_vcf(folder: Path) -> Path:
    """The demo's chromosome 21 calls plus three on chromosome 22, which the bundled reference
    slice lacks: a partial result."""
    from just_dna_desktop.core.reference.demo import DEMO_VCF

    path = folder / "genome-with-chr22.vcf"
    path.write_text(DEMO_VCF.read_text() + "".join(
        f"22\t{pos}\t.\t{ref}\t{alt}\t.\t.\t.\tGT\t0|1\n"
        for pos, ref, alt in ((17065000, "A", "G"), (17066000, "C", "T"), (17067000, "G", "A"))))
    return path


def grch37_vcf_without_rsids(folder: Path) -> Path:
    """An older lab export: GRCh37 contig lengths and no rsIDs, so it can be matched neither by
    position nor by rsID (the failed-sample page)."""
    from just_dna_desktop.core.reference.demo import DEMO_VCF

    lines = []
    for line in DEMO_VCF.read_text().splitlines():
        if line.startswith("##contig=<ID=21"):
            line = "##contig=<ID=21,length=48129895>"
        elif line.startswith("##contig=<ID=22"):
            line = "##contig=<ID=22,length=51304566>"
        elif not line.startswith("#"):
            fields = line.split("\t")
            fields[2] = "."
            line = "\t".join(fields)
        lines.append(line)
    path = folder / "old-lab-export.vcf"
    path.write_text("\n".join(lines) + "\n")
    return path


def main() -> int:
    data = Path(tempfile.mkdtemp(prefix="just-dna-shots-"))
    try:
        return take(data)
    finally:
        import shutil

        shutil.rmtree(data, ignore_errors=True)  # the throw-away workspace (and cache copy)


def module_hub():
    """A loopback Hub offering the test modules as just-dna-seq/annotators publishes modules."""
    sys.path.insert(0, str(ROOT / "tests"))
    from hub_server import HubServer

    from just_dna_desktop.core.reference.demo import DEMO_MODULES_DIR

    hub = HubServer().start()
    files = {f"data/{folder.name}/{path.name}": path.read_bytes()
             for folder in sorted(DEMO_MODULES_DIR.iterdir()) if folder.is_dir()
             for path in folder.iterdir() if path.name != "NOTICE"}
    hub.add_repo("just-dna-seq/annotators", files)
    os.environ["HF_ENDPOINT"] = hub.endpoint
    return hub


def take(data: Path) -> int:
    os.environ["JUST_DNA_DESKTOP_DATA_DIR"] = str(data / "data")
    os.environ["JUST_DNA_PIPELINES_CACHE_DIR"] = str(data / "cache")
    sys.path.insert(0, str(ROOT))
    hub = module_hub()
    try:
        return take_all(data)
    finally:
        hub.stop()


def take_all(data: Path) -> int:
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from just_dna_desktop.core.workspace import settings as core_settings
    from just_dna_desktop.core.reference.demo import DEMO_REFERENCE_DIR, DEMO_VCF
    from just_dna_desktop.gui.app import apply_theme
    from just_dna_desktop.gui.import_dialog import ImportDialog
    from just_dna_desktop.gui.main_window import MainWindow

    import argparse

    parser = argparse.ArgumentParser(description="Regenerate the README's screenshots.")
    parser.add_argument("theme", nargs="?", default="light", choices=("light", "dark"))
    parser.add_argument("--only", default="", metavar="NAME,...",
                        help="save only these pictures (names without -dark.png)")
    options = parser.parse_args()
    theme = options.theme
    only = set(filter(None, options.only.split(","))) or None
    app = QApplication.instance() or QApplication(["just-dna-desktop"])
    apply_theme(app, theme)
    OUT.mkdir(parents=True, exist_ok=True)
    suffix = "" if theme == "light" else f"-{theme}"

    def shot(widget, name: str) -> None:
        settle(app)
        if only is not None and name not in only:
            return
        path = OUT / f"{name}{suffix}.png"
        widget.grab().save(str(path))
        print("saved", path.relative_to(ROOT))

    def screen_shot(window, name: str, *popups) -> None:
        """The window as the screen shows it, with its open popup menus (grab() leaves them
        out), wide enough for a menu that reaches past the window's edge."""
        settle(app)
        if only is not None and name not in only:
            return
        path = OUT / f"{name}{suffix}.png"
        area = window.frameGeometry()
        for popup in popups:
            area = area.united(popup.geometry())
        area = area.intersected(window.screen().geometry())
        window.screen().grabWindow(0, area.x(), area.y(), area.width(),
                                   area.height()).save(str(path))
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

    window.results.clinical.setChecked(True)  # (ticks Carried only too)
    shot(window, "03-results-clinically-flagged")
    window.results.clinical.setChecked(False)
    window.results.carried.setChecked(False)

    # The Columns menu, open: presets, then the columns by group with their descriptions.
    button = window.results.columns_button
    menu = window.results.columns_menu
    menu.popup(button.mapToGlobal(button.rect().bottomLeft()))
    wait(app, menu.isVisible)
    clinical = window.results.group_menus["Clinical"]
    menu.setActiveAction(clinical.menuAction())
    QTest.keyClick(menu, Qt.Key.Key_Right)  # opens the group, as a person would
    wait(app, clinical.isVisible)
    screen_shot(window, "09-columns-menu", menu, clinical)
    menu.close()

    # A partial result (the slice has no chromosome 22) and a file that cannot be matched at all.
    extra = data / "extra"
    extra.mkdir()
    window.start_import([(partial_vcf(extra), "dave", "genome-with-chr22")])
    wait(app, lambda: "dave/genome-with-chr22" in done)
    window.start_import([(grch37_vcf_without_rsids(extra), "erin", "old-lab-export")])
    wait(app, lambda: window.samples.index_of("erin/old-lab-export").isValid()
         and window.samples.entry(window.samples.index_of("erin/old-lab-export")).state == "failed")
    window.tree.expandAll()
    window.tree.setCurrentIndex(window.samples.index_of("dave/genome-with-chr22"))
    window.show_tab(window.results)
    shot(window, "10-partial-sample")
    window.tree.setCurrentIndex(window.samples.index_of("erin/old-lab-export"))
    shot(window, "11-failed-sample")

    # The smallest screens it is made for: the table at 1024x640, the Summary at 1280x800.
    for (width, height), name, tab in (((1024, 640), "12-window-1024x640", window.results),
                                       ((1280, 800), "13-window-1280x800", window.summary_view)):
        window.resize(width, height)
        window.tree.setCurrentIndex(window.samples.index_of("alice/HG00096"))
        wait(app, lambda: window.summary_view.summary is not None)
        window.show_tab(tab)
        shot(window, name)
    window.resize(1360, 860)

    window.show_tab(window.history_view)
    window.history_view.table.selectRow(0)
    shot(window, "04-run-history")

    window.show_tab(window.reference_panel)
    shot(window, "05-reference-and-lineage")

    # The annotation modules: what the (loopback) Hub offers, all got; the samples' findings are
    # made by the queue at once; then alice's Summary says them.
    panel = window.modules_panel
    window.show_tab(panel)
    wait(app, lambda: panel.listing is not None and panel.list_job is None)
    panel.confirm_get = lambda modules, folder, free: True
    panel.ask_get(panel.listing.available)
    wait(app, lambda: panel.job is None and not window.scheduler.queued()
         and not [j for j in window.jobs.running if j.kind == "findings"], timeout=120)
    settle(app, 1.0)
    panel.installed_table.clearSelection()
    shot(window, "14-modules")
    window.tree.setCurrentIndex(window.samples.index_of("alice/HG00096"))
    window.show_tab(window.summary_view)
    wait(app, lambda: window.summary_view.findings.page is not None)
    shot(window, "15-summary-findings")

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
        # A fresh copy of the cache, so the run includes its one-time preparation and is still
        # running when the picture is taken (with the prepared copy it ends within a second).
        import shutil

        fresh = data / "bench-cache" / "ensembl_variations"
        shutil.copytree(bench_reference, fresh)
        busy = MainWindow(settings, reference_dir=fresh)
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
