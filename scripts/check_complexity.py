"""Fail when a function in src/ is longer than 60 lines or more complex than 15.

Cyclomatic complexity comes from radon (the figure `radon cc` prints); length counts
the lines from the `def` to the function's last line, decorators excluded.
"""

from __future__ import annotations

import sys
from pathlib import Path

from radon.complexity import cc_visit
from radon.visitors import Function

MAX_LINES = 60
MAX_COMPLEXITY = 15


def offences(root: Path) -> list[str]:
    """Every function under `root` over either limit, as `path:line name: why`."""
    found: dict[str, None] = {}  # a dict keeps the order and drops repeats
    for path in sorted(root.rglob("*.py")):
        for block in cc_visit(path.read_text(encoding="utf-8")):
            # cc_visit lists a class's methods both inside the class and on their own.
            for function in [block, *getattr(block, "methods", [])]:
                if not isinstance(function, Function):
                    continue
                lines = function.endline - function.lineno + 1
                reasons = []
                if lines > MAX_LINES:
                    reasons.append(f"{lines} lines > {MAX_LINES}")
                if function.complexity > MAX_COMPLEXITY:
                    reasons.append(f"complexity {function.complexity} > {MAX_COMPLEXITY}")
                if reasons:
                    name = function.fullname
                    found[f"{path}:{function.lineno} {name}: {', '.join(reasons)}"] = None
    return list(found)


def main() -> int:
    root = Path(sys.argv[1] if len(sys.argv) > 1 else "src")
    found = offences(root)
    for line in found:
        print(line)
    if found:
        print(f"{len(found)} function(s) over the limits", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
