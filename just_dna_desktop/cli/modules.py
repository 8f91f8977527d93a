"""`modules list|get|add|verify|remove`: the annotation modules (what a genotype means), from
their sources (the settings' `module_sources`) into the cache, verified before any use."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from .common import (EXIT_ERROR, EXIT_OK, add_path_flags, print_error, print_json,
                     settings_from_flags, transfer_progress_bar)


def add_modules_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="the modules the sources offer and those installed")
    listing.add_argument("--json", action="store_true")
    listing.add_argument("--installed", action="store_true",
                         help="only those installed (asks no source, works offline)")
    get = actions.add_parser("get", help="download modules from their source, verified")
    get.add_argument("names", nargs="*", metavar="NAME")
    get.add_argument("--all", action="store_true", help="every module the sources offer")
    get.add_argument("--allow-unverified", action="store_true",
                     help="also install modules without a manifest (marked unverified)")
    get.add_argument("--json", action="store_true")
    add = actions.add_parser("add", help="install a compiled module folder (just-dna-compiler)")
    add.add_argument("path", type=Path, metavar="PATH")
    add.add_argument("--allow-unverified", action="store_true",
                     help="also a folder without a manifest (marked unverified)")
    add.add_argument("--json", action="store_true")
    verify = actions.add_parser("verify", help="hash every installed module's files again")
    verify.add_argument("--json", action="store_true")
    remove = actions.add_parser("remove", help="delete an installed module")
    remove.add_argument("name", metavar="NAME")
    for sub in (listing, get, add, verify, remove):
        add_path_flags(sub)


def run_modules(args: argparse.Namespace) -> int:
    from ..core.modules.store import ModuleStore

    settings = settings_from_flags(args)
    store = ModuleStore(settings.cache_dir)
    return {"list": _list, "get": _get, "add": _add, "verify": _verify,
            "remove": _remove}[args.action](args, settings, store)


def _list(args, settings, store) -> int:
    from ..core.errors import UserError
    from ..core.modules.sources import list_available, sources_from

    installed = {m.name: m for m in store.installed()}
    available, problems = [], []
    if not args.installed:
        for source in sources_from(settings.module_sources):
            try:
                available += list_available(source)
            except UserError as exc:
                problems.append({"source": source.label, "error": str(exc)})
    if args.json:
        print_json({"installed": [_installed_dict(m) for m in installed.values()],
                    "available": [{**a.to_dict(), "installed": a.name in installed}
                                  for a in available],
                    "sources_unavailable": problems})
        return EXIT_OK
    from ..core.hub import format_bytes

    print(f"installed ({len(installed)}) in {store.cache_dir}:" if installed else
          "installed: none (get one with `just-dna-desktop modules get NAME`)")
    for m in installed.values():
        trust = "verified" if m.verified else "UNVERIFIED"
        print(f"  {m.name:<24} {m.version or '-':<9} {trust:<10} {m.rows:>9,} rows "
              f"{format_bytes(m.size):>9}  {m.license or 'licence not stated'}  {m.title}")
    if not args.installed:
        offered = [a for a in available if a.name not in installed]
        print(f"available ({len(offered)} more):" if offered else "available: nothing more")
        for a in offered:
            note = "" if a.has_manifest else "  (no manifest: unverified)"
            print(f"  {a.name:<24} {format_bytes(a.size):>9}  from {a.source.label}{note}")
        for problem in problems:
            print(f"  could not list {problem['source']}: {problem['error']}")
    return EXIT_OK


def _get(args, settings, store) -> int:
    from ..core.errors import UserError
    from ..core.modules.download import get_modules
    from ..core.modules.sources import list_available, sources_from

    if not args.names and not args.all:
        raise UserError("name the modules to get (see `modules list`), or give --all")
    chosen: dict[str, Any] = {}
    unreachable = []
    for source in sources_from(settings.module_sources):
        try:
            offered = list_available(source)
        except UserError as exc:
            unreachable.append(f"{source.label}: {exc}")
            continue
        for module in offered:  # the first source that has a name wins
            if module.name not in chosen and (args.all or module.name in args.names):
                chosen[module.name] = module
    missing = [n for n in args.names if n not in chosen]
    if missing and unreachable and not chosen:
        raise UserError(f"could not list the module sources: {unreachable[0]}")
    if missing:
        raise UserError(f"no source offers {', '.join(missing)} (see `modules list`)")
    results = get_modules(store, list(chosen.values()), allow_unverified=args.allow_unverified,
                          progress=None if args.json else transfer_progress_bar())
    return _report_installed(args, [(r.name, r.module, r.error) for r in results])


def _add(args, settings, store) -> int:
    module = store.add_folder(args.path, allow_unverified=args.allow_unverified)
    return _report_installed(args, [(module.name, module, None)])


def _report_installed(args, results) -> int:
    if args.json:
        print_json([{"name": name, "installed": module is not None, "error": error,
                     **({"module": _installed_dict(module)} if module else {})}
                    for name, module, error in results])
    failed = [(name, error) for name, module, error in results if module is None]
    if not args.json:
        for name, module, error in results:
            if module is not None:
                trust = "verified" if module.verified else "UNVERIFIED (no manifest)"
                print(f"installed {name} {module.version or ''} ({trust}) from {module.source}")
        if len(failed) < len(results):
            print("samples get the new findings at their next run: the window and `watch` "
                  "update them, or run `just-dna-desktop findings USER/SAMPLE`")
    for _, error in failed:
        print_error(error)
    return EXIT_ERROR if failed else EXIT_OK


def _verify(args, settings, store) -> int:
    results = store.verify_all()
    if args.json:
        print_json([{"name": name, "ok": why is None, "error": why} for name, why in results])
    else:
        if not results:
            print("no modules installed")
        for name, why in results:
            print(f"ok        {name}" if why is None else f"REFUSED   {name}: {why}")
    bad = [why for _, why in results if why is not None]
    if bad and not args.json:
        print_error(f"{len(bad)} of {len(results)} module(s) failed verification and will not "
                    f"be used: get them again (`modules get NAME`)")
    return EXIT_ERROR if bad else EXIT_OK


def _remove(args, settings, store) -> int:
    module = store.remove(args.name)
    print(f"removed {module.name} ({module.folder}); results made with it keep saying so")
    return EXIT_OK


def _installed_dict(module) -> dict[str, Any]:
    return {"name": module.name, "title": module.title, "version": module.version,
            "rows": module.rows, "size": module.size, "license": module.license,
            "curator": module.curator, "verified": module.verified,
            "allowed_unverified": module.allowed_unverified, "digest": module.digest,
            "source": module.source, "revision": module.revision,
            "folder": str(module.folder)}
