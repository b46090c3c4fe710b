"""`make build`: validate the data, build the site and PDFs into a temporary folder, then swap it in.

Nothing is written until the data is valid, and the previous site/ stays as it was if any step
fails or the process is killed: the new site only replaces it once it is complete.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import gc
import glob
import logging
import os
import re
import shutil
import sys
from pathlib import Path

from . import outdir
from .data.model import cached_model
from .data.problems import DataError
from .pdf import build_dir
from .pdf import enabled as pdf_enabled
from .site import page_cache

ROOT = Path(__file__).resolve().parent.parent


def _redundant(record: logging.LogRecord) -> bool:
    """MkDocs' "Error reading page 'x':" line, which only introduces our own file:line message."""
    message = record.getMessage()
    return message.startswith("Error reading page '") and message.endswith("':")


def _quiet_logging() -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)-7s -  %(message)s"))
    handler.addFilter(lambda record: not _redundant(record))
    log = logging.getLogger("mkdocs")
    log.handlers[:] = [handler]
    log.setLevel(logging.WARNING if not os.environ.get("SOP_VERBOSE") else logging.INFO)
    log.propagate = False


def build_site(site_dir: Path, config_file: Path) -> None:
    """Run MkDocs in-process (strict) into site_dir. Raises on any error."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    config = load_config(str(config_file), site_dir=str(site_dir), strict=True)
    config.plugins.on_startup(command="build", dirty=False)
    try:
        build(config)
    finally:
        config.plugins.on_shutdown()


def swap_in(new: Path, target: Path) -> None:
    """Replace target with new by two renames, under a lock so two builds finishing together take
    turns; if the second rename fails, the previous site is put back."""
    with _swap_lock(target):
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        if target.exists():
            target.rename(old)
        try:
            new.rename(target)
        except OSError:
            if old.exists() and not target.exists():
                old.rename(target)
            raise
    shutil.rmtree(old, ignore_errors=True)


@contextlib.contextmanager
def _swap_lock(target: Path):
    """Two builds never swap at once. The lock is taken on the folder that holds site/ (flock works on
    a folder's descriptor), so no lock file is left beside the site."""
    try:
        import fcntl
    except ImportError:  # not POSIX: no lock, the rename errors are still reported cleanly
        yield
        return
    fd = os.open(target.parent, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # released when the descriptor is closed
        yield
    finally:
        os.close(fd)


_LEFTOVER = re.compile(r"^\.(?P<name>.+)\.(?:new|old)-\d+$")


def recover(target: Path) -> None:
    """Tidy up after a build that was killed: put back a site/ that swap_in had moved aside but not
    yet replaced (killed between its two renames), and delete stale staging and old folders.
    Only folders named as the build names them (.site.new-<pid>, .site.old-<pid>) are touched."""
    leftovers = [
        p
        for p in target.parent.glob(f".{glob.escape(target.name)}.*-*")
        if (m := _LEFTOVER.match(p.name)) and m["name"] == target.name and p.is_dir() and not p.is_symlink()
    ]
    leftovers = [p for p in leftovers if not _running(p)]
    olds = sorted((p for p in leftovers if ".old-" in p.name), key=lambda p: p.stat().st_mtime)
    if olds and not target.exists():
        olds.pop().rename(target)
    for stale in leftovers:
        shutil.rmtree(stale, ignore_errors=True)


def _running(folder: Path) -> bool:
    """Whether the build that made .site.new-<pid> / .site.old-<pid> is still running (then leave it alone)."""
    pid = folder.name.rpartition("-")[2]
    if not pid.isdigit() or int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)  # signal 0 only asks whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, but belongs to someone else
        return True
    return True


def review_warning(model) -> str:
    """The build-time warning for an SOP past its review date ("" when it is not)."""
    doc = model["document"]
    if not doc["review_overdue"]:
        return ""
    where = "local/document.yml" if (model.root / "local" / "document.yml").is_file() else "sop_data/document.yml"
    return (
        f"WARNING - {doc['reference']} version {doc['version']} was due for review on {doc['review_date']} "
        f"(ratified {doc['ratified']}, reviewed every {doc['review_months']} months). The site shows an overdue "
        f"banner until it is reviewed: then set the new ratified date and version in {where}."
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make build", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--site-dir",
        default=os.environ.get("SOP_SITE_DIR") or str(ROOT / "site"),  # set but empty: the default
        help="where the finished site goes (default: site/)",
    )
    parser.add_argument("--config", default=str(ROOT / "mkdocs.yml"), help="MkDocs configuration file")
    args = parser.parse_args(argv)
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    given = sys.argv[1:] if argv is None else argv
    setting = (
        "--site-dir"
        if any(a.startswith("--site-dir") for a in given)
        else "SOP_SITE_DIR"
        if os.environ.get("SOP_SITE_DIR")
        else "The site folder"
    )
    refused = outdir.refusal(Path(args.site_dir), ROOT, "site", setting)
    if not refused and _uses_build_dir():
        refused = outdir.refusal(build_dir(ROOT), ROOT, "build", "SOP_BUILD_DIR")
    if refused:
        print(f"Nothing was built: {refused}.", file=sys.stderr)
        return 2
    target = Path(args.site_dir).resolve()
    try:
        return _build(target, Path(args.config))
    except OSError as exc:
        print(f"Build failed: {os_problem(exc)}", file=sys.stderr)
        print("The previous site/ is unchanged.", file=sys.stderr)
        return 1


def _uses_build_dir() -> bool:
    """build/ keeps the print HTML and the PDF and page caches."""
    return pdf_enabled() or page_cache.enabled()


def _build(target: Path, config: Path) -> int:
    target.parent.mkdir(parents=True, exist_ok=True)
    recover(target)
    try:
        model = cached_model(ROOT)  # the build's hooks and macros reuse this load
    except DataError as exc:
        print(exc, file=sys.stderr)
        print("Nothing was built; the previous site/ is unchanged.", file=sys.stderr)
        return 1
    # The model, modules and configuration live until the end: frozen, Python's collector stops
    # walking them on every full collection while the site is built (about 0.2 s a build).
    gc.freeze()
    warning = review_warning(model)
    if warning:  # a warning, not an error: an overdue SOP is still the SOP in force until replaced
        print(warning, file=sys.stderr)
    for warning in model["local"]["warnings"]:  # reference changes to review, edits outside local/
        print(warning, file=sys.stderr)
    if _uses_build_dir():
        build_dir(ROOT).mkdir(parents=True, exist_ok=True)
        outdir.mark(build_dir(ROOT), "build")
    page_cache.use(build_dir(ROOT) / page_cache.FOLDER if page_cache.enabled() else None)

    staging = target.with_name(f".{target.name}.new-{os.getpid()}")
    _quiet_logging()
    from mkdocs.exceptions import MkDocsException

    try:
        build_site(staging, config)
        outdir.mark(staging, "site")
    except (MkDocsException, DataError) as exc:
        shutil.rmtree(staging, ignore_errors=True)
        reason = "" if str(exc) == "Aborted with a BuildError!" else f": {exc}"  # the error itself is above
        print(f"Build failed{reason}", file=sys.stderr)
        print("The previous site/ is unchanged.", file=sys.stderr)
        return 1
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    try:
        swap_in(staging, target)
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)  # the previous site is back in place (swap_in)
        raise
    print(f"Built {target.relative_to(Path.cwd()) if target.is_relative_to(Path.cwd()) else target}")
    return 0


_ADVICE = {
    errno.ENOSPC: "the disk is full; free some space and build again",
    errno.EDQUOT: "the disk quota is used up; free some space and build again",
    errno.EROFS: "the disk is read-only; build on a writable disk or give another SOP_SITE_DIR",
    errno.EACCES: "permission denied; make it writable (chmod u+w) or give another folder",
    errno.EPERM: "not permitted; it may be immutable (lsattr; chattr -i) or belong to another user",
    errno.ENOTEMPTY: "another build replaced the site at the same moment; build again",
    errno.EEXIST: "another build replaced the site at the same moment; build again",
    errno.ENOTDIR: "a part of that path is a file, not a folder; give a folder that can be made",
    errno.EXDEV: "the site folder must be on the same disk as the folder it is in",
}


def os_problem(exc: OSError) -> str:
    """One line for an operating-system error: the file or folder and what to do."""
    if exc.errno is None:  # not from the system (e.g. Jinja's TemplateNotFound is an OSError)
        return f"{type(exc).__name__}: {exc}"
    where = exc.filename or "a file"
    try:
        where = Path(where).relative_to(Path.cwd()).as_posix()
    except ValueError:
        pass
    return f"cannot write {where}: {_ADVICE.get(exc.errno or 0, exc.strerror or type(exc).__name__)}"


if __name__ == "__main__":
    sys.exit(main())
