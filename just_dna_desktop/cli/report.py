"""`report USER/SAMPLE|OUTPUT.parquet`: what an annotated sample holds, as numbers or a
self-contained HTML report."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from .common import EXIT_OK, add_path_flags, print_json, settings_from_flags


def add_report_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("target", metavar="USER/SAMPLE|OUTPUT.parquet",
                        help="a sample of the workspace, or an annotated parquet file")
    parser.add_argument("--output", type=Path, metavar="REPORT.html",
                        help="write the HTML report here (it loads nothing from the network)")
    parser.add_argument("--json", action="store_true", help="print the numbers as JSON")
    add_path_flags(parser)


def run_report(args: argparse.Namespace) -> int:
    from ..core.results.report import write_report
    from ..core.results.summary import summarize

    path, key, run = report_target(args)
    if args.output is not None:  # refused before anything is read or written
        from ..core.results.report import check_report_target
        from ..core.workspace.outputs import check_output_place
        from ..core.workspace.samples import Workspace

        check_output_place(Workspace.from_settings(settings_from_flags(args)), args.output)
        check_report_target(Path(args.output), path)
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


def report_target(args: argparse.Namespace) -> tuple[Path, str | None, dict[str, Any] | None]:
    """(the output file, its `user/sample` if a workspace sample, the run from the history)."""
    from ..core.errors import UserError
    from ..core.workspace.history import History
    from ..core.workspace.names import check_name
    from ..core.workspace.samples import result_damage

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
        run = next((r for r in runs if r.partition_key == target
                    or r.metadata.get("output_file") == str(path)), None)
        damage = result_damage(path, run) if run is not None else None
        if damage:
            raise UserError(f"{path}: {damage}, so it is not reported; annotate {target} again")
    return path, target, run.metadata if run is not None else None


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
