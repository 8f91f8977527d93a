"""Fixtures for the window tests: a MainWindow over the test's isolated data folder."""

import pytest

from just_dna_desktop.core.workspace import settings as core_settings
from just_dna_desktop.core.reference.demo import DEMO_REFERENCE_DIR


@pytest.fixture(autouse=True)
def gc_on_the_gui_thread(qapp):
    """As the window does (gui/gc_guard.py): a Qt object in a cycle is never freed on a pool thread.
    Per test: the tests outside this folder keep Python's own collection."""
    from just_dna_desktop.gui.gc_guard import collect_on_gui_thread

    collector = collect_on_gui_thread(qapp)
    yield
    collector.stop()


@pytest.fixture
def make_window(qtbot):
    windows = []

    def make(auto_annotate: bool = True, reference_dir=DEMO_REFERENCE_DIR):
        from just_dna_desktop.gui.main_window import MainWindow

        settings = core_settings.load_settings()
        if not auto_annotate:
            core_settings.write_settings(settings.settings_file, {"auto_annotate": False})
            settings = core_settings.load_settings()
        window = MainWindow(settings, reference_dir=reference_dir)
        windows.append(window)
        return window

    yield make
    # Shut down first (cancels jobs), then close: closing a window with running jobs would ask
    # the person in a modal box, which pytest-qt's own closing of registered widgets would hit.
    for window in windows:
        window.shutdown()
        window.close()
        window.deleteLater()
