"""`make release`: record the reference SOP's current version in sop_data/releases/<version>.json.

The snapshot holds the version's data and a fingerprint of sop_data/, docs/ and macros/templates/
(see macros/data/trust_layer/releases.py). Forks compare against it: reference changes under
their local changes, edits made outside local/, items the reference removed, and the "What
changed" page. Run it after every change to those folders; `make test` fails until it is run.
"""

from __future__ import annotations

import sys
from pathlib import Path

from .data.problems import DataError
from .data.trust_layer.releases import write_release


def main() -> int:
    root = Path.cwd()
    try:
        written = write_release(root)
    except DataError as exc:
        print(exc, file=sys.stderr)
        print("No snapshot was written.", file=sys.stderr)
        return 1
    print(f"wrote {written.relative_to(root)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
