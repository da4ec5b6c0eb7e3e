"""Run every benchmark module and print its figures.

`python -m benchmarks resync kpis` runs only the named ones (`bench_<name>`).
"""

from __future__ import annotations

import importlib
import platform
import sys
from datetime import date

MODULES = [
    "benchmarks.bench_kpis",
    "benchmarks.bench_notion",
    "benchmarks.bench_notion_publish",
    "benchmarks.bench_resync",
    "benchmarks.bench_trello",
    "benchmarks.bench_programme",
]


def main(argv: list[str]) -> int:
    chosen = [f"benchmarks.bench_{name}" for name in argv]
    if unknown := [name for name in argv if f"benchmarks.bench_{name}" not in MODULES]:
        print(f"no such benchmark: {', '.join(unknown)}; choose from "
              f"{', '.join(m.removeprefix('benchmarks.bench_') for m in MODULES)}")
        return 2
    print(f"careerloop benchmarks — {date.today().isoformat()} — {platform.machine()}, "
          f"Python {platform.python_version()}, {platform.system()}")
    for name in chosen or MODULES:
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
    raise SystemExit(main(sys.argv[1:]))
