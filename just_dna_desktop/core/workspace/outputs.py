"""Where a command may write its output in a workspace (`annotate --output`, `report --output`).

The engine and the report already refuse to replace an input, a folder or a file of another kind
(core/engine/annotate.check_output_target, core/results/report.check_report_target). What only
the workspace knows is refused here, before anything is written:

- a file in the input folder: every file there is a person's genome file, or becomes one (a
  result written there would be listed as a sample, or replace one);
- the result of another sample (`{output}/{user}/{sample}/user_annotated_vcf.parquet`): only that
  sample's own runs write it, so its history and its file never disagree.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import UserError
from ..layout import OUTPUT_FILE_NAME
from .samples import Workspace


def _inside(path: Path, folder: Path) -> bool:
    """Whether `path` (existing or not) lies in `folder`, links resolved."""
    try:
        path.resolve().relative_to(folder.resolve())
        return True
    except (ValueError, OSError, RuntimeError):
        return False


def result_of(workspace: Workspace, output: Path) -> str | None:
    """`user/sample` when `output` is that sample's result file in this workspace, else None."""
    if output.name != OUTPUT_FILE_NAME or not _inside(output, workspace.output_dir):
        return None
    relative = output.resolve().relative_to(workspace.output_dir.resolve())
    return "/".join(relative.parts[:2]) if len(relative.parts) == 3 else None


def check_output_place(workspace: Workspace, output: Path | str,
                       partition: str | None = None) -> None:
    """Refuse `output` in the input folder, or as the result of a sample other than
    `partition` (the `user/sample` whose own run this is; None for a report or an ad-hoc run)."""
    output = Path(output).absolute()
    if _inside(output, workspace.input_dir):
        raise UserError(f"{output}: is in the input folder {workspace.input_dir}, which holds "
                        "people's genome files; choose a place outside it")
    owner = result_of(workspace, output)
    if owner is not None and owner != partition:
        raise UserError(f"{output}: is the result of sample {owner}, which only that sample's "
                        "own runs write; choose another file")
