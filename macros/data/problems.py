"""A problem found in the data: a value, not an exception, until the edge of the program."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    line: int  # 1-based; 0 when the problem is about the whole file
    col: int  # 1-based
    path: str  # key path such as roles[2].title; "" for the document itself
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.col}" if self.line else self.file
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class DataError(Exception):
    """Raised at the edge (MkDocs or the CLI) when the data has problems."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(set(problems))
        super().__init__(format_problems(self.problems))


def format_problems(problems: list[Problem]) -> str:
    count = len(problems)
    head = f"The SOP data has {count} problem{'s' if count != 1 else ''}:"
    return "\n".join([head, *(f"  {p}" for p in problems)])


def format_path(path: tuple) -> str:
    """('roles', 2, 'title') -> 'roles[2].title'"""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out
