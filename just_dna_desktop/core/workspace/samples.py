"""The workspace: users and their samples under the input folder, `{user}/{sample}.vcf[.gz]`, or a
genotyping file `{user}/{sample}.txt|.tsv|.csv[.gz]|.zip` (23andMe, AncestryDNA, ...; its content
must say so, else it is listed as failed with the reason).

Each sample is a partition keyed `{user}/{sample}` with a state worked out from its file and its
runs in the history:

- new        never annotated (or its output was removed)
- queued     a run is waiting for it
- running    a run is annotating it now
- annotated  its last good run read exactly the file that is there now, with every chromosome
- partial    the same, but the reference cache lacked some of the sample's chromosomes (a chosen
             subset, a missing file): those alleles were not looked up; it becomes stale as soon
             as one of those chromosome files arrives, so it is redone
- doubtful   the same, but the program doubts its matches (core.readers.build.result_doubt: a
             file on another build matched by position, or whose own rsIDs disagree with the
             reference's positions); never shown as plainly annotated
- failed     its last attempt failed or was cancelled, and the file has not changed since
- stale      the file changed after its last good run, or that run used another revision of the
             reference than the one now in the cache (a reference update re-annotates everyone)
- damaged    its result is no longer the file its last good run wrote (replaced, cut short,
             emptied: size or mtime differ from what the run recorded); annotated again like a new
             sample, and `Sample.damage` says what changed

"The file changed" is decided by size + mtime, confirmed by a SHA-256 when only the mtime moved
(a `touch` or a re-copy of the same bytes does not make a sample stale).

Names in the tree are untrusted: entries with unusable names, and symlinks that lead out of the
input folder, are not samples; they are listed in `Workspace.rejected` with the reason.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import UserError, VcfError
from ..readers.build import result_doubt
from ..readers.genotypes import InputFormat, detect_format
from ..housekeeping import discard, temp_file
from .names import InvalidNameError, check_name, name_problem, normal_form
from ..readers.vcf import read_header

if TYPE_CHECKING:
    from .history import History, Run
    from .settings import Settings

VCF_SUFFIXES = (".vcf.gz", ".vcf")
# Names a genotyping file (23andMe, AncestryDNA, ...) comes under; only its content makes it a
# sample (core/readers/genotypes.py): a `notes.txt` is listed as failed, with the reason.
GENOTYPE_SUFFIXES = (".txt.gz", ".tsv.gz", ".csv.gz", ".txt", ".tsv", ".csv", ".zip")
SAMPLE_SUFFIXES = VCF_SUFFIXES + GENOTYPE_SUFFIXES
STATES = ("new", "queued", "running", "annotated", "partial", "failed", "stale", "damaged",
          "doubtful")
NEW, QUEUED, RUNNING, ANNOTATED, PARTIAL, FAILED, STALE, DAMAGED, DOUBTFUL = STATES


class SampleExistsError(UserError):
    """An import would replace a sample that is already there."""


class OutsideWorkspaceError(UserError):
    """A path that would lead out of the workspace (through `..` or a symlink)."""


def result_state(metadata: dict[str, Any]) -> str:
    """The state a good run's result gives its sample (while the file and reference stay as they
    were): annotated, partial (chromosomes not looked up) or doubtful (its matches may be wrong)."""
    if result_doubt(metadata):
        return DOUBTFUL
    return PARTIAL if metadata.get("reference_chromosomes_missing") else ANNOTATED


def sample_name_of(file_name: str) -> str:
    """The sample name of a sample file: its name without `.vcf[.gz]`, `.txt[.gz]`, `.zip`... (or a
    bare `.gz`: a file being imported can be named anything)."""
    lower = file_name.lower()
    for suffix in SAMPLE_SUFFIXES + (".gz",):
        if lower.endswith(suffix):
            return file_name[: -len(suffix)]
    return file_name


def is_sample_name(file_name: str) -> bool:
    """A visible file named like a VCF or a genotyping file (hidden ones are ours or other
    programs' temporary files)."""
    lower = file_name.lower()
    return not file_name.startswith(".") and lower.endswith(SAMPLE_SUFFIXES) \
        and len(sample_name_of(file_name)) > 0


def is_genotype_name(file_name: str) -> bool:
    """Named like a genotyping file, whose content still has to say so."""
    return file_name.lower().endswith(GENOTYPE_SUFFIXES)


def file_sha256(path: Path) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


@dataclass(frozen=True)
class Fingerprint:
    """What identifies the content of an input file cheaply: size and mtime, plus a hash."""

    size: int
    mtime_ns: int
    sha256: str | None = None

    @classmethod
    def of(cls, path: Path | str, with_hash: bool = False) -> "Fingerprint":
        st = os.stat(path)
        return cls(st.st_size, st.st_mtime_ns, file_sha256(Path(path)) if with_hash else None)

    @classmethod
    def from_dict(cls, data: Any) -> "Fingerprint | None":
        if not isinstance(data, dict) or "size" not in data or "mtime_ns" not in data:
            return None
        return cls(int(data["size"]), int(data["mtime_ns"]), data.get("sha256"))

    def to_dict(self) -> dict[str, Any]:
        return {"size": self.size, "mtime_ns": self.mtime_ns, "sha256": self.sha256}


def same_content(path: Path, current: Fingerprint, recorded: Fingerprint | None,
                 sha256=None) -> bool:
    """Whether `path` (now `current`) still holds what `recorded` describes: same size and mtime,
    or same size and SHA-256 when only the mtime moved (`sha256()` gives the file's, hashed once)."""
    if recorded is None:
        return False
    if (recorded.size, recorded.mtime_ns) == (current.size, current.mtime_ns):
        return True
    if recorded.size != current.size or recorded.sha256 is None:
        return False
    return (sha256() if sha256 is not None else file_sha256(path)) == recorded.sha256


@dataclass
class Sample:
    """One partition: a user's sample file and what state it is in."""

    user: str
    sample: str
    path: Path
    state: str
    size: int
    mtime: float
    output: Path
    last_run: "Run | None" = None       # the newest run of this partition, any status
    last_success: "Run | None" = None   # the newest succeeded run
    problem: str | None = None          # why its content is no sample (it is then failed)
    damage: str | None = None           # how its result differs from what its run wrote
    findings_due: bool = False          # annotated, but its modules' findings are missing or old

    @property
    def key(self) -> str:
        return f"{self.user}/{self.sample}"

    def to_dict(self) -> dict[str, Any]:
        from .history import iso

        last = self.last_run
        good = self.last_success.metadata if self.last_success is not None else {}
        return {
            "partition_key": self.key, "user": self.user, "sample": self.sample,
            "path": str(self.path), "state": self.state, "size": self.size,
            "modified": iso(self.mtime), "output": str(self.output),
            "output_exists": self.output.is_file(),
            "problem": self.problem,
            "damage": self.damage,
            "findings_due": self.findings_due,
            # what the last good result could not look up (None: never annotated)
            "reference_chromosomes_missing": good.get("reference_chromosomes_missing")
            if self.last_success is not None else None,
            "alleles_not_looked_up": good.get("alleles_not_looked_up")
            if self.last_success is not None else None,
            "last_run": None if last is None else {
                "id": last.id, "status": last.status, "finished_at": iso(last.finished_at),
                "error": last.error},
        }


@dataclass
class Rejected:
    """Something in the input tree that is not a sample, and why."""

    path: Path
    reason: str


@dataclass
class Workspace:
    """The input and output trees of one data folder, with the history that gives samples a state."""

    input_dir: Path
    output_dir: Path
    history: "History | None" = None
    rejected: list[Rejected] = field(default_factory=list)
    reference_dir: Path | None = None  # its manifest's revision makes older results stale
    modules_dir: Path | None = None    # the cache holding annotation modules (core/modules/store)

    def __post_init__(self) -> None:
        self.input_dir = Path(self.input_dir)
        self.output_dir = Path(self.output_dir)
        self._hashes: dict[tuple[str, int, int], str] = {}
        self._problems: dict[tuple[str, int, int], str | None] = {}
        self._hash_lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: "Settings", history: "History | None" = None) -> "Workspace":
        return cls(settings.input_dir, settings.output_dir, history,
                   reference_dir=settings.reference_dir, modules_dir=settings.cache_dir)

    # -- paths -----------------------------------------------------------------------------------

    def output_file(self, user: str, sample: str) -> Path:
        """`{output}/{user}/{sample}/user_annotated_vcf.parquet`, refusing names or links leading out."""
        from ..layout import OUTPUT_FILE_NAME

        check_name(user, "user")
        check_name(sample, "sample")
        path = self.output_dir / user / sample / OUTPUT_FILE_NAME
        _require_inside(path.parent, self.output_dir)
        return path

    def partition_of(self, vcf: Path | str) -> tuple[str, str] | None:
        """(user, sample) when `vcf` is a sample file of this workspace, else None."""
        path = Path(vcf).absolute()
        try:
            relative = path.parent.resolve().relative_to(self.input_dir.resolve())
        except (ValueError, OSError):
            return None
        if len(relative.parts) != 1 or not is_sample_name(path.name):
            return None
        user, sample = relative.parts[0], sample_name_of(path.name)
        if name_problem(user) or name_problem(sample):
            return None
        return user, sample

    # -- discovery ---------------------------------------------------------------------------------

    def files(self) -> list[tuple[str, str, Path]]:
        """(user, sample, path) of every usable sample file; fills `rejected` with the rest.

        One sample per real file: a link (symbolic or hard) to a file that is already a sample,
        and a user folder that links to another user's, are listed as ignored with the reason,
        so one genome is never annotated under several names.
        """
        rejected: list[Rejected] = []
        candidates: list[tuple[str, str, Path, bool]] = []  # (user, sample, path, through a link)
        root = self.input_dir
        if not root.is_dir():
            self.rejected = rejected
            return []
        real_root = root.resolve()
        entries = _sorted_entries(root)
        # Folders spelling one name in two Unicode forms are one person.
        users = _chosen_names([e.name for e in entries], normal_form)
        for user_entry in entries:
            if user_entry.name.startswith("."):
                continue
            user_path = Path(user_entry.path)
            if not _stays_inside(user_path, real_root):
                rejected.append(Rejected(user_path, "a link that leads out of the input folder"))
                continue
            if not user_path.is_dir():
                if is_sample_name(user_entry.name):
                    rejected.append(Rejected(user_path, "a sample file must be inside a user's "
                                                        "folder"))
                continue
            problem = name_problem(user_entry.name)
            if problem:
                rejected.append(Rejected(user_path, f"unusable user name: {problem}"))
                continue
            linked = user_entry.is_symlink()
            target = user_path.resolve()
            if linked and target.parent == real_root:
                rejected.append(Rejected(user_path, f"a link to the folder of user {target.name}; "
                                                    "its samples are listed once, under that user"))
                continue
            same = users[normal_form(user_entry.name)]
            if same != user_entry.name:
                rejected.append(Rejected(user_path, f"the same name as user {same} written in "
                                                    "another Unicode form; keep one of them"))
                continue
            sample_entries = [e for e in _sorted_entries(user_path) if is_sample_name(e.name)]
            chosen = _chosen_names([e.name for e in sample_entries], _sample_key)
            for entry in sample_entries:
                path = Path(entry.path)
                if not _stays_inside(path, real_root):
                    rejected.append(Rejected(path, "a link that leads out of the input folder"))
                    continue
                if not path.is_file():
                    continue
                sample = sample_name_of(entry.name)
                problem = name_problem(sample)
                if problem:
                    rejected.append(Rejected(path, f"unusable sample name: {problem}"))
                    continue
                same = chosen[_sample_key(entry.name)]
                if same != entry.name:
                    rejected.append(Rejected(path, f"same sample as {same}; keep one of them"))
                    continue
                candidates.append((user_entry.name, sample, path, linked or entry.is_symlink()))
        found = _one_sample_per_file(candidates, rejected)
        self.rejected = rejected
        return found

    def scan(self) -> list[Sample]:
        """Every sample with its state, sorted by user then sample."""
        runs = self.history.runs_by_partition() if self.history is not None else {}
        revision = self._reference_revision()
        chromosomes = self._reference_chromosomes()
        modules = self.modules_now()
        samples = []
        for user, sample, path in self.files():
            try:
                st = path.stat()
            except OSError:
                continue  # removed while we looked
            current = Fingerprint(st.st_size, st.st_mtime_ns)
            partition_runs = runs.get(f"{user}/{sample}", [])
            output = self.output_dir / user / sample / _output_name()
            problem = self.content_problem(path, current) if is_genotype_name(path.name) else None
            last_success = next((r for r in partition_runs if r.status == "succeeded"), None)
            state = FAILED if problem else self._state(path, current, output, partition_runs,
                                                       revision, chromosomes)
            samples.append(Sample(
                user=user, sample=sample, path=path, state=state,
                size=st.st_size, mtime=st.st_mtime, output=output,
                last_run=partition_runs[0] if partition_runs else None,
                last_success=last_success, problem=problem,
                damage=result_damage(output, last_success) if state == DAMAGED else None))
            if modules is not None and state in (ANNOTATED, PARTIAL):
                from ..modules.findings import findings_due

                samples[-1].findings_due = findings_due(output, *modules)
        return samples

    def modules_now(self) -> tuple[list, list] | None:
        """(the installed modules a sample's findings are made with now, [(module, why not)] for
        the others); None when no modules cache is configured."""
        if self.modules_dir is None:
            return None
        from ..modules.store import ModuleStore

        try:
            return ModuleStore(self.modules_dir).usable()
        except UserError:
            return [], []  # an unreadable record: nothing to use (the modules page says why)

    def sample(self, user: str, sample: str) -> Sample | None:
        """One sample by name, or None."""
        return next((s for s in self.scan() if s.user == user and s.sample == sample), None)

    def _reference_revision(self) -> str | None:
        if self.reference_dir is None:
            return None
        from ..reference.demo import reference_revision

        return reference_revision(Path(self.reference_dir))

    def _reference_chromosomes(self) -> set[str] | None:
        """Chromosomes the cache has files for now (None: no cache configured, cannot tell)."""
        if self.reference_dir is None:
            return None
        from ..reference.cache import find_files

        return set(find_files(Path(self.reference_dir)))

    def _state(self, path: Path, current: Fingerprint, output: Path, runs: list["Run"],
               reference_revision: str | None = None,
               reference_chromosomes: set[str] | None = None) -> str:
        if runs and runs[0].status in (QUEUED, RUNNING):
            return runs[0].status
        for run in runs:
            if run.status == "interrupted":
                continue  # a crash says nothing about the file
            recorded = Fingerprint.from_dict(run.config.get("input_fingerprint"))
            if run.status == "succeeded":
                if not output.is_file():
                    return NEW
                if result_damage(output, run):
                    return DAMAGED
                used = (run.metadata or {}).get("reference_revision")
                if reference_revision and used and used != reference_revision:
                    return STALE
                if not self.same_content(path, current, recorded):
                    return STALE
                missing = set((run.metadata or {}).get("reference_chromosomes_missing") or ())
                # Redo it once the cache can look up more of it.
                if missing & (reference_chromosomes or set()):
                    return STALE
                return result_state(run.metadata or {})
            if run.status in ("failed", "cancelled"):
                if self.same_content(path, current, recorded):
                    return FAILED
                # The file changed since that attempt: judge by the runs before it.
        if output.is_file():
            # Annotated outside this history (an older version, the pipeline): trust the times.
            return ANNOTATED if output.stat().st_mtime_ns >= current.mtime_ns else STALE
        return NEW

    def same_content(self, path: Path, current: Fingerprint, recorded: Fingerprint | None) -> bool:
        """Whether `path` (now `current`) still holds what `recorded` describes."""
        return same_content(path, current, recorded, lambda: self.sha256(path, current))

    def content_problem(self, path: Path, current: Fingerprint) -> str | None:
        """Why a file named like a genotyping file is neither one nor a VCF (None when it is one),
        from its first lines; remembered per (path, size, mtime), so a rescan opens no file twice."""
        key = (str(path), current.size, current.mtime_ns)
        with self._hash_lock:
            if key in self._problems:
                return self._problems[key]
        try:
            detect_format(path)
            problem = None
        except VcfError as exc:
            problem = exc.reason if exc.line is None else f"line {exc.line}: {exc.reason}"
        with self._hash_lock:
            self._problems[key] = problem
        return problem

    def sha256(self, path: Path, current: Fingerprint) -> str:
        """The file's hash, remembered per (path, size, mtime) so a scan hashes a file once."""
        key = (str(path), current.size, current.mtime_ns)
        with self._hash_lock:
            if key in self._hashes:
                return self._hashes[key]
        digest = file_sha256(path)
        with self._hash_lock:
            self._hashes[key] = digest
        return digest

    # -- import --------------------------------------------------------------------------------------

    def import_sample(self, source: Path | str, user: str, sample: str | None = None) -> Path:
        """Copy a VCF or a genotyping file into `{input}/{user}/{sample}{suffix}` and return the
        new path; the suffix comes from the content (`.vcf[.gz]`, `.txt[.gz]`, `.csv[.gz]`, `.zip`).

        The content is checked first (a file that is neither is refused before anything is
        written); the copy goes to a hidden temporary name and is linked into place, so nobody
        ever sees half a file and an existing sample is never replaced (SampleExistsError).
        Unusable names raise InvalidNameError, whose `suggestion` is a safe form.
        """
        source = Path(source)
        check_name(user, "user")
        user = self._user_folder_name(normal_form(user))
        sample = normal_form(sample if sample is not None else sample_name_of(source.name))
        check_name(sample, "sample")
        fmt = detect_format(source)  # raises VcfError naming the file (and line)
        if fmt.is_vcf:
            read_header(source)
        suffix = _suffix_for(fmt)

        user_dir = self.input_dir / user
        try:
            user_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UserError(f"{user_dir}: cannot create the user's folder ({exc.strerror})") from None
        _require_inside(user_dir, self.input_dir)
        target = user_dir / f"{sample}{suffix}"
        self._refuse_existing(user_dir, user, sample)

        tmp = temp_file(target, "part")  # owner-tagged: swept if this process is killed
        try:
            with open(source, "rb") as src, open(tmp, "xb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
                dst.flush()
                os.fsync(dst.fileno())
            self._refuse_existing(user_dir, user, sample)
            try:
                os.link(tmp, target)  # fails if the target exists: no race can overwrite it
            except FileExistsError:
                raise SampleExistsError(f"{target}: sample {user}/{sample} already exists; "
                                        "choose another sample name") from None
            except OSError:
                # A file system without hard links (FAT, some network shares).
                if target.exists():
                    raise SampleExistsError(f"{target}: sample {user}/{sample} already exists")
                os.rename(tmp, target)
        except OSError as exc:
            raise UserError(f"{target}: cannot import ({exc.strerror or exc})") from None
        finally:
            discard(tmp)  # never in place of the error above
        return target

    def _user_folder_name(self, user: str) -> str:
        """The folder a (NFC) user name goes to: an existing folder spelling the same name in
        another Unicode form is the same person; one differing only by case is refused where the
        file system ignores case (it is the same folder there)."""
        for entry in _sorted_entries(self.input_dir):
            if entry.name == user or not entry.is_dir():
                continue
            if normal_form(entry.name) == user:
                return entry.name
            if normal_form(entry.name).casefold() == user.casefold():
                try:
                    same_folder = os.path.samefile(entry.path, self.input_dir / user)
                except OSError:
                    same_folder = False  # no such folder: this file system tells case apart
                if same_folder:
                    raise InvalidNameError(
                        "user", user, f"it is the folder of user {entry.name!r} on this "
                        "computer, whose file system does not tell upper from lower case",
                        entry.name)
        return user

    def _refuse_existing(self, user_dir: Path, user: str, sample: str) -> None:
        folded = sample.casefold()
        for entry in _sorted_entries(user_dir):
            if is_sample_name(entry.name) and sample_name_of(entry.name).casefold() == folded:
                raise SampleExistsError(f"{entry.path}: sample {user}/{sample} already exists; "
                                        "choose another sample name")


def result_damage(output: Path, run: "Run") -> str | None:
    """How `output` differs from what `run` wrote (None: the same, or the run did not record it).

    Size and modification time, as the run recorded them when it replaced the file: random
    bytes, a file cut short or emptied, another program's file in its place all change one.
    """
    written = (run.metadata or {}).get("output_fingerprint")
    if not isinstance(written, dict) or not isinstance(written.get("size"), int) \
            or not isinstance(written.get("mtime_ns"), int):
        return None  # written before runs recorded it: nothing to compare with
    try:
        st = output.stat()
    except OSError:
        return None  # gone: that is `new`, not damage
    if (st.st_size, st.st_mtime_ns) == (written["size"], written["mtime_ns"]):
        return None
    if st.st_size == 0:
        change = "it is empty"
    elif st.st_size != written["size"]:
        change = f"it holds {st.st_size:,} bytes, not the {written['size']:,} written"
    else:
        change = "it was modified afterwards"
    return f"the result is not the file run #{run.id} wrote ({change})"


def _suffix_for(fmt: InputFormat) -> str:
    """The file-name suffix that says what an imported file is (the content decided)."""
    if fmt.compression == "zip":
        return ".zip"
    text = ".vcf" if fmt.is_vcf else ".csv" if fmt.layout and fmt.layout.separator == "," \
        else ".txt"
    return text + (".gz" if fmt.compression == "gzip" else "")


def _sample_key(file_name: str) -> str:
    """Sample files that are one sample: names equal but for case or Unicode form."""
    return normal_form(sample_name_of(file_name)).casefold()


def _chosen_names(names: list[str], key) -> dict[str, str]:
    """For each key, the name that stands for it: the first written in NFC, else the first."""
    chosen: dict[str, str] = {}
    for name in names:
        k = key(name)
        in_nfc = name == normal_form(name)
        if k not in chosen or (in_nfc and chosen[k] != normal_form(chosen[k])):
            chosen[k] = name
    return chosen


def _one_sample_per_file(candidates: list[tuple[str, str, Path, bool]],
                         rejected: list[Rejected]) -> list[tuple[str, str, Path]]:
    """Keep one name per real file (its own name before any link to it), in the given order."""
    owners: dict[tuple[int, int], str] = {}
    kept: set[int] = set()
    for index in sorted(range(len(candidates)), key=lambda i: candidates[i][3]):  # links last
        user, sample, path, _ = candidates[index]
        try:
            st = path.stat()
        except OSError:
            continue  # removed while we looked
        identity = (st.st_dev, st.st_ino)
        if identity in owners:
            rejected.append(Rejected(path, f"the same file as sample {owners[identity]} (a link); "
                                           "one file is annotated once"))
            continue
        owners[identity] = f"{user}/{sample}"
        kept.add(index)
    return [candidates[i][:3] for i in range(len(candidates)) if i in kept]


def _output_name() -> str:
    from ..layout import OUTPUT_FILE_NAME

    return OUTPUT_FILE_NAME


def _sorted_entries(folder: Path) -> list[os.DirEntry]:
    try:
        with os.scandir(folder) as entries:
            return sorted(entries, key=lambda e: e.name)
    except OSError:
        return []


def _stays_inside(path: Path, real_root: Path) -> bool:
    """False for a symlink (at any depth) whose target is outside `real_root`."""
    try:
        path.resolve().relative_to(real_root)
        return True
    except (ValueError, OSError, RuntimeError):
        return False


def _require_inside(path: Path, root: Path) -> None:
    root.mkdir(parents=True, exist_ok=True)
    # Resolve the deepest existing ancestor: a link anywhere on the way counts.
    if not _stays_inside(path, root.resolve()):
        raise OutsideWorkspaceError(f"{path}: leads out of {root} (through a link); refusing to "
                                    "write there")
