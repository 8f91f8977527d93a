"""Time our `annotate` against its peers on the same inputs, interleaved, median of several runs.

    uv run --with duckdb python benchmarks/run.py [--data benchmarks/data] [--runs 5]

Tools (each a whole command in its own process, start-up and VCF reading included):
  ours            `just-dna-desktop annotate VCF --cache-dir CACHE --output OUT.parquet`
  plain join      the upstream pipeline's plan: VCF alleles left-joined with
                  `scan_parquet(reference)` on (chrom, start, ref, alt), collect, write parquet
  duckdb          a DuckDB left join over the parquet (split `alt`, lowest rs number per key)
  bcftools BCF    `bcftools annotate -a reference.bcf -c ID` (reference converted once, timed apart)
  bcftools VCF    the same with the reference as bgzipped VCF + tabix index

Wall time is the median; peak memory is the largest of the psutil-sampled RSS of the process tree
(every 5 ms) and the kernel's max RSS of the waited process. Every tool's rsID per input allele is
compared with an oracle computed here independently (full reference, `alt` split, lowest rs
number wins), and every disagreement is counted by kind, so a fast wrong answer shows.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import polars as pl
import psutil

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CLI = ROOT / ".venv" / "bin" / "just-dna-desktop"
PYTHON = ROOT / ".venv" / "bin" / "python"
GENOME_ROWS = 1_100_000_000


# ---------------------------------------------------------------- peers, run as `run.py --peer X`

def _peer_alleles(vcf: str) -> pl.LazyFrame:
    """The VCF as allele rows (chr prefix stripped, one row per ALT), as a plain pipeline reads it."""
    return (pl.scan_csv(vcf, separator="\t", comment_prefix="##", quote_char=None,
                        schema_overrides={"#CHROM": pl.String, "POS": pl.UInt32, "REF": pl.String,
                                          "ALT": pl.String, "ID": pl.String, "QUAL": pl.String,
                                          "FILTER": pl.String, "INFO": pl.String})
            .select(chrom=pl.col("#CHROM").str.replace(r"^(?i)chr", ""), start="POS",
                    ref=pl.col("REF").str.to_uppercase(),
                    alt=pl.col("ALT").str.to_uppercase().str.split(","))
            .explode("alt"))


def peer_plain(vcf: str, files: list[str], out: str) -> None:
    alleles = _peer_alleles(vcf)
    reference = pl.scan_parquet(files).select(pl.exclude("alts"))
    result = alleles.join(reference, on=["chrom", "start", "ref", "alt"], how="left")
    result.collect().write_parquet(out)


def peer_duckdb(vcf: str, files: list[str], out: str) -> None:
    import duckdb

    con = duckdb.connect()
    con.execute(f"SET threads = {os.cpu_count()}")
    file_list = "[" + ",".join(f"'{f}'" for f in files) + "]"
    con.execute(f"""
        CREATE TEMP TABLE q AS
        SELECT row_number() OVER () AS k, regexp_replace("#CHROM", '^(?i)chr', '') AS chrom,
               POS::UINTEGER AS start, upper(REF) AS ref, upper(unnest(string_split(ALT, ','))) AS alt
        FROM read_csv('{vcf}', delim='\t', comment='#', header=false, auto_detect=false,
                      columns={{'#CHROM':'VARCHAR','POS':'BIGINT','ID':'VARCHAR','REF':'VARCHAR',
                               'ALT':'VARCHAR','QUAL':'VARCHAR','FILTER':'VARCHAR','INFO':'VARCHAR',
                               'FORMAT':'VARCHAR','SAMPLE':'VARCHAR'}})""")
    con.execute(f"""
        COPY (
          WITH r AS (
            SELECT * EXCLUDE (alts, alt), unnest(string_split(alt, '|')) AS alt
            FROM read_parquet({file_list})
            WHERE start IN (SELECT DISTINCT start FROM q)),
          best AS (
            SELECT * FROM r
            QUALIFY row_number() OVER (PARTITION BY chrom, start, ref, alt
              ORDER BY TRY_CAST(regexp_extract(id, '^rs(\\d+)$', 1) AS UBIGINT) NULLS LAST, id) = 1)
          SELECT q.chrom, q.start, q.ref, q.alt, best.* EXCLUDE (chrom, start, ref, alt)
          FROM q LEFT JOIN best USING (chrom, start, ref, alt) ORDER BY q.k
        ) TO '{out}' (FORMAT parquet)""")


PEERS = {"plain": peer_plain, "duckdb": peer_duckdb}


# ---------------------------------------------------------------- measuring

def measure(cmd: list[str], env: dict[str, str] | None = None, stdout=subprocess.DEVNULL
            ) -> tuple[float, float]:
    """(wall seconds, peak MB) of one command and its children."""
    timing = tempfile.NamedTemporaryFile(prefix="jdd-time-", delete=False)
    timing.close()
    # /usr/bin/time reports the command's own max RSS (a forked Python's copied pages would
    # pollute wait4's); sampling the tree adds children that run at the same time.
    cmd = ["/usr/bin/time", "-f", "%M", "-o", timing.name, *cmd]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=stdout, stderr=subprocess.PIPE)
    peak, status = 0, 0
    ps = psutil.Process(proc.pid)
    while True:
        pid, status = os.waitpid(proc.pid, os.WNOHANG)
        if pid:
            break
        try:
            rss = ps.memory_info().rss + sum(c.memory_info().rss
                                             for c in ps.children(recursive=True))
            peak = max(peak, rss)
        except psutil.Error:
            pass
        time.sleep(0.005)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{proc.stderr.read().decode()[-2000:]}")
    text = Path(timing.name).read_text().split()
    os.unlink(timing.name)
    peak = max(peak, int(text[-1]) * 1024 if text else 0)
    return wall, peak / 2**20


# ---------------------------------------------------------------- bcftools reference

def ensure_bcftools() -> None:
    if shutil.which("bcftools") and shutil.which("bgzip") and shutil.which("tabix"):
        return
    print("installing bcftools and tabix (Debian packages)...", file=sys.stderr)
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    subprocess.run(sudo + ["apt-get", "update", "-qq"], check=True)
    subprocess.run(sudo + ["apt-get", "install", "-y", "-qq", "bcftools", "tabix"], check=True)


def convert_reference(files: list[Path], work: Path) -> dict[str, float]:
    """The reference as bgzipped VCF (+ tabix) and as BCF (+ csi), chr-prefixed like the queries."""
    vcf, bcf = work / "reference.vcf.gz", work / "reference.bcf"
    times: dict[str, float] = {}
    if vcf.exists() and bcf.exists() and Path(str(bcf) + ".csi").exists():
        return json.loads((work / "conversion.json").read_text())
    t0 = time.perf_counter()
    chroms = [pl.read_parquet(f, n_rows=1)["chrom"][0] for f in files]
    header = ("##fileformat=VCFv4.2\n"
              + "".join(f"##contig=<ID=chr{c}>\n" for c in chroms)
              + "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n")
    with open(vcf, "wb") as out:
        bgzip = subprocess.Popen(["bgzip", "-@", "2", "-c"], stdin=subprocess.PIPE, stdout=out)
        bgzip.stdin.write(header.encode())
        for f in files:
            for batch in pl.scan_parquet(f).select(
                    pl.lit("chr") + pl.col("chrom"), "start", "id", "ref",
                    pl.col("alt").str.replace_all("|", ",", literal=True),
                    *[pl.lit(".").alias(c) for c in ("qual", "filter", "info")]).collect_batches(chunk_size=2_000_000):
                bgzip.stdin.write(batch.write_csv(separator="\t", include_header=False,
                                                  quote_style="never").encode())
        bgzip.stdin.close()
        bgzip.wait()
    subprocess.run(["tabix", "-f", "-p", "vcf", str(vcf)], check=True)
    times["vcf_gz_sec"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    subprocess.run(["bcftools", "view", "--threads", "2", "-Ob", "-o", str(bcf), str(vcf)], check=True)
    subprocess.run(["bcftools", "index", "-f", str(bcf)], check=True)
    times["bcf_sec"] = time.perf_counter() - t0
    times["vcf_gz_mb"] = vcf.stat().st_size / 2**20
    times["bcf_mb"] = bcf.stat().st_size / 2**20
    (work / "conversion.json").write_text(json.dumps(times))
    return times


# ---------------------------------------------------------------- results and checking

def alleles_of(vcf: Path) -> pl.DataFrame:
    """Unique allele keys of the query (as our reader normalises them)."""
    sys.path.insert(0, str(ROOT))
    from just_dna_desktop.core.readers.vcf import read_alleles

    return read_alleles(vcf)[1].select("chrom", "start", "ref", "alt").unique()


def oracle(keys: pl.DataFrame, files: list[Path]) -> pl.DataFrame:
    """rsID per allele key, computed the slow obvious way."""
    ref = (pl.scan_parquet(files).select("chrom", "start", "id", "ref", "alt")
           .join(keys.lazy().select("chrom", "start").unique(), on=["chrom", "start"], how="semi")
           .with_columns(pl.col("alt").str.split("|")).explode("alt")
           .with_columns(n=pl.col("id").str.extract(r"^rs(\d+)$").cast(pl.UInt64))
           .sort("n", "id", nulls_last=True)
           .group_by("chrom", "start", "ref", "alt").agg(rsid=pl.col("id").first()))
    return keys.lazy().join(ref, on=["chrom", "start", "ref", "alt"], how="left").collect()


def rsids_from_parquet(path: Path, column: str) -> pl.DataFrame:
    return (pl.read_parquet(path, columns=["chrom", "start", "ref", "alt", column])
            .rename({column: "rsid"}).with_columns(pl.col("start").cast(pl.UInt32))
            .unique(["chrom", "start", "ref", "alt"], keep="first"))


def rsids_from_vcf(path: Path) -> pl.DataFrame:
    """bcftools output: the record's ID applies to each of its ALT alleles."""
    df = pl.read_csv(path, separator="\t", comment_prefix="##", quote_char=None, infer_schema=False)
    return (df.select(chrom=pl.col("#CHROM").str.replace(r"^(?i)chr", ""),
                      start=pl.col("POS").cast(pl.UInt32), ref=pl.col("REF").str.to_uppercase(),
                      alt=pl.col("ALT").str.to_uppercase().str.split(","),
                      rsid=pl.when(pl.col("ID") != ".").then(pl.col("ID")))
            .explode("alt").unique(["chrom", "start", "ref", "alt"], keep="first"))


def compare(truth: pl.DataFrame, got: pl.DataFrame) -> dict[str, int]:
    j = truth.join(got.rename({"rsid": "got"}), on=["chrom", "start", "ref", "alt"], how="left")
    t, g = pl.col("rsid"), pl.col("got")
    return {
        "matched": j.filter(g.is_not_null()).height,
        "agree": j.filter((t == g) | (t.is_null() & g.is_null())).height,
        "missed": j.filter(t.is_not_null() & g.is_null()).height,
        "wrong_extra": j.filter(t.is_null() & g.is_not_null()).height,
        "wrong_id": j.filter(t.is_not_null() & g.is_not_null() & (t != g)).height,
    }


# ---------------------------------------------------------------- main

def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=HERE / "data")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--queries", default="wgs,chip")
    parser.add_argument("--tools", default="ours,plain,duckdb,bcftools-bcf,bcftools-vcf")
    parser.add_argument("--keep-prepared", action="store_true",
                        help="do not rebuild our prepared copy of the cache first")
    parser.add_argument("--peer", nargs=3, metavar=("KIND", "VCF", "OUT"), help=argparse.SUPPRESS)
    parser.add_argument("--files", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.peer:
        kind, vcf, out = args.peer
        PEERS[kind](vcf, args.files, out)
        return

    cache = args.data / "cache"
    files = sorted((cache / "ensembl_variations" / "data").glob("homo_sapiens-chr*.parquet"))
    tools = args.tools.split(",")
    work = args.data / "work"
    work.mkdir(parents=True, exist_ok=True)
    rows = sum(pl.scan_parquet(f).select(pl.len()).collect().item() for f in files)
    print(f"reference: {len(files)} file(s), {rows:,} rows, "
          f"{sum(f.stat().st_size for f in files) / 2**20:.0f} MB", file=sys.stderr)

    conversion = {}
    if any(t.startswith("bcftools") for t in tools):
        ensure_bcftools()
        conversion = convert_reference(files, work)
        print(f"reference conversion: {conversion}", file=sys.stderr)

    home = Path(tempfile.mkdtemp(prefix="jdd-bench-"))
    # Python tools run as installed programs do: with compiled bytecode (a private cache here,
    # since this environment sets PYTHONDONTWRITEBYTECODE and the venv holds no .pyc files).
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(JUST_DNA_DESKTOP_DATA_DIR=str(home), PYTHONPYCACHEPREFIX=str(args.data / "pycache"))
    prepare = None
    if "ours" in tools:  # the first run builds the prepared copy of the cache: timed apart
        prepared_dir = cache / "ensembl_variations-prepared"
        if not args.keep_prepared:
            shutil.rmtree(prepared_dir, ignore_errors=True)
        first_vcf = args.data / "vcf" / f"{args.queries.split(',')[0]}.vcf.gz"
        wall, peak = measure([str(CLI), "annotate", str(first_vcf), "--cache-dir", str(cache),
                              "--output", str(work / "first.parquet")], env)
        size = sum(p.stat().st_size for p in prepared_dir.rglob("*") if p.is_file())
        prepare = (wall, peak, size / 2**20)
        print(f"ours, first run (builds the prepared copy): {wall:.2f} s, {peak:.0f} MB, "
              f"copy {size / 2**20:.0f} MB", file=sys.stderr)

    def command(tool: str, vcf: Path, out: Path) -> list[str]:
        if tool == "ours":
            return [str(CLI), "annotate", str(vcf), "--cache-dir", str(cache), "--output", str(out)]
        if tool in PEERS:
            return [sys.executable, __file__, "--peer", tool, str(vcf), str(out),
                    "--files", *map(str, files)]
        reference = work / ("reference.bcf" if tool == "bcftools-bcf" else "reference.vcf.gz")
        return ["bcftools", "annotate", "-a", str(reference), "-c", "ID", "-Ov", "-o", str(out),
                str(vcf)]

    results = []
    for query in args.queries.split(","):
        vcf = args.data / "vcf" / f"{query}.vcf.gz"
        keys = alleles_of(vcf)
        truth = oracle(keys, files)
        times: dict[str, list[float]] = {t: [] for t in tools}
        peaks: dict[str, list[float]] = {t: [] for t in tools}
        outs = {t: work / f"{query}.{t}.{'vcf' if t.startswith('bcftools') else 'parquet'}"
                for t in tools}
        for tool in tools:  # warm-up: page cache, bytecode
            measure(command(tool, vcf, outs[tool]), env)
        for _ in range(args.runs):
            for tool in tools:  # interleaved: a load spike hits every tool alike
                wall, peak = measure(command(tool, vcf, outs[tool]), env)
                times[tool].append(wall)
                peaks[tool].append(peak)
        for tool in tools:
            if tool.startswith("bcftools"):
                got = rsids_from_vcf(outs[tool])
                rows_out = sum(1 for line in open(outs[tool]) if not line.startswith("#"))
            else:
                got = rsids_from_parquet(outs[tool], "rsid" if tool == "ours" else "id")
                rows_out = pl.scan_parquet(outs[tool]).select(pl.len()).collect().item()
            check = compare(truth, got)
            results.append({"query": query, "tool": tool, "wall_sec": statistics.median(times[tool]),
                            "min_sec": min(times[tool]), "peak_mb": max(peaks[tool]),
                            "rows_out": rows_out, "alleles": keys.height, **check})

    startup = {
        "just-dna-desktop --version": [str(CLI), "--version"],
        "just-dna-desktop --help": [str(CLI), "--help"],
        "python -c pass": [str(PYTHON), "-c", "pass"],
        "python -c 'import polars'": [str(PYTHON), "-c", "import polars"],
        "python -c 'import just_dna_desktop.core.engine.annotate'":
            [str(PYTHON), "-c", "import just_dna_desktop.core.engine.annotate"],
    }
    startup = {k: statistics.median(measure(c, env)[0] for _ in range(max(args.runs, 5)))
               for k, c in startup.items()}
    print_report(results, startup, conversion, prepare, files, rows, args)
    shutil.rmtree(home, ignore_errors=True)


def print_report(results, startup, conversion, prepare, files, rows, args) -> None:
    load = os.getloadavg()
    print(f"\nMachine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"{psutil.virtual_memory().total / 2**30:.0f} GB, Python {platform.python_version()}, "
          f"polars {pl.__version__}, load average {load[0]:.1f}/{load[1]:.1f}/{load[2]:.1f}")
    print(f"Reference: {len(files)} file(s), {rows:,} rows; {args.runs} interleaved runs, median.\n")
    print("| query | tool | wall s (median) | min s | peak MB | rows out | alleles matched "
          "| agree with oracle | missed | wrong match | other id |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in results:
        print(f"| {r['query']} | {r['tool']} | {r['wall_sec']:.3f} | {r['min_sec']:.3f} "
              f"| {r['peak_mb']:.0f} | {r['rows_out']:,} | {r['matched']:,} "
              f"| {r['agree']:,}/{r['alleles']:,} | {r['missed']:,} | {r['wrong_extra']:,} "
              f"| {r['wrong_id']:,} |")
    print()
    for query in dict.fromkeys(r["query"] for r in results):
        rs = {r["tool"]: r for r in results if r["query"] == query}
        if "ours" not in rs:
            continue
        ours = rs["ours"]
        ratios = ", ".join(f"{t} {r['wall_sec'] / ours['wall_sec']:.1f}x time / "
                           f"{r['peak_mb'] / ours['peak_mb']:.1f}x memory"
                           for t, r in rs.items() if t != "ours")
        print(f"- {query}: ours {ours['wall_sec']:.3f} s, {ours['peak_mb']:.0f} MB; peers vs ours: {ratios}")
    print("\nStart-up (median wall s): " + ", ".join(f"`{k}` {v:.3f}" for k, v in startup.items()))
    if conversion:
        print(f"bcftools reference conversion (one-time): bgzipped VCF + tabix "
              f"{conversion['vcf_gz_sec']:.1f} s ({conversion['vcf_gz_mb']:.0f} MB), "
              f"BCF + csi {conversion['bcf_sec']:.1f} s more ({conversion['bcf_mb']:.0f} MB)")
    if prepare:
        size = sum(f.stat().st_size for f in files) / 2**20
        print(f"ours, first run (builds the prepared copy, one-time): {prepare[0]:.2f} s, "
              f"{prepare[1]:.0f} MB peak; copy {prepare[2]:.0f} MB beside {size:.0f} MB published "
              f"({prepare[2] / size:.2f}x)")
    ours = [r for r in results if r["tool"] == "ours"]
    if ours:
        fixed = startup["python -c 'import just_dna_desktop.core.engine.annotate'"]  # paid once
        scale = GENOME_ROWS / rows
        print(f"Scaled to the whole reference ({GENOME_ROWS / 1e9:.1f} G rows, x{scale:.1f} "
              "of this one, query records scaled alike, start-up not scaled): "
              + "; ".join(f"{r['query']} ~{fixed + (r['wall_sec'] - fixed) * scale:.1f} s"
                          for r in ours)
              + (f"; one-time preparation ~{prepare[0] * GENOME_ROWS / rows / 60:.0f} min, "
                 f"~{prepare[2] * GENOME_ROWS / rows / 1024:.0f} GB" if prepare else ""))


if __name__ == "__main__":
    main()
