"""Every PDF from its print HTML to its file in the site: what runs next on the two workers, and
what the cache (cache.py) already has.

A PDF of one part is rendered whole, as before. A PDF in parts (parts.py) goes through:
1. its parts, rendered (or found in the cache) on whichever worker is free;
   - a part that shows page numbers of its own anchors is counted from its first page in the
     whole PDF (parts.first_page), so it waits until the parts before it are laid out, unless
     the last build's layout (its plan) gives that page; the parts up to the last such part go
     first, in their order, as each one's first page depends on all before it; other parts
     follow, the biggest first;
   - a part that shows page numbers of other parts' anchors (the contents, cross-references)
     shows zeros, as many as the number will have digits: from the plan, else estimated when a
     worker is free for it, from the parts laid out by then (a part being rendered again counts
     with the pages it had);
2. as parts are laid out, a part whose lengths have become certain (parts.certain_digits) and were
   wrong is rendered again at once, not after the rest (page_refs.py says why only the length
   matters); once every part is laid out, every length and first page is checked; a part tried
   MAX_ROUNDS times, or a join that cannot write the digits in, sends the PDF to one pass instead,
   which is exact by construction;
3. the page-numbers PDF (same page names, "Page X of Y" only), drawn as soon as every part has
   pages (parts rendered again keep theirs as a rule; if not, it is drawn again), and the join
   (join.py), which writes the right digits over the zeros.
The parts others wait for go first, then work that finishes a PDF (checks and page numbers), then
new parts; joins run beside them, in a process of their own (render.Pool). Everything here runs
in one thread of the build process; the rendering itself is in the worker processes (render.py).
"""

from __future__ import annotations

import hashlib
import heapq
import itertools
import json
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from pathlib import Path

from . import cache as caching
from . import parts as planning
from .render import JoinJob, Rendered, RenderJob, join, render

MAX_ROUNDS = 4
NEEDED, FINISH, PART = 0, 1, 2  # priorities: lower runs first (NEEDED: a part others wait for)


@dataclass
class Source:
    """One PDF to make (step.py assembles it)."""

    name: str
    output: Path
    parts: list[str]  # the print HTML of each part; one part: the PDF is rendered whole
    job: RenderJob  # options shared by its parts (fillable, archival, labels, XMP)
    numbers_html: Callable[[list[str]], str]  # page names -> the page-numbers document
    targets: dict[str, str] = field(default_factory=dict)  # anchor -> heading words, for parts' links
    whole: str = ""  # the single-pass print HTML, for the fallback


@dataclass
class _Part:
    index: int
    html: str  # without page numbers
    numbered: list[str]  # anchors in other parts whose page numbers it shows
    own: bool = False  # it shows page numbers of its own anchors: laid out from its first page
    start: int = 1  # the page it starts on in the whole PDF, when it shows its own
    shown: dict[str, int] = field(default_factory=dict)  # anchor -> digits of the zeros shown
    key: str = ""
    layout: planning.Layout | None = None
    refs: tuple = ()  # (page, MCID, anchor, link) of the zeros, as tags.py noted them
    bookmarks: tuple = ()  # (level, state) of its bookmarks
    pending: bool = False
    submitted: bool = False  # its render has been queued (or found in the cache)
    tries: int = 0  # the HTML it has been laid out from, counting the first


class _Doc:
    def __init__(self, source: Source, folder: Path):
        self.source = source
        self.folder = folder
        self.future: Future[Rendered] = Future()
        self.parts = [_Part(i, html, []) for i, html in enumerate(source.parts)]
        self.owner = planning.owners(source.parts) if len(source.parts) > 1 else {}  # anchor -> part
        for part in self.parts if len(self.parts) > 1 else []:
            shown = planning.numbered_targets(part.html)
            part.numbered = [a for a in shown if self.owner.get(a) != part.index]
            part.own = any(self.owner.get(a) == part.index for a in shown)
        self.waiting: list[_Part] = []  # parts that wait for the parts before them (own numbers)
        self.numbers_key = ""  # the page-numbers document queued or made for the pages known last
        self.numbers_done = False
        self.settled = False  # every part laid out with the right page numbers: ready to join
        self.truth: dict[str, int] = {}  # every anchor's page in the joined PDF
        self.join_key = ""
        self.done = False

    @property
    def split(self) -> bool:
        return len(self.parts) > 1


class Maker:
    def __init__(self, pool, folder: Path, cache: caching.Cache, workers: int = 2):
        self.pool = pool  # render.Pool: its executor runs the jobs
        self.folder = Path(folder)  # where part and page-numbers HTML is written
        self.cache = cache
        self.workers = workers
        self.docs: list[_Doc] = []
        self.ready: list[tuple] = []  # heap of (priority, -size, order, doc, kind, function, job, part)
        self.order = itertools.count()
        self.running = 0  # jobs on the workers
        self.joining = 0  # joins in the joining process
        self.events: queue.Queue = queue.Queue()
        self.thread: threading.Thread | None = None
        self.made = {"part": 0, "numbers": 0, "join": 0}  # renders and joins this build ran
        self.reused = {"part": 0, "numbers": 0, "join": 0}  # ... and found in the cache
        self.rendered: list[str] = []  # the parts rendered, as <pdf>#<part>

    # -- the build's side ----------------------------------------------------------------------
    def add(self, sources: list[Source]) -> list[Future]:
        """Every PDF of the build at once, so the biggest parts of all of them go first."""
        docs = [_Doc(source, self.folder) for source in sources]
        self.docs += docs
        self.events.put(("add", docs, None))
        return [doc.future for doc in docs]

    def start(self) -> None:
        self.thread = threading.Thread(target=self._loop, name="pdf-maker", daemon=True)
        self.thread.start()

    def cancel(self) -> None:
        """The build failed: run nothing more (what runs now finishes; its PDFs are not used)."""
        self.events.put(("cancel", None, None))

    def finish(self) -> None:
        """Wait until every PDF is made or has failed; then drop cache entries this build did not use."""
        self.events.put(("close", None, None))
        if self.thread is not None:
            self.thread.join()
        if all(doc.future.done() and not doc.future.exception() for doc in self.docs):
            self.cache.prune()

    # -- the maker's thread --------------------------------------------------------------------
    def _loop(self) -> None:
        closing = False
        while True:
            kind, doc, payload = self.events.get()
            try:
                if kind == "add":
                    for one in doc:
                        self._begin(one)
                elif kind == "done":
                    self.running -= 1
                    self._finished(doc, *payload)
                elif kind == "joined":  # in the pool's joining process, not on a worker
                    self.joining -= 1
                    self._finished(doc, *payload)
                elif kind == "close":
                    closing = True
                elif kind == "cancel":
                    self.ready.clear()
            except Exception as exc:  # a bug or an unreadable cache file: that PDF fails, not the thread
                for one in doc if isinstance(doc, list) else [doc]:
                    self._fail(one, exc)
            self._dispatch()
            if closing and self.running == 0 and self.joining == 0 and not self.ready:
                for doc in self.docs:  # nothing left to run: a PDF still open would never finish
                    if not doc.future.done():
                        doc.future.set_exception(RuntimeError("its parts never finished"))
                return

    def _dispatch(self) -> None:
        while self.ready and self.running < self.workers:
            priority, _, _, doc, kind, function, job, part = heapq.heappop(self.ready)
            if doc.done:
                continue
            if kind == "guess":
                if not part.submitted:
                    self._guess(doc, part, priority)  # queues the render, or finds it in the cache
                continue
            self.running += 1
            self.made[kind] += 1
            if kind == "part":
                self.rendered.append(job.name)
            future = self.pool.executor.submit(function, job)
            future.add_done_callback(
                lambda f, doc=doc, kind=kind, part=part: self.events.put(("done", doc, (kind, part, f)))
            )

    def _queue(self, doc: _Doc, priority: int, size: int, kind: str, function, job, part=None) -> None:
        heapq.heappush(self.ready, (priority, -size, next(self.order), doc, kind, function, job, part))

    def _fail(self, doc: _Doc | None, exc: BaseException) -> None:
        if doc is not None and not doc.future.done():
            doc.done = True
            doc.future.set_exception(exc)

    # -- one PDF -------------------------------------------------------------------------------
    def _begin(self, doc: _Doc) -> None:
        if not doc.split:
            self._submit_part(doc, doc.parts[0], PART)
            return
        plan = self._plan(doc)
        known = planning.page_numbers(plan) if plan else {}
        for part in doc.parts:  # all pending first: a part found in the cache must not look like the last
            part.pending = True
        starts = planning.first_pages(plan) if plan else []
        # Without a plan, the parts before the last one that shows its own page numbers are waited
        # for: they go first, in their order (each one's first page depends on all before it).
        last_own = max((p.index for p in doc.parts if p.own), default=-1) if not plan else -1
        for part in doc.parts:
            if part.index <= last_own:
                self._queue(doc, NEEDED, len(doc.parts) - part.index, "guess", None, None, part)
                continue
            if (part.numbered or part.own) and not plan:  # when a worker is free: by then more is known
                self._queue(doc, PART, len(part.html), "guess", None, None, part)
                continue
            part.shown = {a: planning.digits(known.get(a)) for a in part.numbered}
            part.start = starts[part.index] if starts else 1
            self._submit_part(doc, part, PART)

    def _guess(self, doc: _Doc, part: _Part, priority: int = PART) -> None:
        """The lengths of a part's page numbers from the parts laid out so far, and an estimate
        for the rest (parts.estimate); its first page from the parts before it, which a part that
        shows its own page numbers waits for (they are moved up the queue meanwhile)."""
        before = doc.parts[: part.index]
        if part.own and any(p.layout is None for p in before):
            if part not in doc.waiting:
                doc.waiting.append(part)
            for p in before:
                if not p.submitted and p not in doc.waiting:
                    self._queue(doc, NEEDED, len(doc.parts) - p.index, "guess", None, None, p)
            return
        htmls = [p.html for p in doc.parts]
        certain = planning.certain_digits(htmls, self._last_layouts(doc))
        guess = planning.estimate(htmls, self._last_layouts(doc))
        part.shown = {a: certain.get(a) or planning.digits(guess.get(a)) for a in part.numbered}
        part.start = _first_page(doc, part.index)
        self._submit_part(doc, part, priority)

    def _submit_part(self, doc: _Doc, part: _Part, priority: int) -> None:
        source = doc.source
        html = planning.write_zeros(part.html, part.shown) if part.shown else part.html
        if part.own:
            html = planning.first_page(html, part.start)
        targets = {} if not doc.split else _targets_for(html, source.targets)
        options = {
            "part": doc.split,
            "archival": source.job.archival,
            "fillable": source.job.fillable,
            "labels": source.job.labels,
            "xmp": source.job.xmp_extra,
            "targets": targets,
        }
        part.key = caching.key(html.encode(), options)
        part.pending = True
        part.submitted = True
        part.tries += 1
        record = self.cache.lookup(part.key)
        if record is not None:
            self.reused["part"] += 1
            refs = tuple(tuple(ref) for ref in record.get("refs", ()))
            marks = tuple(tuple(mark) for mark in record.get("bookmarks", ()))
            self._part_done(doc, part, _layout(record), refs, marks)
            return
        path = self.folder / f"{source.name}.part{part.index}.html" if doc.split else Path(source.job.html)
        path.write_text(html, encoding="utf-8")
        job = replace(
            source.job,
            name=f"{source.name}#{part.index}",
            html=str(path),
            pdf=str(self.cache.scratch(part.key)),
            part=doc.split,
            targets=targets,
        )
        self._queue(doc, priority, len(html), "part", render, job, part)

    def _finished(self, doc: _Doc, kind: str, part: _Part | str | None, future) -> None:
        """A job is done. `part` is the part rendered, or the key of a page-numbers document."""
        if doc.done:
            return
        exc = future.exception()
        if exc is not None:
            # Imported here, not at the top: page_refs brings pikepdf and fontTools, which the build
            # process itself never needs (joins run in the joining process), 0.1 s before MkDocs starts.
            from .page_refs import PatchRefused

            if isinstance(exc, PatchRefused):  # the digits could not be written in: one pass instead
                self._whole(doc)
            else:
                self._fail(doc, exc)
            return
        rendered: Rendered = future.result()
        if kind == "part" and isinstance(part, _Part):
            if not any(part is p for p in doc.parts):  # rendered before the PDF went to one pass
                return
            layout = planning.Layout(rendered.pages, dict(rendered.anchors), tuple(rendered.page_names))
            refs = tuple(tuple(ref) for ref in rendered.numbered)
            marks = tuple(tuple(mark) for mark in rendered.bookmarks)
            record = {**_record(layout), "refs": refs, "bookmarks": marks}
            self.cache.store(part.key, rendered.pdf, record, rendered.files)
            self._part_done(doc, part, layout, refs, marks)
        elif kind == "numbers" and isinstance(part, str):
            self.cache.store(part, rendered.pdf, {"pages": rendered.pages}, rendered.files)
            if part == doc.numbers_key:
                doc.numbers_done = True
                if doc.settled:
                    self._join(doc)
        elif kind == "join":
            self.cache.store(self._join_key(doc), rendered.pdf, {"pages": rendered.pages})
            self._deliver(doc, rendered.pages)

    def _part_done(self, doc: _Doc, part: _Part, layout: planning.Layout, refs=(), marks=()) -> None:
        part.layout = layout
        part.refs = refs
        part.bookmarks = marks
        part.pending = False
        if not doc.split:
            self._deliver(doc, layout.pages, self.cache.path(part.key))
            return
        for waiting in list(doc.waiting):  # the parts before it are laid out: its first page is known
            if all(p.layout is not None for p in doc.parts[: waiting.index]):
                doc.waiting.remove(waiting)
                self._queue(doc, NEEDED, len(doc.parts) - waiting.index, "guess", None, None, waiting)
        if not self._check(doc):
            return
        layouts = [p.layout for p in doc.parts if p.layout is not None]
        if len(layouts) < len(doc.parts):
            return
        if any(p.pending for p in doc.parts):
            # Parts rendered again keep their pages as a rule: the page numbers can be drawn meanwhile
            # (if the pages do change, the document is made again for them).
            self._numbers(doc, layouts)
            return
        self._save_plan(doc, layouts)
        doc.truth = planning.page_numbers(layouts)
        doc.settled = True
        self._numbers(doc, layouts)

    def _check(self, doc: _Doc) -> bool:
        """Render again, now, every laid-out part whose page numbers are known for certain (the parts
        up to the last one it points into are laid out) and were shown with a wrong length or from
        a wrong first page; a part tried MAX_ROUNDS times sends the PDF to one pass. False if the
        PDF went to one pass."""
        known = 0  # the parts 0 .. known-1 are laid out
        while known < len(doc.parts) and doc.parts[known].layout is not None and not doc.parts[known].pending:
            known += 1
        lengths = self._lengths(doc, known)
        wrong = []
        for p in doc.parts:
            if p.pending or p.layout is None:
                continue
            if any(a not in lengths for a in p.numbered) or (p.own and p.index > known):
                continue  # not certain yet: a render now might have to be done again
            if any(lengths[a] != p.shown.get(a) for a in p.numbered) or (
                p.own and p.start != _first_page(doc, p.index)
            ):
                wrong.append(p)
        for p in wrong:
            if p.tries >= MAX_ROUNDS:
                self._whole(doc)
                return False
            p.shown = {a: lengths[a] for a in p.numbered}
            p.start = _first_page(doc, p.index) if p.own else 1
            p.pending = True
        for p in wrong:
            self._submit_part(doc, p, FINISH)
        return True

    @staticmethod
    def _laid_out(doc: _Doc) -> dict[int, planning.Layout]:
        return {p.index: p.layout for p in doc.parts if p.layout is not None and not p.pending}

    @staticmethod
    def _last_layouts(doc: _Doc) -> dict[int, planning.Layout]:
        """Every part laid out so far, a part being rendered again with its last layout: it is rendered
        again for the lengths of the page numbers it shows, which keep its pages as a rule, so its
        pages tell a guess more than its bytes do. (Were they to change, the final check of
        every length would catch the guesses made from them.)"""
        return {p.index: p.layout for p in doc.parts if p.layout is not None}

    def _lengths(self, doc: _Doc, known: int) -> dict[str, int]:
        """The lengths of page numbers that are certain by now (parts.certain_digits); every length
        once every part is laid out."""
        if known == len(doc.parts):
            exact = planning.page_numbers([p.layout for p in doc.parts if p.layout is not None])
            return {a: planning.digits(exact.get(a)) for part in doc.parts for a in part.numbered}
        return planning.certain_digits([p.html for p in doc.parts], self._laid_out(doc))

    def _numbers(self, doc: _Doc, layouts: list[planning.Layout]) -> None:
        """The page-numbers document for these pages: made, found in the cache, or already on its
        way; the join follows once it is made and the PDF is settled."""
        names = [name for layout in layouts for name in layout.page_names]
        html = doc.source.numbers_html(names)
        key = caching.key(html.encode(), {"numbers": True})
        if key != doc.numbers_key:
            doc.numbers_key, doc.numbers_done = key, False
            if self.cache.lookup(key) is not None:
                self.reused["numbers"] += 1
                doc.numbers_done = True
            else:
                path = self.folder / f"{doc.source.name}.numbers-{key[:16]}.html"  # two may be on their way
                path.write_text(html, encoding="utf-8")
                job = RenderJob(f"{doc.source.name}#numbers", str(path), str(self.cache.scratch(key)), False, False)
                self._queue(doc, FINISH, len(names), "numbers", render, replace(job, numbers=True), key)
        if doc.settled and doc.numbers_done:
            self._join(doc)

    def _page_refs(self, doc: _Doc) -> tuple:
        """Where the parts' zeros are in the joined PDF, and the page numbers they stand for."""
        layouts = [p.layout for p in doc.parts if p.layout is not None]
        refs = []
        for i, (start, part) in enumerate(zip(planning.first_pages(layouts), doc.parts, strict=True)):
            for page, mcid, anchor, link in part.refs:
                if anchor in doc.truth:
                    refs.append((start - 1 + page, mcid, str(doc.truth[anchor]), (i, link)))
        return tuple(refs)

    def _join_key(self, doc: _Doc) -> str:
        """A hash of the join's inputs themselves: the part and page-number PDFs (their keys alone
        would miss a part rendered again because a file it read changed), the digits to write in
        and the bookmarks' levels."""
        if not doc.join_key:
            digest = hashlib.sha256((caching.toolchain() + "join").encode())
            for path in [*(self.cache.path(p.key) for p in doc.parts), self.cache.path(doc.numbers_key)]:
                digest.update(hashlib.sha256(path.read_bytes()).digest())
            extra = [list(self._page_refs(doc)), [list(p.bookmarks) for p in doc.parts]]
            digest.update(json.dumps(extra).encode())
            doc.join_key = digest.hexdigest()
        return doc.join_key

    def _join(self, doc: _Doc) -> None:
        key = self._join_key(doc)
        record = self.cache.lookup(key)
        if record is not None:
            self.reused["join"] += 1
            self._deliver(doc, record["pages"], self.cache.path(key))
            return
        job = JoinJob(
            doc.source.name,
            tuple(str(self.cache.path(p.key)) for p in doc.parts),
            str(self.cache.path(doc.numbers_key)),
            str(self.cache.scratch(key)),
            self._page_refs(doc),
            tuple(p.bookmarks for p in doc.parts),
        )
        self.made["join"] += 1
        self.joining += 1
        future = self.pool.joiner.submit(join, job)
        future.add_done_callback(lambda f, doc=doc: self.events.put(("joined", doc, ("join", None, f))))

    def _whole(self, doc: _Doc) -> None:
        """Page numbers that never settled: render the PDF in one pass (exact, only slower)."""
        doc.parts = [_Part(0, doc.source.whole, [])]
        doc.waiting.clear()
        self._submit_part(doc, doc.parts[0], PART)

    def _deliver(self, doc: _Doc, pages: int, cached: Path | None = None) -> None:
        source = cached or self.cache.path(self._join_key(doc))
        caching.copy(source, doc.source.output)
        doc.done = True
        doc.future.set_result(
            Rendered(doc.source.name, str(doc.source.output), pages, doc.source.output.stat().st_size)
        )

    # -- plans: the last build's layout, the first guess for the page numbers -------------------
    def _plan_name(self, doc: _Doc) -> str:
        return "plan-" + hashlib.sha256(doc.source.name.encode()).hexdigest()[:16]

    def _plan(self, doc: _Doc) -> list[planning.Layout] | None:
        path = self.cache.folder / f"{self._plan_name(doc)}.json"
        self.cache.used.add(self._plan_name(doc))
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            layouts = [_layout(item) for item in data]
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return layouts if len(layouts) == len(doc.parts) else None

    def _save_plan(self, doc: _Doc, layouts: list[planning.Layout]) -> None:
        self.cache.folder.mkdir(parents=True, exist_ok=True)
        path = self.cache.folder / f"{self._plan_name(doc)}.json"
        path.write_text(json.dumps([_record(layout) for layout in layouts], sort_keys=True), encoding="utf-8")


def _first_page(doc: _Doc, index: int) -> int:
    """The page part `index` starts on, from the parts before it (all laid out)."""
    return 1 + sum(p.layout.pages for p in doc.parts[:index] if p.layout is not None)


def _record(layout: planning.Layout) -> dict:
    return {"pages": layout.pages, "anchors": layout.anchors, "page_names": list(layout.page_names)}


def _layout(record: dict) -> planning.Layout:
    return planning.Layout(int(record["pages"]), dict(record["anchors"]), tuple(record["page_names"]))


def _targets_for(html: str, targets: dict[str, str]) -> dict[str, str]:
    """The headings of anchors this part links to but does not hold (tags.py describes the links)."""
    inside = planning.ids(html)
    return {a: targets[a] for a in sorted(planning.internal_targets(html) - inside) if a in targets}
