"""Hostile and careless input cannot hurt (issue 17): no folder deleted that the build did not make,
no code run from a page, no script in a page, no outside file in a PDF, a clear message for every
operating-system fault. The broken-input corpus (tests/broken/cases.yml) holds the cases that are a
single edit of the project; these are the ones that need more than that."""

from __future__ import annotations

import errno
import multiprocessing
import os
import re
import resource
import signal
import subprocess
import sys
from pathlib import Path

import jinja2
import pytest

from macros import build as build_cli
from macros import outdir
from macros.pdf.render import refusal as pdf_refusal
from macros.site.page_render import describe
from macros.site.render import md
from macros.site.sandbox import PageSandbox
from macros.site.sanitize import safe_url, sanitize_html
from tests.conftest import ROOT, copy_project, run_build


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under folder with its bytes: to show that nothing changed."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# ---------------------------------------------------------------- output folders
@pytest.mark.parametrize("site_dir", [".", "docs", "docs/site", "sop_data/..", "/", "local", ".git/site"])
def test_a_site_folder_that_is_or_holds_the_project_is_refused_and_nothing_deleted(project, site_dir):
    (project / ".git").mkdir()
    (project / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    before = tree(project)
    result = run_build(project, env={"SOP_PDF": "0", "SOP_SITE_DIR": site_dir})
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("Nothing was built: SOP_SITE_DIR ")
    assert "give a folder of its own" in result.stderr
    assert tree(project) == before


def test_the_home_folder_is_never_a_site_folder(project, tmp_path):
    home = tmp_path / "home"
    (home / "notes").mkdir(parents=True)
    (home / "notes" / "todo.txt").write_text("mine")
    result = run_build(project, "--site-dir", str(home), env={"SOP_PDF": "0", "HOME": str(home)})
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "--site-dir" in result.stderr and "your home folder" in result.stderr
    assert (home / "notes" / "todo.txt").read_text() == "mine"


def test_an_existing_folder_the_build_did_not_make_is_kept(project, tmp_path):
    mine = tmp_path / "photos"
    mine.mkdir()
    (mine / "holiday.jpg").write_bytes(b"\xff\xd8 not really")
    result = run_build(project, env={"SOP_PDF": "0", "SOP_SITE_DIR": str(mine)})
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "already exists and was not made by the build" in result.stderr
    assert tree(mine) == {"holiday.jpg": b"\xff\xd8 not really"}


def test_a_build_folder_under_a_file_or_in_docs_is_refused(project, tmp_path):
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    for build_dir, words in ((a_file / "build", "is a file, not a folder"), (project / "docs", "docs/ folder")):
        result = run_build(project, env={"SOP_PDF": "1", "SOP_BUILD_DIR": str(build_dir)})
        assert result.returncode != 0 and "Traceback" not in result.stderr
        assert "SOP_BUILD_DIR" in result.stderr and words in result.stderr
    assert a_file.read_text() == "x" and not (project / "site").exists()


def test_a_site_the_build_made_is_replaced_and_marked(built_site):
    assert (built_site / outdir.MARKERS["site"]).is_file()
    assert outdir.refusal(built_site, built_site.parent, "site", "SOP_SITE_DIR") == ""


def test_a_build_folder_holding_only_the_browser_tests_screenshots_is_the_builds(tmp_path):
    # `make test` writes build/screenshots/ for a person to look at; `make build` must still run afterwards
    build = tmp_path / "project" / "build"
    (build / "screenshots").mkdir(parents=True)
    (build / "screenshots" / "home-phone.png").write_bytes(b"png")
    (build / "screenshots" / "print-access-matrix.pdf").write_bytes(b"pdf")
    assert outdir.made_by_build(build, "build")
    (build / "notes.txt").write_text("someone else's")
    assert not outdir.made_by_build(build, "build")


def test_make_clean_deletes_only_folders_the_build_made(tmp_path):
    project = tmp_path / "project"
    (project / "site").mkdir(parents=True)
    (project / "site" / "index.html").write_text("made by the build")
    outdir.mark(project / "site", "site")
    (project / ".site.new-123").mkdir()
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "keep.txt").write_text("keep")
    script = [sys.executable, str(ROOT / "macros" / "outdir.py")]
    env = {**os.environ, "SOP_SITE_DIR": str(project / "site"), "SOP_BUILD_DIR": str(mine)}
    # run as `make clean` runs it: the script by its path, any Python, no virtual environment needed
    result = subprocess.run(script, env=env, capture_output=True, text=True, cwd=project)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"Kept {mine}" in result.stderr and "was not made by the build" in result.stderr
    assert not (project / "site").exists() and not (project / ".site.new-123").exists()
    assert (mine / "keep.txt").read_text() == "keep"


# ---------------------------------------------------------------- operating-system faults
def _limit_file_size():
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes past the limit fail with EFBIG instead
    resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))


def test_a_write_that_fails_is_one_line_and_the_old_site_is_kept(built_site, tmp_path):
    project = built_site.parent
    before = tree(built_site)
    result = run_build(project, env={"SOP_PDF": "0"}, preexec_fn=_limit_file_size)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr, result.stderr
    assert "Build failed: cannot write " in result.stderr and "File too large" in result.stderr
    assert "The previous site/ is unchanged." in result.stderr
    assert tree(built_site) == before
    assert not list(project.glob(".site.new-*"))


@pytest.mark.parametrize(
    "code, words",
    [
        (errno.ENOSPC, "the disk is full"),
        (errno.EROFS, "the disk is read-only"),
        (errno.EACCES, "make it writable"),
        (errno.EPERM, "immutable"),
        (errno.ENOTEMPTY, "another build replaced the site at the same moment"),
    ],
)
def test_each_os_error_says_what_to_do(code, words):
    message = build_cli.os_problem(OSError(code, os.strerror(code), "/nowhere/site/index.html"))
    assert message.startswith("cannot write /nowhere/site/index.html: ") and words in message


def test_a_failed_swap_puts_the_previous_site_back(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("previous")
    with pytest.raises(OSError):
        build_cli.swap_in(tmp_path / ".site.new-1", site)  # the new site vanished: the rename fails
    assert (site / "index.html").read_text() == "previous"


def _swap_many(folder: str, tag: str) -> None:
    for i in range(25):
        new = Path(folder) / f".site.new-{tag}{i}"
        new.mkdir()
        (new / "index.html").write_text(f"{tag}{i}")
        build_cli.swap_in(new, Path(folder) / "site")


def test_two_builds_swapping_at_once_take_turns(tmp_path):
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_swap_many, args=(str(tmp_path), tag)) for tag in "ab"]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert [w.exitcode for w in workers] == [0, 0]
    assert (tmp_path / "site" / "index.html").read_text() in ("a24", "b24")


# ---------------------------------------------------------------- sandboxed pages
def render_page(source: str) -> str:
    """A page rendered as the build renders it (site/page_render.py), or its error message."""
    box = PageSandbox(undefined=jinja2.StrictUndefined, autoescape=True)
    box.globals.update({"name": lambda role: "peer support worker"}, sop={"roles": {"roles": [{"id": "psw"}]}})
    try:
        return box.render_page(source, {})
    except Exception as exc:  # noqa: BLE001 - the message a person sees
        return "ERROR " + describe(exc, source, "local/pages/x.md")


@pytest.mark.parametrize(
    "attack, words",
    [
        ("{{ lipsum.__globals__['os'].popen('id').read() }}", "unknown macro or variable 'lipsum'"),
        ("{{ cycler.__init__.__globals__.os }}", "unknown macro or variable 'cycler'"),
        ("{{ joiner }}", "unknown macro or variable 'joiner'"),
        ("{{ ''.__class__.__mro__[1].__subclasses__() }}", "not allowed in a page: access to attribute '__class__'"),
        ("{{ name.__globals__ }}", "not allowed in a page: access to attribute '__globals__'"),
        ("{{ self.__init__.__globals__ }}", "not allowed in a page: access to attribute '__init__'"),
        ("{{ self._TemplateReference__context }}", "not allowed in a page"),
        ("{{ config }}", "unknown macro or variable 'config'"),
        ("{{ os.system('id') }}", "unknown macro or variable 'os'"),
        ("{{ sop.roles.roles.append(1) }}", "not allowed in a page: access to attribute 'append'"),
        ("{{ sop|attr('__class__') }}", "not allowed in a page"),
        ("{% for i in range(10**9) %}{% endfor %}", "too large a number to give to range"),
        ("{{ 'x' * 10**9 }}", "repeating text 1000000000 times"),
        ("{{ 10**1000000 }}", "is too large for a page"),
        ("{{ '%0999999999d' % 1 }}", "a width of a million characters"),
        ("{{ '{:>999999999}'.format(1) }}", "a width of a million characters"),
        ("{{ 'a'|center(999999999) }}", "too large a number to give to the filter center"),
        ("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}", "calls itself without end"),
        ("{% set x = '0123456789' * 1000 %}" + "{% set x = x ~ x %}" * 40 + "{{ x }}", "joining these texts with ~"),
    ],
)
def test_a_page_cannot_reach_python_or_exhaust_the_machine(attack, words):
    out = render_page(f"# Page\n\n{attack}\n")
    assert out.startswith("ERROR local/pages/x.md:3: "), out
    assert words in out, out
    assert "Traceback" not in out and "uid=" not in out


def test_a_page_still_uses_macros_data_and_jinja(tmp_path):
    out = render_page("{% set n = 3 %}{{ name('psw') }} {{ sop.roles.roles[0].id }} {{ range(n)|list }} {{ 2 ** 8 }}")
    assert out == "peer support worker psw [0, 1, 2] 256"


def test_the_real_build_renders_pages_in_the_sandbox(project):
    (project / "local" / "pages").mkdir()
    (project / "local" / "pages" / "contacts.md").write_text(
        "# Contacts\n\n{{ lipsum.__globals__['os'].popen('echo pwned > /tmp/sop-pwned').read() }}\n"
    )
    result = run_build(project, env={"SOP_PDF": "0"})
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "local/pages/contacts.md:3: unknown macro or variable 'lipsum'" in result.stderr
    assert not (project / "site").exists()


# ---------------------------------------------------------------- no script in a page
@pytest.mark.parametrize(
    "url, safe",
    [
        ("https://example.org/x", True),
        ("mailto:team@example.nhs.uk", True),
        ("tel:01632960000", True),
        ("../roles/psw.html#duties", True),
        ("#top", True),
        ("javascript:alert(1)", False),
        ("JaVaScRiPt:alert(1)", False),
        ("java\tscript:alert(1)", False),
        ("\x01javascript:alert(1)", False),
        ("data:text/html;base64,PHNjcmlwdD4=", False),
        ("file:///etc/passwd", False),
        ("vbscript:msgbox", False),
    ],
)
def test_only_web_mail_phone_and_relative_links_are_safe(url, safe):
    assert safe_url(url) is safe


def test_unsafe_markup_is_taken_out_of_page_html():
    html = (
        '<p><a href="jav&#x09;ascript:alert(1)">words stay</a> <img src="x" onerror="alert(2)" alt="a picture">'
        '<script>alert(3)</script><iframe src="https://evil.example"></iframe>'
        '<a rel="attachment" href="file:///etc/passwd">attached</a>'
        '<img src="data:image/png;base64,AAAA" alt="inline"> <img src="file:///etc/passwd">'
        '<svg><a xlink:href="javascript:alert(4)"><text>t</text></a>'
        '<set attributeName="href" to="javascript:alert(5)"/></svg>'
        '<span style="background:url(https://tracker.example/x.png)">s</span>'
        '<a href="https://example.org" onclick="alert(6)">ok</a></p>'
    )
    out = sanitize_html(html)
    for bad in (
        "javascript",
        "onerror",
        "onclick",
        "<script",
        "<iframe",
        "attachment",
        "file:",
        "data:",
        "<set",
        "tracker.example",
    ):
        assert bad not in out.lower(), (bad, out)
    assert "words stay" in out and 'href="https://example.org"' in out and 'src="x"' in out
    assert "inline" in out  # an image that cannot be shown keeps its alt text


def test_safe_html_is_returned_unchanged():
    html = '<p>See <a href="../procedure/referral.html#screening">screening</a> or call <a href="tel:111">111</a>.</p>'
    assert sanitize_html(html) is html


def test_markdown_data_fields_keep_only_safe_links():
    out = str(md("[a](javascript:alert(1)) [b](https://example.org) ![c](file:///etc/passwd) <b>d</b>"))
    assert "javascript" not in out and "file:" not in out and "<b>" not in out
    assert '<a href="https://example.org">b</a>' in out


def test_hostile_local_page_and_addition_leave_no_script_in_site_or_search(project):
    pages = project / "local" / "pages"
    pages.mkdir()
    (pages / "contacts.md").write_text(
        "# Contacts\n\n[x](javascript:alert(1)) <img src=x onerror=alert(2)> <script>alert(3)</script>\n"
        '<a href="data:text/html,<script>alert(4)</script>">d</a>\n'
    )
    (project / "local" / "additions.yml").write_text(
        "additions:\n  - page: procedure/referral.md\n    text: '[y](javascript:alert(5)) <img src=x onerror=alert(6)>'\n"
    )
    result = run_build(project, env={"SOP_PDF": "0"})
    assert result.returncode == 0, result.stderr
    for page in ("local/contacts.html", "procedure/referral.html"):
        content = (project / "site" / page).read_text()
        article = content[content.index("<article") : content.index("</article>")]
        assert not re.search(r"""<[^>]*\s(?:on\w+=|href=["']?(?:javascript|data):)""", article), article
        assert "<script" not in article
    index = (project / "site" / "search" / "search_index.json").read_text()
    assert "<script>alert(3)" not in index and 'href=\\"javascript' not in index


# ---------------------------------------------------------------- the PDF step's fetcher
def test_pdfs_load_only_files_of_the_build_and_the_assets(tmp_path):
    folders = [tmp_path / "build" / "print", ROOT / "overrides"]
    (tmp_path / "build" / "print").mkdir(parents=True)
    css = ROOT / "overrides" / "print" / "print.css"
    assert pdf_refusal(css.as_uri(), folders) == ""
    assert pdf_refusal("data:image/png;base64,AAAA", folders) == ""
    assert "not a file of the site or its assets" in pdf_refusal("file:///etc/passwd", folders)
    assert "from the network" in pdf_refusal("https://example.org/logo.png", folders)
    assert "from the network" in pdf_refusal("ftp://example.org/x", folders)
    link = tmp_path / "build" / "print" / "passwd"
    link.symlink_to("/etc/passwd")
    assert "not a file of the site or its assets" in pdf_refusal(link.as_uri(), folders)
    dotdot = (tmp_path / "build" / "print").as_uri() + "/../../../../etc/passwd"
    assert "not a file of the site or its assets" in pdf_refusal(dotdot, folders)


@pytest.mark.slow
def test_a_pdf_never_embeds_or_links_an_outside_file(tmp_path):
    import pikepdf

    project = copy_project(tmp_path / "project")
    (project / "local" / "pages").mkdir()
    (project / "local" / "pages" / "contacts.md").write_text(
        '# Contacts\n\n<a rel="attachment" href="file:///etc/passwd">a</a> ![x](file:///etc/hostname)\n'
        '<link rel="attachment" href="file:///etc/passwd"> [js](javascript:alert(1))\n'
    )
    result = run_build(project, env={"SOP_PDF": "1", "SOP_BUILD_DIR": str(project / "build")})
    assert result.returncode == 0, result.stderr
    for html in (project / "build" / "print").glob("*.html"):
        assert "file:///etc" not in html.read_text(), html
    for path in (project / "site" / "downloads").rglob("*.pdf"):
        pdf = pikepdf.open(path)
        assert "/EmbeddedFiles" not in pdf.Root.get("/Names", {}), path
        for page in pdf.pages:
            for annot in page.get("/Annots", []):
                assert annot.get("/Subtype") != "/FileAttachment", path
                uri = str(annot.get("/A", {}).get("/URI", ""))
                assert not uri or uri.startswith(("http:", "https:", "mailto:", "tel:")), (path, uri)


# ---------------------------------------------------------------- make serve after a mistake
@pytest.mark.slow
def test_make_serve_keeps_serving_the_last_good_site_after_a_page_error(project):
    import socket
    import time
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = project / "serve.log"
    with open(log, "w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "macros.serve", "--dev-addr", f"127.0.0.1:{port}"],
            cwd=project,
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        )
    url = f"http://127.0.0.1:{port}/procedure/access.html"

    def fetch() -> tuple[int, str]:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # without the live-reload epochs
                return response.status, re.sub(r"\(\d+, \d+\)", "", response.read().decode())
        except OSError as exc:
            return getattr(exc, "code", 0), ""

    def wait_for(condition, seconds=120):
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            if condition():
                return True
            time.sleep(0.5)
        return False

    try:
        assert wait_for(lambda: fetch()[0] == 200), log.read_text()
        good = fetch()[1]
        page = project / "docs" / "procedure" / "access.md"
        page.write_text(page.read_text() + "\n{{ nosuch_macro() }}\n")
        assert wait_for(lambda: "Rebuild failed" in log.read_text()), log.read_text()
        status, body = fetch()
        assert status == 200 and body == good  # the last good page, not a 404
        assert "docs/procedure/access.md:" in log.read_text() and "unknown macro 'nosuch_macro'" in log.read_text()
        assert "Traceback" not in log.read_text()
        (project / "local" / "pages").mkdir()
        (project / "local" / "pages" / "folder.md").mkdir()  # a folder named like a page: not stuck
        page.write_text(page.read_text().replace("{{ nosuch_macro() }}", ""))
        assert wait_for(lambda: "local/pages/folder.md: is a folder" in log.read_text()), log.read_text()
        assert fetch()[0] == 200
    finally:
        server.terminate()
        server.wait(30)


@pytest.mark.parametrize(
    "html",
    [
        '<a href="javascript&colon;alert(1)">x</a>',
        '<a/href="javascript:alert(1)">x</a>',
        '<img/src="x"/onerror=alert(1)>',
        '<img src="x"onerror=alert(1)>',
        "<svg/onload=alert(1)>",
        '<a href="&#x6A;avascript:alert(1)">y</a>',
        '<a href="java&Tab;script:alert(1)">z</a>',
        '<a href=" &#14;javascript:alert(1)">w</a>',
        '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
        '<form><button formaction="javascript:alert(1)">b</button></form>',
        '<object data="data:text/html,x"></object>',
    ],
)
def test_tricky_spellings_of_script_are_taken_out(html):
    out = sanitize_html(html).lower()
    assert "javascript" not in out and "onerror" not in out and "onload" not in out and "data:" not in out, out


@pytest.mark.slow
def test_pango_failing_to_load_is_one_message_naming_the_package(project, tmp_path):
    fake = tmp_path / "lib"
    fake.mkdir()
    for name in ("libpango-1.0.so.0", "libpango-1.0.so", "libpangoft2-1.0.so.0", "libpangoft2-1.0.so"):
        (fake / name).write_text("not a library")  # found first on LD_LIBRARY_PATH, fails to load
    result = run_build(project, env={"SOP_PDF": "1", "LD_LIBRARY_PATH": str(fake)})
    assert result.returncode != 0
    assert "Traceback" not in result.stderr and "BrokenProcessPool" not in result.stderr
    assert "could not load its system libraries" in result.stderr
    assert "apt-get install libpango-1.0-0 libpangoft2-1.0-0" in result.stderr
    assert not (project / "site").exists()


@pytest.mark.parametrize(
    "html",
    [
        '<img src="https://tracker.example/pixel.png" alt="">',
        '<img src="//tracker.example/pixel.png">',
        "<img src=//tracker.example/pixel.png>",
        '<img src="a.png" srcset="a.png 1x, https://tracker.example/b.png 2x">',
        '<svg><image href="https://tracker.example/x.svg"/></svg>',
        '<video poster="https://tracker.example/p.jpg"></video>',
    ],
)
def test_a_page_loads_nothing_from_another_website(html):
    out = sanitize_html(html)
    assert "tracker.example" not in out, out


def test_links_to_other_websites_stay_links():
    html = '<p><a href="https://www.nhs.uk/">NHS</a> <a href="//www.nhs.uk/x">x</a> <img src="../logo.svg" alt="l"></p>'
    out = sanitize_html(html)
    assert 'href="https://www.nhs.uk/"' in out and 'href="//www.nhs.uk/x"' in out and 'src="../logo.svg"' in out


def test_an_immutable_site_folder_is_one_line_and_kept(project, tmp_path):
    import shutil as sh

    site = tmp_path / "out" / "site"
    site.mkdir(parents=True)
    outdir.mark(site, "site")
    (site / "index.html").write_text("previous")
    chattr = sh.which("chattr")
    if not chattr or subprocess.run([chattr, "+i", str(site)], capture_output=True).returncode != 0:
        pytest.skip("chattr +i is not available here (needs root and a file system that supports it)")
    try:
        result = run_build(project, env={"SOP_PDF": "0", "SOP_SITE_DIR": str(site)})
    finally:
        subprocess.run([chattr, "-i", str(site)], check=True)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert f"Build failed: cannot write {site}: not permitted; it may be immutable" in result.stderr
    assert (site / "index.html").read_text() == "previous"
    assert sorted(p.name for p in site.parent.iterdir()) == ["site"]  # nothing left beside it
