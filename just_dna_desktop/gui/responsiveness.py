"""How responsive the window is: the event loop's delay, measured by a timer that should tick on time.

A QTimer asks to fire every `interval` ms; the delay is how late it actually fires. When annotation
blocks the GUI thread (it must not), the delay jumps to seconds; the goal is under 100 ms.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, QTimer, Signal


class EventLoopProbe(QObject):
    delay_ms = Signal(float)

    def __init__(self, interval_ms: int = 50, parent: QObject | None = None):
        super().__init__(parent)
        self.interval_ms = interval_ms
        self.max_delay_ms = 0.0
        self.samples = 0
        self._last = 0.0
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._tick)

    def start(self) -> None:
        self.reset()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def reset(self) -> None:
        self.max_delay_ms, self.samples = 0.0, 0
        self._last = time.perf_counter()

    def _tick(self) -> None:
        now = time.perf_counter()
        delay = max((now - self._last) * 1000.0 - self.interval_ms, 0.0)
        self._last = now
        self.samples += 1
        self.max_delay_ms = max(self.max_delay_ms, delay)
        self.delay_ms.emit(delay)
