"""The names of the files in a sample's output folder, `{output}/{user}/{sample}/` (the earlier
pipeline's layout, kept so its tools read our results): one name for every package that writes,
finds or reads them, and the `user/sample` a file in it belongs to."""

from pathlib import Path
from typing import Any

OUTPUT_FILE_NAME = "user_annotated_vcf.parquet"  # the annotated allele rows of one sample
FINDINGS_FILE_NAME = "findings.parquet"  # what the installed annotation modules say about it


def sample_name(path: Path, run: dict[str, Any]) -> str:
    """`user/sample` of a result file: from its run record, else from where it lies in the layout
    (`{user}/{sample}/{OUTPUT_FILE_NAME}`), else the file's own name."""
    if run.get("partition_key"):
        return str(run["partition_key"])
    if run.get("user_name") and run.get("sample_name"):
        return f"{run['user_name']}/{run['sample_name']}"
    path = Path(path)
    if path.name in (OUTPUT_FILE_NAME, FINDINGS_FILE_NAME) and path.parent.parent.name:
        return f"{path.parent.parent.name}/{path.parent.name}"
    return path.stem
