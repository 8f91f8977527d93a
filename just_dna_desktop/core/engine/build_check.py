"""Whether a VCF's positions are the reference's: a sample of its own rsIDs, looked up by rs number
on the file's own chromosomes before anything is joined or written.

Why: a VCF whose header names no build (no `##reference`, no `##contig` lengths) is common, and a
GRCh37 one matched by position gets other variants' rsIDs, frequencies and clinical flags without
a word. Its own rsIDs tell: an rsID names the same variant on every build, so on the reference's
build the reference has it at the file's position, and on another build almost never. A sample is
enough: an rs scan of one prepared chromosome takes ~0.2 s, and the whole file is read before the
join anyway (core/engine/annotate.py), so the method is decided before a row is written.

Judged only on rsIDs the reference has on the same chromosome (an rsID it lacks, or one moved to
another chromosome, says nothing about positions), and only with OWN_RSIDS_TO_JUDGE of them; fewer
than OWN_RSIDS_CONFIRMED_SHARE at their position means another build
(core/readers/build.py holds both numbers, shared with the whole-file count of a position run).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterable

import polars as pl

from ..readers.build import OWN_RSIDS_CONFIRMED_SHARE, OWN_RSIDS_TO_JUDGE, REFERENCE_BUILD
from .rsid_match import candidates, rs_numbers

# rsIDs looked up per check, taken from as few chromosomes as give them (each chromosome costs a
# scan of its reference file's rs column), at most MAX_CHROMOSOMES.
SAMPLE_RSIDS = 2_000
MAX_CHROMOSOMES = 3


@dataclass
class BuildCheck:
    """What the sample of the file's own rsIDs said."""

    checked: int = 0     # sampled rsIDs the reference has on the same chromosome
    confirmed: int = 0   # of those, at the file's own position
    chromosomes: list[str] = field(default_factory=list)

    @property
    def judged(self) -> bool:
        return self.checked >= OWN_RSIDS_TO_JUDGE

    @property
    def other_build(self) -> bool:
        return self.judged and self.confirmed < OWN_RSIDS_CONFIRMED_SHARE * self.checked

    def reason(self) -> str:
        """The method's reason in words, for the run's record."""
        where = f"chromosome{'s' if len(self.chromosomes) > 1 else ''} " \
                f"{', '.join(self.chromosomes)}" if self.chromosomes else "its chromosomes"
        counted = (f"{self.confirmed:,} of {self.checked:,} of the file's own rsIDs checked on "
                   f"{where} are where the {REFERENCE_BUILD} reference has them")
        if self.other_build:
            return (f"{counted}: its positions are on another genome build, so it is matched by "
                    "rsID")
        if not self.judged:
            return (f"{counted}, too few to judge its build: matched by position, as its header "
                    "allows")
        return f"{counted}: matched by position"

    def to_dict(self) -> dict:
        return {"rsids_checked": self.checked, "rsids_at_their_position": self.confirmed,
                "chromosomes": self.chromosomes}


def check_positions(alleles_of: Callable[[str], pl.DataFrame], chromosomes: Iterable[str],
                    sources_of: Callable[[str], list]) -> BuildCheck:
    """Look a sample of the file's rsIDs up on their own chromosomes.

    `alleles_of(chrom)` gives some of that chromosome's allele rows (columns `id`, `start`);
    `sources_of(chrom)` its reference sources (annotate.ReferenceSource), for the chromosomes the
    cache has, in `chromosomes`' order.
    """
    check = BuildCheck()
    wanted_total = 0
    for chrom in chromosomes:
        if wanted_total >= SAMPLE_RSIDS or len(check.chromosomes) >= MAX_CHROMOSOMES:
            break
        rows = alleles_of(chrom)
        own = rows.select(rs=rs_numbers(rows["id"]), start=pl.col("start").cast(pl.UInt32)) \
            .drop_nulls("rs").unique(subset="rs", keep="first", maintain_order=True) \
            .head(SAMPLE_RSIDS - wanted_total)
        if not own.height:
            continue
        found = candidates(sources_of(chrom), own["rs"], "all").select(
            "rs", pl.col("start").cast(pl.UInt32))
        wanted_total += own.height
        check.chromosomes.append(chrom)
        known = own.filter(pl.col("rs").is_in(found["rs"].implode()))
        at_position = known.join(found.unique(), on=["rs", "start"], how="semi")
        check.checked += known.height
        check.confirmed += at_position.height
    return check
