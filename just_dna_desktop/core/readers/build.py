"""Which genome build a VCF was called against, from its `##contig` lengths and `##reference` line."""

from __future__ import annotations

import re

REFERENCE_BUILD = "GRCh38"

# Chromosome lengths that tell the builds apart (MT is the same in GRCh37 and GRCh38: not used).
CONTIG_LENGTHS: dict[str, dict[str, int]] = {
    "GRCh38": {
        "1": 248956422, "2": 242193529, "3": 198295559, "4": 190214555, "5": 181538259,
        "6": 170805979, "7": 159345973, "8": 145138636, "9": 138394717, "10": 133797422,
        "11": 135086622, "12": 133275309, "13": 114364328, "14": 107043718, "15": 101991189,
        "16": 90338345, "17": 83257441, "18": 80373285, "19": 58617616, "20": 64444167,
        "21": 46709983, "22": 50818468, "X": 156040895, "Y": 57227415,
    },
    "GRCh37": {
        "1": 249250621, "2": 243199373, "3": 198022430, "4": 191154276, "5": 180915260,
        "6": 171115067, "7": 159138663, "8": 146364022, "9": 141213431, "10": 135534747,
        "11": 135006516, "12": 133851895, "13": 115169878, "14": 107349540, "15": 102531392,
        "16": 90354753, "17": 81195210, "18": 78077248, "19": 59128983, "20": 63025520,
        "21": 48129895, "22": 51304566, "X": 155270560, "Y": 59373566,
    },
    "T2T-CHM13": {
        "1": 248387328, "21": 45090682, "22": 51324926, "X": 154259566, "Y": 62460029,
    },
    "NCBI36": {
        "1": 247249719, "20": 62435964, "21": 46944323, "22": 49691432, "X": 154913754,
    },
}

# Names seen in `##reference=` and `assembly=` values, and in genotyping files' comments ("human
# assembly build 37"), most specific first.
_BUILD_NAMES = [
    ("T2T-CHM13", re.compile(r"chm13|t2t|\bhs1\b", re.I)),
    ("GRCh38", re.compile(r"grch38|hg38|assembly38|\bb38\b|hs38|GCA_000001405\.15|GCF_000001405\.(2[6-9]|[3-9]\d)|build\s*38\b", re.I)),
    ("GRCh37", re.compile(r"grch37|hg19|\bb37\b|hs37|human_g1k_v37|GCF_000001405\.(1[3-9]|2[0-5])|build\s*37\b", re.I)),
    ("NCBI36", re.compile(r"ncbi36|hg18|\bb36\b|build\s*36\b", re.I)),
]


def build_from_contigs(contigs: dict[str, int | None]) -> str | None:
    """The build whose chromosome lengths the `##contig` lines match, if any match."""
    votes: dict[str, int] = {}
    for name, length in contigs.items():
        if length is None:
            continue
        chrom = normalise_contig(name)
        for build, lengths in CONTIG_LENGTHS.items():
            if lengths.get(chrom) == length:
                votes[build] = votes.get(build, 0) + 1
    if not votes:
        return None
    return max(votes, key=votes.__getitem__)


def build_from_text(text: str | None) -> str | None:
    if not text:
        return None
    for build, pattern in _BUILD_NAMES:
        if pattern.search(text):
            return build
    return None


def detect_build(contigs: dict[str, int | None], reference: str | None,
                 assemblies: list[str]) -> str | None:
    """Contig lengths are the strongest evidence; names in the header come next."""
    return (build_from_contigs(contigs) or build_from_text(reference)
            or next((b for b in map(build_from_text, assemblies) if b), None))


def normalise_contig(name: str) -> str:
    """`chr1`/`CHR1`/`1` -> `1`, `chrM`/`M`/`MT` -> `MT`, `chrx` -> `X`; others unchanged."""
    stripped = name[3:] if name[:3].lower() == "chr" else name
    upper = stripped.upper()
    if upper in ("M", "MT"):
        return "MT"
    if upper in ("X", "Y"):
        return upper
    return stripped


# A VCF's own rsIDs as a check of its build: on the reference's build nearly all of them name the
# variant the reference has at that position (the demo: 132 of 132); on another build, positions
# point elsewhere and almost none do. Judged only with enough rsIDs to go by.
OWN_RSIDS_TO_JUDGE = 50
OWN_RSIDS_CONFIRMED_SHARE = 0.5


def own_rsids_doubt_build(metadata: dict) -> bool:
    """True when a position run's file carried rsIDs and too few of them were confirmed by the
    reference at their positions: the file is probably on another build without saying so."""
    checked = metadata.get("own_rsids_checked")
    confirmed = metadata.get("own_rsids_confirmed")
    if not isinstance(checked, int) or not isinstance(confirmed, int):
        return False
    return checked >= OWN_RSIDS_TO_JUDGE and confirmed < OWN_RSIDS_CONFIRMED_SHARE * checked


def result_doubt(metadata: dict) -> str | None:
    """Why a finished run's matches may be wrong as to its genome build, in a few words (None: no
    doubt): a file on another build matched by position (a person asked for it), or a file whose
    own rsIDs are mostly not the reference's at their positions. Such a result is shown as
    doubtful, never as plainly annotated."""
    if metadata.get("match_by", "position") != "position":
        return None
    build = metadata.get("genome_build")
    if build and build != REFERENCE_BUILD:
        return f"a {build} file matched by position against the {REFERENCE_BUILD} reference"
    if own_rsids_doubt_build(metadata):
        return (f"only {metadata['own_rsids_confirmed']:,} of its {metadata['own_rsids_checked']:,} "
                f"rsIDs are where the {REFERENCE_BUILD} reference has them: probably another build")
    return None
