"""Stage 2, the site: the macros pages call (api, content_macros), Jinja rendering of data (render)
and of pages in a sandbox (page_render, sandbox), HTML clean-up (sanitize, theme_html), section
numbers (numbering), pages generated from data (pages), search ranking (search_rank, search_worker),
the site address (site_url), the referral diagram (diagram), the Trust's own pages (local_site)
and pages' converted Markdown kept between builds (page_cache).
"""
