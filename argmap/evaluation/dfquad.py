"""DF-QuAD strengths over a map's graph: pure numbers, no Django.

The semantics is Rago, Toni, Aurisicchio and Baroni's DF-QuAD (KR 2016), pinned by issue 20
so that anyone can recompute a number from the votes:

- F(x₁…xₖ) = 1 − ∏(1 − xᵢ), F() = 0, aggregates the effects on one side.
- C(v₀, vₐ, vₛ) = v₀ − v₀·(vₐ − vₛ) when vₐ ≥ vₛ, else v₀ + (1 − v₀)·(vₛ − vₐ).
- A node's link weight to its parent is ρ* = C(ρ, F(effects of its undercutters), 0): an
  undercut attacks the link, never the node. Its effect on its parent is σ × ρ*.
- σ(node) = C(τ, F(attackers' effects), F(supporters' effects)). Supporters are `supports`
  children; attackers are `opposes` children and, with effect σ and weight 1, every node a
  `contradicts` link joins it to.

`contradicts` makes cycles, where plain iteration can flip for ever, so σ is found by damped
iteration of all nodes at once: from σ = τ, each round computes Φ(σ); when no node moves by
more than TOLERANCE the round ends with σ = Φ(σ), else σ becomes the mean of σ and Φ(σ); at
most MAX_ROUNDS rounds, and a graph that does not settle says so (`converged`).

Written here rather than taken from a library: the gradual-semantics packages on PyPI compute
plain bipolar frameworks, without undercuts of links or this pinned damping. The rounds are
array operations (numpy), so a 100,000-node map is computed in a fraction of a second.
"""

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

TOLERANCE = 1e-9
MAX_ROUNDS = 1000

SUPPORTS, OPPOSES, UNDERCUTS = "supports", "opposes", "undercuts"


def aggregate(effects: Iterable[float]) -> float:
    """F: 1 − ∏(1 − xᵢ); 0 for no effects."""
    product = 1.0
    for effect in effects:
        product *= 1.0 - effect
    return 1.0 - product


def combine(base: float, attack: float, support: float) -> float:
    """C: the base score moved down by a stronger attack, up by a stronger support."""
    if attack >= support:
        return base - base * (attack - support)
    return base + (1.0 - base) * (support - attack)


class Edge(NamedTuple):
    """A node's place in the tree: its parent's id and how it bears on it."""

    parent: Hashable
    relation: str


@dataclass
class Strengths:
    """σ of every node, ρ* of every node with a parent, and how the iteration went."""

    strength: dict[Any, float]
    weight: dict[Any, float]
    rounds: int
    converged: bool


def compute(
    base: Mapping[Any, float],
    relevance: Mapping[Any, float],
    edges: Mapping[Any, Edge],
    contradicts: Iterable[tuple[Any, Any]] = (),
    *,
    max_rounds: int = MAX_ROUNDS,
) -> Strengths:
    """The strengths of the nodes in base (τ by id), with ρ by id for nodes that have a
    parent, edges by id (nodes without one are roots) and pairs joined by `contradicts`."""
    ids = list(base)
    index = {node: i for i, node in enumerate(ids)}
    size = len(ids)
    tau = np.fromiter((base[node] for node in ids), dtype=float, count=size)
    rho = np.fromiter((relevance.get(node, 1.0) for node in ids), dtype=float, count=size)
    parent = np.full(size, -1, dtype=np.intp)
    relation = np.zeros(size, dtype=np.int8)
    for node, (up, kind) in edges.items():
        if node in index and up in index and kind in RELATIONS:
            parent[index[node]], relation[index[node]] = index[up], RELATIONS[kind]
    pairs = np.array(
        [(index[a], index[b]) for a, b in contradicts if a in index and b in index and a != b],
        dtype=np.intp,
    ).reshape(-1, 2)
    sigma, weight, rounds, converged, _ = iterate(tau, rho, parent, relation, pairs, max_rounds)
    return Strengths(
        strength={node: float(sigma[i]) for i, node in enumerate(ids)},
        weight={node: float(weight[i]) for i, node in enumerate(ids) if parent[i] >= 0},
        rounds=rounds,
        converged=converged,
    )


# Relations as array codes (0: none, a root or a relation that does not count).
RELATIONS = {SUPPORTS: 1, OPPOSES: 2, UNDERCUTS: 3}


class Iterated(NamedTuple):
    """What the damped iteration found: σ and ρ* by index (ρ* meaningful where there is a
    parent), the rounds, whether it settled, and which nodes the last round still moved by
    more than TOLERANCE (none when it settled)."""

    sigma: np.ndarray
    weight: np.ndarray
    rounds: int
    converged: bool
    unsettled: np.ndarray


def iterate(
    tau: np.ndarray,
    rho: np.ndarray,
    parent: np.ndarray,
    relation: np.ndarray,
    pairs: np.ndarray,
    max_rounds: int = MAX_ROUNDS,
) -> Iterated:
    """The damped iteration over nodes by index: τ and ρ, each node's parent's index (-1 for
    a root) and RELATIONS code, and the index pairs joined by `contradicts`."""
    size = len(tau)
    linked = parent >= 0

    def group(code: int) -> tuple[np.ndarray, np.ndarray]:
        children = np.flatnonzero(linked & (relation == code))
        return children, parent[children]

    undercut_children, undercut_parents = group(RELATIONS[UNDERCUTS])
    opposing, opposed = group(RELATIONS[OPPOSES])
    supporting, supported = group(RELATIONS[SUPPORTS])
    ends = np.concatenate([pairs[:, 0], pairs[:, 1]]).astype(np.intp)
    others = np.concatenate([pairs[:, 1], pairs[:, 0]]).astype(np.intp)
    undercut_passes = _undercut_depth(undercut_children.tolist(), undercut_parents.tolist())
    undercut = Products(undercut_parents, size)
    attacked = Products(np.concatenate([opposed, ends]), size)
    supported_by = Products(supported, size)

    def weights(sigma: np.ndarray) -> np.ndarray:
        # ρ* of a node needs its undercutters' ρ*: one pass a level of undercuts of undercuts.
        weight = rho.copy()
        for _ in range(undercut_passes):
            kept = undercut.of(1.0 - sigma[undercut_children] * weight[undercut_children])
            weight = rho * kept
        return weight

    def phi(sigma: np.ndarray) -> np.ndarray:
        weight = weights(sigma)
        effects = sigma[opposing] * weight[opposing]
        against = attacked.of(1.0 - np.concatenate([effects, sigma[others]]))
        for_ = supported_by.of(1.0 - sigma[supporting] * weight[supporting])
        attack, support = 1.0 - against, 1.0 - for_
        down = tau - tau * (attack - support)
        up = tau + (1.0 - tau) * (support - attack)
        return np.where(attack >= support, down, up)

    sigma, converged, rounds = tau.copy(), False, 0
    unsettled = np.zeros(size, dtype=bool)
    while rounds < max_rounds and not converged:
        rounds += 1
        moved = phi(sigma)
        unsettled = np.abs(moved - sigma) > TOLERANCE
        converged = not unsettled.any()
        # Settled: take Φ(σ) itself; else the mean, which damps a flip between fixed points.
        sigma = moved if converged else (sigma + moved) / 2.0
    return Iterated(sigma, weights(sigma), rounds, converged, unsettled)


class Products:
    """∏ of values grouped by target, for a fixed list of targets: the values are sorted by
    target once (stably, so each target multiplies its values in their given order) and each
    round multiplies contiguous runs (numpy's reduceat), 20× faster than multiply.at."""

    def __init__(self, targets: np.ndarray, size: int) -> None:
        self.order = np.argsort(targets, kind="stable")
        ordered = targets[self.order]
        changes = np.r_[True, ordered[1:] != ordered[:-1]] if len(ordered) else np.array([])
        self.starts = np.flatnonzero(changes).astype(np.intp)
        self.targets = ordered[self.starts] if len(ordered) else np.array([], dtype=np.intp)
        self.size = size

    def of(self, values: np.ndarray) -> np.ndarray:
        """Per node, the product of its values (1 for a node with none)."""
        products = np.ones(self.size)
        if len(self.starts):
            products[self.targets] = np.multiply.reduceat(values[self.order], self.starts)
        return products


def _undercut_depth(children: list[int], parents: list[int]) -> int:
    """How many levels of undercuts of undercuts there are (0 with no undercuts)."""
    parent_of = dict(zip(children, parents, strict=True))
    deepest = 0
    for child in children:
        # Walk up while the link is an undercut of an undercut; a tree has no cycles, but
        # bad data might, so a node met twice ends the walk.
        level, node, seen = 1, child, {child}
        while parent_of.get(node) in parent_of and parent_of[node] not in seen:
            node = parent_of[node]
            seen.add(node)
            level += 1
        deepest = max(deepest, level)
    return deepest
