"""WeasyPrint's target-counter() page numbers (the contents, "page N" in cross-references), laid
out with two passes over the pages that show them instead of three. Installed in each worker.

A page that shows a target's page number is laid out once with a stand-in number (the targets'
pages are not known when the boxes are built), then again with the real one. WeasyPrint 70
then lays it out a third time, for nothing, because of two slips in how it tracks what each
such number depends on, for target-counter(attr(href url), page), the form print.css uses:
- the number is filed under the anchor named by the raw attr() token, which names none (None),
  so laying out a target never tells the pages that point to it (css/targets.py,
  cache_target_page_counters);
- instead, compute_content_list reuses the name of its list of the box's *own* missing counters
  for the target's list, so every such box also looks as if it showed its own page's counters,
  and its page is laid out again whenever those change: after the first pass, and again after
  the second, when the total page count (counter "pages") is filled in for every page.
The numbers come out right, but every page that shows one is laid out three times: 101 page
layouts for the 51 pages of the SOP's procedure chapter, 98 for the 62 of the HR pack.

Here the number is filed under the real anchor, the box no longer looks as if it showed its own
page's counters, and a target tells the pages that point to it only when a counter they show
has changed (not when only "pages" has). Each page that shows a page number is laid out twice;
the PDF is the same, byte for byte (tests/test_pdf_target_counters.py renders both ways and
compares; every PDF of the reference SOP was checked the same way).
"""

from __future__ import annotations

import copy

_last = {"anchor": None}  # the anchor the latest lookup_target() resolved an attr() token to


def install() -> None:
    from weasyprint.css import targets

    if getattr(targets, "_sop_target_counters", False):
        return
    targets._sop_target_counters = True
    collector = targets.TargetCollector
    lookup_target = collector.lookup_target
    anchor_name_from_token = targets.anchor_name_from_token
    collect_missing_counters = collector.collect_missing_counters
    cache_target_page_counters = collector.cache_target_page_counters

    def lookup(self, anchor_token, source_box, css_token, parse_again):
        item = lookup_target(self, anchor_token, source_box, css_token, parse_again)
        _last["anchor"] = None
        if anchor_token[0] == "attr()":
            attr_name, kind, fallback = anchor_token[1]
            value = source_box.element.get(attr_name, fallback)
            if kind == "string":
                _last["anchor"] = anchor_name_from_token(("string", value))
            elif kind == "url":
                _last["anchor"] = anchor_name_from_token(
                    ("url", targets.get_url_tuple(value, source_box.style.base_url))
                )
        return item

    def anchor_name(anchor_token):
        # compute_content_list asks right after its lookup_target(), for the same token
        if anchor_token[0] == "attr()":
            return _last["anchor"]
        return anchor_name_from_token(anchor_token)

    def collect(self, parent_box, css_token, parse_again, missing_counters, missing_target_counters):
        shared = any(missing_counters is listed for listed in missing_target_counters.values())
        if shared and css_token == "content" and not _shows_own_counters(parent_box.style["content"]):
            missing_counters = []  # the target's list under the box's own name: the box shows none of its own
        return collect_missing_counters(
            self, parent_box, css_token, parse_again, missing_counters, missing_target_counters
        )

    def cache(self, anchor_name, page_counter_values, page_maker_index, page_maker):
        item = self.target_lookup_items.get(anchor_name)
        if not self.collecting and item is not None and item.state == "up-to-date":
            old = item.cached_page_counter_values
            if old and old != page_counter_values:
                shown = {
                    name
                    for (_, token), lookup in self.counter_lookup_items.items()
                    if token == "content"
                    for name in lookup.missing_target_counters.get(anchor_name, ())
                }
                if all(old.get(name) == page_counter_values.get(name) for name in shown):
                    # only counters no page shows for this target changed ("pages"): nothing to lay out again
                    item.page_maker_index = page_maker_index
                    item.cached_page_counter_values = copy.deepcopy(page_counter_values)
                    return None
        return cache_target_page_counters(self, anchor_name, page_counter_values, page_maker_index, page_maker)

    collector.lookup_target = lookup
    targets.anchor_name_from_token = anchor_name
    collector.collect_missing_counters = collect
    collector.cache_target_page_counters = cache


def _shows_own_counters(content) -> bool:
    """Whether a `content` value shows counters of its own box or page (counter(), counters()):
    then WeasyPrint's lists are left as they are."""
    if not isinstance(content, (list, tuple)):
        return False
    return any(isinstance(item, tuple) and item[:1] in (("counter()",), ("counters()",)) for item in content)
