"""The error tree drawn in errors.py is the tree in the code, and names every exception."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re

import careerloop
from careerloop import errors

BRANCH = re.compile(r"^(?P<indent>(?:│   |    )*)(?:├── |└── )(?P<name>\w+)")


def drawn_trees() -> dict[str, str]:
    """Each class drawn in the docstring, with the class drawn as its parent."""
    parents: dict[str, str] = {}
    stack: list[str] = []
    assert errors.__doc__ is not None
    for text in errors.__doc__.splitlines():
        if not text.startswith("    "):  # the trees are the indented literal blocks
            continue
        line = text[4:]
        if match := BRANCH.match(line):
            depth = len(match["indent"]) // 4
            del stack[depth + 1 :]
            parents[match["name"]] = stack[depth]
            stack.append(match["name"])
        elif re.match(r"^[\w.]+(?:\s|$)", line):  # a root: `requests.ConnectionError`
            stack = [line.split()[0].rsplit(".", 1)[-1]]
    return parents


def exception_classes() -> list[type[BaseException]]:
    """Every exception class defined in careerloop's modules."""
    found = []
    for module_info in pkgutil.walk_packages(careerloop.__path__, "careerloop."):
        if module_info.name.endswith("__main__"):  # importing it runs the CLI
            continue
        module = importlib.import_module(module_info.name)
        for _, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, BaseException) and value.__module__ == module.__name__:
                found.append(value)
    return found


def test_the_public_tree_is_drawn_as_the_classes_inherit() -> None:
    parents = drawn_trees()
    public = [getattr(errors, name) for name in errors.__all__]
    for cls in public:
        if cls is errors.CareerloopError:
            continue
        assert parents[cls.__name__] == cls.__bases__[0].__name__, cls.__name__
    assert parents["StoreError"] == "CareerloopError"
    assert parents["PeriodError"] == "ConfigError"


def test_every_exception_class_in_src_is_drawn() -> None:
    drawn = set(drawn_trees()) | {"CareerloopError"}
    classes = exception_classes()
    names = {cls.__name__ for cls in classes}
    # the private ones too (today render's _Exhausted, the policy's _CutBody, Trello's
    # _NotConnected): the walk finds more than the public tree
    assert "StoreError" in names and len(names) > len(errors.__all__)
    assert names <= drawn, names - drawn
    parents = drawn_trees()
    for cls in classes:
        if cls is not errors.CareerloopError:
            assert parents[cls.__name__] == cls.__bases__[0].__name__, cls.__name__


def test_every_public_error_is_exported_and_lives_in_errors() -> None:
    public = {cls.__name__ for cls in exception_classes() if not cls.__name__.startswith("_")}
    assert public == set(errors.__all__)
    assert all(getattr(errors, name).__module__ == "careerloop.errors" for name in public)


def test_usage_errors_exit_2_and_the_others_1() -> None:
    assert errors.ConfigError.exit_code == errors.PeriodError.exit_code == 2
    for name in (
        "SourceError",
        "AuthError",
        "RateLimited",
        "NotFound",
        "EmptyRead",
        "PublishError",
        "StoreError",
        "TemplateError",
    ):
        assert getattr(errors, name).exit_code == 1, name
