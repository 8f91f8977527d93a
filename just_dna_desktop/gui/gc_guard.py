"""Python's cyclic garbage collection, on the GUI thread only.

The collector runs in whichever thread allocates when a threshold is crossed, and with polars,
the history and imports busy on the pool's threads that is often a pool thread. A collected cycle
that holds a Qt object then deletes the object there, and a Qt object must be deleted on its own
thread: the suite crashed once with a segfault, "Garbage-collecting" on a pool thread. So
automatic collection is switched off and a timer on the GUI thread collects by the same
thresholds (a young collection is well under a millisecond).
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QCoreApplication, QObject, QTimer

INTERVAL_MS = 250


class GuiThreadCollector(QObject):
    def __init__(self, parent: QObject):
        super().__init__(parent)
        self.thresholds = gc.get_threshold()
        self.timer = QTimer(self, interval=INTERVAL_MS)
        self.timer.timeout.connect(self.collect_due)
        self.start()

    def start(self) -> None:
        gc.disable()
        self.timer.start()

    def collect_due(self) -> None:
        """Collect the oldest generation whose count is over its threshold, as Python would."""
        counts = gc.get_count()
        for generation in (2, 1, 0):
            if counts[generation] > self.thresholds[generation]:
                gc.collect(generation)
                return

    def stop(self) -> None:
        self.timer.stop()
        gc.enable()


def collect_on_gui_thread(app: QCoreApplication) -> GuiThreadCollector:
    """Install the collector once for `app` (the window, the smoke test and the tests call it)."""
    existing = app.findChild(GuiThreadCollector)
    if existing is None:
        return GuiThreadCollector(app)
    existing.start()
    return existing
