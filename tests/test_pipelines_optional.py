"""The Dagster layer is optional: the app never imports it, and `pipelines` without the extra is
one clear line. These run with or without Dagster installed (Dagster is blocked here)."""

import pkgutil
import subprocess
import sys

import just_dna_desktop

BLOCK_DAGSTER = """
import importlib.abc, sys
class BlockDagster(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0].startswith('dagster'):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
sys.meta_path.insert(0, BlockDagster())
"""


def test_the_app_never_imports_dagster():
    modules = [m.name for m in pkgutil.walk_packages(just_dna_desktop.__path__, "just_dna_desktop.")
               if not m.name.startswith("just_dna_desktop.pipelines")
               and m.name != "just_dna_desktop.__main__"]  # that one starts the app
    assert {"just_dna_desktop.cli", "just_dna_desktop.gui.main_window",
            "just_dna_desktop.core.workspace.scheduler"} <= set(modules)
    code = BLOCK_DAGSTER + "".join(f"import {m}\n" for m in modules) + (
        "assert not [m for m in sys.modules if m.startswith(('dagster', 'just_dna_desktop.pipelines'))]\n")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_pipelines_without_the_extra_is_one_line_with_the_install_command(tmp_path):
    code = BLOCK_DAGSTER + "from just_dna_desktop.cli import main\nsys.exit(main(['pipelines']))\n"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60, env={"JUST_DNA_DESKTOP_DATA_DIR": str(tmp_path),
                                             "PATH": "/usr/bin:/bin"})
    assert result.returncode == 1
    assert result.stderr == ("error: the Dagster pipelines are not installed (dagster is missing): "
                             "install them with uv sync --extra pipelines "
                             "(or pip install 'just-dna-desktop[pipelines]')\n")
    assert result.stdout == "" and not (tmp_path / "interim" / "dagster").exists()
