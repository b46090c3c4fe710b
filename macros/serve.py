"""`make serve`: MkDocs' live preview with PDFs off, rebuilt when the SOP data changes.

On every rebuild `mkdocs serve` reloads mkdocs.yml and runs the plugins again, so define_env runs
again and `cached_model` (keyed by the data files' mtimes) reloads the edited YAML. What this adds
to plain `mkdocs serve`:
- it also watches sop_data/ and local/ (docs/, mkdocs.yml and macros/templates/ are watched anyway);
- it looks for changes every 0.1 s instead of MkDocs' 0.5 s, so a saved edit shows in well under
  a second (benchmarks/run.py measures it);
- PDFs are off (SOP_PDF=0): they take seconds and the preview shows pages.
Changes to Python code in macros/ need a restart (Python does not re-import a loaded module).
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import signal
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WATCH = ("sop_data", "local")
# Polling, as MkDocs does, rather than the OS's change notices: those do not arrive from some
# shared folders (WSL's /mnt/c, Docker Desktop mounts), where editors would wait for nothing.
# Ten times a second costs about 2.5 % of one core while idle (benchmarks/RESULTS.md).
POLL_SECONDS = 0.1


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def _reporting(builder, log, published):
    """A rebuild that fails says what is wrong (file:line) in one message, not a traceback, and the
    preview keeps serving the last good pages until the file is fixed: MkDocs empties its folder
    before each build, so the pages are served from a copy made after each good build."""
    from mkdocs.exceptions import MkDocsException

    def build(*args, **kwargs):
        try:
            result = builder(*args, **kwargs)
        except MkDocsException as exc:
            log.error(f"Rebuild failed; still showing the last good pages.\n{exc}")
            return None
        except Exception as exc:  # noqa: BLE001 - e.g. a full disk: one line, and keep serving
            log.error(f"Rebuild failed ({type(exc).__name__}: {exc}); still showing the last good pages.")
            return None
        published()
        return result

    return build


class _LastGood:
    """Copies of the last site that built completely; the server reads the newest."""

    def __init__(self, server):
        self.server, self.built, self.copies = server, server.root, []

    def publish(self) -> None:
        copy = tempfile.mkdtemp(prefix="sop_preview_")
        shutil.copytree(self.built, copy, dirs_exist_ok=True)
        self.copies.append(copy)
        self.server.root = copy  # read once per request, so a request sees one copy or the other
        while len(self.copies) > 2:  # the one before stays a moment for requests still reading it
            shutil.rmtree(self.copies.pop(0), ignore_errors=True)

    def remove(self) -> None:
        for copy in self.copies:
            shutil.rmtree(copy, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make serve", description=__doc__.splitlines()[0])
    parser.add_argument(
        "-a", "--dev-addr", default="127.0.0.1:8000", help="IP:PORT to serve on (default 127.0.0.1:8000)"
    )
    parser.add_argument("-f", "--config-file", default=str(ROOT / "mkdocs.yml"), help="MkDocs configuration file")
    args = parser.parse_args(argv)
    os.environ["SOP_PDF"] = "0"
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")

    from mkdocs import livereload
    from mkdocs.commands import serve as mkdocs_serve
    from mkdocs.exceptions import MkDocsException

    class Server(livereload.LiveReloadServer):
        def __init__(self, builder, *a, **kw):
            kw.setdefault("polling_interval", POLL_SECONDS)
            last_good: list[_LastGood] = []
            super().__init__(_reporting(builder, log, lambda: last_good[0].publish()), *a, **kw)
            self.last_good = _LastGood(self)
            last_good.append(self.last_good)
            # Rebuild once saving has been quiet for this long (MkDocs: 0.1 s); an editor's save
            # is a write or a rename, seen within one poll.
            self.build_delay = POLL_SECONDS / 2

        def serve(self, *a, **kw):
            self.last_good.publish()  # the first build, made before serving starts
            try:
                return super().serve(*a, **kw)
            finally:
                self.last_good.remove()

    log = logging.getLogger("mkdocs")
    # serve() builds its server by this module-level name; polling_interval is a public argument of it.
    mkdocs_serve.LiveReloadServer = Server  # type: ignore[misc]

    signal.signal(signal.SIGTERM, _interrupt)  # so MkDocs removes its temporary site on `kill`
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)-7s -  %(message)s"))
    log.handlers[:] = [handler]
    log.setLevel(logging.INFO)
    log.propagate = False

    config_dir = Path(args.config_file).resolve().parent
    watch = [str(config_dir / d) for d in WATCH if (config_dir / d).is_dir()]
    try:
        mkdocs_serve.serve(config_file=args.config_file, watch=watch, dev_addr=args.dev_addr, livereload=True)
    except MkDocsException as exc:
        print(f"Preview failed: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"Preview failed: {exc.filename or ''}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
