"""Where annotation modules come from: Hub datasets and local folders, and what each one offers.

The settings' `module_sources` lists them, strongest first; the default is the Hub dataset the
earlier pipeline publishes to, `just-dna-seq/annotators`. An entry is either a Hub dataset id,
`org/name`, optionally pinned as `org/name@revision` (a branch, tag or commit; a download records
the commit it resolved to), or a local folder (an absolute path or one starting with `~`), such
as a lab's own compiled modules.

In a Hub dataset a module is a folder under `data/` holding a lead table (`data/<module>/
weights.parquet`, or `pharm_variants.parquet` for a drug table); in a local folder, a sub-folder
holding one (or the folder itself). Listing a Hub source asks the Hub (one request); listing a
folder reads the disk.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from ..errors import UserError
from ..hub import RemoteFile, RemoteListing, list_dataset
from .format import LEAD_TABLES, MANIFEST_NAME, check_module_name, is_module

DEFAULT_SOURCE = "just-dna-seq/annotators"
HUB_MODULES_FOLDER = "data"
_REPO_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,95}/[A-Za-z0-9][A-Za-z0-9._-]{0,95}$")
SETTINGS_HINT = ("module_sources", "the revision after @ in module_sources")


@dataclass(frozen=True)
class ModuleSource:
    kind: str            # "hub" | "folder"
    location: str        # the dataset id, or the folder's absolute path
    revision: str = "main"

    @property
    def label(self) -> str:
        """How the source is named to a person and in every result's record."""
        if self.kind == "folder":
            return self.location
        return self.location if self.revision == "main" else f"{self.location}@{self.revision}"

    @property
    def is_default(self) -> bool:
        return self.kind == "hub" and self.location == DEFAULT_SOURCE

    def store_folder(self, cache_dir: Path) -> Path:
        """Where this source's modules are kept: `{cache}/annotators/` for the default dataset,
        mirroring the Hub's paths as the reference does; a folder per other source beside it."""
        if self.is_default:
            return Path(cache_dir) / "annotators"
        if self.kind == "hub":
            return Path(cache_dir) / "annotators-sources" / self.location.replace("/", "--")
        tag = hashlib.sha1(self.location.encode()).hexdigest()[:8]
        return Path(cache_dir) / "annotators-sources" / f"folder-{Path(self.location).name}-{tag}"


@dataclass(frozen=True)
class AvailableModule:
    """A module a source offers (not necessarily installed)."""

    name: str
    source: ModuleSource
    path: str                      # its folder: the repo path (data/<name>) or a local path
    files: tuple[RemoteFile, ...] = field(default=())  # Hub only: its files with checksums
    size: int = 0
    has_manifest: bool = False
    commit: str | None = None      # Hub only: the commit the listing resolved to
    endpoint: str | None = None    # Hub only: the Hub it was listed on

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "source": self.source.label, "path": self.path,
                "size": self.size, "has_manifest": self.has_manifest, "commit": self.commit}


def parse_source(text: Any) -> ModuleSource:
    """One `module_sources` entry; a clear error for anything else."""
    if not isinstance(text, str) or not text.strip():
        raise UserError(f"module_sources: each source must be text in quotes, not {text!r}")
    value = text.strip()
    if value.startswith(("/", "~", ".")) or os.path.isabs(value) or "\\" in value:
        folder = Path(os.path.expandvars(os.path.expanduser(value))).absolute()
        return ModuleSource("folder", str(folder))
    repo, _, revision = value.partition("@")
    if not _REPO_ID.match(repo) or (revision == "" and value.endswith("@")):
        raise UserError(f"module_sources: {value!r} is neither a Hub dataset (org/name, or "
                        f"org/name@revision) nor a folder path (starting with / or ~)")
    return ModuleSource("hub", repo, revision or "main")


def sources_from(values: Iterable[Any] | None) -> list[ModuleSource]:
    """The settings' list, parsed (duplicates dropped, order kept); the default when unset."""
    sources: list[ModuleSource] = []
    for value in (values if values is not None else [DEFAULT_SOURCE]):
        source = parse_source(value)
        if source not in sources:
            sources.append(source)
    return sources


def list_available(source: ModuleSource, *, endpoint: str | None = None,
                   token: str | None = None) -> list[AvailableModule]:
    """The modules `source` offers, by name."""
    if source.kind == "folder":
        return _in_folder(source)
    listing = list_dataset(source.location, source.revision, endpoint=endpoint, token=token,
                           settings=SETTINGS_HINT)
    return modules_in_listing(source, listing)


def modules_in_listing(source: ModuleSource, listing: RemoteListing) -> list[AvailableModule]:
    """The module folders of a Hub listing: `data/<name>/` with a lead table in it."""
    folders: dict[str, list[RemoteFile]] = {}
    for remote in listing.files:
        parts = remote.path.split("/")
        if len(parts) == 3 and parts[0] == HUB_MODULES_FOLDER:
            folders.setdefault(parts[1], []).append(remote)
    found = []
    for name, files in sorted(folders.items()):
        names = {f.path.rsplit("/", 1)[1] for f in files}
        if not names & set(LEAD_TABLES):
            continue
        try:
            check_module_name(name)
        except UserError:
            continue  # a folder name that could not be a folder of ours
        found.append(AvailableModule(
            name=name, source=source, path=f"{HUB_MODULES_FOLDER}/{name}", files=tuple(files),
            size=sum(f.size for f in files), has_manifest=MANIFEST_NAME in names,
            commit=listing.commit, endpoint=listing.endpoint))
    return found


def _in_folder(source: ModuleSource) -> list[AvailableModule]:
    root = Path(source.location)
    if not root.is_dir():
        raise UserError(f"{root}: the module source folder does not exist (module_sources)")
    candidates = [root] if is_module(root) else sorted(p for p in root.iterdir() if is_module(p))
    found = []
    for folder in candidates:
        try:
            check_module_name(folder.name)
        except UserError:
            continue  # as on the Hub: a name that could not be a folder of ours
        size = sum(p.stat().st_size for p in folder.iterdir() if p.is_file())
        found.append(AvailableModule(name=folder.name, source=source, path=str(folder), size=size,
                                     has_manifest=(folder / MANIFEST_NAME).is_file()))
    return found
