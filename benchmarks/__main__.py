"""Run every benchmark module and print its figures."""

from __future__ import annotations

import importlib
import platform
import sys
from datetime import date

MODULES = [
    "benchmarks.bench_kpis",
    "benchmarks.bench_notion",
    "benchmarks.bench_notion_publish",
    "benchmarks.bench_trello",
    "benchmarks.bench_programme",
]


def main() -> int:
    print(f"careerloop benchmarks — {date.today().isoformat()} — {platform.machine()}, "
          f"Python {platform.python_version()}, {platform.system()}")
    for name in MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        print(f"\n## {name.rsplit('.', 1)[-1]}")
        for label, figure in module.run():
            print(f"  {label:<60} {figure}")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
