"""`make bench`: how fast the build is, against the floor, after an edit, the peers, more content, live preview.

Every figure is the median of several runs and a ratio to a baseline measured in the same run,
printed with its goal. The floor's parts and our build, and mkdocs-to-pdf and our build, run in
turn (A B A B ...), and their goals are judged on the ratios round by round: this machine's speed
drifts by tens of percent within minutes, which made ratios of blocks of runs swing across a goal.
  floor   clean full build (site + all PDFs, no cached PDF part reused) vs the floor: the site
          alone (SOP_PDF=0) + bare WeasyPrint on the single-pass build's build/print/*.html;
          goal <= 0.6x. The single-pass build (SOP_PDF_PARTS=0, SOP_PDF_CACHE=0) is shown beside it
  edit    rebuild after changing one sentence of one page (docs/procedure/principles.md), with the
          caches a clean build left (PDF parts, converted pages), vs a clean full build; goal
          <= 0.25x. Checks that the edited word is in the rebuilt sop.pdf
  peers   the same docs turned into a PDF by mkdocs-to-pdf (goal: at least 2x our clean build's time,
          issue #14) and by mkdocs-print-site + headless Chromium
  scale   clean full builds of a synthetic SOP at 1x, 5x, 10x the reference content (benchmarks/synth.py):
          peak memory at the largest (goal < 1 GiB) and its CPU per content unit vs 1x's (goal <= 1.05x)
  live    time from saving a YAML file to the changed page being served by `make serve`
  profile where a full build spends its time (cProfile, by package)

The PDF step renders long PDFs in parts and keeps rendered parts in <build dir>/pdf-cache/, and
`make build` keeps pages' converted Markdown in <build dir>/page-cache/. A clean build here is one
with both folders removed first; an edit's rebuild keeps both. SOP_PDF_PARTS=0 renders each PDF in one
pass and SOP_PDF_CACHE=0 turns the cache off; a PDF step without parts or cache ignores both, and
then the single-pass and clean builds are the same build and an edit's rebuild renders everything.

Everything runs in temporary copies of the project; the checkout is never written, except
benchmarks/.peers/ (the peers' own virtual environment, git-ignored).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import os
import platform
import pstats
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
import synth  # noqa: E402

PY = sys.executable
PEERS = HERE / ".peers"
PEER_VENV = PEERS / "venv"
CHROMIUM = "/usr/lib/chromium/chromium"
# The peers: the best-known MkDocs PDF plugin, and Material's print-site page printed by Chromium.
PEER_PACKAGES = ["mkdocs-to-pdf==0.12.1", "mkdocs-print-site-plugin==2.9"]
# `make serve` runs exactly this (see the Makefile's serve target).
SERVE = ["-m", "macros.serve"]
BASE_ENV = {"NO_MKDOCS_2_WARNING": "1", "PYTHONHASHSEED": "0"}
# The PDF step's cache of rendered parts and the site's of converted pages, in the build dir;
# removed before every clean build.
PDF_CACHE = "pdf-cache"
CACHES = (PDF_CACHE, "page-cache")
# Today's PDF step before parts and cache: every PDF in one WeasyPrint pass, nothing reused.
SINGLE_PASS = {"SOP_PDF_PARTS": "0", "SOP_PDF_CACHE": "0"}
# The page the edit section changes: the procedure's first page after its index, plain prose, in
# the full SOP only (sop_data/packs.yml), so one edit touches one PDF.
EDIT_PAGE = "procedure/principles.md"


# ---------------------------------------------------------------- measuring


class Failed(Exception):
    pass


def run_timed(
    cmd: list[str], cwd: Path, env: dict | None = None, timeout: float = 1800, log: Path | None = None
) -> tuple[float, int, float]:
    """Run cmd; return (wall seconds, peak RSS in KiB, CPU seconds), each covering its child processes too.
    Its output goes to log if given (else nowhere). Raises Failed on error."""
    full_env = {**os.environ, **BASE_ENV, **(env or {})}
    with log.open("w+b") if log else tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=full_env, stdout=out, stderr=subprocess.STDOUT)
        deadline = start + timeout
        while True:
            # wait4 gives this child's own resource use (ru_maxrss covers the children it waited for),
            # unlike RUSAGE_CHILDREN, which keeps the maximum over every child so far.
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
                raise Failed(f"timed out after {timeout:.0f} s: {' '.join(cmd)}")
            time.sleep(0.005)
        elapsed = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            out.seek(0)
            tail = out.read().decode(errors="replace")[-3000:]
            raise Failed(f"exit {proc.returncode}: {' '.join(map(str, cmd))}\n{tail}")
    return elapsed, usage.ru_maxrss, usage.ru_utime + usage.ru_stime


class Figure:
    """Several runs of one thing: wall times and peak memory."""

    def __init__(self, name: str):
        self.name, self.times, self.rss, self.cpu = name, [], [], []

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    @property
    def peak_mib(self) -> float:
        return max(self.rss) / 1024 if self.rss else 0.0

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu) if self.cpu else 0.0

    def add(self, seconds: float, rss_kib: int = 0, cpu: float | None = None) -> None:
        self.times.append(seconds)
        self.rss.append(rss_kib)
        if cpu is not None:
            self.cpu.append(cpu)


def load() -> str:
    """Other work on the machine skews every figure: say how busy it was."""
    return "load average {:.1f} {:.1f} {:.1f}".format(*os.getloadavg())


def measure(name: str, runs: int, once) -> Figure:
    """Call once() runs times; once returns (seconds, rss_kib, cpu_seconds)."""
    return measure_rounds([(name, runs, once)])[0]


def measure_rounds(plan: list[tuple[str, int, object]]) -> list[Figure]:
    """Like measure() for several things, run in turn (A B C A B C ...) rather than each in a
    block: the machine's speed drifts by tens of percent over minutes here, so a ratio is taken
    between runs made side by side (paired()). plan: (name, runs, once) each."""
    figs = [Figure(name) for name, _, _ in plan]
    for round_ in range(max(runs for _, runs, _ in plan)):
        for fig, (_, runs, once) in zip(figs, plan, strict=True):
            if round_ < runs:
                fig.add(*once())
    for fig in figs:
        print(f"    {fig.name}: {fmt_runs(fig)}  [{load()}]", flush=True)
    return figs


def paired(top: Figure, *bottom: Figure) -> list[float]:
    """top's time over the sum of bottom's, round by round (the runs made side by side)."""
    rounds = min(len(f.times) for f in (top, *bottom))
    return [top.times[i] / sum(f.times[i] for f in bottom) for i in range(rounds)]


def fmt_paired(ratios: list[float]) -> str:
    return (
        f"median {statistics.median(ratios):.2f}x of {len(ratios)} rounds ("
        + ", ".join(f"{r:.2f}" for r in ratios)
        + ")"
    )


def fmt_runs(fig: Figure) -> str:
    cpu = f"; CPU median {fig.cpu_median:.2f} s" if fig.cpu else ""
    return f"median {fig.median:.2f} s of {len(fig.times)} (" + ", ".join(f"{t:.2f}" for t in fig.times) + f"){cpu}"


def line(label: str, value: float, base: float | None, base_name: str, goal: str = "", limit: float = 0) -> str:
    """One figure as seconds and a ratio to base; with limit, the goal (ratio <= limit) says met or not."""
    ratio = f"{value / base:5.2f}x {base_name}" if base else "   n/a"
    if goal and limit and base:
        goal += " (met)" if value / base <= limit else " (NOT met)"
    return f"  {label:<46} {value:7.2f} s   {ratio}{('   goal: ' + goal) if goal else ''}"


def verdict(ok: bool) -> str:
    return "(met)" if ok else "(NOT met)"


# ---------------------------------------------------------------- project copies and builds


def build_cmd(site: Path) -> list[str]:
    return [PY, "-m", "macros.build", "--site-dir", str(site)]


def full_build(
    project: Path, work: Path, pdf: bool, env: dict | None = None, keep_cache: bool = False, log: Path | None = None
) -> tuple[float, int, float]:
    """A build into work/site with work/build as the build dir. Clean unless keep_cache: the PDF part
    and page caches are removed first (outside the timing), so nothing made before is reused."""
    site, build = work / "site", work / "build"
    if not keep_cache:
        for cache in CACHES:
            shutil.rmtree(build / cache, ignore_errors=True)
    env = {"SOP_BUILD_DIR": str(build), "SOP_PDF": "1" if pdf else "0", **(env or {})}
    return run_timed(build_cmd(site), project, env, log=log)


def print_html(build: Path) -> list[Path]:
    """The HTML the PDF step hands to WeasyPrint, kept in <build dir>/print/."""
    return sorted((build / "print").glob("*.html")) if (build / "print").is_dir() else []


BARE_WEASYPRINT = """
import sys, weasyprint
for name in sys.argv[2:]:
    weasyprint.HTML(filename=name).write_pdf(f"{sys.argv[1]}/{abs(hash(name))}.pdf")
"""


def pdf_pages(path: Path) -> int:
    out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout
    m = re.search(r"^Pages:\s+(\d+)", out, re.M)
    return int(m.group(1)) if m else 0


def pdf_features(path: Path) -> dict:
    """What a reader (and an auditor) gets from a PDF: pages, tags, bookmarks, form fields, language."""
    try:
        import pikepdf
    except ImportError:
        return {"pages": pdf_pages(path)}
    with pikepdf.open(path) as pdf:
        root = pdf.Root
        outline_count = 0
        with pdf.open_outline() as outline:
            stack = list(outline.root)
            while stack:
                item = stack.pop()
                outline_count += 1
                stack.extend(item.children)
        fields = len(root.AcroForm.Fields) if "/AcroForm" in root and "/Fields" in root.AcroForm else 0
        pages = len(pdf.pages)
        tagged, lang = "/StructTreeRoot" in root, str(root.get("/Lang", "")) or None
    last = subprocess.run(
        ["pdftotext", "-f", str(pages), "-l", str(pages), str(path), "-"], capture_output=True, text=True
    ).stdout
    return {
        "pages": pages,
        "tagged": tagged,
        "bookmarks": outline_count,
        "form_fields": fields,
        "lang": lang,
        "page_x_of_y": bool(re.search(rf"\b{pages}\s+of\s+{pages}\b", last)),
    }


# ---------------------------------------------------------------- 1. floor


def bench_floor(project: Path, work: Path, runs_fast: int, runs_slow: int) -> dict:
    print("\n[floor] clean full build vs the site alone + bare WeasyPrint on the same print HTML", flush=True)
    single_work = work / "single-pass"
    keep = work / "print-kept"
    out = work / "bare-pdf"
    out.mkdir(parents=True, exist_ok=True)

    def single_pass():
        timed = full_build(project, single_work, pdf=True, env=SINGLE_PASS)
        # The floor renders whole documents, as the single-pass build hands them to WeasyPrint (a
        # build in parts keeps its parts' HTML instead); copied, so later builds cannot change it.
        if not keep.exists():
            shutil.copytree(single_work / "build", keep, ignore=shutil.ignore_patterns(*CACHES))
        return timed

    def bare_weasyprint():
        files = [str(p) for p in print_html(keep)]
        if not files:
            raise Failed("the single-pass PDF step left no <build dir>/print/*.html (SOP_BUILD_DIR was set)")
        return run_timed([PY, "-c", BARE_WEASYPRINT, str(out), *files], project)

    shutil.rmtree(keep, ignore_errors=True)
    # One round: the single-pass build (it leaves the floor's print HTML), bare WeasyPrint on that
    # HTML, the site alone, the clean build in parts; then the next round.
    try:
        single, bare, site_only, full = measure_rounds(
            [
                ("single-pass build (SOP_PDF_PARTS=0, SOP_PDF_CACHE=0)", runs_slow, single_pass),
                ("bare WeasyPrint, one process, every print HTML", runs_slow, bare_weasyprint),
                ("site alone (SOP_PDF=0)", runs_fast, lambda: full_build(project, work / "site-alone", pdf=False)),
                (
                    "clean full build (site + all PDFs, no cached part)",
                    runs_slow,
                    lambda: full_build(project, work, pdf=True),
                ),
            ]
        )
    except Failed as exc:
        print(f"  full build failed: {exc}")
        return {"error": str(exc)}
    html = print_html(keep)
    pdfs = sorted((work / "site").rglob("*.pdf"))
    print(
        f"    {len(pdfs)} PDF(s) in the site, {sum(pdf_pages(p) for p in pdfs)} pages; "
        f"{len(html)} print HTML file(s) in the single-pass build dir",
        flush=True,
    )
    result = {"site_only": site_only, "full": full, "single": single, "pdfs": len(pdfs), "html": len(html)}
    floor = site_only.median + bare.median
    result.update(bare=bare, floor=floor)
    print(line("site alone", site_only.median, floor, "floor"))
    print(line("bare WeasyPrint on build/print/*.html", bare.median, floor, "floor"))
    print(line("floor = site alone + bare WeasyPrint", floor, floor, "floor"))
    print(line("single-pass build (SOP_PDF_PARTS=0)", single.median, floor, "floor", "none (for comparison)"))
    print(line("clean full build", full.median, floor, "floor"))
    print(line("clean full build vs single-pass", full.median, single.median, "single-pass"))
    # The goal is judged on the ratios of runs made side by side, not on medians of runs minutes apart.
    ratios = paired(full, site_only, bare)
    result["paired"] = ratios
    print(
        f"  clean full build vs the floor, round by round: {fmt_paired(ratios)}   goal: <= 0.60x "
        f"{verdict(statistics.median(ratios) <= 0.60)}"
    )
    # CPU time is the work done whatever else the machine is doing; the full build spreads it over 2 cores.
    cpu_floor = site_only.cpu_median + bare.cpu_median
    print(
        f"  CPU time: clean full build {full.cpu_median:.2f} s = {full.cpu_median / cpu_floor:.2f}x the floor's "
        f"{cpu_floor:.2f} s (site {site_only.cpu_median:.2f} + bare WeasyPrint {bare.cpu_median:.2f}); "
        f"single-pass {single.cpu_median:.2f} s = {single.cpu_median / cpu_floor:.2f}x"
    )
    result["cpu_floor"] = cpu_floor
    return result


# ---------------------------------------------------------------- 2. edit


def edit_line(text: str) -> str:
    """The page's first line of plain prose: starts with a word, holds no macro, link or markup."""
    for ln in text.splitlines():
        if re.match(r"[A-Z][a-z]+ ", ln) and not re.search(r"[{}<>|#\[\]*_`]", ln):
            return ln
    raise Failed(f"docs/{EDIT_PAGE} has no plain prose line to edit")


def pdf_hashes(site: Path) -> dict[str, str]:
    return {str(p.relative_to(site)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(site.rglob("*.pdf"))}


def pdf_has_word(path: Path, word: str) -> bool:
    """Whether word is in the PDF's text, also when a line break or hyphenation splits it."""
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout
    return word in re.sub(r"\s+", "", text.replace("-\n", ""))


def bench_edit(work: Path, runs: int, runs_slow: int, clean: Figure | None) -> dict:
    print(f"\n[edit] rebuild after changing one sentence of docs/{EDIT_PAGE} vs a clean full build", flush=True)
    project = synth.copy_project(work / "project")
    page = project / "docs" / EDIT_PAGE
    original = page.read_text(encoding="utf-8")
    try:
        sentence = edit_line(original)
        first, rest = sentence.split(" ", 1)
        print(f"    edited line: {sentence[:90]!r}: a new word after {first!r}, a different one each run", flush=True)
        # A clean build fills the PDF part cache that every rebuild below starts from.
        if clean is None:
            clean = measure(
                "clean full build (the last one fills the cache)",
                runs_slow,
                lambda: full_build(project, work, pdf=True),
            )
        else:
            measure("one clean build, to fill the PDF part cache", 1, lambda: full_build(project, work, pdf=True))
        site, log = work / "site", work / "edit-build.log"
        fig = Figure("rebuild after a one-page edit")
        for i in range(runs):
            word = f"Benchedit{i + 1}"
            # Each run from the original page, with a word the cache has never seen: a real change.
            page.write_text(original.replace(sentence, f"{first} {word} {rest}", 1), encoding="utf-8")
            before = pdf_hashes(site)
            # Verbose, so the log names what was rendered and converted again (printed below).
            fig.add(*full_build(project, work, pdf=True, env={"SOP_VERBOSE": "1"}, keep_cache=True, log=log))
            after = pdf_hashes(site)
            changed = [name for name, digest in after.items() if before.get(name) != digest]
            with_word = [name for name in after if pdf_has_word(site / name, word)]
            if not any(Path(name).name == "sop.pdf" for name in with_word):
                raise Failed(f"{word!r} is not in the rebuilt sop.pdf: the rebuild did not pick up the edit")
            print(
                f"    run {i + 1}: {fig.times[-1]:.2f} s; {word!r} found in {', '.join(with_word)}; "
                f"{len(changed)} of {len(after)} PDFs changed",
                flush=True,
            )
            for ln in re.findall(r"^.*(?:PDF parts?|Pages):.*$", log.read_text(errors="replace"), re.M)[:5]:
                print(f"      build log: {ln.strip()}", flush=True)
    except Failed as exc:
        print(f"  EDIT NOT MEASURED: {exc}")
        return {"error": str(exc), "clean": clean}
    print(f"    {fig.name}: {fmt_runs(fig)}  [{load()}]", flush=True)
    print(line("clean full build", clean.median, clean.median, "clean build"))
    print(line("rebuild after a one-page edit", fig.median, clean.median, "clean build", "<= 0.25x", 0.25))
    print(f"  CPU time: rebuild {fig.cpu_median:.2f} s = {fig.cpu_median / clean.cpu_median:.2f}x the clean build's")
    return {"clean": clean, "edit": fig}


# ---------------------------------------------------------------- 3. peers


def peer_venv() -> Path:
    """The peers' own virtual environment (benchmarks/.peers/venv), made once per lock file."""
    lock = (ROOT / "requirements" / "build.txt").read_bytes()
    stamp = hashlib.sha256(lock + "\n".join(PEER_PACKAGES).encode()).hexdigest()
    marker = PEER_VENV / ".installed"
    if marker.exists() and marker.read_text() == stamp:
        return PEER_VENV / "bin"
    print("    creating benchmarks/.peers/venv (once) ...", flush=True)
    shutil.rmtree(PEER_VENV, ignore_errors=True)
    subprocess.run([PY, "-m", "venv", str(PEER_VENV)], check=True)
    # The project's own pins (the docs build through our macros and hooks), then the peers (a
    # hash-checked install takes no unpinned extras, so they go in a second step).
    pip = [str(PEER_VENV / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    with (PEERS / "pip.log").open("wb") as log:
        for args in (["--require-hashes", "-r", str(ROOT / "requirements" / "build.txt")], PEER_PACKAGES):
            subprocess.run([*pip, *args], check=True, stdout=log, stderr=subprocess.STDOUT)
    marker.write_text(stamp)
    return PEER_VENV / "bin"


def peer_config(project: Path, plugin: dict | str, name: str) -> Path:
    """A mkdocs.yml variant: the project's own config plus one more plugin, last."""
    base = synth.read_mkdocs_config(project / "mkdocs.yml")
    plugins = list(base.get("plugins") or [])
    if isinstance(base.get("plugins"), dict):
        plugins = [{k: v} for k, v in base["plugins"].items()]
    variant = project / f"mkdocs.{name}.yml"
    import yaml

    # Not strict: pages link to the PDFs our own PDF step would make, which is off for the peers.
    variant.write_text(
        yaml.safe_dump({"INHERIT": "mkdocs.yml", "strict": False, "plugins": plugins + [plugin]}, sort_keys=False)
    )
    return variant


def bench_peers(project: Path, work: Path, runs: int, ours: Figure | None, ours_site: Path | None) -> dict:
    print("\n[peers] the same pages as a PDF by mkdocs-to-pdf, and by print-site + headless Chromium", flush=True)
    result: dict = {}
    try:
        bindir = peer_venv()
    except (subprocess.CalledProcessError, OSError) as exc:
        print(f"  PEERS NOT MEASURED: could not create their virtual environment: {exc}")
        return {"error": str(exc)}
    mkdocs = [str(bindir / "python"), "-m", "mkdocs", "build", "--quiet"]
    env = {"SOP_PDF": "0", "SOP_BUILD_DIR": str(work / "peer-build")}  # our own PDF step stays off

    # mkdocs-to-pdf: one PDF of every page in the nav.
    cfg = peer_config(project, {"to-pdf": {"output_path": "pdf/sop.pdf", "toc_level": 3}}, "to-pdf")
    out = work / "to-pdf-site"
    try:
        # Our clean build again, in turn with it, so the ratio is of runs made side by side.
        beside, fig = measure_rounds(
            [
                (
                    "ours: clean full build, in turn with mkdocs-to-pdf",
                    runs,
                    lambda: full_build(project, work / "ours", pdf=True),
                ),
                (
                    "mkdocs-to-pdf 0.12.1 (site + one PDF)",
                    runs,
                    lambda: run_timed([*mkdocs, "-f", str(cfg), "-d", str(out)], project, env),
                ),
            ]
        )
        ratios = paired(fig, beside)
        print(
            f"  mkdocs-to-pdf vs ours, round by round: {fmt_paired(ratios)}   goal (#14): >= 2x "
            f"{verdict(statistics.median(ratios) >= 2)}",
            flush=True,
        )
        pdf = out / "pdf" / "sop.pdf"
        result["to-pdf"] = (fig, pdf_features(pdf) if pdf.exists() else {})
    except Failed as exc:
        print(f"  mkdocs-to-pdf failed here: {exc}")
        result["to-pdf"] = (None, {"error": str(exc)})

    # Material's print-site page, printed by headless Chromium.
    cfg = peer_config(project, {"print-site": {"add_cover_page": True, "add_table_of_contents": True}}, "print-site")
    out = work / "print-site-site"
    pdf = work / "print-site.pdf"
    if not Path(CHROMIUM).exists():
        print(f"  print-site: Chromium is not installed at {CHROMIUM}")
        result["print-site"] = (None, {"error": f"no Chromium at {CHROMIUM}"})
    else:

        def once():
            t1, m1, c1 = run_timed([*mkdocs, "-f", str(cfg), "-d", str(out)], project, env)
            page = next(iter(sorted(out.glob("print_page*.html")) + sorted(out.glob("print_page/index.html"))), None)
            if page is None:
                raise Failed("print-site wrote no print_page")
            with tempfile.TemporaryDirectory() as profile:
                t2, m2, c2 = run_timed(
                    [
                        CHROMIUM,
                        "--headless",
                        "--no-sandbox",
                        "--disable-gpu",
                        "--no-pdf-header-footer",
                        f"--user-data-dir={profile}",
                        f"--print-to-pdf={pdf}",
                        page.as_uri(),
                    ],
                    project,
                )
            return t1 + t2, max(m1, m2), c1 + c2

        try:
            fig = measure("print-site 2.9 + Chromium --print-to-pdf", runs, once)
            result["print-site"] = (fig, pdf_features(pdf) if pdf.exists() else {})
        except Failed as exc:
            print(f"  print-site failed here: {exc}")
            result["print-site"] = (None, {"error": str(exc)})

    if ours is not None:
        print(line("ours: full build (site + all PDFs)", ours.median, ours.median, "ours"))
        pdfs = sorted(ours_site.rglob("*.pdf"), key=pdf_pages) if ours_site else []
        if pdfs:
            fields = sum(pdf_features(p).get("form_fields", 0) for p in pdfs)
            print(
                f"      {len(pdfs)} PDFs, {fields} fillable fields in all; the longest ({pdfs[-1].name}): "
                f"{pdf_features(pdfs[-1])}"
            )
        for name, (fig, feats) in result.items():
            if fig:
                print(
                    line(f"{name}", fig.median, ours.median, "ours", "> 1x (slower than ours)")
                    + f"   CPU {fig.cpu_median:.2f} s = {fig.cpu_median / ours.cpu_median:.2f}x ours"
                )
                print(f"      {feats}")
    return result


# ---------------------------------------------------------------- 4. scale


def bench_scale(work: Path, factors: list[int], runs: int) -> dict:
    print(
        f"\n[scale] synthetic SOP at {', '.join(f'{f}x' for f in factors)} the reference content "
        "(clean builds: the PDF part cache is removed before each)",
        flush=True,
    )
    rows = {}
    for factor in factors:
        project = synth.make_project(work / f"scale-{factor}x", factor)
        size = synth.content_size(project)
        units = sum(v for k, v in size.items() if k not in synth.KEEP)
        site = measure(f"{factor}x site alone", runs, lambda: full_build(project, work / f"s{factor}", pdf=False))
        full = measure(f"{factor}x clean full build", runs, lambda: full_build(project, work / f"s{factor}", pdf=True))
        pdfs = sorted((work / f"s{factor}" / "site").rglob("*.pdf"))
        rows[factor] = {
            "size": size,
            "units": units,
            "site": site,
            "full": full,
            "pdf_pages": sum(pdf_pages(p) for p in pdfs),
        }
        print(f"    {factor}x: {units} content units ({size}), {rows[factor]['pdf_pages']} PDF pages", flush=True)
    low, top = factors[0], factors[-1]
    base = rows[low]
    per_unit = base["full"].median / base["units"]
    cpu_ratio = {}
    for factor, row in rows.items():
        ratio = (row["full"].median / row["units"]) / per_unit
        cpu_ratio[factor] = (row["full"].cpu_median / row["units"]) / (base["full"].cpu_median / base["units"])
        print(
            f"  {factor:>3}x  full {row['full'].median:7.2f} s  site {row['site'].median:6.2f} s  "
            f"units {row['units']:>4}  time per unit {ratio:4.2f}x {low}x's (CPU {cpu_ratio[factor]:4.2f}x)  "
            f"peak {row['full'].peak_mib:6.0f} MiB"
        )
    # The goals are for 10x against 1x; other factors print the same figures, with a note.
    note = "" if (low, top) == (1, 10) else " (the goals are for 10x vs 1x)"
    peak = rows[top]["full"].peak_mib
    print(f"  peak memory at {top}x: {peak:.0f} MiB   goal: < 1024 MiB {verdict(peak < 1024)}{note}")
    print(
        f"  CPU per content unit at {top}x vs {low}x: {cpu_ratio[top]:.2f}x   "
        f"goal: <= 1.05x {verdict(cpu_ratio[top] <= 1.05)}{note}"
    )
    # Fixed costs (start-up, imports) flatter the per-unit ratio; the cost of each added unit shows
    # whether anything grows faster than the content (a linear build keeps it constant).
    for kind in ("site", "full"):
        steps = [
            (a, b, (rows[b][kind].median - rows[a][kind].median) / (rows[b]["units"] - rows[a]["units"]))
            for a, b in zip(factors, factors[1:], strict=False)
        ]
        if steps:
            first = steps[0][2]
            print(
                f"  marginal cost per added unit, {kind}: "
                + ", ".join(
                    f"{a}x->{b}x {c * 1000:.1f} ms ({c / first if first > 0 else float('nan'):.2f}x)"
                    for a, b, c in steps
                )
            )
    return rows


# ---------------------------------------------------------------- 5. live rebuild


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return resp.read().decode("utf-8", errors="replace")
    except OSError:
        return ""


def edit_target(project: Path) -> tuple[Path, str, str]:
    """A YAML line to edit and the page that shows it: the first role's summary, on the role's own page."""
    path = project / "sop_data" / "roles.yml"
    from macros.data.yamlpos import load_file

    role = load_file(path, "roles.yml").data["roles"][0]
    # A plain word of the summary, to put the marker right after (any YAML scalar style keeps it).
    word = next(w for w in role["summary"].split() if w.isalpha() and len(w) > 3)
    return path, word, role["id"]


def bench_live(project: Path, runs: int, cold: Figure | None) -> dict:
    print("\n[live] save a YAML file -> the changed page is served (make serve, PDFs off)", flush=True)
    port = free_port()
    log = (project / "serve.log").open("wb")
    env = {**os.environ, **BASE_ENV, "SOP_PDF": "0"}
    proc = subprocess.Popen(
        [PY, *SERVE, "--dev-addr", f"127.0.0.1:{port}"],
        cwd=project,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    result: dict = {}
    try:
        path, word, role_id = edit_target(project)
        base = f"http://127.0.0.1:{port}/"
        candidates = [f"{base}roles/{role_id}.html", f"{base}roles/{role_id}/"]
        deadline = time.time() + 120
        url = None
        while url is None and time.time() < deadline and proc.poll() is None:
            url = next((u for u in candidates if word in fetch(u)), None)
            time.sleep(0.1)
        if url is None:
            raise Failed(f"make serve did not serve {candidates[0]}: {(project / 'serve.log').read_text()[-2000:]}")
        original = path.read_text(encoding="utf-8")
        fig = Figure("live rebuild")
        for i in range(runs):
            marker = f"Zqxmarker{i}{os.getpid()}"
            edited = (
                original.replace(f" {word}", f" {word} {marker}", 1)
                if f" {word}" in original
                else original.replace(word, f"{word} {marker}", 1)
            )
            start = time.perf_counter()
            path.write_text(edited, encoding="utf-8")
            while marker not in fetch(url):
                if time.perf_counter() - start > 60:
                    raise Failed("the edit did not show up within 60 s")
                time.sleep(0.005)
            fig.add(time.perf_counter() - start)
            path.write_text(original, encoding="utf-8")
            t = time.perf_counter()
            while marker in fetch(url) and time.perf_counter() - t < 60:
                time.sleep(0.02)
            time.sleep(0.3)
        print(f"    live rebuild: {fmt_runs(fig)}", flush=True)
        print(
            line(
                "live rebuild (save -> page served)",
                fig.median,
                cold.median if cold else None,
                "cold site build",
                "< 1.00 s",
            )
        )
        result["live"] = fig
    except Failed as exc:
        print(f"  LIVE REBUILD NOT MEASURED: {exc}")
        result["error"] = str(exc)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()
    return result


# ---------------------------------------------------------------- 6. profile


def bench_profile(project: Path, work: Path, top: int = 25) -> None:
    print("\n[profile] one full build under cProfile: own time by package, then the slowest calls", flush=True)
    prof = work / "build.prof"
    env = {"SOP_BUILD_DIR": str(work / "prof-build"), "SOP_PDF": os.environ.get("SOP_PDF", "1")}
    try:
        run_timed(
            [PY, "-m", "cProfile", "-o", str(prof), "-m", "macros.build", "--site-dir", str(work / "prof-site")],
            project,
            env,
        )
    except Failed as exc:
        print(f"  profile failed: {exc}")
        return
    stats = pstats.Stats(str(prof))
    by_package: dict[str, float] = {}
    for (filename, _, _), (_, _, tottime, _, _) in stats.stats.items():
        by_package[package_of(filename, project)] = by_package.get(package_of(filename, project), 0.0) + tottime
    total = sum(by_package.values())
    for name, seconds in sorted(by_package.items(), key=lambda kv: -kv[1])[:14]:
        print(f"  {name:<34} {seconds:7.2f} s  {100 * seconds / total:5.1f} %")
    print(f"  (total {total:.2f} s under the profiler)")
    stats.sort_stats("cumulative").print_stats(top)
    bench_weasyprint_profile(project, work / "prof-build")


WEASYPRINT_PROFILE = """
import cProfile, pstats, re, sys, weasyprint
files = sys.argv[2:]
profile = cProfile.Profile()
profile.enable()
for name in files:
    weasyprint.HTML(filename=name).write_pdf(sys.argv[1])
profile.disable()
by_module = {}
for (filename, _, _), (_, _, tottime, _, _) in pstats.Stats(profile).stats.items():
    m = re.search(r"site-packages/(weasyprint/[a-z_]+|[^/]+)", filename)
    key = m.group(1) if m else ("C calls" if filename == "~" else "stdlib")
    by_module[key] = by_module.get(key, 0.0) + tottime
total = sum(by_module.values())
for key, seconds in sorted(by_module.items(), key=lambda kv: -kv[1])[:14]:
    print(f"  {key:<34} {seconds:7.2f} s  {100 * seconds / total:5.1f} %")
print(f"  (total {total:.2f} s under the profiler)")
"""


def bench_weasyprint_profile(project: Path, build: Path) -> None:
    files = [str(p) for p in print_html(build)]
    if not files:
        print("  no print HTML to profile")
        return
    print(f"\n[profile] bare WeasyPrint on the {len(files)} print HTML files, own time by module", flush=True)
    out = subprocess.run(
        [PY, "-c", WEASYPRINT_PROFILE, str(build / "profile.pdf"), *files], cwd=project, capture_output=True, text=True
    )
    print(out.stdout or out.stderr[-2000:])


def package_of(filename: str, project: Path) -> str:
    if filename.startswith(str(project)):
        rel = Path(filename).relative_to(project)
        if rel.parts and rel.parts[0] == "macros":
            return "macros/" + "/".join(rel.parts[1:2])
        return str(rel.parts[0])
    m = re.search(r"site-packages/([^/]+)", filename)
    if m:
        return m.group(1).removesuffix(".py")
    if filename.startswith("<") or filename == "~":
        return "builtins/C" if filename == "~" else filename
    return "stdlib"


# ---------------------------------------------------------------- report


def machine() -> str:
    cpu = next(
        (
            ln.split(":", 1)[1].strip()
            for ln in Path("/proc/cpuinfo").read_text().splitlines()
            if ln.startswith("model name")
        ),
        platform.processor(),
    )
    mem = next(
        (int(ln.split()[1]) for ln in Path("/proc/meminfo").read_text().splitlines() if ln.startswith("MemTotal")), 0
    )
    return f"{len(os.sched_getaffinity(0))} cores in use of {os.cpu_count()} ({cpu}), {mem / 1024 / 1024:.1f} GiB RAM"


def versions() -> str:
    from importlib.metadata import PackageNotFoundError, version

    out = []
    for pkg in ("mkdocs", "mkdocs-material", "mkdocs-macros-plugin", "weasyprint", "pydyf", "Markdown", "Jinja2"):
        try:
            out.append(f"{pkg} {version(pkg)}")
        except PackageNotFoundError:
            pass
    chromium = (
        subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True).stdout.strip()
        if Path(CHROMIUM).exists()
        else "no chromium"
    )
    return f"Python {platform.python_version()}, " + ", ".join(out) + f", {chromium}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make bench", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--only",
        default="floor,edit,peers,scale,live",
        help="comma-separated sections: floor, edit, peers, scale, live, profile",
    )
    parser.add_argument("--runs", type=int, default=5, help="runs of the fast figures (default 5)")
    parser.add_argument("--slow-runs", type=int, default=3, help="runs of the slow figures (default 3)")
    parser.add_argument("--factors", default="1,5,10", help="scale factors (default 1,5,10)")
    parser.add_argument("--scale-runs", type=int, default=None, help="runs per scale factor (default: --slow-runs)")
    parser.add_argument("--cores", type=int, default=2, help="CPUs to run on (default 2)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder and say where it is")
    args = parser.parse_args(argv)
    sections = set(args.only.split(","))

    cpus = sorted(os.sched_getaffinity(0))[: args.cores]
    os.sched_setaffinity(0, cpus)  # inherited by every build, server and renderer started below
    print(f"make bench, {dt.datetime.now():%Y-%m-%d %H:%M}")
    print(f"machine: {machine()}")
    print(f"versions: {versions()}")

    work = Path(tempfile.mkdtemp(prefix="sop-bench-"))
    try:
        project = synth.copy_project(work / "project")
        cold = full = None  # the site alone and the clean full build, once measured
        ours_site = work / "floor" / "site"  # the clean full build's site, for the peers' comparison
        if "floor" in sections:
            floor = bench_floor(project, work / "floor", args.runs, args.slow_runs)
            cold, full = floor.get("site_only"), floor.get("full")
        if "edit" in sections:
            edit = bench_edit(work / "edit", args.runs, args.slow_runs, full)
            if full is None and edit.get("clean"):
                full, ours_site = edit["clean"], work / "edit" / "site"
        if "peers" in sections:
            if full is None:
                full = measure(
                    "ours: clean full build", args.slow_runs, lambda: full_build(project, work / "floor", pdf=True)
                )
            bench_peers(project, work / "peers", args.slow_runs, full, ours_site)
        if "scale" in sections:
            bench_scale(work, [int(f) for f in args.factors.split(",")], args.scale_runs or args.slow_runs)
        if "live" in sections:
            if cold is None:
                cold = measure(
                    "site alone (SOP_PDF=0)", args.runs, lambda: full_build(project, work / "floor", pdf=False)
                )
            bench_live(synth.copy_project(work / "live"), args.runs, cold)
        if "profile" in sections:
            bench_profile(project, work)
    finally:
        if args.keep:
            print(f"\nkept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
