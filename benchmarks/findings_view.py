"""Time the Summary tab's findings (gui/findings_view.py) at genome size: drawing a sample's
findings, opening a fold, "Show all" on one module, a fold and a resize after it.

    QT_QPA_PLATFORM=offscreen uv run python benchmarks/findings_view.py [--findings 1000 10000 100000]

The findings are findings_report.py's synthetic ones (four modules, one a drug table naming 50
drugs), arranged by the core beforehand (its time is in findings_report.py); the view is 900 px
wide, as in a 1280x800 window. Each step is timed until the event loop has drawn it. Prints per
size: the seconds of each step and the findings the document shows before and after "Show all".
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from findings_report import synthetic  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--findings", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    args = parser.parse_args()
    from PySide6.QtCore import QUrl
    from PySide6.QtWidgets import QApplication

    from just_dna_desktop.core.results.sample_findings import arrange
    from just_dna_desktop.gui.findings_view import FindingsView, ModulesState

    app = QApplication([])

    def timed(step) -> float:
        start = time.perf_counter()
        step()
        app.processEvents()
        return time.perf_counter() - start

    for n in args.findings:
        frame, metadata = synthetic(n)
        found = arrange(frame, metadata, "bench/sample")
        view = FindingsView()
        view.resize(900, 600)
        view.show()
        app.processEvents()
        draw = timed(lambda: view.show_findings(found, ModulesState(4, False), "bench/sample"))
        first = view.browser.toPlainText().count("How sure: ")
        fold = timed(lambda: view.browser.anchorClicked.emit(QUrl("fold:0")))
        biggest = max(range(len(found.sections)), key=lambda i: len(found.sections[i].general))
        more = timed(lambda: view.browser.anchorClicked.emit(QUrl(f"more:module:{biggest}")))
        fold_after = timed(lambda: view.browser.anchorClicked.emit(QUrl("fold:1")))
        resize = timed(lambda: view.resize(700, 600))
        shown = view.browser.toPlainText().count("How sure: ")
        print(f"{n:>7,} findings: draw {draw:.3f} s ({first:,} shown), fold {fold:.3f} s, "
              f"show all once {more:.3f} s ({shown:,} shown), fold after {fold_after:.3f} s, "
              f"resize {resize:.3f} s")
        view.close()
        view.deleteLater()
        app.processEvents()


if __name__ == "__main__":
    main()
