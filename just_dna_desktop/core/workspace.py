"""The workspace: users and their samples under the input folder, `{user}/{sample}.vcf[.gz]`."""

from __future__ import annotations

VCF_SUFFIXES = (".vcf.gz", ".vcf")


def sample_name_of(file_name: str) -> str:
    """The sample name of a VCF file: its name without `.vcf` or `.vcf.gz`."""
    lower = file_name.lower()
    for suffix in VCF_SUFFIXES:
        if lower.endswith(suffix):
            return file_name[: -len(suffix)]
    return file_name
