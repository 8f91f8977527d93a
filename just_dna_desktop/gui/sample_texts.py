"""What the window says about a sample, in words: its tooltip, the page shown while it has no
table, and the notice above its table. Plain functions of the sample's state and runs (no widgets),
so every place says the same thing and tests can read it."""

from __future__ import annotations

from typing import Any

from ..core.readers.build import REFERENCE_BUILD, result_doubt
from ..core.workspace.failures import explain_failure
from .samples_model import STATES, SampleEntry


def _chromosomes(names: list[str]) -> str:
    return f"chromosome{'s' if len(names) != 1 else ''} {', '.join(names)}"


def not_looked_up(metadata: dict[str, Any]) -> str:
    """'1,234 allele rows on chromosome 21 were not looked up…' or '' for a complete result."""
    missing = metadata.get("reference_chromosomes_missing") or []
    if not missing:
        return ""
    count = metadata.get("alleles_not_looked_up") or 0
    return (f"{count:,} allele row{'s' if count != 1 else ''} on {_chromosomes(missing)} "
            f"{'were' if count != 1 else 'was'} not looked up: the reference cache has no file "
            "for them")


def metadata_detail(metadata: dict[str, Any]) -> str:
    """A run's figures in a line: rows, matched, and what it could not look up."""
    if not isinstance(metadata.get("rows_out"), int):
        return ""
    if metadata.get("match_by") == "rsid":
        # A genotyping file has a row per marker; a VCF on another build a row per ALT allele.
        rows = "allele rows" if metadata.get("input_format") == "vcf" else "markers"
        text = (f"{metadata['rows_out']:,} {rows} matched by rsID, "
                f"{metadata.get('alleles_matched', 0):,} placed on GRCh38, "
                f"{metadata.get('strand_flipped', 0):,} strand-flipped, "
                f"{metadata.get('mismatched', 0):,} mismatched")
        if metadata.get("without_rsid"):
            text += f", {metadata['without_rsid']:,} without an rsID"
    else:
        text = (f"{metadata['rows_out']:,} allele rows, {metadata.get('alleles_matched', 0):,} "
                "matched to an rsID")
    gap = not_looked_up(metadata)
    return f"{text}. Partial: {gap}." if gap else text


def entry_detail(state: str, last_run: Any, last_success: Any, problem: str | None = None,
                 damage: str | None = None) -> str:
    """The tooltip line under a sample's state."""
    if problem:
        return f"Not a genome file: {problem}"
    if state == "damaged":
        return f"Damaged: {damage or 'the result file changed after its run wrote it'}; it is " \
               "annotated again"
    if state == "failed" and last_run is not None:
        return f"Failed: {explain_failure(last_run.error).reason}"
    if last_success is not None:
        return metadata_detail(last_success.metadata or {})
    return ""


def good_metadata(entry: SampleEntry) -> dict[str, Any]:
    good = entry.extra.get("good")
    return (good.metadata or {}) if good is not None else {}


def describe_state(entry: SampleEntry, *, running: bool = False,
                   queued_in: tuple[int, float | None] | None = None, auto: bool = True,
                   waiting_for_reference: bool = False) -> dict[str, Any]:
    """The status page for a sample with no table to show (keyword arguments of show_state).

    `queued_in` is (position in the automatic queue, seconds until it may start, None while
    another annotation runs) when this window's scheduler holds it."""
    meaning = STATES.get(entry.state, ("", "", entry.state))[2]
    page: dict[str, Any] = {"title": f"{entry.key}: {meaning.split(':')[0].lower()}",
                            "text": meaning, "key": entry.key}
    if entry.state == "running" or running:
        fraction = entry.progress or 0.0
        page.update(title=f"{entry.key}: annotating", progress=fraction, cancel=True,
                    text="Annotating in a separate process; the window stays usable. The table "
                         "appears here when it is done.")
    elif entry.state == "queued":
        if queued_in is not None:
            position, seconds = queued_in
            if seconds is not None and seconds >= 0.5:  # annotated a moment ago: its interval
                when = f"starts in {seconds:.0f} s"
            elif position == 0 and seconds is not None:
                when = "starts now"
            elif position == 0:  # another annotation is running: one at a time
                when = "starts when the running annotation ends"
            else:
                when = f"waits for {position} other sample{'s' if position != 1 else ''} before it"
            text = (f"Queued for automatic annotation: {when}. Automatic runs go one at a time; "
                    "a sample annotated less than the minimum interval ago (Settings) waits for "
                    "it, so a file that keeps changing is not annotated over and over.")
        else:
            text = "Queued: another run is using the computer; it starts when that one ends."
        page.update(title=f"{entry.key}: queued", text=text, annotate="Run now")
    elif waiting_for_reference:
        page.update(title=f"{entry.key}: waiting for the reference", reference=True,
                    text="The Ensembl reference is not on this computer yet, so this sample cannot "
                         "be annotated. Download it once from the Reference tab; the sample is "
                         "annotated as soon as it is there.")
    elif entry.state == "damaged":
        page.update(title=f"{entry.key}: result damaged", annotate="Annotate now",
                    text="Its result file is not the one its last run wrote: it was replaced, "
                         "cut short or emptied after the run, so its table cannot be trusted and "
                         "is not shown. " + ("It is annotated again automatically; or start it "
                                             "now." if auto else "Annotate it again to get a "
                                                                 "good result."))
    elif entry.state == "cancelled":
        page.update(text="Its last run was cancelled; nothing was written.", annotate="Annotate now")
    else:  # new (or annotated but its output went away)
        text = ("Not annotated yet. Automatic annotation starts it soon; or start it now."
                if auto else "Not annotated yet. Automatic annotation is off (File → Settings): "
                             "start it when you like.")
        page.update(title=f"{entry.key}: not annotated yet", text=text, annotate="Annotate now")
    return page


def result_notice(entry: SampleEntry) -> tuple[str, str | None]:
    """(text, action) above a sample's table: what the result could not do or why it may be old;
    ("", None) for a complete, current result."""
    metadata = good_metadata(entry)
    doubt = result_doubt(metadata)
    if doubt:
        return (f"Doubtful result: {doubt}, so most matches are probably wrong. Annotate it by "
                f"rsID (on its Summary), or convert it to {REFERENCE_BUILD}.", None)
    if entry.state in ("queued", "running"):
        progress = f" ({entry.progress:.0%})" if entry.state == "running" and entry.progress else ""
        return f"Being annotated again{progress}: this table is the previous result.", None
    if entry.state == "stale":
        return ("Out of date: the sample file or the reference changed after this result was "
                "made. It is annotated again automatically (or use Annotate now).", None)
    gap = not_looked_up(metadata)
    if entry.state == "partial" and gap:
        return (f"Partial result: {gap}, so their rsID and reference columns are empty. Download "
                "those chromosomes and the sample is annotated again.", "Get the reference…")
    return "", None
