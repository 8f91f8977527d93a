"""`reference status|download|verify`: the Ensembl reference in the cache."""

from __future__ import annotations

import argparse

from .common import (EXIT_OK, add_path_flags, print_json, settings_from_flags,
                     transfer_progress_bar)


def add_reference_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=["status", "download", "verify"])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--chromosomes",
                        help="download only these, e.g. 21,22,MT (default: settings)")
    parser.add_argument("--revision", help="branch, tag or commit to download (default: settings)")
    add_path_flags(parser)


def run_reference(args: argparse.Namespace) -> int:
    from ..core.reference import download, cache as reference
    from ..core.errors import UserError

    settings = settings_from_flags(args)
    reference_dir = settings.reference_dir
    if args.action == "download":
        result = download.download_reference(
            reference_dir, repo_id=settings.reference_repo,
            revision=args.revision or settings.reference_revision,
            chromosomes=args.chromosomes or settings.reference_chromosomes,
            progress=None if args.json else transfer_progress_bar())
        if args.json:
            print_json(result.to_dict())
            return EXIT_OK
        print(f"downloaded {len(result.fetched)} file(s), "
              f"{download.format_bytes(result.bytes_transferred)} in {result.duration_sec:.1f} s; "
              f"{len(result.skipped)} already cached")
    elif args.action == "verify":
        report = download.verify_reference(reference_dir,
                                           progress=None if args.json else transfer_progress_bar())
        if args.json:
            print_json(report.to_dict())
        else:
            print(f"verified {len(report.ok)} file(s), {download.format_bytes(report.bytes_hashed)} "
                  f"re-hashed, in {report.cache_path}")
            for label, paths in (("corrupt", report.corrupt), ("missing", report.missing),
                                 ("no checksum", report.unknown)):
                for path in paths:
                    print(f"  {label}: {path}")
        if not report.passed:
            bad = len(report.corrupt) + len(report.missing) + len(report.unknown)
            raise UserError(f"{bad} reference file(s) in {reference_dir} failed verification "
                            f"({len(report.corrupt)} corrupt, {len(report.missing)} missing, "
                            f"{len(report.unknown)} without checksum): run "
                            f"`just-dna-desktop reference download` to fetch and check them")
        if args.json:
            return EXIT_OK
    info = reference.status(reference_dir)
    if args.json:
        print_json(info.to_dict())
        return EXIT_OK
    print(f"reference: {info.status}")
    print(f"  cache path: {info.cache_path}")
    print(f"  files:      {info.num_files} ({info.total_size_gb:.2f} GB)")
    print(f"  repo:       {info.repo_id or 'unknown'}")
    print(f"  revision:   {info.revision or 'unknown'}")
    for label, paths in (("missing", info.missing), ("partial", info.partial),
                         ("corrupt", info.corrupt), ("unverified", info.unverified)):
        if paths and info.status != "missing":
            print(f"  {label + ':':<11} {len(paths)} file(s): {', '.join(paths[:3])}"
                  f"{', ...' if len(paths) > 3 else ''}")
    return EXIT_OK
