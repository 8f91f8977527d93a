"""The Dagster layer's tests: run with the `pipelines` extra (`uv run --extra pipelines pytest`,
as scripts/test.sh and CI do). Without Dagster this folder is left out, with one line saying so."""

import importlib.util
import shutil

import pytest

HAVE_DAGSTER = importlib.util.find_spec("dagster") is not None
SKIP_REASON = ("tests/pipelines not run: Dagster is not installed "
               "(uv run --extra pipelines pytest runs them)")

if not HAVE_DAGSTER:
    collect_ignore_glob = ["test_*.py"]

    def pytest_report_header(config):
        return SKIP_REASON

    def pytest_terminal_summary(terminalreporter):
        terminalreporter.write_line(SKIP_REASON, yellow=True)


def pytest_collection_modifyitems(config, items):
    # Dagster's own resource set-up calls a method it deprecated: not ours to fix.
    quiet = pytest.mark.filterwarnings("ignore:InitResourceContext.dagster_run:DeprecationWarning")
    for item in items:
        if "tests/pipelines/" in item.nodeid:
            item.add_marker(quiet)


@pytest.fixture
def lab(isolated_paths):
    from just_dna_desktop.core.reference.demo import DEMO_REFERENCE_DIR
    from just_dna_desktop.core.reference.cache import write_manifest
    from just_dna_desktop.core.workspace.settings import load_settings
    from pipeline_helpers import REVISION, Lab

    settings = load_settings()
    shutil.copytree(DEMO_REFERENCE_DIR, settings.reference_dir)
    write_manifest(settings.reference_dir, {"repo_id": "just-dna-seq/ensembl_variations",
                                            "revision": REVISION})
    return Lab(settings)


@pytest.fixture
def instance():
    import dagster as dg

    with dg.DagsterInstance.ephemeral() as instance:
        yield instance
