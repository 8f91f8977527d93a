"""Fixtures for the window tests: a MainWindow over the test's isolated data folder."""

import pytest

from just_dna_desktop.core import settings as core_settings
from just_dna_desktop.core.demo import DEMO_REFERENCE_DIR


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
        qtbot.addWidget(window)
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.shutdown()
