"""core/ must import and run without PySide6, so the CLI and `watch` never load Qt."""

import pkgutil
import subprocess
import sys

import just_dna_desktop.core as core

BLOCK_QT = """
import importlib.abc, sys
class BlockQt(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in ('PySide6', 'shiboken6', 'qasync', 'PyQt5', 'PyQt6'):
            raise ImportError('Qt is blocked in this test: ' + name)
sys.meta_path.insert(0, BlockQt())
"""


def test_every_core_module_imports_without_qt():
    modules = [m.name for m in pkgutil.walk_packages(core.__path__, "just_dna_desktop.core.")]
    assert "just_dna_desktop.core.engine.annotate" in modules
    code = BLOCK_QT + "".join(f"import {m}\n" for m in modules) + "import just_dna_desktop.cli\n"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_version_and_help_load_neither_qt_nor_polars():
    code = ("import sys, just_dna_desktop.cli as c\n"
            "for argv in (['--version'], ['--help'], ['annotate', '--help']):\n"
            "    try: c.main(argv)\n"
            "    except SystemExit: pass\n"
            "loaded = [m for m in ('polars', 'PySide6') if m in sys.modules]\n"
            "assert not loaded, loaded\n")
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
