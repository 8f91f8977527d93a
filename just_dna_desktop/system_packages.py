"""What just-dna-desktop needs from the system on Linux: Qt's runtime libraries and a few tools.

The list is `resources/system-packages.txt` (Debian/Ubuntu package names). A library counts as
present when the dynamic loader loads it, as it will for Qt; a command when it is on PATH. The
tests (tests/conftest.py), the window and the smoke test (before Qt is imported, so a missing
library is one clear line instead of an ImportError or Qt's abort) and scripts/test.sh all ask
this module, so they name the same packages. Standard library only: scripts/test.sh runs it with
the system's python3 before any environment exists:

    python3 -m just_dna_desktop.system_packages qt tests   # missing ones: package, what, why
"""

from __future__ import annotations

import ctypes
import importlib.util
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping, Sequence

PACKAGE_LIST = Path(__file__).resolve().parent / "resources" / "system-packages.txt"


@dataclass(frozen=True)
class Requirement:
    package: str  # the Debian/Ubuntu package
    provides: str  # a library (libGL.so.1), a command (objdump) or a module (py:ensurepip)
    group: str  # qt, xcb, tests, browser, bundle or uv (see the list's header)
    why: str

    @property
    def target(self) -> str:
        """What `provides` names on this Python: {python} is its version (3.11)."""
        return self.provides.replace("{python}", "%d.%d" % sys.version_info[:2])

    def present(self) -> bool:
        target = self.target
        if target.startswith("py:"):
            return importlib.util.find_spec(target[3:]) is not None
        if ".so" not in target:
            return shutil.which(target) is not None
        try:
            ctypes.CDLL(target)
        except OSError:
            return False
        return True


def requirements(groups: Iterable[str] | None = None,
                 path: Path = PACKAGE_LIST) -> list[Requirement]:
    """The list's lines, of these groups only if given."""
    wanted = None if groups is None else set(groups)
    found = []
    for line in path.read_text(encoding="utf-8").splitlines():
        fields = line.split(None, 3)
        if not fields or fields[0].startswith("#"):
            continue
        requirement = Requirement(*fields)
        if wanted is None or requirement.group in wanted:
            found.append(requirement)
    return found


def missing(groups: Iterable[str]) -> list[Requirement]:
    """What these groups need and this machine lacks. Nothing off Linux: Qt brings its own."""
    if not sys.platform.startswith("linux"):
        return []
    return [r for r in requirements(groups) if not r.present()]


def packages(needed: Sequence[Requirement]) -> str:
    """The packages to install, each once, in the list's order."""
    return " ".join(dict.fromkeys(r.package for r in needed))


def _lacking(needed: Sequence[Requirement]) -> str:
    names = ", ".join(r.target for r in needed)
    if len(needed) == 1:
        return f"{names} is missing ({needed[0].why})"
    return f"{names} are missing"


def tests_problem() -> str | None:
    """Why the tests cannot start Qt here, with the command that fixes it; None if they can."""
    lacking = missing(["qt"])
    if not lacking:
        return None
    return (f"Qt cannot start: the system libraries {_lacking(lacking)}. Install them with "
            f"`bash scripts/test.sh` (it runs apt-get, then the tests), or: "
            f"sudo apt-get install {packages(lacking)}")


def qt_platform(argv: Sequence[str], environ: Mapping[str, str]) -> str:
    """The platform plugin Qt will load on Linux: `-platform`, else QT_QPA_PLATFORM, else what
    Qt picks itself (Wayland in a Wayland session, X11's xcb otherwise)."""
    name = environ.get("QT_QPA_PLATFORM", "")
    for flag, value in zip(argv, list(argv[1:]) + [""]):
        if flag in ("-platform", "--platform"):
            name = value
        elif flag.startswith(("-platform=", "--platform=")):
            name = flag.split("=", 1)[1]
    if not name:
        name = "wayland" if environ.get("XDG_SESSION_TYPE") == "wayland" else "xcb"
    return name.split(";")[0].split(":")[0]  # "xcb;wayland" tries xcb first; "xcb:opts"


def window_problem(argv: Sequence[str], environ: Mapping[str, str]) -> str | None:
    """Why the window cannot start on this desktop, said before Qt aborts; None if it can."""
    groups = ["qt", "xcb"] if qt_platform(argv, environ) == "xcb" else ["qt"]
    lacking = missing(groups)
    if not lacking:
        return None
    where = " on X11" if any(r.group == "xcb" for r in lacking) else ""
    problem = (f"the window cannot start{where}: {_lacking(lacking)}. "
               f"Install: sudo apt-get install {packages(lacking)}")
    if where:
        problem += ". On a Wayland desktop, starting it with QT_QPA_PLATFORM=wayland may work"
    return problem


def main(argv: Sequence[str] | None = None) -> int:
    """Print what the given groups lack, one `package<TAB>library or command<TAB>why` a line."""
    groups = list(sys.argv[1:] if argv is None else argv)
    known = {r.group for r in requirements()}
    unknown = sorted(set(groups) - known)
    if not groups or unknown:
        print(f"usage: python3 -m just_dna_desktop.system_packages GROUP... "
              f"(groups: {' '.join(sorted(known))})", file=sys.stderr)
        return 2
    for requirement in missing(groups):
        print(f"{requirement.package}\t{requirement.target}\t{requirement.why}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
