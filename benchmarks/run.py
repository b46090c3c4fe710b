"""`make bench`: how fast the build is, against the floor, the peers, more content, and live preview.

Every figure is the median of several runs and a ratio to a baseline measured in the same run:
  floor   full build (site + all PDFs) vs the site alone (SOP_PDF=0) + bare WeasyPrint on build/print/*.html
  peers   the same docs turned into a PDF by mkdocs-to-pdf and by mkdocs-print-site + headless Chromium
  scale   full build of a synthetic SOP at 1x, 5x, 10x the reference content (benchmarks/synth.py)
  live    time from saving a YAML file to the changed page being served by `make serve`
  profile where a full build spends its time (cProfile, by package)

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


# ---------------------------------------------------------------- measuring


class Failed(Exception):
    pass


def run_timed(cmd: list[str], cwd: Path, env: dict | None = None, timeout: float = 1800) -> tuple[float, int, float]:
    """Run cmd; return (wall seconds, peak RSS in KiB, CPU seconds), each covering its child processes too.
    Raises Failed on error."""
    full_env = {**os.environ, **BASE_ENV, **(env or {})}
    with tempfile.TemporaryFile() as out:
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
    fig = Figure(name)
    for _ in range(runs):
        fig.add(*once())
    print(f"    {name}: {fmt_runs(fig)}  [{load()}]", flush=True)
    return fig


def fmt_runs(fig: Figure) -> str:
    cpu = f"; CPU median {fig.cpu_median:.2f} s" if fig.cpu else ""
    return f"median {fig.median:.2f} s of {len(fig.times)} (" + ", ".join(f"{t:.2f}" for t in fig.times) + f"){cpu}"


def line(label: str, value: float, base: float | None, base_name: str, goal: str = "") -> str:
    ratio = f"{value / base:5.2f}x {base_name}" if base else "   n/a"
    return f"  {label:<46} {value:7.2f} s   {ratio}{('   goal: ' + goal) if goal else ''}"


# ---------------------------------------------------------------- project copies and builds


def build_cmd(site: Path) -> list[str]:
    return [PY, "-m", "macros.build", "--site-dir", str(site)]


def full_build(project: Path, work: Path, pdf: bool) -> tuple[float, int]:
    site, build = work / "site", work / "build"
    env = {"SOP_BUILD_DIR": str(build), "SOP_PDF": "1" if pdf else "0"}
    return run_timed(build_cmd(site), project, env)


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
    print("\n[floor] full build vs the site alone + bare WeasyPrint on the same print HTML", flush=True)
    site_only = measure("site alone (SOP_PDF=0)", runs_fast, lambda: full_build(project, work, pdf=False))
    try:
        full = measure("full build (site + all PDFs)", runs_slow, lambda: full_build(project, work, pdf=True))
    except Failed as exc:
        print(f"  full build failed: {exc}")
        return {"site_only": site_only, "error": str(exc)}
    html = print_html(work / "build")
    pdfs = sorted((work / "site").rglob("*.pdf"))
    print(
        f"    {len(pdfs)} PDF(s) in the site, {sum(pdf_pages(p) for p in pdfs)} pages; "
        f"{len(html)} print HTML file(s) in the build dir",
        flush=True,
    )
    result = {"site_only": site_only, "full": full, "pdfs": len(pdfs), "html": len(html)}
    if not html:
        print(
            "  FLOOR NOT MEASURABLE: the PDF step left no <build dir>/print/*.html "
            "(SOP_BUILD_DIR was set); nothing to hand to bare WeasyPrint."
        )
        return result
    # Copies, so the bare renders read exactly what the PDF step read, even after later builds.
    keep = work / "print-kept"
    shutil.rmtree(keep, ignore_errors=True)
    shutil.copytree(work / "build", keep)
    files = [str(p) for p in print_html(keep)]
    out = work / "bare-pdf"
    out.mkdir(exist_ok=True)
    bare = measure(
        "bare WeasyPrint, one process, every print HTML",
        runs_slow,
        lambda: run_timed([PY, "-c", BARE_WEASYPRINT, str(out), *files], project),
    )
    floor = site_only.median + bare.median
    result.update(bare=bare, floor=floor)
    print(line("site alone", site_only.median, floor, "floor"))
    print(line("bare WeasyPrint on build/print/*.html", bare.median, floor, "floor"))
    print(line("floor = site alone + bare WeasyPrint", floor, floor, "floor"))
    print(line("full build", full.median, floor, "floor", "<= 1.15x"))
    # CPU time is the work done whatever else the machine is doing; the full build spreads it over 2 cores.
    cpu_floor = site_only.cpu_median + bare.cpu_median
    print(
        f"  CPU time: full build {full.cpu_median:.2f} s = {full.cpu_median / cpu_floor:.2f}x the floor's "
        f"{cpu_floor:.2f} s (site {site_only.cpu_median:.2f} + bare WeasyPrint {bare.cpu_median:.2f})"
    )
    result["cpu_floor"] = cpu_floor
    return result


# ---------------------------------------------------------------- 2. peers


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
        fig = measure(
            "mkdocs-to-pdf 0.12.1 (site + one PDF)",
            runs,
            lambda: run_timed([*mkdocs, "-f", str(cfg), "-d", str(out)], project, env),
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


# ---------------------------------------------------------------- 3. scale


def bench_scale(work: Path, factors: list[int], runs: int) -> dict:
    print(f"\n[scale] synthetic SOP at {', '.join(f'{f}x' for f in factors)} the reference content", flush=True)
    rows = {}
    for factor in factors:
        project = synth.make_project(work / f"scale-{factor}x", factor)
        size = synth.content_size(project)
        units = sum(v for k, v in size.items() if k not in synth.KEEP)
        site = measure(f"{factor}x site alone", runs, lambda: full_build(project, work / f"s{factor}", pdf=False))
        full = measure(f"{factor}x full build", runs, lambda: full_build(project, work / f"s{factor}", pdf=True))
        pdfs = sorted((work / f"s{factor}" / "site").rglob("*.pdf"))
        rows[factor] = {
            "size": size,
            "units": units,
            "site": site,
            "full": full,
            "pdf_pages": sum(pdf_pages(p) for p in pdfs),
        }
        print(f"    {factor}x: {units} content units ({size}), {rows[factor]['pdf_pages']} PDF pages", flush=True)
    base = rows[factors[0]]
    per_unit = base["full"].median / base["units"]
    for factor, row in rows.items():
        ratio = (row["full"].median / row["units"]) / per_unit
        cpu_ratio = (row["full"].cpu_median / row["units"]) / (base["full"].cpu_median / base["units"])
        print(
            f"  {factor:>3}x  full {row['full'].median:7.2f} s  site {row['site'].median:6.2f} s  "
            f"units {row['units']:>4}  time per unit {ratio:4.2f}x 1x's (CPU {cpu_ratio:4.2f}x)  "
            f"peak {row['full'].peak_mib:6.0f} MiB"
            + ("   goal: per unit <= 1x's, peak < 1024 MiB" if factor == factors[-1] else "")
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


# ---------------------------------------------------------------- 4. live rebuild


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


# ---------------------------------------------------------------- 5. profile


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
        "--only", default="floor,peers,scale,live", help="comma-separated sections: floor, peers, scale, live, profile"
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
        cold = full = None
        if "floor" in sections:
            floor = bench_floor(project, work / "floor", args.runs, args.slow_runs)
            cold, full = floor.get("site_only"), floor.get("full")
        if "peers" in sections:
            if full is None:
                full = measure(
                    "ours: full build", args.slow_runs, lambda: full_build(project, work / "floor", pdf=True)
                )
            bench_peers(project, work / "peers", args.slow_runs, full, work / "floor" / "site")
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
