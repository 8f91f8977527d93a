"""The command line: `just-dna-desktop …`, `python -m just_dna_desktop`, and the GUI launcher.

Imports are lazy so `--version` and `--help` start fast and `annotate` never loads Qt. Expected
failures (`UserError`) print one `error: …` line and exit 1; `--debug` shows the traceback.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, Sequence

from .. import __version__
from . import annotate, install_desktop_entry, reference
from .common import (EXIT_ERROR, EXIT_OK, add_path_flags, print_error, print_json, run_command,
                     settings_from_flags)


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
    _add_workspace_parsers(sub)
    _add_report_parser(sub)
    _add_pipelines_parser(sub)
    return parser


def _add_report_parser(sub) -> None:
    p = sub.add_parser("report", help="what an annotated sample holds: the numbers, or a "
                                      "self-contained HTML report")
    p.add_argument("target", metavar="USER/SAMPLE|OUTPUT.parquet",
                   help="a sample of the workspace, or an annotated parquet file")
    p.add_argument("--output", type=Path, metavar="REPORT.html",
                   help="write the HTML report here (it loads nothing from the network)")
    p.add_argument("--json", action="store_true", help="print the numbers as JSON")
    add_path_flags(p)


def _add_pipelines_parser(sub) -> None:
    p = sub.add_parser("pipelines", help="the Dagster UI (the seed's pipeline) over the same "
                                         "folders; needs the `pipelines` extra")
    p.add_argument("--port", type=int, default=3005, help="web UI port (default 3005)")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1: this computer only)")
    add_path_flags(p)


def _add_workspace_parsers(sub) -> None:
    p = sub.add_parser("import", help="copy a VCF or a genotyping file (23andMe, AncestryDNA, ...) "
                                      "into a user's input folder as a new sample")
    p.add_argument("vcf", type=Path, metavar="FILE")
    p.add_argument("--user", required=True, help="whose sample it is")
    p.add_argument("--sample", help="sample name (default: the file name without .vcf[.gz], "
                                    ".txt, .csv, .zip...)")
    add_path_flags(p)

    p = sub.add_parser("samples", help="list the users' samples and their states")
    p.add_argument("--json", action="store_true")
    add_path_flags(p)

    p = sub.add_parser("runs", help="the run history, newest first")
    p.add_argument("--user", help="only this user's runs")
    p.add_argument("--limit", type=int, default=50, help="at most this many runs (default 50)")
    p.add_argument("--json", action="store_true")
    add_path_flags(p)

    p = sub.add_parser("watch", help="discover samples and annotate them automatically "
                                     "until interrupted (headless)")
    p.add_argument("--min-interval", type=float, metavar="SECONDS",
                   help="seconds between automatic runs (default: settings file, 60)")
    p.add_argument("--stable-seconds", type=float, default=2.0, metavar="SECONDS",
                   help="a file counts once its size and mtime stayed the same this long (2)")
    add_path_flags(p)


def cmd_import(args: argparse.Namespace) -> int:
    from ..core.workspace.names import printable
    from ..core.workspace.samples import Workspace, sample_name_of

    settings = settings_from_flags(args)
    target = Workspace.from_settings(settings).import_sample(args.vcf, args.user, args.sample)
    print(printable(f"imported {args.vcf} as {target.parent.name}/{sample_name_of(target.name)}: "
                    f"{target}"))
    return EXIT_OK


def cmd_samples(args: argparse.Namespace) -> int:
    from ..core.workspace.history import History
    from ..core.workspace.names import printable
    from ..core.workspace.samples import Workspace

    settings = settings_from_flags(args)
    with History(settings.history_file) as history:
        workspace = Workspace.from_settings(settings, history)
        samples = workspace.scan()
    if args.json:
        print_json({"input_dir": str(settings.input_dir), "output_dir": str(settings.output_dir),
                     "samples": [s.to_dict() for s in samples],
                     "rejected": [{"path": str(r.path), "reason": r.reason}
                                  for r in workspace.rejected]})
        return EXIT_OK
    if not samples:
        print(f"no samples yet: put VCF or genotyping files in {settings.input_dir}/<user>/ "
              "or use `just-dna-desktop import`")
    for s in samples:
        last = f"  (run #{s.last_run.id} {s.last_run.status})" if s.last_run else ""
        if s.state == "partial" and s.last_success is not None:
            missing = s.last_success.metadata.get("reference_chromosomes_missing") or []
            last += f"  not looked up: chromosome(s) {', '.join(missing)}"
        if s.problem:
            last += f"  not a genome file: {s.problem}"
        print(printable(f"{s.key:<40} {s.state:<10}{last}"))
    for r in workspace.rejected:  # names are untrusted: a control character is shown, not obeyed
        print(printable(f"ignored {r.path}: {r.reason}"))
    return EXIT_OK


def cmd_runs(args: argparse.Namespace) -> int:
    from ..core.workspace.history import History
    from ..core.workspace.names import printable

    settings = settings_from_flags(args)
    with History(settings.history_file) as history:
        runs = history.list_runs(user=args.user, limit=args.limit)
    if args.json:
        print_json([run.to_dict() for run in runs])
        return EXIT_OK
    if not runs:
        print("no runs yet")
    for run in runs:
        what = run.partition_key or f"{run.sample or '?'} (ad hoc)"
        when = (run.to_dict()["started_at"] or run.to_dict()["created_at"])[:19].replace("T", " ")
        line = f"#{run.id:<5} {run.status:<11} {when}  {what}"
        if run.duration_sec is not None:
            line += f"  {run.duration_sec:.1f} s"
        if run.metadata.get("peak_memory_mb") is not None:
            line += f"  peak {run.metadata['peak_memory_mb']:.0f} MB"
        if run.metadata.get("reference_chromosomes_missing"):
            line += (f"  partial: {run.metadata.get('alleles_not_looked_up', 0):,} not looked up "
                     f"(chromosome(s) {', '.join(run.metadata['reference_chromosomes_missing'])})")
        if run.error:
            line += f"  {run.error}"
        print(printable(line))
    return EXIT_OK


def cmd_watch(args: argparse.Namespace) -> int:
    import signal

    # SIGTERM means a clean stop from the first moment, start-up included (a service manager may
    # stop `watch` while it sweeps): the handler only appends to a list, because one that takes a
    # lock (Event.set) deadlocks when the signal arrives while this thread holds that very lock
    # (inside Event.wait). Each start-up step looks at the list before the next one.
    stop_requested: list[int] = []
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: stop_requested.append(signum))
    try:
        return _watch(args, stop_requested)
    finally:
        signal.signal(signal.SIGTERM, previous)


def _watch(args: argparse.Namespace, stop_requested: list[int]) -> int:
    import time

    from ..core.workspace.history import History
    from ..core.housekeeping import sweep_workspace
    from ..core.reference.prepared import prepared_dir
    from ..core.workspace.names import printable
    from ..core.workspace.scheduler import Scheduler
    from ..core.workspace.watch import WatchService
    from ..core.workspace.samples import Workspace

    settings = settings_from_flags(args)
    history = History(settings.history_file)
    history.check_writable()  # a read-only history would fail every run: say so now
    workspace = Workspace.from_settings(settings, history)
    scheduler = Scheduler.from_settings(settings, workspace, history)

    def log(message: str) -> None:
        print(printable(message), flush=True)  # file names in it are untrusted

    if history.recovered:
        log(f"marked {history.recovered} run(s) left by a stopped program as interrupted")
    swept = sweep_workspace(settings.input_dir, settings.output_dir,
                            [prepared_dir(settings.reference_dir)])
    if swept:
        log(f"removed {len(swept)} temporary file(s) or folder(s) left by stopped programs")
    if not scheduler.auto_annotate:
        log("auto-annotation is off in the settings file: watching only")
    if stop_requested:  # stopped while starting: nothing to stop but the history
        history.close()
        log("stopped")
        return EXIT_OK
    log(f"watching {settings.input_dir} (new files annotated at most once every "
        f"{scheduler.min_interval_seconds:g} s); Ctrl-C to stop")
    service = WatchService(scheduler, stable_seconds=args.stable_seconds, log=log).start()
    try:
        while not stop_requested:
            time.sleep(0.2)
    except KeyboardInterrupt:
        pass
    finally:
        service.stop()
        history.close()
    log("stopped")
    return EXIT_OK


def cmd_report(args: argparse.Namespace) -> int:
    from ..core.results.report import write_report
    from ..core.results.summary import summarize

    path, key, run = _report_target(args)
    summary = summarize(path, sample=key, run=run)
    if args.output is not None:
        write_report(summary, args.output)
    if args.json:
        print_json(summary.to_dict())
    elif args.output is not None:
        print(f"wrote {args.output}")
    else:
        _print_sample_summary(summary)
    return EXIT_OK


def _report_target(args: argparse.Namespace) -> tuple[Path, str | None, dict[str, Any] | None]:
    """(the output file, its `user/sample` if a workspace sample, the run from the history)."""
    from ..core.errors import UserError
    from ..core.workspace.history import History
    from ..core.workspace.names import check_name

    target = args.target
    if target.lower().endswith(".parquet") or Path(target).is_file():
        return Path(target), None, None
    user, slash, sample = target.partition("/")
    if not slash or not user or not sample:
        raise UserError(f"{target}: not a USER/SAMPLE name nor an annotated .parquet file")
    check_name(user, "user")
    check_name(sample, "sample")
    settings = settings_from_flags(args)
    path = settings.output_file(user, sample)
    if not path.is_file():
        raise UserError(f"{target}: no results yet ({path} does not exist); annotate it first")
    # A result written before outputs carried their run record: the history still knows the run
    # (a manual or automatic run by its partition, an ad-hoc one by its output file).
    run = None
    if settings.history_file.is_file():
        with History(settings.history_file) as history:
            runs = history.list_runs(user=user, kind="annotate", status="succeeded", limit=200)
        run = next((r.metadata for r in runs if r.partition_key == target
                    or r.metadata.get("output_file") == str(path)), None)
    return path, target, run


def _print_sample_summary(summary) -> None:
    any_flag = summary.clinical.get("any", 0)
    print(f"{summary.sample}: {summary.path}")
    print(f"  allele rows: {summary.allele_rows:,}, {summary.matched:,} with an rsID")
    print(f"  carried:     {summary.carried:,} ("
          + ", ".join(f"{k} {v:,}" for k, v in summary.zygosity.items()
                      if k in ("het", "hom_alt", "haploid_alt")) + ")")
    print(f"  flagged:     {any_flag:,} carried with a clinical flag"
          + (": " + ", ".join(f"{c.removeprefix('clin_')} {n:,}"
                              for c, n in summary.clinical.items() if c != "any" and n)
             if any_flag else ""))
    print(f"  rare:        {summary.rare_carried:,} carried at sites with MAF < 1 %")
    for note in summary.limitations:
        print(f"  note:        {note}")


PIPELINES_INSTALL = "uv sync --extra pipelines (or pip install 'just-dna-desktop[pipelines]')"


def cmd_pipelines(args: argparse.Namespace) -> int:
    """`dagster dev` on `just_dna_desktop.pipelines`, with DAGSTER_HOME beside the app state."""
    import importlib.util
    import os
    import signal
    import subprocess

    from .. import RESOURCES_DIR
    from ..core.workspace import settings as core_settings
    from ..core.errors import UserError

    for module in ("dagster", "dagster_webserver"):
        try:
            found = importlib.util.find_spec(module) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            where = ("the app bundle does not include them; install just-dna-desktop from "
                     "source with" if getattr(sys, "frozen", False) else "install them with")
            raise UserError(f"the Dagster pipelines are not installed ({module} is missing): "
                            f"{where} {PIPELINES_INSTALL}")
    settings = settings_from_flags(args)
    home = Path(os.environ.get("DAGSTER_HOME") or settings.state_dir / "dagster").absolute()
    core_settings.ensure_settings_file(home / "dagster.yaml",
                                       RESOURCES_DIR / "dagster.template.yaml")
    env = {**os.environ, "DAGSTER_HOME": str(home)}
    # Folders given as flags reach the code server as the environment variables they override.
    for flag, variable in (("data_dir", core_settings.ENV_DATA_DIR),
                           ("state_dir", core_settings.ENV_HOME),
                           ("cache_dir", core_settings.ENV_CACHE_DIR),
                           ("input_dir", core_settings.ENV_INPUT_DIR),
                           ("output_dir", core_settings.ENV_OUTPUT_DIR)):
        if getattr(args, flag, None) is not None:
            env[variable] = str(getattr(settings, flag))
    command = [sys.executable, "-m", "dagster", "dev", "-m", "just_dna_desktop.pipelines",
               "--host", args.host, "--port", str(args.port)]
    print(f"Dagster UI: http://{args.host}:{args.port}  (DAGSTER_HOME={home}); Ctrl-C to stop",
          flush=True)
    process = subprocess.Popen(command, env=env)
    previous = signal.signal(signal.SIGTERM, lambda *_: process.terminate())
    try:
        while True:
            try:
                return process.wait()
            except KeyboardInterrupt:
                pass  # dagster dev got the Ctrl-C too and is shutting down: wait for it
    finally:
        signal.signal(signal.SIGTERM, previous)


COMMANDS = {
    "report": cmd_report,
    "import": cmd_import,
    "samples": cmd_samples,
    "runs": cmd_runs,
    "watch": cmd_watch,
    "annotate": annotate.run_annotate,
    "demo": annotate.run_demo,
    "reference": reference.run_reference,
    "install-desktop-entry": install_desktop_entry.run_install_desktop_entry,
    "pipelines": cmd_pipelines,
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

