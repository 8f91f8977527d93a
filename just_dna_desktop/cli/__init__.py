"""The command line: `just-dna-desktop …`, `python -m just_dna_desktop`, and the GUI launcher.

Imports are lazy so `--version` and `--help` start fast and `annotate` never loads Qt. Expected
failures (`UserError`) print one `error: …` line and exit 1; `--debug` shows the traceback.
"""

from __future__ import annotations

import argparse
from typing import Sequence

from .. import __version__
from . import (annotate, install_desktop_entry, pipelines, reference, report, window,
               workspace)
from .common import add_path_flags, run_command


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="just-dna-desktop",
        description="Annotate your own genome (VCF) against the Ensembl variation reference. "
                    "Everything runs on this computer; only the reference download uses the network.")
    parser.add_argument("--version", action="version", version=f"just-dna-desktop {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    window.add_window_arguments(parser)
    add_path_flags(parser, top_level=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("annotate", help="annotate one VCF or genotyping file (23andMe, "
                                        "AncestryDNA, MyHeritage, FTDNA, Living DNA, ...)")
    annotate.add_annotate_arguments(p)

    p = sub.add_parser("demo", help="annotate the bundled demo sample (no network) and show a summary")
    annotate.add_demo_arguments(p)

    p = sub.add_parser("reference", help="the Ensembl reference cache")
    reference.add_reference_arguments(p)

    p = sub.add_parser("install-desktop-entry",
                       help="add just-dna-desktop to this user's application menu (Linux)")
    install_desktop_entry.add_install_desktop_entry_arguments(p)

    p = sub.add_parser("import", help="copy a VCF or a genotyping file (23andMe, AncestryDNA, ...) "
                                      "into a user's input folder as a new sample")
    workspace.add_import_arguments(p)

    p = sub.add_parser("samples", help="list the users' samples and their states")
    workspace.add_samples_arguments(p)

    p = sub.add_parser("runs", help="the run history, newest first")
    workspace.add_runs_arguments(p)

    p = sub.add_parser("watch", help="discover samples and annotate them automatically "
                                     "until interrupted (headless)")
    workspace.add_watch_arguments(p)

    p = sub.add_parser("report", help="what an annotated sample holds: the numbers, or a "
                                      "self-contained HTML report")
    report.add_report_arguments(p)

    p = sub.add_parser("pipelines", help="the Dagster UI (the seed's pipeline) over the same "
                                         "folders; needs the `pipelines` extra")
    pipelines.add_pipelines_arguments(p)
    return parser


COMMANDS = {
    "report": report.run_report,
    "import": workspace.run_import,
    "samples": workspace.run_samples,
    "runs": workspace.run_runs,
    "watch": workspace.run_watch,
    "annotate": annotate.run_annotate,
    "demo": annotate.run_demo,
    "reference": reference.run_reference,
    "install-desktop-entry": install_desktop_entry.run_install_desktop_entry,
    "pipelines": pipelines.run_pipelines,
}


def main(argv: Sequence[str] | None = None) -> int:
    import multiprocessing

    multiprocessing.freeze_support()
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.smoke_test is not None:
        from ..smoke import run_smoke_test

        return run_smoke_test(args.smoke_test)
    if args.command is None:
        return gui_main(argv)
    return run_command(COMMANDS[args.command], args)


def gui_main(argv: Sequence[str] | None = None) -> int:
    """Open the window (the gui-script entry point lands here too)."""
    return window.open_window(argv)
