"""The command line: `just-dna-desktop …`, `python -m just_dna_desktop`, and the GUI launcher.

Imports are lazy so `--version` and `--help` start fast and `annotate` never loads Qt. Expected
failures (`UserError`) print one `error: …` line and exit 1; `--debug` shows the traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Sequence

from . import __version__

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


def _add_path_flags(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("folders (override environment and settings file)")
    group.add_argument("--data-dir", type=Path, help="data folder (input/, output/, interim/)")
    group.add_argument("--cache-dir", type=Path, help="reference cache root")
    group.add_argument("--input-dir", type=Path, help="input `users` folder")
    group.add_argument("--output-dir", type=Path, help="output `users` folder")
    group.add_argument("--home", dest="state_dir", type=Path,
                       help="app-state folder (history, settings file)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="just-dna-desktop",
        description="Annotate your own genome (VCF) against the Ensembl variation reference. "
                    "Everything runs on this computer; only the reference download uses the network.")
    parser.add_argument("--version", action="version", version=f"just-dna-desktop {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    parser.add_argument("--demo", action="store_true", help="open the window on a demo workspace")
    parser.add_argument("--smoke-test", metavar="REPORT.json", type=Path,
                        help="start the app, annotate the demo, write a report and quit")
    _add_path_flags(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("annotate", help="annotate one VCF file")
    p.add_argument("vcf", type=Path)
    p.add_argument("--user", help="user name (default: the VCF's folder under the input "
                                  "folder, else 'adhoc')")
    p.add_argument("--sample", help="sample name (default: the file name without .vcf[.gz])")
    p.add_argument("--output", type=Path, help="output parquet (default: "
                                               "{output}/{user}/{sample}/user_annotated_vcf.parquet)")
    p.add_argument("--variant-type", choices=["all", "SNV"], help="reference rows to join")
    p.add_argument("--vcf-sample", help="which sample column of the VCF (default: the first)")
    p.add_argument("--ignore-build-mismatch", action="store_true",
                   help="annotate even if the VCF is not GRCh38")
    p.add_argument("--json", action="store_true", help="print the run metadata as JSON")
    _add_path_flags(p)

    p = sub.add_parser("demo", help="annotate the bundled demo sample (no network) and show a summary")
    p.add_argument("--json", action="store_true", help="print the run metadata as JSON")
    _add_path_flags(p)

    p = sub.add_parser("reference", help="the Ensembl reference cache")
    p.add_argument("action", choices=["status", "download", "verify"])
    p.add_argument("--json", action="store_true")
    p.add_argument("--chromosomes", help="download only these, e.g. 21,22,MT (default: settings)")
    p.add_argument("--revision", help="branch, tag or commit to download (default: settings)")
    _add_path_flags(p)
    return parser


def _settings(args: argparse.Namespace):
    from .core.settings import load_settings

    flags = {name: getattr(args, name, None)
             for name in ("data_dir", "state_dir", "cache_dir", "input_dir", "output_dir")}
    if getattr(args, "variant_type", None):
        flags["variant_type"] = args.variant_type
    return load_settings(flags)


def _print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, default=str))


def _default_names(vcf: Path, input_dir: Path) -> tuple[str, str]:
    """(user, sample) from `{input}/{user}/{sample}.vcf[.gz]`, else ('adhoc', file stem)."""
    from .core.workspace import sample_name_of

    sample = sample_name_of(vcf.name)
    try:
        relative = vcf.resolve().relative_to(input_dir.resolve())
    except ValueError:
        return "adhoc", sample
    return (relative.parts[0], sample) if len(relative.parts) == 2 else ("adhoc", sample)


def cmd_annotate(args: argparse.Namespace) -> int:
    from .core.annotate import annotate_vcf

    settings = _settings(args)
    default_user, default_sample = _default_names(args.vcf, settings.input_dir)
    user, sample = args.user or default_user, args.sample or default_sample
    output = args.output or settings.output_file(user, sample)
    progress = _terminal_progress() if not args.json else None
    metadata = annotate_vcf(args.vcf, settings.reference_dir, output, user=user, sample=sample,
                            variant_type=settings.variant_type, vcf_sample=args.vcf_sample,
                            ignore_build_mismatch=args.ignore_build_mismatch,
                            compression=settings.compression, progress=progress)
    if args.json:
        _print_json(metadata)
    else:
        _print_summary(metadata)
    return EXIT_OK


def cmd_demo(args: argparse.Namespace) -> int:
    from .core.annotate import annotate_vcf
    from .core.demo import DEMO_REFERENCE_DIR, DEMO_USER, DEMO_VCF, demo_sample_name

    settings = _settings(args)
    sample = demo_sample_name()
    output = settings.output_file(DEMO_USER, sample)
    metadata = annotate_vcf(DEMO_VCF, DEMO_REFERENCE_DIR, output, user=DEMO_USER, sample=sample,
                            progress=None if args.json else _terminal_progress())
    if args.json:
        _print_json(metadata)
    else:
        _print_summary(metadata)
    return EXIT_OK


def cmd_reference(args: argparse.Namespace) -> int:
    from .core import reference

    settings = _settings(args)
    if args.action == "status":
        info = reference.status(settings.reference_dir)
        if args.json:
            _print_json(info.to_dict())
        else:
            print(f"reference: {info.status}")
            print(f"  cache path: {info.cache_path}")
            print(f"  files:      {info.num_files} ({info.total_size_gb:.2f} GB)")
            print(f"  revision:   {info.revision or 'unknown'}")
            if info.missing and info.status != "missing":
                print(f"  missing:    {len(info.missing)} file(s)")
        return EXIT_OK
    from .core.errors import UserError

    raise UserError(f"`reference {args.action}` is not available yet")


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
    print(f"  records:  {m['rows_in']:,} in, {m['rows_out']:,} allele rows out, "
          f"{m['alleles_matched']:,} matched to an rsID")
    print(f"  build:    {m['genome_build'] or 'not stated'}; variant types: {m['variant_type']}")
    print(f"  run:      {m['duration_sec']:.2f} s, CPU {m['cpu_percent']:.0f} %, "
          f"peak memory {m['peak_memory_mb']:.0f} MB")


COMMANDS = {
    "annotate": cmd_annotate,
    "demo": cmd_demo,
    "reference": cmd_reference,
}


def main(argv: Sequence[str] | None = None) -> int:
    import multiprocessing

    multiprocessing.freeze_support()
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        return gui_main(argv)
    try:
        return COMMANDS[args.command](args)
    except KeyboardInterrupt:
        _error("interrupted")
        return EXIT_INTERRUPTED
    except Exception as exc:  # expected failures are UserError; anything else is a bug
        from .core.errors import Cancelled, UserError

        if args.debug:
            raise
        if isinstance(exc, Cancelled):
            _error("cancelled")
            return EXIT_INTERRUPTED
        if isinstance(exc, UserError):
            _error(str(exc))
            return EXIT_ERROR
        _error(f"unexpected {type(exc).__name__}: {exc} (run with --debug for details)")
        return EXIT_ERROR


def _error(message: str) -> None:
    if sys.stderr is not None:
        print(f"error: {' '.join(message.split())}", file=sys.stderr)


def gui_main(argv: Sequence[str] | None = None) -> int:
    """Open the window (the gui-script entry point lands here too)."""
    import multiprocessing

    multiprocessing.freeze_support()
    try:
        from .gui.app import run
    except ImportError as exc:
        _error(f"the window is not available: {exc}")
        return EXIT_ERROR
    return run(list(sys.argv[1:] if argv is None else argv))


if __name__ == "__main__":
    sys.exit(main())
