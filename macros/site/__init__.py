"""Stage 2, the site: the macros pages call (api, content_macros), Jinja rendering of data
(render, page_render), pages generated from data (pages), the referral diagram (diagram) and the
Trust's own pages, notes and assets (local_site).
"""
