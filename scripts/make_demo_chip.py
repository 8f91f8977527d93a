"""Write the demo's genotyping-file sample from the demo VCF's real calls.

Input: `just_dna_desktop/resources/demo/HG00096_chr21.vcf` (1000 Genomes sample HG00096, chr21,
132 SNV records, each with its rsID). Output: `.../HG00096_chr21_23andme.txt`, the same calls in
23andMe's raw-data layout (tab-separated `rsid chromosome position genotype`, the genotype as two
letters), so the demo shows a genotyping file matched by rsID beside the VCF matched by position.

Nothing is invented: every marker is one VCF record; its genotype is the record's REF/ALT chosen by
its GT (phasing dropped, as 23andMe writes it). The positions are the VCF's, GRCh38: a real 23andMe
file has GRCh37 positions, which matching by rsID never uses. The comment lines say all this.

    uv run python scripts/make_demo_chip.py [VCF] [OUTPUT]
"""

from __future__ import annotations

import sys
from pathlib import Path

DEMO = Path(__file__).resolve().parent.parent / "just_dna_desktop" / "resources" / "demo"
HEADER = """\
# Made by just-dna-desktop's scripts/make_demo_chip.py from HG00096_chr21.vcf (beside this file):
# the real chromosome 21 calls of the 1000 Genomes Project sample HG00096, written in 23andMe's
# raw-data layout. Not a 23andMe download. Positions are GRCh38, copied from the VCF (a 23andMe
# file has GRCh37 positions; matching by rsID does not use them).
# rsid\tchromosome\tposition\tgenotype
"""


def chip_lines(vcf_text: str) -> list[str]:
    lines = []
    for line in vcf_text.splitlines():
        if not line or line.startswith("#"):
            continue
        chrom, pos, rsid, ref, alt, *_, gt = line.split("\t")
        alleles = [ref, *alt.split(",")]
        calls = gt.split(":")[0].replace("|", "/").split("/")
        lines.append(f"{rsid}\t{chrom}\t{pos}\t{''.join(alleles[int(c)] for c in calls)}")
    return lines


def main(argv: list[str]) -> int:
    vcf = Path(argv[0]) if argv else DEMO / "HG00096_chr21.vcf"
    output = Path(argv[1]) if len(argv) > 1 else DEMO / "HG00096_chr21_23andme.txt"
    output.write_text(HEADER + "".join(f"{line}\n" for line in chip_lines(vcf.read_text())))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
