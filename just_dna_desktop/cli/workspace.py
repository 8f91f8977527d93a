"""The workspace's commands: `import` a file as a sample, list the `samples` and the `runs`, and
`watch` the input folder headless, annotating what arrives."""

from __future__ import annotations

import argparse
from pathlib import Path

from .common import EXIT_OK, add_path_flags, print_json, settings_from_flags


def add_import_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("vcf", type=Path, metavar="FILE")
    parser.add_argument("--user", required=True, help="whose sample it is")
    parser.add_argument("--sample", help="sample name (default: the file name without .vcf[.gz], "
                                         ".txt, .csv, .zip...)")
    add_path_flags(parser)


def add_samples_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true")
    add_path_flags(parser)


def add_runs_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--user", help="only this user's runs")
    parser.add_argument("--limit", type=int, default=50, help="at most this many runs (default 50)")
    parser.add_argument("--json", action="store_true")
    add_path_flags(parser)


def add_watch_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--min-interval", type=float, metavar="SECONDS",
                        help="seconds before a sample is annotated automatically again "
                             "(different samples run one after another; default: settings "
                             "file, 60)")
    parser.add_argument("--stable-seconds", type=float, default=2.0, metavar="SECONDS",
                        help="a file counts once its size and mtime stayed the same this long (2)")
    add_path_flags(parser)


def run_import(args: argparse.Namespace) -> int:
    from ..core.workspace.names import printable
    from ..core.workspace.samples import Workspace, sample_name_of

    settings = settings_from_flags(args)
    target = Workspace.from_settings(settings).import_sample(args.vcf, args.user, args.sample)
    print(printable(f"imported {args.vcf} as {target.parent.name}/{sample_name_of(target.name)}: "
                    f"{target}"))
    return EXIT_OK


def run_samples(args: argparse.Namespace) -> int:
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
        if s.damage:
            last += f"  {s.damage}"
        print(printable(f"{s.key:<40} {s.state:<10}{last}"))
    for r in workspace.rejected:  # names are untrusted: a control character is shown, not obeyed
        print(printable(f"ignored {r.path}: {r.reason}"))
    return EXIT_OK


def run_runs(args: argparse.Namespace) -> int:
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


def run_watch(args: argparse.Namespace) -> int:
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
    from ..core.modules.store import ModuleStore
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
                            [prepared_dir(settings.reference_dir),
                             *ModuleStore(settings.cache_dir).trees()])
    if swept:
        log(f"removed {len(swept)} temporary file(s) or folder(s) left by stopped programs")
    if not scheduler.auto_annotate:
        log("auto-annotation is off in the settings file: watching only")
    if stop_requested:  # stopped while starting: nothing to stop but the history
        history.close()
        log("stopped")
        return EXIT_OK
    log(f"watching {settings.input_dir} (new files annotated one after another; a sample again "
        f"after {scheduler.min_interval_seconds:g} s at the earliest); Ctrl-C to stop")
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
