"""`annotate` (one file) and `demo` (the bundled demo sample): annotate in this process, record the
run in the history, and say what the run did."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from .common import (EXIT_OK, add_path_flags, print_json, record_quietly, run_recorded,
                     settings_from_flags)


def add_annotate_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("vcf", type=Path, metavar="FILE")
    parser.add_argument("--user", help="user name (default: the VCF's folder under the input "
                                       "folder, else 'adhoc')")
    parser.add_argument("--sample", help="sample name (default: the file name without .vcf[.gz], "
                                         ".txt, .csv, .zip...)")
    parser.add_argument("--output", type=Path,
                        help="output parquet (default: "
                             "{output}/{user}/{sample}/user_annotated_vcf.parquet)")
    parser.add_argument("--variant-type", choices=["all", "SNV"], help="reference rows to join")
    parser.add_argument("--vcf-sample", help="which sample column of the VCF (default: the first)")
    parser.add_argument("--match-by", choices=["auto", "position", "rsid"],
                        help="join on (chromosome, position, alleles) or on the rsID; auto: "
                             "rsID for a genotyping file and a VCF on another build, else "
                             "position once a sample of its rsIDs confirms its positions. "
                             "Default: the method kept for a workspace sample, else auto; a "
                             "method given is kept for the sample (auto forgets it)")
    parser.add_argument("--ignore-build-mismatch", action="store_true",
                        help="match a VCF by position even if it is not GRCh38")
    parser.add_argument("--json", action="store_true", help="print the run metadata as JSON")
    add_path_flags(parser)


def add_demo_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print the run metadata as JSON")
    parser.add_argument("--in-workspace", action="store_true",
                        help="annotate the demo into your own workspace, as the person 'demo' "
                             "(default: a throw-away workspace in the temporary folder; "
                             "--data-dir DIR: that folder)")
    add_path_flags(parser)


def _default_names(vcf: Path, input_dir: Path) -> tuple[str, str]:
    """(user, sample) from `{input}/{user}/{sample}.vcf[.gz]`, else ('adhoc', file stem)."""
    from ..core.workspace.samples import sample_name_of

    sample = sample_name_of(vcf.name)
    try:
        relative = vcf.resolve().relative_to(input_dir.resolve())
    except ValueError:
        return "adhoc", sample
    return (relative.parts[0], sample) if len(relative.parts) == 2 else ("adhoc", sample)


def run_annotate(args: argparse.Namespace) -> int:
    from ..core.workspace.names import check_name, normal_form

    settings = settings_from_flags(args)
    default_user, default_sample = _default_names(args.vcf, settings.input_dir)
    # Typed names in one Unicode form (NFC): `ålice` typed either way is one person.
    user = normal_form(args.user) if args.user else default_user
    sample = normal_form(args.sample) if args.sample else default_sample
    if args.output is None:  # the names become folders: they must be safe
        check_name(user, "user")
        check_name(sample, "sample")
    output = args.output or settings.output_file(user, sample)
    if args.output is not None:
        _check_output(settings, args.vcf, output, user, sample)
    return _annotate_and_record(args, settings, args.vcf, settings.reference_dir, output, user,
                                sample, vcf_sample=args.vcf_sample,
                                ignore_build_mismatch=args.ignore_build_mismatch,
                                match_by=args.match_by)


def _check_output(settings, vcf: Path, output: Path, user: str, sample: str) -> None:
    """Refuse, before anything is recorded or written, an --output that would replace an input,
    a file in the input folder, or another command's result (issue 22)."""
    from ..core.engine.annotate import check_output_target
    from ..core.workspace.outputs import check_output_place
    from ..core.workspace.samples import Workspace

    workspace = Workspace.from_settings(settings)
    own = workspace.partition_of(Path(vcf).absolute()) == (user, sample) \
        and Path(output).absolute() == settings.output_file(user, sample).absolute()
    check_output_place(workspace, output, f"{user}/{sample}" if own else None)
    # the sample's own result is replaced whatever it holds (a damaged one is redone there)
    check_output_target(Path(output).absolute(), Path(vcf).absolute(), only_the_input=own)


def run_demo(args: argparse.Namespace) -> int:
    """The demo VCF (matched by position), then the same calls as a 23andMe-layout file (by rsID).
    JSON: the VCF run's metadata, with the genotyping file's under `chip_sample`."""
    from ..core.reference.demo import (DEMO_CHIP, DEMO_REFERENCE_DIR, DEMO_USER, DEMO_VCF,
                                       demo_chip_sample_name, demo_sample_name)

    from ..core.housekeeping import demo_dir
    from ..core.workspace.settings import folders_inside

    throw_away = not args.in_workspace and not args.data_dir
    if throw_away:  # never into the person's own workspace unless they ask (issue 21)
        for name, folder in folders_inside(demo_dir()).items():
            setattr(args, name, folder)
    settings = settings_from_flags(args)
    if throw_away:  # its own modules too, so it shows findings with no download
        from ..core.modules.store import ModuleStore, install_demo_modules

        installed = install_demo_modules(ModuleStore(settings.cache_dir))
    if not args.json and throw_away:
        print(f"demo workspace (throw-away; the next start of the program removes it): "
              f"{settings.data_dir}")
        print(f"demo modules (test data, not medical advice): "
              f"{', '.join(m.name for m in installed)}")
    runs = [_annotate_recorded(args, settings, path, DEMO_REFERENCE_DIR,
                               settings.output_file(DEMO_USER, sample), DEMO_USER, sample)
            for path, sample in ((DEMO_VCF, demo_sample_name()),
                                 (DEMO_CHIP, demo_chip_sample_name()))]
    if args.json:
        print_json({**runs[0], "chip_sample": runs[1]})
    else:
        for metadata in runs:
            _print_summary(metadata)
    return EXIT_OK


def _annotate_and_record(args: argparse.Namespace, settings, vcf: Path, reference_dir: Path,
                         output: Path, user: str, sample: str, vcf_sample: str | None = None,
                         ignore_build_mismatch: bool = False, match_by: str | None = None) -> int:
    """Annotate in this process, record the run in the history, print JSON or a summary."""
    metadata = _annotate_recorded(args, settings, vcf, reference_dir, output, user, sample,
                                  vcf_sample, ignore_build_mismatch, match_by)
    if args.json:
        print_json(metadata)
    else:
        _print_summary(metadata)
    return EXIT_OK


def _annotate_recorded(args: argparse.Namespace, settings, vcf: Path, reference_dir: Path,
                       output: Path, user: str, sample: str, vcf_sample: str | None = None,
                       ignore_build_mismatch: bool = False,
                       match_by: str | None = None) -> dict[str, Any]:
    """Annotate in this process and record the run in the history; the run's metadata.

    A workspace sample's run takes the method kept for it when none is given, and keeps the one
    given (core/workspace/choices.py), as the window's and `watch`'s runs do."""
    from ..core.engine.annotate import annotate_vcf
    from ..core.workspace.history import History
    from ..core.housekeeping import sweep
    from ..core.workspace import choices
    from ..core.workspace.runner import AnnotationJob, job_config
    from ..core.workspace.samples import Workspace

    vcf, output = Path(vcf).absolute(), Path(output).absolute()
    # A sample file of the workspace, annotated to its usual place, is a run of that partition;
    # anything else is an ad-hoc run. Both go into the history.
    history = History(settings.history_file)
    try:
        partition = Workspace.from_settings(settings, history).partition_of(vcf)
        partition_key = None
        if partition == (user, sample) and output == settings.output_file(user, sample).absolute():
            partition_key = f"{user}/{sample}"
        trigger = "manual" if partition_key else "adhoc"
        job = AnnotationJob(vcf=vcf, reference_dir=reference_dir, output=output, user=user,
                            sample=sample, variant_type=settings.variant_type,
                            vcf_sample=vcf_sample, ignore_build_mismatch=ignore_build_mismatch,
                            match_by=match_by or "auto", compression=settings.compression)
        engine_decides = False
        if partition_key:
            if match_by == "auto":  # asked for by name: back to deciding from the file
                choices.forget(history, partition_key)
            job, chosen = choices.decide(history, partition_key, job)
            engine_decides = job.match_by == "auto"
        # One run per output file at a time (and per partition), across processes.
        config = job_config(job, trigger)
        run_id = history.record(trigger=trigger, partition_key=partition_key, user=user,
                                sample=sample, status="running", config=config, exclusive=True)
        sweep(output.parent)  # temporary files of killed runs
        metadata = run_recorded(history, run_id, lambda: annotate_vcf(
            vcf, reference_dir, output, user=user, sample=sample,
            variant_type=settings.variant_type, vcf_sample=vcf_sample,
            ignore_build_mismatch=job.ignore_build_mismatch, match_by=job.match_by,
            match_reason=job.match_by_reason, compression=settings.compression,
            progress=None if args.json else _terminal_progress()))
        if engine_decides:  # what the check judged is kept (not at the cost of the run)
            record_quietly(lambda: choices.keep_checked(history, partition_key, metadata,
                                                         config.get("input_fingerprint")))
    finally:
        history.close()
    return {**metadata, "run_id": run_id, "findings": _findings_after(settings, output, user,
                                                                       sample, trigger)}


def _findings_after(settings, output: Path, user: str, sample: str,
                    trigger: str) -> dict[str, Any] | None:
    """Every annotation is followed by its findings (the installed modules, joined with it);
    None when no module is installed and the output never had findings."""
    from ..core.modules.findings import findings_due, findings_path
    from ..core.modules.store import ModuleStore
    from .findings import update_recorded

    store = ModuleStore(settings.cache_dir)
    if not findings_due(output, *store.usable()):
        return None
    summary = update_recorded(settings, store, output, user, sample, trigger)
    return {**summary, "file": str(findings_path(output))}


def _terminal_progress():
    """A one-line progress display on a terminal; silent when stderr is not one (or is None)."""
    stream = sys.stderr
    if stream is None or not stream.isatty():
        return None

    def show(fraction: float, message: str) -> None:
        width = 30
        filled = int(width * fraction)
        stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {fraction:4.0%} {message[:40]:<40}")
        if fraction >= 1.0:
            stream.write("\n")
        stream.flush()

    return show


def _print_summary(m: dict[str, Any]) -> None:
    print(f"annotated {m['source_vcf']}")
    print(f"  output:   {m['output_file']} ({m['file_size_mb']:.2f} MB)")
    if m.get("input_format", "vcf") == "vcf":
        print(f"  records:  {m['rows_in']:,} in, {m['rows_out']:,} allele rows out, "
              f"{m['alleles_matched']:,} matched to an rsID")
    else:
        print(f"  markers:  {m['rows_in']:,} in, {m['rows_out']:,} rows out, "
              f"{m['alleles_matched']:,} matched to an rsID")
    for line in rsid_match_lines(m) + gvcf_lines(m):
        print(f"  {line}")
    print(f"  build:    {m['genome_build'] or 'not stated'}; variant types: {m['variant_type']}")
    if m.get("match_by_reason"):
        print(f"  method:   by {'rsID' if m['match_by'] == 'rsid' else 'position'}: "
              f"{m['match_by_reason']}")
    if m.get("calls_read_as_haploid"):
        where = "MT, X and Y (one X: a male's file)" if m.get("haploid_x_y") else "MT"
        print(f"  haploid:  {m['calls_read_as_haploid']:,} calls on {where} read as one allele")
    for line in not_looked_up_lines(m):
        print(f"  {line}")
    print(f"  run:      {m['duration_sec']:.2f} s, CPU {m['cpu_percent']:.0f} %, "
          f"peak memory {m['peak_memory_mb']:.0f} MB")
    for line in findings_lines(m.get("findings")):
        print(f"  {line}")


def findings_lines(findings: dict[str, Any] | None) -> list[str]:
    """What the modules found, in one line per module (nothing when no module is installed)."""
    if not findings:
        return []
    lines = []
    for module in findings.get("modules") or []:
        trust = "" if module.get("verified") else ", UNVERIFIED"
        lines.append(f"module:   {module['name']} {module.get('version') or ''}{trust}: "
                     f"{module['findings']:,} finding(s) of {module['sites']:,} site(s), "
                     f"{module['not_in_file']:,} not in your file")
    for refused in findings.get("modules_refused") or []:
        lines.append(f"module:   {refused['name']} NOT USED: {refused['why']}")
    if findings.get("file"):
        lines.append(f"findings: {findings['file']} (`findings USER/SAMPLE` says them in words)")
    return lines


def gvcf_lines(m: dict[str, Any]) -> list[str]:
    """What a gVCF's reading left out, in words (nothing for a plain VCF)."""
    if not m.get("gvcf"):
        return []
    return [f"gVCF:     {m.get('reference_blocks_skipped', 0):,} reference blocks and "
            f"{m.get('symbolic_alleles_skipped', 0):,} <NON_REF>/<*> alleles skipped "
            "(not variants)"]


def rsid_match_lines(m: dict[str, Any]) -> list[str]:
    """How an rsID run placed its markers, in words (nothing for a run matched by position)."""
    if m.get("match_by") != "rsid":
        return []
    kind = "VCF" if m.get("input_format") == "vcf" else f"{m.get('input_format')} genotyping file"
    return [f"matched:  by rsID ({kind}): {m.get('markers_in', 0):,} rows, "
            f"{m.get('alleles_matched', 0):,} placed on GRCh38, "
            f"{m.get('strand_flipped', 0):,} strand-flipped, "
            f"{m.get('mismatched', 0):,} whose call is not the reference's alleles",
            f"          {m.get('no_calls', 0):,} no-calls, {m.get('without_rsid', 0):,} without an "
            "rsID (kept, unmatched)"]


def not_looked_up_lines(m: dict[str, Any]) -> list[str]:
    """What a result could not look up, in words (nothing for a complete result)."""
    lines = []
    missing = m.get("reference_chromosomes_missing") or []
    if missing:
        chroms = ",".join(missing)
        lines.append(f"PARTIAL:  {m.get('alleles_not_looked_up', 0):,} allele rows on chromosome(s) "
                     f"{', '.join(missing)} were not looked up: the reference cache has no file for "
                     f"them (`just-dna-desktop reference download --chromosomes {chroms}`)")
    other = m.get("contigs_not_in_reference") or []
    if other:
        shown = ", ".join(other[:5]) + (", ..." if len(other) > 5 else "")
        lines.append(f"other:    {m.get('alleles_on_other_contigs', 0):,} allele rows on contigs the "
                     f"reference never covers ({shown})")
    from ..core.readers.build import REFERENCE_BUILD, own_rsids_doubt_build

    if own_rsids_doubt_build(m) and m.get("genome_build") in (None, REFERENCE_BUILD):
        lines.append(f"BUILD?    only {m['own_rsids_confirmed']:,} of the file's "
                     f"{m['own_rsids_checked']:,} rsIDs are the reference's at their position: "
                     "probably another build (GRCh37?) whatever the header says; "
                     "annotate it with --match-by rsid")
    return lines
