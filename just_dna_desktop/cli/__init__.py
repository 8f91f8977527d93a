"""The command line: `just-dna-desktop …`, `python -m just_dna_desktop`, and the GUI launcher.

Imports are lazy so `--version` and `--help` start fast and `annotate` never loads Qt. Expected
failures (`UserError`) print one `error: …` line and exit 1; `--debug` shows the traceback.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Sequence

from .. import __version__
from . import annotate, install_desktop_entry, pipelines, reference, report, workspace
from .common import EXIT_ERROR, add_path_flags, print_error, run_command


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="just-dna-desktop",
        description="Annotate your own genome (VCF) against the Ensembl variation reference. "
                    "Everything runs on this computer; only the reference download uses the network.")
    parser.add_argument("--version", action="version", version=f"just-dna-desktop {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    parser.add_argument("--demo", action="store_true", help="open the window on a demo workspace")
    parser.add_argument("--theme", choices=("system", "light", "dark"), default="system",
                        help="the window's colours (default: follow the system)")
    parser.add_argument("--smoke-test", metavar="REPORT.json", type=Path,
                        help="start the app, annotate the demo, write a report and quit")
    parser.add_argument("--no-dialogs", action="store_true",
                        help="window: print start-up problems (a broken settings file or run "
                             "history) instead of asking in a dialog")
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
    import multiprocessing
    import os

    multiprocessing.freeze_support()
    argv = list(sys.argv[1:] if argv is None else argv)
    # Said before Qt is imported: a missing library (libxcb-cursor0 on many desktops) would
    # otherwise end in an ImportError or Qt's abort.
    from ..system_packages import window_problem

    problem = window_problem(argv, os.environ)
    if problem:
        print_error(problem)
        return EXIT_ERROR
    try:
        from ..gui.app import run
    except ImportError as exc:
        print_error(f"the window is not available: {exc}")
        return EXIT_ERROR
    return run(argv)

