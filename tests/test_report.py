"""The saved HTML report: self-contained (nothing loads from anywhere), complete, printable, and
written atomically; and the `report` command that makes it."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import polars as pl
import pytest

from just_dna_desktop import __version__, cli
from just_dna_desktop.core.results import report as report_module
from just_dna_desktop.core.engine.annotate import OUTPUT_METADATA_KEY, annotate_vcf
from just_dna_desktop.core.reference.demo import DEMO_REFERENCE_DIR, DEMO_VCF
from just_dna_desktop.core.errors import UserError
from just_dna_desktop.core.results.report import render_report, write_report
from just_dna_desktop.core.results.summary import summarize

from sample_data import annotate_1000_genomes, write_multi_sample_reference

# Attributes through which a page loads something by itself (a link's href is a navigation).
LOADING_ATTRIBUTES = {"src", "srcset", "data", "poster", "background", "action", "formaction",
                      "xlink:href", "manifest", "codebase", "archive", "lowsrc", "dynsrc"}
LOADING_TAGS = {"script", "iframe", "frame", "object", "embed", "img", "image", "video", "audio",
                "source", "track", "link", "base", "form", "portal", "use", "feimage"}


class Page(HTMLParser):
    """Every tag, attribute, style and text of a page, for assertions."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.styles: list[str] = []
        self.text: list[str] = []
        self._in_style = False
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {k: v or "" for k, v in attrs}))
        self._in_style = tag == "style"

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        (self.styles if self._in_style else self.text).append(data)

    def anchors(self) -> list[str]:
        return [attrs["href"] for tag, attrs in self.tags if tag == "a" and "href" in attrs]


def assert_self_contained(text: str) -> Page:
    page = Page(text)
    for tag, attrs in page.tags:
        assert tag not in LOADING_TAGS, f"<{tag}> loads something"
        assert not LOADING_ATTRIBUTES & set(attrs), f"<{tag} {attrs}> loads something"
        assert "style" not in attrs or "url(" not in attrs["style"]
        if "href" in attrs:
            assert tag == "a", f"<{tag} href> would load"
    css = "".join(page.styles)
    assert "url(" not in css and "@import" not in css and "@font-face" not in css
    # Every address in the file is a link a person clicks: dbSNP or ClinVar of a listed rsID, or
    # PubMed of a study a module cites.
    for href in page.anchors():
        assert re.fullmatch(r"https://www\.ncbi\.nlm\.nih\.gov/snp/rs\d+|"
                            r"https://www\.ncbi\.nlm\.nih\.gov/clinvar/\?term=rs\d+|"
                            r"https://pubmed\.ncbi\.nlm\.nih\.gov/\d+/", href), href
    stripped = text
    for href in page.anchors():
        stripped = stripped.replace(href, "")
    assert "http://" not in stripped and "https://" not in stripped and "//" not in css
    policy = [a for t, a in page.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"]
    assert policy and "default-src 'none'" in policy[0]["content"]
    return page


@pytest.fixture(scope="module")
def flagged_output(tmp_path_factory) -> Path:
    """A 1000 Genomes sample with carried, clinically flagged alleles, with a run record whose
    reference lacked chromosome X."""
    base = tmp_path_factory.mktemp("flagged")
    reference = write_multi_sample_reference(base / "cache")
    out = base / "alice" / "HG00097" / "user_annotated_vcf.parquet"
    annotate_1000_genomes(reference, out, "HG00097", user="alice", sample="HG00097")
    run = {"partition_key": "alice/HG00097", "reference_revision": "3f2c1a9",
           "program_version": "0.1.0", "input_format": "vcf", "match_by": "position",
           "reference_chromosomes_missing": ["X"], "alleles_not_looked_up": 17,
           "source_vcf": "/home/alice/Private/genome.vcf.gz"}
    pl.read_parquet(out).write_parquet(out, metadata={OUTPUT_METADATA_KEY: json.dumps(run)})
    return out


def test_the_report_loads_nothing_and_links_each_flagged_rsid(flagged_output, tmp_path):
    summary = summarize(flagged_output)
    assert summary.flagged.height >= 1
    text = write_report(summary, tmp_path / "report.html").read_text(encoding="utf-8")
    page = assert_self_contained(text)
    anchors = page.anchors()
    for rsid in summary.flagged["rsid"]:
        assert f"https://www.ncbi.nlm.nih.gov/snp/{rsid}" in anchors
        assert f"https://www.ncbi.nlm.nih.gov/clinvar/?term={rsid}" in anchors
    for tag, attrs in page.tags:
        if tag == "a":
            assert "noreferrer" in attrs.get("rel", "")
    # the charts are inline SVG: four, two of them drawn twice (wide, and narrow for a phone)
    assert sum(1 for tag, _ in page.tags if tag == "svg") == 6


def test_the_report_holds_the_numbers_the_provenance_and_the_limits(flagged_output):
    summary = summarize(flagged_output)
    text = render_report(summary)
    words = " ".join(" ".join(Page(text).text).split())
    assert "Genome summary: alice/HG00097" in words
    for label, value in (("allele rows in the file", summary.allele_rows),
                         ("alleles you carry", summary.carried),
                         ("carried alleles with a clinical flag", summary.clinical["any"])):
        assert f"{value:,} {label}" in words
    assert "reference revision 3f2c1a9" in words
    assert f"just-dna-desktop {__version__}" in words
    assert "Partial result" in words and "chromosome X was not looked up" in words
    assert "17 alleles have no annotation" in words
    assert "genome.vcf.gz" in words and "/home/alice" not in text  # the name, not the folders
    flagged_row = summary.flagged.row(0, named=True)
    assert f"{flagged_row['chrom']}:{flagged_row['start']:,}" in words
    assert "pathogenic" in words
    assert "not a diagnosis" in words


def test_the_report_prints(flagged_output):
    css = "".join(Page(render_report(summarize(flagged_output))).styles)
    assert "@media print" in css and "@page" in css
    assert "break-inside: avoid" in css


def test_a_sample_without_flags_says_so(tmp_path):
    out = tmp_path / "demo.parquet"
    annotate_vcf(DEMO_VCF, DEMO_REFERENCE_DIR, out)
    text = render_report(summarize(out))
    assert_self_contained(text)
    assert Page(text).anchors() == []
    assert "None of the alleles you carry has a clinical flag." in text


def test_text_from_the_file_is_escaped(flagged_output, tmp_path):
    """A sample name or value from a file never becomes markup or a link."""
    summary = summarize(flagged_output, sample="<script>alert(1)</script>")
    summary.flagged = summary.flagged.with_columns(rsid=pl.lit("rs1\"><img src=x>"))
    text = render_report(summary)
    assert "<script>" not in text and "<img" not in text
    assert_self_contained(text)


def test_writing_is_atomic(flagged_output, tmp_path, monkeypatch):
    target = tmp_path / "report.html"
    summary = summarize(flagged_output)
    earlier = write_report(summary, target).read_text()

    def broken(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(report_module.os, "replace", broken)
    with pytest.raises(UserError, match="report.html: cannot write the report"):
        write_report(summary, target)
    assert target.read_text() == earlier
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]  # no temporary file left


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _unshare_works() -> bool:
    return bool(shutil.which("unshare")) and subprocess.run(
        ["unshare", "-n", "true"], capture_output=True).returncode == 0


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium)")
def test_chromium_renders_it_with_the_network_cut_off(flagged_output, tmp_path):
    """A real browser, in a network namespace of its own (or with every host unresolvable), draws
    the whole report: the render is not blank and has the report's colours."""
    from PIL import Image

    html = write_report(summarize(flagged_output), tmp_path / "report.html")
    png = tmp_path / "report.png"
    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
               "--disable-background-networking", "--host-resolver-rules=MAP * ~NOTFOUND",
               "--hide-scrollbars", "--window-size=1000,1400", f"--screenshot={png}", html.as_uri()]
    if _unshare_works():
        command = ["unshare", "-n", *command]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120,
                            env={**os.environ, "HOME": str(tmp_path)})
    assert result.returncode == 0 and png.is_file(), result.stderr
    image = Image.open(png).convert("RGB")
    colours = image.getcolors(maxcolors=1 << 20)
    assert colours is not None and len(colours) > 50  # text and charts, not an empty page
    # the chart bars' blue (#2e86de) is drawn
    assert any(abs(r - 0x2e) < 12 and abs(g - 0x86) < 12 and abs(b - 0xde) < 12
               for _, (r, g, b) in colours)


# -- the command -------------------------------------------------------------------------------

def test_cli_report_json_has_the_issue_keys(flagged_output, capsys):
    assert cli.main(["report", str(flagged_output), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    for key in ("sample", "allele_rows", "matched", "zygosity", "carried", "clinical",
                "rare_carried", "per_chromosome", "maf_histogram", "tsa"):
        assert key in data
    assert data["sample"] == "alice/HG00097" and data["partial"] is True
    assert data["clinical"]["any"] == sum(1 for _ in summarize(flagged_output).flagged.iter_rows())
    assert set(data["clinical"]) >= {"clin_pathogenic", "clin_benign", "any"}


def test_cli_report_writes_html_for_a_workspace_sample(tmp_path, capsys):
    data = tmp_path / "data"
    output = data / "output" / "users" / "bob" / "HG00096" / "user_annotated_vcf.parquet"
    annotate_vcf(DEMO_VCF, DEMO_REFERENCE_DIR, output, user="bob", sample="HG00096")
    target = tmp_path / "out" / "bob.html"
    assert cli.main(["report", "bob/HG00096", "--output", str(target),
                     "--data-dir", str(data)]) == 0
    assert capsys.readouterr().out.strip() == f"wrote {target}"
    assert_self_contained(target.read_text(encoding="utf-8"))
    assert cli.main(["report", "bob/HG00096", "--data-dir", str(data)]) == 0
    out = capsys.readouterr().out
    assert "bob/HG00096" in out and "carried:     2 (het 1, hom_alt 1)" in out


@pytest.mark.parametrize("target, message", [
    ("nobody/nothing", "nobody/nothing: no results yet"),
    ("justaword", "justaword: not a USER/SAMPLE name nor an annotated .parquet file"),
    ("missing.parquet", "missing.parquet: no such file"),
    ("../etc", "user name '..' is not allowed"),
])
def test_cli_report_errors_are_one_line(target, message, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert cli.main(["report", target]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ") and message in err, err


def test_cli_report_refuses_a_foreign_file_in_one_line(tmp_path, capsys):
    foreign = tmp_path / "table.parquet"
    pl.DataFrame({"a": [1]}).write_parquet(foreign)
    not_parquet = tmp_path / "genome.vcf"
    not_parquet.write_text("##fileformat=VCFv4.2\n")
    for path, reason in ((foreign, "not an annotated sample"), (not_parquet, "not a parquet file")):
        assert cli.main(["report", str(path)]) == 1
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and f"error: {path}: {reason}" in err, err


def test_the_report_command_never_reaches_the_network(flagged_output, tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the report command tried to open a connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    assert cli.main(["report", str(flagged_output), "--output", str(tmp_path / "r.html")]) == 0


# -- what the annotation modules say -------------------------------------------------------------

from findings_words_data import (annotated_sample, install,  # noqa: E402
                                 run_findings, standard_modules)
from just_dna_desktop.core.modules.findings import findings_path  # noqa: E402
from just_dna_desktop.core.results.plain_words import EVIDENCE_LADDER  # noqa: E402

# Words of certainty a report must not use outside the ladder (the folds hold the modules' own
# fields, such as "evidence level 1A", for a professional).
OTHER_CERTAINTY = re.compile(r"\b(strong|moderate|weak|limited|definitive|definite|probable|"
                             r"possible|possibly|proven|confirmed|conclusive|established|"
                             r"suggestive|significant|certain|uncertain|high confidence)\b", re.I)
NEVER_ABOUT_MEDICINES = re.compile(r"\b(avoid|stop|do not take|don't take|dose)\b", re.I)


class Layers(HTMLParser):
    """The text outside every <details> fold, and each evidence word shown."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.depth = 0
        self.outside: list[str] = []
        self.evidence: list[str] = []
        self._in_evidence = False
        self._in_style = False
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.depth += tag == "details"
        self._in_style = tag == "style"
        self._in_evidence = tag == "span" and "evidence" in (attrs.get("class") or "").split()

    def handle_endtag(self, tag):
        self.depth -= tag == "details"
        self._in_style = self._in_evidence = False

    def handle_data(self, data):
        if self._in_evidence:
            self.evidence.append(data)
        if not self.depth and not self._in_style:
            self.outside.append(data)


@pytest.fixture(scope="module")
def findings_output(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("report-findings")
    output = annotated_sample(base)
    run_findings(output, install(base, standard_modules(base)))
    return output


def test_findings_are_said_in_layers_with_the_ladders_words_only(findings_output):
    summary = summarize(findings_output)
    text = render_report(summary)
    assert_self_contained(text)
    layers = Layers(text)
    outside = " ".join(" ".join(layers.outside).split())
    assert layers.evidence and set(layers.evidence) <= set(EVIDENCE_LADDER)
    # the legend names every rung; no other word of certainty outside the folds
    assert all(word in layers.evidence for word in EVIDENCE_LADDER)
    # (the Ensembl flags' table between them names ClinVar's classes, such as "uncertain
    # significance": flags of the reference, not words about a finding)
    stripped = (outside[outside.index("What your genome says"):outside.index("In numbers")] +
                outside[outside.index("What could not be checked"):])
    for word in EVIDENCE_LADDER:
        stripped = stripped.replace(word, "")
    assert not OTHER_CERTAINTY.search(stripped), OTHER_CERTAINTY.search(stripped)
    # no rsID outside a fold; inside them, each finding's rsID and PubMed links
    assert not re.search(r"\brs\d+", outside), re.search(r"\brs\d+", outside)
    page = Page(text)
    assert "https://pubmed.ncbi.nlm.nih.gov/11788828/" in page.anchors()
    assert "https://www.ncbi.nlm.nih.gov/snp/rs429358" in page.anchors()
    assert "Late-onset Alzheimer's disease: you have two copies of a variant in APOE." in outside
    assert "Two copies of the APOE e4-defining allele." in outside       # what it means
    # the findings come before the numbers, what could not be checked after them
    assert outside.index("What your genome says") < outside.index("In numbers") < \
        outside.index("What could not be checked") < outside.index("About this report")


def test_medicines_are_grouped_by_drug_and_never_an_instruction(findings_output):
    text = render_report(summarize(findings_output))
    outside = " ".join(" ".join(Layers(text).outside).split())
    assert not NEVER_ABOUT_MEDICINES.search(outside), NEVER_ABOUT_MEDICINES.search(outside)
    medicines = outside[outside.index("Medicines"):outside.index("What each module says")]
    headings = re.findall(r"(Clopidogrel|Warfarin|Celecoxib) (well established|likely|"
                          r"early evidence|not known) Talk to your doctor or pharmacist before "
                          r"starting or changing (\w+)\.", medicines)
    assert headings == [("Clopidogrel", "well established", "clopidogrel"),
                        ("Warfarin", "well established", "warfarin"),
                        ("Celecoxib", "early evidence", "celecoxib")]
    warfarin = medicines[medicines.index("Warfarin well"):medicines.index("Celecoxib early")]
    # one row per module, surest first; the traits module's finding says it under the drug
    assert warfarin.index("From Drug responses") < warfarin.index("From Traits and more")
    assert "From Traits and more: no finding about clopidogrel for your genotypes." in medicines


def test_what_could_not_be_checked_is_at_the_end(findings_output):
    text = render_report(summarize(findings_output))
    outside = " ".join(" ".join(Layers(text).outside).split())
    end = outside[outside.index("What could not be checked"):]
    assert "Your file was read by position (a VCF on GRCh38)" in end
    assert "Traits and more 1.0.0 findings-words tests CC0-1.0 verified 5 3 0 1 1 0 0" in end
    assert "Panel unverified not stated not stated not stated unverified 1 1" in end
    assert "Panel is unverified" in end and "This is not a diagnosis." in end
    # wherever the unverified module is named, it is marked
    assert outside.count("Panel unverified") == 2   # its section and the table
    assert "<dt>module</dt><dd>Panel <span class='badge'>unverified</span> (panel)" in text


def test_a_modules_text_is_escaped(tmp_path):
    output = annotated_sample(tmp_path)
    run_findings(output, install(tmp_path, standard_modules(tmp_path, hostile=True)))
    text = render_report(summarize(output))
    assert "<script" not in text and "<img" not in text and "<b>and" not in text
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in text   # said, not run
    assert_self_contained(text)


def test_report_json_has_the_findings(findings_output, capsys):
    assert cli.main(["report", str(findings_output), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    findings = data["findings"]
    assert findings["sample"] == data["sample"] == "alice/s1"
    assert [m["name"] for m in findings["modules"]] == ["traits", "pgx", "panel"]
    assert findings["modules"][0]["findings"][0]["rsid"] == "rs429358"
    assert [d["drug"] for d in findings["drugs"]] == ["clopidogrel", "warfarin", "celecoxib"]


def test_an_older_result_has_no_findings_and_says_why(tmp_path, capsys):
    output = annotated_sample(tmp_path)
    summary = summarize(output)
    assert summary.findings is None and summary.to_dict()["findings"] is None
    text = render_report(summary)
    assert_self_contained(text)
    words = " ".join(" ".join(Page(text).text).split())
    assert "The annotation modules have not run for this result" in words
    assert "modules get" in words and "This is not a diagnosis." in words
    assert "What your genome says" not in words


def test_an_unreadable_findings_file_leaves_the_rest_of_the_report(tmp_path):
    output = annotated_sample(tmp_path)
    findings_path(output).write_text("not parquet")
    summary = summarize(output)
    assert summary.findings is None
    assert any("findings cannot be read" in note and "findings.parquet" in note
               for note in summary.limitations)
    assert "cannot be read" in render_report(summary)


def test_a_thousand_findings_render(tmp_path):
    """A big report is one page that still loads nothing (time it: benchmarks/findings_report.py)."""
    from just_dna_desktop.core.modules.findings import read_findings
    from just_dna_desktop.core.results.sample_findings import arrange

    base = tmp_path
    output = annotated_sample(base)
    run_findings(output, install(base, standard_modules(base)))
    frame, metadata = read_findings(findings_path(output))
    many = pl.concat([frame.with_columns(start=pl.col("start") + i) for i in range(125)])
    summary = summarize(output)
    summary.findings = arrange(many, metadata, "alice/s1")
    assert summary.findings.count == 1000
    text = render_report(summary)
    assert_self_contained(text)
    assert text.count("class='finding'") >= 1000


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium)")
@pytest.mark.parametrize("width", [1280, 390])
def test_chromium_draws_the_findings(findings_output, tmp_path, width):
    """At a desk and on a phone's width, the evidence words are drawn in their colours."""
    from PIL import Image

    html = write_report(summarize(findings_output), tmp_path / "report.html")
    png = tmp_path / "report.png"
    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
               "--disable-background-networking", "--host-resolver-rules=MAP * ~NOTFOUND",
               "--hide-scrollbars", f"--window-size={width},2400", f"--screenshot={png}",
               html.as_uri()]
    if _unshare_works():
        command = ["unshare", "-n", *command]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120,
                            env={**os.environ, "HOME": str(tmp_path)})
    assert result.returncode == 0 and png.is_file(), result.stderr
    colours = {c for _, c in Image.open(png).convert("RGB").getcolors(maxcolors=1 << 20)}
    # the backgrounds of "well established" (#e5f4e9) and "early evidence" (#fbf2df)
    assert (0xe5, 0xf4, 0xe9) in colours and (0xfb, 0xf2, 0xdf) in colours

def _with_footer(source: Path, target: Path, changes: dict, frame=None) -> Path:
    """`source`'s rows (or `frame`) with its footer's run record changed, as `target`."""
    run = json.loads(pl.read_parquet_metadata(source)[OUTPUT_METADATA_KEY])
    run.update(changes)
    (pl.read_parquet(source) if frame is None else frame).write_parquet(
        target, metadata={OUTPUT_METADATA_KEY: json.dumps(run)})
    return target


def test_footer_values_of_unexpected_types_are_left_out_not_a_crash(flagged_output, tmp_path,
                                                                   capsys):
    """A footer from elsewhere: "many" where a count belongs, numbers for chromosome names, a
    list for a flag (report said `unexpected TypeError` / `ValueError`)."""
    odd = _with_footer(flagged_output, tmp_path / "odd.parquet", {
        "reference_chromosomes_missing": [1, 2], "alleles_not_looked_up": "many",
        "alleles_on_other_contigs": "many", "contigs_not_in_reference": "GL000220.1",
        "without_rsid": [3], "mismatched": -4, "own_rsids_checked": "x",
        "own_rsids_confirmed": None, "gvcf": [True], "rows_in": 12.0, "genome_build": {"a": 1},
        "source_vcf": 7})
    summary = summarize(odd)
    assert summary.run["reference_chromosomes_missing"] == ["1", "2"]
    assert summary.run["rows_in"] == 12
    for key in ("alleles_not_looked_up", "alleles_on_other_contigs", "contigs_not_in_reference",
                "without_rsid", "mismatched", "own_rsids_checked", "gvcf", "genome_build",
                "source_file"):
        assert key not in summary.run, key
    assert any("chromosomes 1, 2 were not looked up" in note and "their alleles" in note
               for note in summary.limitations)
    assert cli.main(["report", str(odd), "--output", str(tmp_path / "odd.html")]) == 0
    assert cli.main(["report", str(odd), "--json"]) == 0
    assert cli.main(["report", str(odd)]) == 0
    assert "error" not in capsys.readouterr().err


@pytest.mark.parametrize("missing", [("start",), ("chrom", "start")])
def test_a_flagged_row_without_a_position_is_shown_as_such(flagged_output, tmp_path, missing):
    """A null position (and chromosome) in a flagged row (report said `unexpected TypeError`)."""
    frame = pl.read_parquet(flagged_output)
    flagged = summarize(flagged_output).flagged.row(0, named=True)
    frame = frame.with_columns(**{
        column: pl.when(pl.col("rsid") == flagged["rsid"]).then(None).otherwise(pl.col(column))
        for column in missing})
    target = _with_footer(flagged_output, tmp_path / "nulls.parquet", {}, frame)
    text = write_report(summarize(target), tmp_path / "nulls.html").read_text(encoding="utf-8")
    cells = Page(text).text
    shown = f"{flagged['chrom']}:?" if missing == ("start",) else "not stated"
    assert cells[cells.index(flagged["rsid"]) + 1] == shown
    assert_self_contained(text)


# -- on a phone ------------------------------------------------------------------------------------

PHONE_WIDTH = 390  # an iPhone 12-15's viewport, in CSS pixels


def layout_at(html_text: str, width: int, tmp_path: Path) -> dict:
    """The report laid out by Chromium in a viewport `width` wide: the page's width, each table's
    box, and the rendered height of every visible chart label. (Headless Chromium's window is at
    least 500 px wide: the report is drawn in a frame of the width, measured from outside it,
    since the report itself runs no script.)"""
    from html import escape as html_escape

    measure = """
var d = this.contentDocument, w = this.contentWindow;
var labels = [].slice.call(d.querySelectorAll('svg text')).filter(function (t) {
  return t.getClientRects().length > 0 && t.closest('svg').getClientRects().length > 0; });
document.body.setAttribute('data-layout', JSON.stringify({
  viewport: w.innerWidth, page: d.documentElement.scrollWidth,
  tables: [].slice.call(d.querySelectorAll('table')).map(function (t) {
    var box = t.parentElement; return {box: box.getBoundingClientRect().width,
      scrolls: getComputedStyle(box).overflowX, table: t.getBoundingClientRect().width}; }),
  labels: labels.map(function (t) { return [t.textContent, t.getBoundingClientRect().height]; }),
  charts: [].slice.call(d.querySelectorAll('svg.chart')).filter(function (s) {
    return s.getClientRects().length > 0; }).map(function (s) {
    return s.getAttribute('aria-label'); })}));"""
    wrapper = tmp_path / f"phone-{width}.html"
    wrapper.write_text(
        "<!DOCTYPE html><html><body style='margin:0'>"
        f"<iframe width='{width}' height='844' style='border:0' "
        f"srcdoc=\"{html_escape(html_text, quote=True)}\" "
        f"onload=\"{html_escape(measure, quote=True)}\"></iframe></body></html>", encoding="utf-8")
    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
               "--disable-background-networking", "--host-resolver-rules=MAP * ~NOTFOUND",
               "--window-size=600,900", "--dump-dom", wrapper.as_uri()]
    if _unshare_works():
        command = ["unshare", "-n", *command]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120,
                            env={**os.environ, "HOME": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    body = Page(result.stdout).tags
    found = next(attrs["data-layout"] for tag, attrs in body if tag == "body"
                 and "data-layout" in attrs)
    return json.loads(found)


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium)")
def test_on_a_phone_tables_scroll_in_their_own_box_and_chart_labels_stay_legible(
        flagged_output, tmp_path):
    """Issue 21: at 390 px the flagged-variant table made the page 900 px wide, and the
    chromosome chart's labels were about 4 px tall."""
    layout = layout_at(render_report(summarize(flagged_output)), PHONE_WIDTH, tmp_path)
    assert layout["viewport"] == PHONE_WIDTH
    assert layout["page"] <= PHONE_WIDTH  # no sideways scrolling of the whole page
    assert layout["tables"]
    for table in layout["tables"]:
        assert table["box"] <= PHONE_WIDTH and table["scrolls"] == "auto", table
    assert any(t["table"] > t["box"] for t in layout["tables"])  # the wide one scrolls inside
    # every chart is there (one drawing of each on a phone), with labels of 10 px or more
    assert len(layout["charts"]) == 4, layout["charts"]
    small = [(text, round(height, 1)) for text, height in layout["labels"] if height < 11]
    assert not small, small
    # and on a wide screen nothing of the phone's drawing shows
    wide = layout_at(render_report(summarize(flagged_output)), 1000, tmp_path)
    assert wide["page"] <= 1000 and len(wide["charts"]) == 4
