"""Run every benchmark, print a table, write bench/results.json.

Each result is {"name", "value", "unit", "floor", "ratio"}: the measurement, the floor or peer
measured side by side in the same run, and value/floor (or floor/value for times).
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import sys
from pathlib import Path

import bench

RESULTS = Path(__file__).with_name("results.json")


def main(argv: list[str]) -> int:
    only = set(argv)
    results: list[dict] = []
    for info in sorted(pkgutil.iter_modules(bench.__path__), key=lambda i: i.name):
        if not info.name.startswith("bench_"):
            continue
        if only and info.name not in only and info.name.removeprefix("bench_") not in only:
            continue
        module = importlib.import_module(f"bench.{info.name}")
        print(f"… {info.name}", flush=True)
        results.extend(module.run())
    if only and RESULTS.exists():
        names = {r["name"] for r in results}
        results = [r for r in json.loads(RESULTS.read_text()) if r["name"] not in names] + results
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    width = max((len(r["name"]) for r in results), default=10)
    print(f"{'name':<{width}}  {'value':>12} {'unit':<10} {'floor':>12} {'ratio':>7}")
    for r in results:
        floor = "" if r.get("floor") is None else f"{r['floor']:>12.1f}"
        ratio = "" if r.get("ratio") is None else f"{r['ratio']:>7.2f}"
        print(f"{r['name']:<{width}}  {r['value']:>12.1f} {r['unit']:<10} {floor:>12} {ratio}")
    print(f"→ {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
