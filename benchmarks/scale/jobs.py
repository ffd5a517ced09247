"""What runs in a child process: ``python -m benchmarks.scale.jobs KIND
PARAMS`` runs one job and prints its result as the last line, in JSON
(``measure.run_child`` starts it and reads that line)."""

from __future__ import annotations

import json
import sys

from .bounds import child_bounds
from .builds import child_baseline_build, child_build, child_build_multisegment
from .searches import child_queries

CHILDREN = {
    "bounds": child_bounds,
    "build-multisegment": child_build_multisegment,
    "build": child_build,
    "baseline-build": child_baseline_build,
    "queries": child_queries,
}


def main(argv: list[str]) -> int:
    kind, params = argv
    result = CHILDREN[kind](json.loads(params))
    print(json.dumps(result, ensure_ascii=False, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
