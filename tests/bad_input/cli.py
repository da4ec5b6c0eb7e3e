"""Helpers of the bad-input suite: check the one-line error, list files.

`TODAY`, `Run` and `invoke` are the shared ones of tests/conftest.py.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from tests.conftest import TODAY, Run, invoke

__all__ = ["TODAY", "Run", "assert_one_line", "invoke", "snapshot", "tree", "use_templates"]


PROGRESS = ("read ", "failed ")  # what a run says on stderr before it meets the error


def assert_one_line(run: Run, code: int, *fragments: str) -> str:
    """The run failed with `code` and exactly one readable `error:` line holding `fragments`.

    Progress lines of the sources read before the error may precede it; nothing else.
    """
    assert run.code == code, (run.code, run.out, run.err)
    lines = [line for line in run.err.splitlines() if line.strip()]
    assert lines, "no message at all"
    assert all(line.startswith(PROGRESS) for line in lines[:-1]), run.err
    line = lines[-1]
    assert line.startswith("error: "), line
    assert "Traceback" not in run.out + run.err
    for fragment in fragments:
        assert fragment in line, (fragment, line)
    return line


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under `folder` (relative path -> sha256): to prove nothing was written."""
    if not folder.exists():
        return {}
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def tree(folder: Path) -> dict[str, str]:
    """Every file and folder under `folder` (folders as "dir", files by sha256).

    Unlike `snapshot`, an empty folder counts: a run that writes nothing creates none.
    """
    if not folder.exists():
        return {}
    return {
        p.relative_to(folder).as_posix(): "dir" if p.is_dir()
        else hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
    }


def use_templates(config: Path, files: dict[str, str]) -> Path:
    """Write `files` into a templates folder beside `config` and point the config at it."""
    folder = config.parent / "my-templates"
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("[reviews]\n", '[reviews]\ntemplates = "my-templates"\n'),
                      encoding="utf-8")
    return folder
