"""The annotation modules installed in the cache, and the record of what each one is.

Modules live next to the reference, in the cache: the default Hub source's under
`{cache}/annotators/data/<module>/` (mirroring the Hub's paths), another source's in a folder of
its own beside it (`sources.ModuleSource.store_folder`), and those added by hand under
`{cache}/annotators-sources/added/<module>/`. One record, `{cache}/annotators/.just-dna-modules.json`,
says for each installed module where it came from (source, the commit it was fetched at), what it
is (title, version, licence, curator), whether its manifest verified it, whether the person chose
to use it unverified, its digest, and each file's size, sha256 and mtime.

A module is installed only after `verify.verify_module` passed on its final bytes (a module whose
bytes do not match its manifest never enters), and it replaces an older copy in one rename. Before
each use its files are checked against the record: unchanged size and mtime are trusted, anything
else is hashed again, and a file that no longer matches makes the module refused until it is
fetched again. A module without a manifest is installed only when the person says so, and stays
marked unverified. Names are the module's folder name; one name, one module, whatever its source.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Callable, Iterator

from ..cancel import CancelToken
from ..errors import UserError
from ..housekeeping import remove, temp_dir, temp_file
from .format import ModuleInfo, check_module_name, describe, is_supported_build
from .verify import ModuleRefused, Verification, verify_module

RECORD_NAME = ".just-dna-modules.json"
LOCK_NAME = ".just-dna-modules.lock"
ADDED_FOLDER = ("annotators-sources", "added")


class UnverifiedModuleError(UserError):
    """A module without a manifest, not allowed by the person (yet)."""


@dataclass
class InstalledModule:
    name: str
    folder: Path
    source: str                  # the source's label, or the folder it was added from
    revision: str | None         # the Hub commit it was fetched at
    title: str
    version: str | None
    license: str | None
    curator: str | None
    lead: str
    rows: int
    size: int
    verified: bool               # its manifest vouched for every file
    allowed_unverified: bool     # the person chose to use it without a manifest
    digest: str                  # the manifest's artifact digest, or the same digest computed
    files: dict[str, dict[str, Any]] = field(default_factory=dict)  # name -> size, sha256, mtime_ns
    installed_at: str = ""

    @property
    def usable(self) -> bool:
        return self.verified or self.allowed_unverified

    def summary(self) -> dict[str, Any]:
        """What a result records of the module that produced it. A result travels (people share
        it), so a local folder source is named by its last part only: a full path would carry
        the account name."""
        source = Path(self.source).name if Path(self.source).is_absolute() else self.source
        return {"name": self.name, "title": self.title, "version": self.version,
                "digest": self.digest, "verified": self.verified, "license": self.license,
                "curator": self.curator, "source": source, "revision": self.revision}

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["folder"] = str(self.folder)
        return data


class ModuleStore:
    """The installed modules of one cache folder."""

    def __init__(self, cache_dir: Path):
        self.cache_dir = Path(cache_dir)
        self.root = self.cache_dir / "annotators"

    @property
    def record_file(self) -> Path:
        return self.root / RECORD_NAME

    def added_folder(self) -> Path:
        return self.cache_dir.joinpath(*ADDED_FOLDER)

    def trees(self) -> list[Path]:
        """The folders holding modules and their temporary copies, for the start-up sweep."""
        return [self.root, self.cache_dir / ADDED_FOLDER[0]]

    # --- reading -------------------------------------------------------------------------------

    def installed(self) -> list[InstalledModule]:
        """Every installed module, by name (whether usable or not)."""
        modules = []
        for name, entry in sorted(self._read_record().items()):
            try:
                modules.append(_from_entry(name, entry))
            except (KeyError, TypeError, ValueError):
                continue  # an entry this version cannot read: not a module it can use
        return modules

    def get(self, name: str) -> InstalledModule | None:
        return next((m for m in self.installed() if m.name == name), None)

    def usable(self, cancel: CancelToken | None = None
               ) -> tuple[list[InstalledModule], list[tuple[InstalledModule, str]]]:
        """(modules to use, [(module, why not)]): every installed module whose files still match
        its record, verified or allowed unverified; the others with the reason."""
        use, refused = [], []
        for module in self.installed():
            if not module.usable:
                refused.append((module, "unverified (it has no manifest) and not allowed"))
                continue
            problem = self.changed_file(module, cancel)
            if problem:
                refused.append((module, problem))
            else:
                use.append(module)
        return use, refused

    def changed_file(self, module: InstalledModule, cancel: CancelToken | None = None) -> str | None:
        """One line naming a file of `module` that is no longer what was installed, else None.
        Size and mtime as recorded are trusted; otherwise the file is hashed again."""
        from ..hub import sha256_of

        for name, recorded in module.files.items():
            path = module.folder / name
            try:
                info = path.stat()
            except FileNotFoundError:
                return f"{path}: missing since the module was installed"
            if info.st_size == recorded.get("size") and info.st_mtime_ns == recorded.get("mtime_ns"):
                continue
            if info.st_size != recorded.get("size") or \
                    sha256_of(path, cancel=cancel) != recorded.get("sha256"):
                return f"{path}: changed since the module was installed; get the module again"
        for path in sorted(module.folder.glob("*.parquet")):  # a table a reader would open
            if path.name not in module.files:
                return f"{path}: added since the module was installed; get the module again"
        return None

    def verify_all(self, cancel: CancelToken | None = None,
                   on_bytes: Callable[[int], None] | None = None) -> list[tuple[str, str | None]]:
        """Hash every installed module's files again: [(name, None if good else why)]."""
        results = []
        for module in self.installed():
            try:
                verification = verify_module(module.folder, cancel, on_bytes)
            except UserError as exc:
                results.append((module.name, str(exc)))
                continue
            hashed = {n: f["sha256"] for n, f in verification.files.items()}
            recorded = {n: f.get("sha256") for n, f in module.files.items()}
            if hashed != recorded:
                changed = sorted(set(hashed) ^ set(recorded) |
                                 {n for n in hashed if hashed[n] != recorded.get(n)})
                results.append((module.name, f"{module.folder / changed[0]}: not the file that "
                                             f"was installed; get the module again"))
            else:
                results.append((module.name, None))
        return results

    # --- changing ------------------------------------------------------------------------------

    def install(self, staged: Path, target: Path, *, source: str, revision: str | None = None,
                allow_unverified: bool = False, cancel: CancelToken | None = None
                ) -> InstalledModule:
        """Verify the module in `staged` and move it to `target`, replacing what was there in one
        rename; record it. Raises ModuleRefused (bytes that do not match their manifest) or
        UnverifiedModuleError (no manifest and not allowed); `staged` is then left as it is."""
        staged, target = Path(staged), Path(target)
        info = describe(staged)
        name = check_module_name(target.name)
        if not is_supported_build(info.genome_build):
            raise ModuleRefused(f"{staged}: the module is for {info.genome_build}; results here "
                                f"are GRCh38")
        verification = verify_module(staged, cancel)
        if not verification.verified and not allow_unverified:
            raise UnverifiedModuleError(
                f"{name}: the module has no manifest.json, so its files cannot be verified; use "
                f"it anyway only if you trust where it came from (--allow-unverified)")
        with self._locked():
            other = self._read_record().get(name)
            if other and Path(other.get("folder", "")) != target:
                raise UserError(f"{name}: a module of that name is already installed from "
                                f"{other.get('source')}; remove it first (modules remove {name})")
            target.parent.mkdir(parents=True, exist_ok=True)
            old = None
            if target.exists():
                old = temp_file(target, "old")
                os.replace(target, old)
            os.replace(staged, target)
            if old is not None:
                remove(old)
            module = _installed(name, target, info, verification, source, revision,
                                allow_unverified)
            record = self._read_record()
            record[name] = _entry(module)
            self._write_record(record)
        return module

    def add_folder(self, path: Path, *, allow_unverified: bool = False,
                   cancel: CancelToken | None = None) -> InstalledModule:
        """`modules add PATH`: copy a compiled module folder into the cache and install it."""
        path = Path(path).absolute()
        if not path.is_dir():
            raise UserError(f"{path}: not a folder (a compiled module is a folder with "
                            f"weights.parquet and manifest.json)")
        name = describe(path).name  # and a clear error for a folder that is no module
        verify_module(path, cancel)  # so that a refusal names the person's file, not our copy
        target = self.added_folder() / check_module_name(name)
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = temp_dir(target)
        try:
            copy = staging / path.name
            copy_module(path, copy)
            return self.install(copy, target, source=str(path), allow_unverified=allow_unverified,
                                cancel=cancel)
        finally:
            remove(staging)

    def remove(self, name: str) -> InstalledModule:
        """Delete an installed module's files and its record; its results keep saying it was used."""
        with self._locked():
            record = self._read_record()
            if name not in record:
                known = ", ".join(sorted(record)) or "none"
                raise UserError(f"{name}: no such installed module (installed: {known})")
            module = _from_entry(name, record.pop(name))
            if module.folder.exists():
                doomed = temp_file(module.folder, "old")
                os.replace(module.folder, doomed)
                remove(doomed)
            self._write_record(record)
        return module

    def allow_unverified(self, name: str, allowed: bool = True) -> InstalledModule:
        with self._locked():
            record = self._read_record()
            if name not in record:
                raise UserError(f"{name}: no such installed module")
            record[name]["allowed_unverified"] = bool(allowed)
            self._write_record(record)
            return _from_entry(name, record[name])

    # --- the record ----------------------------------------------------------------------------

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        from filelock import FileLock

        self.root.mkdir(parents=True, exist_ok=True)
        with FileLock(str(self.root / LOCK_NAME), timeout=30):
            yield

    def _read_record(self) -> dict[str, dict[str, Any]]:
        try:
            data = json.loads(self.record_file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError, UnicodeDecodeError) as exc:
            raise UserError(f"{self.record_file}: the record of installed modules cannot be read "
                            f"({exc}); remove it and get the modules again") from None
        modules = data.get("modules") if isinstance(data, dict) else None
        return {k: v for k, v in modules.items() if isinstance(v, dict)} \
            if isinstance(modules, dict) else {}

    def _write_record(self, record: dict[str, dict[str, Any]]) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = temp_file(self.record_file)
        tmp.write_text(json.dumps({"version": 1, "modules": record}, indent=2, sort_keys=True),
                       encoding="utf-8")
        os.replace(tmp, self.record_file)


def copy_module(source: Path, copy: Path) -> None:
    """Copy a module folder (not its hidden files); a failure is one line, not shutil's list of
    every file that could not be written with both of its paths."""
    try:
        shutil.copytree(source, copy, symlinks=False,
                        ignore=shutil.ignore_patterns(".*", "__pycache__"))
    except OSError as exc:
        # shutil.Error holds [(source, copy, "[Errno 28] No space left on device: ...")]
        reason = str(exc.args[0][0][2]) if isinstance(exc, shutil.Error) else str(exc)
        reason = "the disk is full" if "[Errno 28]" in reason else reason.split(": '")[0]
        raise UserError(f"{copy.parent.parent}: cannot copy the module {source.name} here "
                        f"({reason}); nothing was installed") from None


def _installed(name: str, folder: Path, info: ModuleInfo, verification: Verification,
               source: str, revision: str | None, allow_unverified: bool) -> InstalledModule:
    files = {}
    for file_name, hashed in verification.files.items():
        files[file_name] = {**hashed, "mtime_ns": (folder / file_name).stat().st_mtime_ns}
    return InstalledModule(
        name=name, folder=folder, source=source, revision=revision, title=info.title,
        version=info.version, license=info.license, curator=info.curator, lead=info.lead,
        rows=info.rows, size=info.size, verified=verification.verified,
        allowed_unverified=bool(allow_unverified and not verification.verified),
        digest=verification.digest, files=files,
        installed_at=datetime.now(UTC).isoformat(timespec="seconds"))


def _entry(module: InstalledModule) -> dict[str, Any]:
    data = module.to_dict()
    data.pop("name")
    return data


def _from_entry(name: str, entry: dict[str, Any]) -> InstalledModule:
    values = {k: entry[k] for k in InstalledModule.__dataclass_fields__ if k in entry and k != "name"}
    values["folder"] = Path(values["folder"])
    return InstalledModule(name=name, **values)


def install_demo_modules(store: ModuleStore) -> list[InstalledModule]:
    """The demo's bundled modules (test data compiled by the reference compiler), installed in
    the demo's own throw-away cache, so the demo shows findings with no download."""
    from ..reference.demo import DEMO_MODULES_DIR
    from .format import is_module

    return [store.add_folder(folder) for folder in sorted(DEMO_MODULES_DIR.iterdir())
            if is_module(folder)]
