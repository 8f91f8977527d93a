"""Cyclic garbage is collected on the GUI thread only (gui/gc_guard.py)."""

import gc
import threading

from PySide6.QtCore import QObject

from just_dna_desktop.gui.gc_guard import GuiThreadCollector, collect_on_gui_thread


class Cycle(QObject):
    """A Qt object in a reference cycle, which only the cyclic collector frees."""

    def __init__(self, freed_on: list):
        super().__init__()
        self.me = self
        self.freed_on = freed_on

    def __del__(self):
        self.freed_on.append(threading.get_ident())


def test_a_cycle_made_on_a_pool_like_thread_is_freed_on_the_gui_thread(qtbot, qapp):
    collector = collect_on_gui_thread(qapp)
    assert collect_on_gui_thread(qapp) is collector  # once per application
    assert not gc.isenabled()
    freed_on: list[int] = []
    kept = []

    def worker():
        Cycle(freed_on)  # garbage at once, but in a cycle
        kept.extend([] for _ in range(5_000))  # allocations that would set the collector off here

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    assert freed_on == []  # nothing collected on the worker
    qtbot.waitUntil(lambda: bool(freed_on), timeout=5_000)  # the timer's young collection frees it
    assert freed_on == [threading.get_ident()]


def test_collect_due_follows_the_thresholds(qapp, monkeypatch):
    collector = collect_on_gui_thread(qapp)
    collected = []
    monkeypatch.setattr(gc, "collect", lambda generation=2: collected.append(generation))
    for counts, expected in (((10, 0, 0), []), ((701, 0, 0), [0]), ((701, 11, 0), [1]),
                             ((5, 11, 11), [2])):
        monkeypatch.setattr(gc, "get_count", lambda counts=counts: counts)
        collected.clear()
        collector.collect_due()
        assert collected == expected, counts
    assert isinstance(collector, GuiThreadCollector)
