"""`findings USER/SAMPLE|OUTPUT.parquet`: what the installed annotation modules say about an
annotated sample (made now when they are missing or out of date; the reference join is not
redone)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from .common import (EXIT_OK, add_path_flags, print_json, run_recorded,
                     settings_from_flags)


def add_findings_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("target", metavar="USER/SAMPLE|OUTPUT.parquet",
                        help="a sample of the workspace, or an annotated parquet file")
    parser.add_argument("--json", action="store_true", help="print the findings as JSON")
    add_path_flags(parser)


def run_findings(args: argparse.Namespace) -> int:
    from ..core.modules.findings import findings_due, findings_path
    from ..core.modules.store import ModuleStore
    from ..core.results.sample_findings import read_sample_findings
    from .report import report_target

    output, key, _ = report_target(args)
    settings = settings_from_flags(args)
    store = ModuleStore(settings.cache_dir)
    if findings_due(output, *store.usable()) or not findings_path(output).is_file():
        user, sample = key.split("/", 1) if key else (None, None)
        update_recorded(settings, store, output, user, sample)
    findings = read_sample_findings(output, key)
    if args.json:
        print_json(findings.to_dict())
    else:
        print(findings.as_text())
    return EXIT_OK


def update_recorded(settings, store, output: Path, user: str | None, sample: str | None,
                    trigger: str = "manual") -> dict[str, Any]:
    """The findings of `output` made in this process, recorded in the history as a `findings`
    run (no partition: it never changes the sample's annotation state); their summary."""
    from ..core.modules.findings import update_findings
    from ..core.workspace.history import History

    history = History(settings.history_file)
    try:
        run_id = history.record(kind="findings", trigger=trigger, user=user, sample=sample,
                                status="running", config={"annotated": str(output)})
        return run_recorded(history, run_id, lambda: update_findings(output, store).summary())
    finally:
        history.close()
