"""Which calls are haploid: MT always, and X and Y outside the pseudo-autosomal regions in a male's
file. The same person gets the same zygosity whatever the vendor.

Why: 23andMe writes a male's X, Y and MT calls as one letter (`A`: haploid), AncestryDNA writes
every call as two (`A A`), and many VCF callers call a male's X as diploid (`1/1`); read as
written, one person is `haploid_alt` in one file and `hom_alt` in the other. So, as the `snps`
package does (its `deduplicate_XY_chrom` and `deduplicate_MT_chrom`, our oracle in the tests):

- MT is haploid: a homozygous call is one allele (a heterozygous one, heteroplasmy, is kept);
- a file is a male's when its X has (almost) no heterozygous call outside the PARs (at most
  HET_X_SHARE of its X rows, snps's threshold: a chip has a few genotyping errors) and its Y is
  called (more than Y_CALLED_SHARE of its Y rows, snps's too); then a homozygous call on X or Y
  outside the PARs is one allele. A stray heterozygous one stays as written.

Positions are the file's own (a chip's are GRCh37 unless it says otherwise), with that build's
PARs; the rows are judged on the call, not on what the reference made of it. The counts are taken
while the rows go by and the change is made as they are written, so a whole genome is never held
for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

import polars as pl

from ..readers.genotypes import own_chromosome

# (PAR1 end, PAR2 start) per build and chromosome: between them is the non-PAR region
# (snps.SNPs.get_par_regions; GRC).
NON_PAR = {
    "GRCh37": {"X": (2699520, 154931044), "Y": (2649520, 59034050)},
    "GRCh38": {"X": (2781479, 155701383), "Y": (2781479, 56887903)},
}
HET_X_SHARE = 0.03
Y_CALLED_SHARE = 0.3
HOMOZYGOUS = ("hom_ref", "hom_alt")
HAPLOID = {"hom_ref": "haploid_ref", "hom_alt": "haploid_alt"}

Frame = TypeVar("Frame", pl.DataFrame, pl.LazyFrame)


@dataclass
class Ploidy:
    """The calls of one run, counted as they go by, then read haploid where they are."""

    chrom: pl.Expr   # the file's own chromosome, named the reference's way (`X`, `MT`)
    pos: pl.Expr     # the file's own position
    build: str       # the build of those positions (for the PARs)
    x_rows: int = 0
    x_het: int = 0
    y_rows: int = 0
    y_called: int = 0
    mt_homozygous: int = 0
    xy_homozygous: int = 0

    @classmethod
    def of_positions(cls, build: str | None) -> "Ploidy":
        """A VCF matched by position: its own `chrom` and `start`."""
        return cls(pl.col("chrom"), pl.col("start"), _known(build, "GRCh38"))

    @classmethod
    def of_markers(cls, build: str | None) -> "Ploidy":
        """Rows matched by rsID: the file's `source_chrom`/`source_pos` (a chip's: GRCh37 unless
        it says; a VCF found on another build: most likely GRCh37 too)."""
        return cls(own_chromosome(pl.col("source_chrom")), pl.col("source_pos"),
                   _known(build, "GRCh37"))

    def _non_par(self, chrom: str) -> pl.Expr:
        low, high = NON_PAR[self.build][chrom]
        return (self.chrom == chrom) & (self.pos > low) & (self.pos < high)

    def count(self, rows: pl.DataFrame) -> None:
        """Tally the calls of `rows` (columns of `chrom`/`pos`, `genotype`, `zygosity`)."""
        genotype = pl.col("genotype")
        called = genotype.list.eval(pl.element().is_not_null()).list.any().fill_null(False)
        het = ((genotype.list.len() == 2) & (genotype.list.get(0, null_on_oob=True)
                                             != genotype.list.get(1, null_on_oob=True)))
        homozygous = pl.col("zygosity").is_in(HOMOZYGOUS).fill_null(False)
        x, y = self._non_par("X"), self._non_par("Y")
        counts = rows.select(
            x_rows=x.sum(), x_het=(x & het.fill_null(False)).sum(),
            y_rows=(self.chrom == "Y").sum(), y_called=((self.chrom == "Y") & called).sum(),
            mt_homozygous=((self.chrom == "MT") & homozygous).sum(),
            xy_homozygous=((x | y) & homozygous).sum()).row(0, named=True)
        for name, value in counts.items():
            setattr(self, name, getattr(self, name) + int(value or 0))

    @property
    def male(self) -> bool | None:
        """A male's file (one X); None when X or Y has no call to tell by."""
        if not self.x_rows or not self.y_rows:
            return None
        return self.x_het <= HET_X_SHARE * self.x_rows and self.y_called > Y_CALLED_SHARE * self.y_rows

    def apply(self, frame: Frame) -> Frame:
        """`frame` with its haploid calls read as one allele (zygosity haploid_ref/alt)."""
        haploid = self.chrom == "MT"
        if self.male:
            haploid = haploid | self._non_par("X") | self._non_par("Y")
        change = (haploid & pl.col("zygosity").is_in(HOMOZYGOUS)).fill_null(False)
        return frame.with_columns(
            genotype=pl.when(change).then(pl.col("genotype").list.head(1))
            .otherwise(pl.col("genotype")),
            zygosity=pl.when(change).then(pl.col("zygosity").replace(HAPLOID))
            .otherwise(pl.col("zygosity")))

    def metadata(self) -> dict[str, Any]:
        return {"haploid_x_y": self.male,
                "calls_read_as_haploid": self.mt_homozygous
                + (self.xy_homozygous if self.male else 0)}


def _known(build: str | None, default: str) -> str:
    return build if build in NON_PAR else default
