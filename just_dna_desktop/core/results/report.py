"""The saved report of one sample: a single, self-contained HTML file.

It is a medical document that stays on the computer, so it loads nothing when opened: the style is
inline, the charts are SVG written here (core/results/svg_charts.py), there are no scripts, fonts or
images, and a Content-Security-Policy forbids any load that might slip in. The only addresses in it
are links a person has to click (core/results/links.py): dbSNP and ClinVar of an rsID, PubMed of a
study. It prints (a print stylesheet, which opens the folded details), and it says which reference
revision and program version produced the result, and when. Written to a temporary file beside the
target, then renamed.

When the annotation modules have run for the sample, their findings come first, said in layers
(core/results/plain_words.py, arranged by core/results/sample_findings.py): for each finding what
the person has and what it means in plain words, with how sure in one of four fixed words, and the
details for a professional (rsID, genotype, position, studies, weight, the module's grading) folded
in a <details>; medicines grouped by medicine; what could not be checked, at the end. Everything a
module wrote is escaped: a module is data, never markup.
"""

from __future__ import annotations

import os
from datetime import datetime, timezone
from html import escape
from pathlib import Path
from typing import Any, Iterable

from ... import __version__
from ..errors import UserError, write_failure
from ..housekeeping import discard, temp_file
from ..reference.cache import sort_key
from .links import clinvar_url, dbsnp_url, pubmed_url
from .plain_words import (DETAIL_LABELS, DETAILS_FOLD, EVIDENCE_LADDER, EVIDENCE_MEANING,
                          FINDINGS_HEADING, FINDINGS_INTRO, LADDER_INTRO,
                          MATCHED_BY_WORDS, MEDICINES_HEADING, MEDICINES_INTRO, MODULES_HEADING,
                          NO_EXPLANATION, NO_FINDINGS, NO_MEDICINE_FINDING, NOT_A_DIAGNOSIS,
                          NOT_CHECKED_HEADING, NOT_STATED, SCORING, SITE_MEANING, SITE_WORDS,
                          UNVERIFIED, about_medicines, evidence_rank, findings_count,
                          how_sure_label,
                          not_in_file_in_words, nothing_about, reference_allele_in_words,
                          sites_in_words, weight_in_words)
from .sample_findings import DrugGroup, Finding, ModuleSection, SampleFindings
from .summary import UNMATCHED, SampleSummary, maf_bin_label
from .svg_charts import column_chart, row_chart

STYLE = """
:root { --text: #1d1f22; --muted: #5f6670; --line: #d5d9de; --card: #f4f6f8; --bar: #2e86de;
        --warn-bg: #fff4e5; --warn: #b35c00; --link: #0b62c4; --page: #ffffff; }
@media screen and (prefers-color-scheme: dark) {
  :root { --text: #e6e6e6; --muted: #a3a9b1; --line: #474a4f; --card: #26282b; --bar: #5dade2;
          --warn-bg: #3a2a14; --warn: #f0a35a; --link: #7cc0f0; --page: #1e1f22; }
  .evidence.ev0 { background: #173823; color: #9fdcb2; }
  .evidence.ev1 { background: #172c45; color: #a9c9f0; }
  .evidence.ev2 { background: #3a2c0f; color: #ecc77a; }
}
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
       color: var(--text); background: var(--page); margin: 0 auto; max-width: 980px;
       padding: 24px 28px 48px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 28px 0 10px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
p.sub, .muted { color: var(--muted); }
a { color: var(--link); }
.status { margin: 14px 0; padding: 10px 14px; border-radius: 6px; background: var(--card); }
.status.partial { background: var(--warn-bg); border-left: 4px solid var(--warn); }
.status ul { margin: 6px 0 0; padding-left: 20px; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr)); gap: 10px; }
.card { background: var(--card); border-radius: 6px; padding: 10px 12px; }
.card .value { font-size: 24px; font-weight: 600; }
.card .what { color: var(--muted); font-size: 12.5px; }
.charts { display: flex; flex-wrap: wrap; gap: 18px 28px; }
figure { margin: 0; }
figcaption { font-weight: 600; margin-bottom: 4px; }
svg.chart { max-width: 100%; height: auto; }
svg .bar { fill: var(--bar); }
svg .gap { fill: none; stroke: var(--muted); stroke-dasharray: 3 3; }
svg .grid { stroke: var(--line); stroke-dasharray: 2 3; }
svg .axis { stroke: var(--muted); }
svg .label { fill: var(--text); }
svg .axis-title { fill: var(--muted); }
h1, code, dd { overflow-wrap: anywhere; }
.table-box { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: var(--card); }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.flags { min-width: 16em; }
.flag { display: inline-block; margin: 0 4px 2px 0; padding: 0 6px; border-radius: 9px;
        background: var(--card); border: 1px solid var(--line); font-size: 12px; white-space: nowrap; }
.flag.serious { border-color: var(--warn); color: var(--warn); }
.evidence { display: inline-block; padding: 0 7px; border-radius: 9px; font-size: 12.5px;
            white-space: nowrap; border: 1px solid var(--line); background: var(--card); }
.evidence.ev0 { border-color: #2f8f4e; background: #e5f4e9; color: #1b5a2f; }
.evidence.ev1 { border-color: #2e6fb7; background: #e6effa; color: #1f4f86; }
.evidence.ev2 { border-color: #b07a12; background: #fbf2df; color: #6e4c08; }
.evidence.ev3 { border-color: var(--line); background: var(--card); color: var(--muted); }
.badge { display: inline-block; padding: 0 6px; border-radius: 4px; font-size: 12px;
         font-weight: normal; border: 1px solid var(--warn); color: var(--warn);
         background: var(--warn-bg); vertical-align: middle; }
dl.ladder { display: grid; grid-template-columns: max-content 1fr; gap: 4px 12px; margin: 8px 0; }
dl.ladder dd { margin: 0; color: var(--muted); }
article.module, article.drug { margin: 18px 0 8px; }
article h3 { font-size: 15.5px; margin: 0 0 4px; }
.finding { border-left: 3px solid var(--line); padding: 4px 0 4px 12px; margin: 10px 0;
           overflow-wrap: anywhere; }
.finding p { margin: 2px 0; }
.finding .result { font-weight: 600; }
.finding .how { color: var(--muted); font-size: 13px; }
.advice { background: var(--card); padding: 6px 10px; border-radius: 6px; margin: 6px 0; }
.source { margin: 8px 0 4px; }
.source .from { color: var(--muted); font-size: 13px; margin: 0; }
details.pro { margin: 4px 0 2px; font-size: 13px; }
details.pro > summary { cursor: pointer; color: var(--link); }
details.pro dl.about { margin: 6px 0 4px; }
.scroll { overflow-x: auto; }
/* a narrow screen reads the modules' table as one block per module, each cell with its label */
@media screen and (max-width: 640px) {
  table.checks thead { display: none; }
  table.checks tr { display: block; border-bottom: 1px solid var(--line); padding: 6px 0; }
  table.checks td { display: flex; justify-content: space-between; gap: 12px; border: 0;
                    padding: 1px 4px; text-align: right; }
  table.checks td::before { content: attr(data-label); color: var(--muted); text-align: left; }
  table.checks td:first-child { font-weight: 600; }
}
footer { margin-top: 32px; color: var(--muted); font-size: 12.5px; }
dl.about { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 0; }
dl.about dt { color: var(--muted); }
dl.about dd { margin: 0; }
/* A chart is drawn twice: wide (columns) for screens and paper, narrow (one row per bar, at its
   full size) for a phone, where the wide one would shrink its labels to a few pixels. */
.narrow { display: none; }
@media screen and (max-width: 600px) {
  body { padding: 14px 12px 32px; }
  .wide { display: none; }
  .narrow { display: block; }
}
dl.legend { margin-top: 8px; font-size: 13px; }
@media print {
  :root { --text: #000; --muted: #444; --line: #bbb; --card: #f1f1f1; --bar: #555;
          --warn-bg: #fff; --warn: #000; --link: #000; --page: #fff; }
  body { max-width: none; padding: 0; font-size: 11pt; }
  h2 { break-after: avoid; }
  figure, .card, tr { break-inside: avoid; }
  thead { display: table-header-group; }
  a { text-decoration: none; }
  a.out::after { content: " (" attr(href) ")"; font-size: 8pt; color: #444; word-break: break-all; }
  /* on paper the folds are open: a professional reads the details there */
  details::details-content { content-visibility: visible; display: contents; }
  details > summary { list-style: none; font-weight: 600; color: #000; }
  .finding, .source { break-inside: avoid; }
  .evidence, .badge { border-color: #000; background: #fff; color: #000; }
}
@page { margin: 16mm 14mm; }
"""
# Nothing may load: not a style, font, image, script or frame. Links still work (navigation).
CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
SERIOUS_FLAGS = {"pathogenic", "likely_pathogenic", "risk_factor", "drug_response"}


def render_report(summary: SampleSummary, generated: datetime | None = None) -> str:
    """The whole HTML document for `summary`."""
    generated = generated or datetime.now(timezone.utc).astimezone()
    title = f"Genome summary: {summary.sample}"
    sections = [
        f"<header><h1>{escape(title)}</h1><p class='sub'>Made on this computer by "
        f"just-dna-desktop {escape(__version__)} on {escape(generated.strftime('%Y-%m-%d %H:%M %Z'))}"
        f" from the annotated file <code>{escape(summary.path.name)}</code>.</p></header>",
        _status(summary),
        *(_findings_sections(summary.findings) if summary.findings is not None else []),
        _cards(summary),
        _charts(summary),
        _clinical_table(summary),
        _flagged_table(summary),
        _not_checked(summary.findings),
        _about(summary, generated),
    ]
    return ("<!DOCTYPE html>\n<html lang='en'>\n<head>\n<meta charset='utf-8'>\n"
            f"<meta http-equiv='Content-Security-Policy' content=\"{CONTENT_SECURITY_POLICY}\">\n"
            "<meta name='referrer' content='no-referrer'>\n"
            f"<meta name='generator' content='{GENERATOR} {escape(__version__)}'>\n"
            "<meta name='viewport' content='width=device-width, initial-scale=1'>\n"
            f"<title>{escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
            + "\n".join(sections) + "\n</body>\n</html>\n")


def write_report(summary: SampleSummary, path: Path | str, generated: datetime | None = None) -> Path:
    """Write the report to `path` atomically (a temporary file in the same folder, renamed).

    It replaces only an earlier report: never the result it is made from, a genome file or any
    other file (check_report_target).
    """
    path = Path(path)
    check_report_target(path, summary.path)
    text = render_report(summary, generated)
    tmp = temp_file(path)  # owner-tagged: swept if this process is killed
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        raise write_failure(path, exc, "the report") from None
    finally:
        discard(tmp)  # never in place of the error above (a read-only folder refuses it too)
    return path


GENERATOR = "just-dna-desktop"


def is_report(path: Path) -> bool:
    """Whether `path` is a report this program wrote (its head says so)."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(16 << 10)
    except OSError:
        return False
    return head.startswith(b"<!DOCTYPE html>") and GENERATOR.encode() in head


def check_report_target(path: Path, source: Path) -> None:
    """Refuse a report file name that would replace anything but an earlier report: the result
    being reported, a sample's genome file, any other file; before anything is written."""
    if path.is_dir():
        raise UserError(f"{path}: is a folder; give the report's file name")
    if not path.exists():
        return
    try:
        same = os.path.samefile(path, source)
    except OSError:
        same = False
    if same:
        raise UserError(f"{path}: is the annotated result this report is made from; writing the "
                        "report there would replace it. Choose another file name")
    if not is_report(path):
        raise UserError(f"{path}: already exists and is not a report made by just-dna-desktop, "
                        "so it is not replaced; choose another file name")


def _number(value: int) -> str:
    return f"{value:,}"


def _alleles(count: int) -> str:
    return f"{count:,} allele{'' if count == 1 else 's'}"


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f} %" if whole else "–"


def _status(summary: SampleSummary) -> str:
    if not summary.limitations:
        return ("<div class='status'>Complete: every allele of the sample was looked up in the "
                "reference.</div>")
    kind = "partial" if summary.partial else "notes"
    heading = ("Partial result: some of this sample was not looked up." if summary.partial
               else "What this result could not do:")
    items = "".join(f"<li>{escape(note)}</li>" for note in summary.limitations)
    return f"<div class='status {kind}'><strong>{heading}</strong><ul>{items}</ul></div>"


def _cards(summary: SampleSummary) -> str:
    cards = [
        (_number(summary.allele_rows), "allele rows in the file"),
        (_number(summary.matched), f"known to Ensembl (have an rsID), "
                                   f"{_percent(summary.matched, summary.allele_rows)}"),
        (_number(summary.carried), "alleles you carry (het, hom-alt or haploid alt)"),
        (_number(summary.clinical.get("any", 0)), "carried alleles with a clinical flag"),
        (_number(summary.rare_carried), "carried alleles that are rare (the minor allele, "
                                        "MAF < 1 %)"),
    ]
    body = "".join(f"<div class='card'><div class='value'>{value}</div>"
                   f"<div class='what'>{escape(what)}</div></div>" for value, what in cards)
    return f"<section><h2>In numbers</h2><div class='cards'>{body}</div></section>"


def _charts(summary: SampleSummary) -> str:
    gaps = summary.chromosomes_not_looked_up
    chromosomes = sorted({*summary.per_chromosome, *gaps}, key=sort_key)
    carried = [summary.per_chromosome.get(c, 0) for c in chromosomes]
    title = "Carried alleles per chromosome"
    per_chromosome = _both(
        column_chart(chromosomes, carried, title=title, x_label="chromosome",
                     y_label="carried alleles", gaps=gaps),
        row_chart(chromosomes, carried, title=title, value_label="carried alleles",
                  row_height=20, gaps=gaps))
    gap_note = (f"<p class='muted'>Dashed: not looked up (the reference cache lacked "
                f"chromosome{'s' if len(gaps) > 1 else ''} {', '.join(gaps)}).</p>" if gaps else "")
    labels = [maf_bin_label(b["from"], b["to"]) for b in summary.maf_histogram]
    counts = [b["count"] for b in summary.maf_histogram]
    title = "Minor allele frequency of carried alleles"
    maf = _both(
        column_chart(labels, counts, title=title,
                     x_label="minor allele frequency of the site (MAF)",
                     y_label="carried alleles", width=460),
        row_chart(labels, counts, title=title, value_label="carried alleles"))
    zygosity = row_chart(list(summary.carried_by_zygosity),
                         list(summary.carried_by_zygosity.values()),
                         title="Carried alleles by zygosity", value_label="carried alleles")
    tsa = row_chart(list(summary.tsa), list(summary.tsa.values()),
                    title="Carried alleles by variant type", value_label="carried alleles")
    unknown = (f"<p class='muted'>{_alleles(summary.maf_unknown)} carried "
               f"{'has' if summary.maf_unknown == 1 else 'have'} no frequency in the reference.</p>"
               if summary.maf_unknown else "")
    return ("<section><h2>Where and what</h2>"
            f"<figure><figcaption>Carried alleles per chromosome</figcaption>{per_chromosome}"
            f"{gap_note}</figure>"
            "<div class='charts'>"
            f"<figure><figcaption>How common are the sites you carry?</figcaption>{maf}{unknown}"
            "</figure>"
            f"<figure><figcaption>Zygosity of the alleles you carry</figcaption>{zygosity}"
            "</figure>"
            f"<figure><figcaption>Variant types (carried; “{UNMATCHED}”: no annotation)"
            f"</figcaption>{tsa}</figure>"
            "</div></section>")


def _both(wide: str, narrow: str) -> str:
    """A chart for screens and paper, and its narrow drawing for a phone (the CSS shows one)."""
    return f"<div class='wide'>{wide}</div><div class='narrow'>{narrow}</div>"


def _clinical_table(summary: SampleSummary) -> str:
    rows = "".join(f"<tr><td>{escape(column.removeprefix('clin_').replace('_', ' '))}</td>"
                   f"<td class='num'>{_number(count)}</td></tr>"
                   for column, count in summary.clinical.items() if column != "any")
    if not rows:
        return ("<section><h2>Clinical flags</h2><p>This file has no clinical flag columns.</p>"
                "</section>")
    return ("<section><h2>Clinical flags of the alleles you carry</h2>"
            "<p class='muted'>Ensembl's clinical significance flags (from ClinVar and other "
            "sources) of the carried alleles; one allele can have several.</p>"
            "<div class='table-box'><table><thead><tr><th>flag</th><th class='num'>carried "
            f"alleles</th></tr></thead><tbody>{rows}<tr><th>any flag</th><th class='num'>"
            f"{_number(summary.clinical.get('any', 0))}</th></tr></tbody></table></div></section>")


def _flagged_table(summary: SampleSummary) -> str:
    flagged = summary.flagged
    head = ("<section><h2>Carried alleles with a clinical flag</h2>"
            "<p class='muted'>Most serious flag first. A flag says what has been reported about "
            "a variant somewhere, not what it means for you: a genetic counsellor or doctor can "
            "say that. The links open dbSNP and ClinVar in your browser: that is the only time "
            "anything (the rsID you click) leaves this computer.</p>")
    if flagged.height == 0:
        return head + "<p>None of the alleles you carry has a clinical flag.</p></section>"
    rows = [_flagged_row(row) for row in flagged.iter_rows(named=True)]
    return (head + f"<details class='pro'><summary>The {_alleles(flagged.height)}, for a "
            "professional</summary>" + _positions_note(summary)
            + "<div class='table-box'><table><thead><tr><th>rsID</th><th>position (GRCh38)</th>"
            "<th>change</th><th>genotype</th><th>zygosity</th><th>flags</th>"
            "<th class='num'>MAF</th><th>links</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table></div></details></section>")


def _positions_note(summary: SampleSummary) -> str:
    """Matched by rsID, the positions shown are where GRCh38 has each rsID, not the file's."""
    if summary.run.get("match_by") != "rsid":
        return ""
    build = summary.run.get("genome_build")
    own = f"its own build ({build})" if build else "its own build"
    return ("<p class='muted'>This file was matched by rsID: each position is where the GRCh38 "
            f"reference has that rsID. Your file gives positions on {own}, which can differ "
            "by thousands of bases.</p>")


def _flagged_row(row: dict[str, Any]) -> str:
    rsid = row.get("rsid")
    links = [(name, url) for name, url in (("dbSNP", dbsnp_url(rsid)), ("ClinVar", clinvar_url(rsid)))
             if url]
    link_html = " ".join(f"<a class='out' href='{escape(url)}' rel='noopener noreferrer' "
                         f"target='_blank'>{name}</a>" for name, url in links)
    genotype = row.get("genotype")
    genotype_text = "/".join("." if g is None else g for g in genotype) if genotype else (row.get("gt") or "")
    flags = "".join(f"<span class='flag{' serious' if f in SERIOUS_FLAGS else ''}'>"
                    f"{escape(f.replace('_', ' '))}</span>" for f in row.get("flags") or [])
    maf = row.get("maf")
    return (f"<tr><td>{escape(str(rsid or ''))}</td>"
            f"<td>{escape(_position(row.get('chrom'), row.get('start')))}</td>"
            f"<td>{escape(_short(row['ref']))}&gt;{escape(_short(row['alt']))}</td>"
            f"<td>{escape(genotype_text)}</td><td>{escape(str(row.get('zygosity') or ''))}</td>"
            f"<td class='flags'>{flags}</td><td class='num'>{'' if maf is None else f'{maf:.4g}'}</td>"
            f"<td>{link_html}</td></tr>")


def _position(chrom: Any, start: Any) -> str:
    """`21:9,411,239`; what is known of a place the file leaves out (a null position)."""
    if chrom is None and start is None:
        return "not stated"
    return f"{'?' if chrom is None else chrom}:{'?' if start is None else _number(start)}"


def _short(allele: str | None, limit: int = 12) -> str:
    allele = allele or ""
    return allele if len(allele) <= limit else f"{allele[:limit]}…"


def _haploid(run: dict[str, Any]) -> str | None:
    count = run.get("calls_read_as_haploid")
    if not count:
        return None
    where = "MT, and X and Y outside the PARs (one X: a male's file)" if run.get("haploid_x_y") \
        else "MT"
    return f"{count:,}, on {where}"


def _about(summary: SampleSummary, generated: datetime) -> str:
    run = summary.run
    items: Iterable[tuple[str, Any]] = (
        ("sample", summary.sample),
        ("input file", run.get("source_file")),
        ("input format", run.get("input_format")),
        ("matched by", run.get("match_by")),
        ("why", run.get("match_by_reason")),
        ("calls read as one allele", _haploid(run)),
        ("genome build of the input", run.get("genome_build")),
        ("variant types looked up", run.get("variant_type")),
        ("reference", "Ensembl variation (just-dna-seq/ensembl_variations), GRCh38"),
        ("reference revision", run.get("reference_revision") or "unknown"),
        ("annotated by", f"just-dna-desktop {run['program_version']}"
         if run.get("program_version") else "unknown version"),
        ("result file written", run.get("output_written")),
        ("report made", f"{generated.isoformat(timespec='seconds')} by just-dna-desktop {__version__}"),
    )
    rows = "".join(f"<dt>{escape(label)}</dt><dd>{escape(str(value))}</dd>"
                   for label, value in items if value not in (None, ""))
    return ("<footer><h2>About this report</h2>"
            f"<dl class='about'>{rows}</dl>"
            "<p>This file was made on your computer and loads nothing from the network. "
            f"{NOT_A_DIAGNOSIS}</p></footer>")


# -- what the annotation modules say ------------------------------------------------------------

def _findings_sections(found: SampleFindings) -> list[str]:
    """The findings, first in the report: the introduction and the ladder, medicines, modules."""
    return [_findings_intro(found), _medicines(found), _modules(found)]


def _evidence(word: str) -> str:
    """How sure, always one of the ladder's words (and styled by its rung)."""
    return f"<span class='evidence ev{evidence_rank(word)}'>{escape(word)}</span>"


def _module_name(section: ModuleSection) -> str:
    badge = "" if section.verified else f" <span class='badge'>{UNVERIFIED}</span>"
    return f"{escape(section.title)}{badge}"


def _findings_intro(found: SampleFindings) -> str:
    modules = len(found.sections)
    ladder = "".join(f"<dt>{_evidence(word)}</dt><dd>{escape(EVIDENCE_MEANING[word])}</dd>"
                     for word in EVIDENCE_LADDER)
    return (f"<section id='findings'><h2>{FINDINGS_HEADING}</h2>"
            f"<p>{findings_count(found.count, modules)}: {FINDINGS_INTRO} "
            f"{NOT_A_DIAGNOSIS}</p>"
            f"<p>{LADDER_INTRO}</p><dl class='ladder'>{ladder}</dl></section>")


def _finding(finding: Finding, section: ModuleSection, result: str | None = None) -> str:
    conclusion = finding.row.get("conclusion")
    meaning = escape(conclusion.strip()) if isinstance(conclusion, str) and conclusion.strip() \
        else NO_EXPLANATION
    effect = f" · {SCORING}: {escape(finding.effect)}" if finding.effect else ""
    return ("<div class='finding'>"
            f"<p class='result'>{escape(result or finding.result)}</p>"
            f"<p class='meaning'>{meaning}</p>"
            f"<p class='how'>{how_sure_label(finding.row)}: {_evidence(finding.evidence)}"
            f"{effect}</p>"
            f"{_details(finding, section)}</div>")


def _details(finding: Finding, section: ModuleSection) -> str:
    """The fold for a professional: every field the module and the match gave, links to click."""
    row = finding.row

    def text(value: Any) -> str:
        return escape(str(value)) if value not in (None, "") else f"<em>{NOT_STATED}</em>"

    rsid = row.get("rsid")
    url = dbsnp_url(rsid)
    rsid_html = (f"{escape(rsid)} <a class='out' href='{escape(url)}' rel='noopener noreferrer' "
                 f"target='_blank'>dbSNP</a>" if url else text(rsid))
    zygosity = row.get("zygosity")
    genotype = text(row.get("genotype")) + (f" ({escape(zygosity)})" if zygosity else "")
    start = row.get("start")
    position = (f"{escape(str(row.get('chrom')))}:{_number(start)}" if row.get("chrom") and
                isinstance(start, int) else f"<em>{NOT_STATED}</em>")
    position += escape(reference_allele_in_words(row.get("ref")))
    studies = [(pmid, pubmed_url(pmid)) for pmid in row.get("pmids") or []]
    studies_html = ", ".join(
        f"<a class='out' href='{escape(link)}' rel='noopener noreferrer' target='_blank'>"
        f"PubMed {escape(pmid)}</a>" if link else escape(str(pmid)) for pmid, link in studies) \
        or f"<em>{NOT_STATED}</em>"
    weight = weight_in_words(row.get("weight"))
    weight_html = weight if weight else f"<em>{NOT_STATED}</em>"
    version = section.about.get("version")
    module = (f"{_module_name(section)} ({escape(section.name)})"
              f"{' version ' + escape(str(version)) if version else ''}")
    items = [("rsid", rsid_html), ("genotype", genotype), ("position", position),
             ("gene", text(row.get("gene"))), ("phenotype", text(row.get("phenotype"))),
             ("category", text(row.get("category"))), ("pmids", studies_html),
             ("weight", weight_html), ("state", text(row.get("state"))),
             ("direction", text(row.get("direction"))),
             ("clin_sig", text(row.get("clin_sig"))),
             ("evidence_level", text(row.get("evidence_level"))),
             ("stat_significance", text(row.get("stat_significance")))]
    items += [(key, text(row.get(key))) for key in ("drug", "response", "phenotype_category")
              if row.get(key)]
    items += [("priority", text(row.get("priority"))),
              ("matched_by", text(MATCHED_BY_WORDS.get(row.get("matched_by"),
                                                       row.get("matched_by")))),
              ("module", module)]
    rows = "".join(f"<dt>{DETAIL_LABELS[key]}</dt><dd>{value}</dd>" for key, value in items)
    return (f"<details class='pro'><summary>{DETAILS_FOLD}</summary>"
            f"<dl class='about'>{rows}</dl></details>")


def _medicines(found: SampleFindings) -> str:
    head = f"<section id='medicines'><h2>{MEDICINES_HEADING}</h2><p class='muted'>{MEDICINES_INTRO}</p>"
    quiet = found.drugs_not_found()
    tail = f"<p class='muted'>{escape(quiet)}</p>" if quiet else ""
    if not found.drugs_found:
        said = NO_MEDICINE_FINDING if found.sections else \
            "No module was applied, so nothing is known here."
        return f"{head}<p>{said}</p>{tail}</section>"
    return head + "".join(_drug(group) for group in found.drugs_found) + tail + "</section>"


def _drug(group: DrugGroup) -> str:
    parts = [f"<article class='drug'><h3>{escape(group.heading)} {_evidence(group.evidence)}</h3>",
             f"<p class='advice'>{escape(group.advice)}</p>"]
    for source in group.sources:
        version = source.section.about.get("version")
        parts.append(f"<div class='source'><p class='from'>From {_module_name(source.section)}"
                     f"{' ' + escape(str(version)) if version else ''}</p>")
        parts += [_finding(finding, source.section, finding.result_under(group.name))
                  for finding in source.findings]
        parts.append("</div>")
    for section in group.nothing_from:
        parts.append(f"<div class='source'><p class='from'>From {_module_name(section)}: "
                     f"{escape(nothing_about(group.name))}.</p></div>")
    return "".join(parts) + "</article>"


def _modules(found: SampleFindings) -> str:
    if not found.sections:
        return ""
    parts = [f"<section id='modules'><h2>{MODULES_HEADING}</h2>"]
    for section in found.sections:
        version = section.about.get("version")
        counts = [f"{_number(len(section.findings))} finding{'' if len(section.findings) == 1 else 's'}"]
        if version:
            counts.insert(0, f"version {escape(str(version))}")
        parts.append(f"<article class='module'><h3>{_module_name(section)}</h3>"
                     f"<p class='muted'>{' · '.join(counts)}</p>")
        medicines = len(section.about_medicines)
        if medicines:
            parts.append(f"<p>{escape(about_medicines(medicines))}</p>")
        parts += [_finding(finding, section) for finding in section.general]
        if not section.findings:
            parts.append(f"<p>{NO_FINDINGS} {escape(sites_in_words(section.about))}</p>")
        parts.append("</article>")
    return "".join(parts) + "</section>"


def _not_checked(found: SampleFindings | None) -> str:
    """What the modules could not check, who made them, and "not a diagnosis": at the end."""
    head = f"<section id='not-checked'><h2>{NOT_CHECKED_HEADING}</h2>"
    end = f"<p><strong>{NOT_A_DIAGNOSIS}</strong> A finding says what a module's curators " \
          "wrote about a genotype; a doctor or genetic counsellor can say what it means for you.</p>" \
          "</section>"
    if found is None:
        return (head + "<p>The annotation modules have not run for this result (it was made "
                "before any was installed, or by an earlier version), so it has no findings. "
                "If no modules are installed, see <code>modules get</code>.</p>" + end)
    parts = [head, f"<p>{escape(not_in_file_in_words(found.match_by))}</p>"]
    if found.sections:
        columns = ("other_genotype", "not_in_file", "filtered", "mismatched", "not_looked_up")
        labels = ["module", "version", "curator", "licence", "files", "sites", "findings",
                  *(SITE_WORDS[c] for c in columns)]
        rows = []
        for section in found.sections:
            about = section.about
            cells = [_module_name(section),
                     escape(str(about.get("version") or NOT_STATED)),
                     escape(str(about.get("curator") or NOT_STATED)),
                     escape(str(about.get("license") or NOT_STATED)),
                     "verified" if section.verified else UNVERIFIED,
                     _number(section.count("sites")), _number(len(section.findings)),
                     *(_number(section.count(c)) for c in columns)]
            rows.append("<tr>" + "".join(
                f"<td data-label='{escape(label)}'{' class=num' if i >= 5 else ''}>"
                f"<span>{cell}</span></td>" for i, (label, cell) in enumerate(zip(labels, cells)))
                + "</tr>")
        header = "".join(f"<th{' class=num' if i >= 5 else ''}>{escape(label)}</th>"
                         for i, label in enumerate(labels))
        parts.append(f"<div class='scroll'><table class='checks'><thead><tr>{header}</tr></thead>"
                     f"<tbody>{''.join(rows)}</tbody></table></div>")
        legend = "".join(f"<dt>{escape(SITE_WORDS[c])}</dt><dd>{escape(SITE_MEANING[c])}</dd>"
                         for c in columns)
        parts.append(f"<dl class='about legend'>{legend}</dl>")
    notes = found.not_checked()
    if notes:
        parts.append("<ul>" + "".join(f"<li>{escape(note)}</li>" for note in notes) + "</ul>")
    return "".join(parts) + end
