"""`install-desktop-entry [--remove]`: the app in this user's application menu (Linux)."""

from __future__ import annotations

import argparse

from .common import EXIT_OK, print_json


def add_install_desktop_entry_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--remove", action="store_true",
                        help="remove the menu entry and icons instead")
    parser.add_argument("--json", action="store_true")


def run_install_desktop_entry(args: argparse.Namespace) -> int:
    from .. import desktop_entry

    if args.remove:
        removed = desktop_entry.uninstall()
        if args.json:
            print_json({"removed": [str(path) for path in removed]})
        else:
            print(f"removed {len(removed)} file(s)" if removed else "no menu entry was installed")
        return EXIT_OK
    installed = desktop_entry.install()
    if args.json:
        print_json(installed.to_dict())
    else:
        print(f"installed {installed.desktop_file}")
        print(f"  starts: {' '.join(installed.command)}")
        print(f"  icons:  {len(installed.icons)} under {installed.icons[0].parents[2]}")
    return EXIT_OK
