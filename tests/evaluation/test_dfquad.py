"""The DF-QuAD core against worked examples, a brute-force implementation and its properties."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from argmap.evaluation.dfquad import (
    MAX_ROUNDS,
    OPPOSES,
    SUPPORTS,
    TOLERANCE,
    UNDERCUTS,
    Edge,
    aggregate,
    combine,
    compute,
)


def brute_force(base, relevance, edges, contradicts, max_rounds=MAX_ROUNDS):
    """The issue's formulas node by node, in plain Python: nothing shared with the core."""

    def weight(node, sigma):
        undercutters = [n for n, e in edges.items() if e.parent == node and e.relation == UNDERCUTS]
        attack = aggregate(sigma[u] * weight(u, sigma) for u in undercutters)
        return combine(relevance[node], attack, 0.0)

    def phi(sigma):
        out = {}
        for node in base:
            children = [(n, e.relation) for n, e in edges.items() if e.parent == node]
            attackers = [sigma[n] * weight(n, sigma) for n, r in children if r == OPPOSES]
            attackers += [sigma[b] for a, b in contradicts if a == node]
            attackers += [sigma[a] for a, b in contradicts if b == node]
            supporters = [sigma[n] * weight(n, sigma) for n, r in children if r == SUPPORTS]
            out[node] = combine(base[node], aggregate(attackers), aggregate(supporters))
        return out

    sigma = dict(base)
    for rounds in range(1, max_rounds + 1):
        moved = phi(sigma)
        if all(abs(moved[n] - sigma[n]) <= TOLERANCE for n in base):
            return moved, rounds, True
        sigma = {n: (sigma[n] + moved[n]) / 2 for n in base}
    return sigma, max_rounds, False


def test_aggregation_and_combination_as_the_paper_defines_them():
    assert aggregate([]) == 0
    assert aggregate([0.5, 0.5]) == pytest.approx(0.75)
    assert combine(0.5, 0.75, 0.0) == pytest.approx(0.125)
    assert combine(0.5, 0.0, 0.75) == pytest.approx(0.875)
    assert combine(0.3, 0.4, 0.4) == pytest.approx(0.3)


def test_a_worked_tree_with_an_undercut():
    # t (τ .5) ← s supports (τ .8, ρ 1), undercut by u (τ .5, ρ 1); ← a opposes (τ .6, ρ .5).
    # ρ*(s) = 1 − .5 = .5, so s adds .8 × .5 = .4; a takes .6 × .5 = .3 away:
    # σ(t) = .5 + .5 × (.4 − .3) = .55. The undercut changes s's weight, never σ(s).
    base = {"t": 0.5, "s": 0.8, "a": 0.6, "u": 0.5}
    relevance = {"s": 1.0, "a": 0.5, "u": 1.0}
    edges = {"s": Edge("t", SUPPORTS), "a": Edge("t", OPPOSES), "u": Edge("s", UNDERCUTS)}
    result = compute(base, relevance, edges)
    assert result.converged
    assert result.strength["t"] == pytest.approx(0.55, abs=1e-8)
    assert result.strength["s"] == pytest.approx(0.8)
    assert result.weight["s"] == pytest.approx(0.5, abs=1e-8)
    assert result.weight["a"] == pytest.approx(0.5)
    assert "t" not in result.weight


def test_the_published_e_democracy_example():
    """Rago, Toni, Aurisicchio and Baroni's e-democracy debate (KR 2016), as published with
    Nico Potyka's Uncertainpy library: its base scores and relations in
    github.com/nicopotyka/Uncertainpy, examples/gradual/BAG/RagoEtAlEDemocracy.bag, and its
    DF-QuAD strengths (ProductAggregation with LinearInfluence(conservativeness=1), by
    forward propagation) printed in examples/gradual/gradual_argumentation_examples.ipynb:
    A1 0.862, A2 0.85, P2 0.08, and every leaf at its base score.

    Two positions, A1 and A2; pros P1, P2 support A1 and P3 supports A2; C1 attacks A2 and
    C2, C3, C4 attack P2. The published graph has no link weights, so ρ = 1 everywhere."""
    base = {
        "A1": 0.5, "A2": 0.5, "P1": 0.7, "P2": 0.5, "P3": 0.9,
        "C1": 0.2, "C2": 0.2, "C3": 0.6, "C4": 0.5,
    }  # fmt: skip
    edges = {
        "P1": Edge("A1", SUPPORTS),
        "P2": Edge("A1", SUPPORTS),
        "P3": Edge("A2", SUPPORTS),
        "C1": Edge("A2", OPPOSES),
        "C2": Edge("P2", OPPOSES),
        "C3": Edge("P2", OPPOSES),
        "C4": Edge("P2", OPPOSES),
    }
    result = compute(base, dict.fromkeys(edges, 1.0), edges)
    assert result.converged
    published = {
        "A1": 0.862, "A2": 0.85, "P1": 0.7, "P2": 0.08, "P3": 0.9,
        "C1": 0.2, "C2": 0.2, "C3": 0.6, "C4": 0.5,
    }  # fmt: skip
    assert result.strength == pytest.approx(published, abs=1e-8)


def test_continuity_the_papers_point_a_weak_supporter_moves_the_strength_a_little():
    # QuAD's discontinuity: with an attacker of strength 1, a supporter of strength ε made
    # the strength jump. DF-QuAD moves it by v₀·ε: continuous in ε.
    for epsilon in (0.0, 1e-6, 0.01):
        base = {"t": 0.5, "a": 1.0, "s": epsilon}
        edges = {"a": Edge("t", OPPOSES), "s": Edge("t", SUPPORTS)}
        result = compute(base, {"a": 1.0, "s": 1.0}, edges)
        assert result.strength["t"] == pytest.approx(0.5 * epsilon, abs=1e-8)


def test_two_granted_claims_that_contradict_settle_at_one_half_instead_of_flipping():
    result = compute({"x": 1.0, "y": 1.0}, {}, {}, [("x", "y")])
    assert result.converged
    assert result.strength == {"x": pytest.approx(0.5), "y": pytest.approx(0.5)}
    assert result.rounds == 2


def test_a_graph_that_does_not_settle_in_its_rounds_says_so():
    base = {"x": 1.0, "y": 0.9, "t": 0.5}
    edges = {"x": Edge("t", SUPPORTS)}
    result = compute(base, {"x": 1.0}, edges, [("x", "y")], max_rounds=1)
    assert not result.converged
    assert result.rounds == 1


def test_an_empty_map_has_no_strengths():
    result = compute({}, {}, {})
    assert result.strength == {} and result.converged


scores = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)


@st.composite
def graphs(draw, cyclic=True, max_nodes=9):
    """A random tree with every relation (undercuts only below the thesis's children) and,
    when cyclic, random contradicts links."""
    size = draw(st.integers(min_value=1, max_value=max_nodes))
    base = {n: draw(scores) for n in range(size)}
    relevance, edges = {}, {}
    for node in range(1, size):
        parent = draw(st.integers(min_value=0, max_value=node - 1))
        relations = [SUPPORTS, OPPOSES] + ([UNDERCUTS] if parent != 0 else [])
        edges[node] = Edge(parent, draw(st.sampled_from(relations)))
        relevance[node] = draw(scores)
    contradicts = []
    if cyclic and size > 1:
        pairs = st.tuples(st.integers(0, size - 1), st.integers(0, size - 1))
        contradicts = [(a, b) for a, b in draw(st.lists(pairs, max_size=4)) if a != b]
    return base, relevance, edges, contradicts


@pytest.mark.parametrize("cyclic", [False, True], ids=["acyclic", "cyclic"])
@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_agrees_with_brute_force(cyclic, data):
    graph = data.draw(graphs(cyclic=cyclic))
    expected, rounds, converged = brute_force(*graph)
    result = compute(*graph)
    assert (result.rounds, result.converged) == (rounds, converged)
    for node, value in expected.items():
        assert result.strength[node] == pytest.approx(value, abs=1e-12)


@settings(max_examples=150, deadline=None)
@given(graphs(cyclic=True))
def test_bounded(graph):
    result = compute(*graph)
    assert all(0.0 <= value <= 1.0 for value in result.strength.values())
    assert all(0.0 <= value <= 1.0 for value in result.weight.values())


@settings(max_examples=150, deadline=None)
@given(base=scores, effects=st.lists(st.tuples(scores, scores), min_size=1, max_size=4))
def test_balance_equal_attack_and_support_leave_the_base_score(base, effects):
    # Mirror every supporter with an attacker of the same strength and weight.
    nodes, relevance, edges = {"t": base}, {}, {}
    for i, (strength, weight) in enumerate(effects):
        for relation in (SUPPORTS, OPPOSES):
            nodes[f"{relation}{i}"] = strength
            relevance[f"{relation}{i}"] = weight
            edges[f"{relation}{i}"] = Edge("t", relation)
    result = compute(nodes, relevance, edges)
    assert result.strength["t"] == pytest.approx(base, abs=1e-9)


@pytest.mark.parametrize(("relation", "sign"), [(OPPOSES, -1), (SUPPORTS, 1)])
@settings(max_examples=150, deadline=None)
@given(graph=graphs(cyclic=False, max_nodes=9), data=st.data())
def test_monotonic_a_stronger_attacker_never_raises_a_stronger_supporter_never_lowers(
    relation, sign, graph, data
):
    base, relevance, edges, _ = graph
    # Hang one more node of the relation somewhere, then make it stronger.
    target = data.draw(st.sampled_from(sorted(base)))
    weaker, stronger = sorted([data.draw(scores), data.draw(scores)])
    edges = {**edges, "new": Edge(target, relation)}
    relevance = {**relevance, "new": data.draw(scores)}
    before = compute({**base, "new": weaker}, relevance, edges).strength[target]
    after = compute({**base, "new": stronger}, relevance, edges).strength[target]
    assert sign * (after - before) >= -1e-9


def test_a_big_tree_with_every_relation_and_contradictions_settles():
    size = 3000  # the bench (docs/performance.md) times 100,000 nodes
    relations = (SUPPORTS, OPPOSES, UNDERCUTS)
    edges = {n: Edge((n - 1) // 3, relations[n % 3] if n > 3 else SUPPORTS) for n in range(1, size)}
    result = compute(dict.fromkeys(range(size), 0.5), dict.fromkeys(edges, 0.5), edges, [(5, 7)])
    assert result.converged
    assert all(0 <= value <= 1 for value in result.strength.values())
