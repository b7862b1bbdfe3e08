"""What can be wrong with a map document: one `Problem` (where, what), the one error that
carries every problem found, and the one cycle check, which the readers of AIF and Argdown
and the validator of a stored or loaded map all use. Pure: no Django, no database."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a map document or an input file: where in it, and what."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


class MapDocumentError(ValueError):
    """A map document (or a file in any format) that cannot be read or loaded: `problems`
    lists every problem found, not just the first, and nothing was written."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("; ".join(str(problem) for problem in problems))


def cycle_problems(nodes: Mapping[str, Mapping[str, Any]]) -> list[Problem]:
    """Each cycle of parent links once (nodes by id, each with its "parent" id or None),
    named by its nodes in the order the links run."""
    problems, reported = [], set()
    for start in nodes:
        seen, key = [], start
        while key is not None and key in nodes and key not in seen:
            seen.append(key)
            key = nodes[key]["parent"]
        if key in seen:
            cycle = tuple(sorted(seen[seen.index(key) :]))
            if cycle not in reported:
                reported.add(cycle)
                problems.append(
                    Problem(f"node {key}", "parent links form a cycle: " + " → ".join(cycle))
                )
    return problems
