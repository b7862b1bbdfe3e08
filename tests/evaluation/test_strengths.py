"""Votes become strengths: the base-score formula, the four perspectives and the command."""

import functools
import json
import threading
import time

import pytest
from django.core.cache import caches
from django.core.management import CommandError, call_command
from django.db import transaction

from argmap.debates.models import Anchor
from argmap.evaluation import strengths
from argmap.evaluation.models import ComputedStrengths, Vote
from argmap.evaluation.strengths import Perspective, UnknownPerspective, compute, strengths_of

from ..factories import (
    AnchorFactory,
    LinkFactory,
    MapFactory,
    NodeFactory,
    SourceFactory,
    ThesisFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_map():
    """thesis ← pro (supports) ← cut (undercuts pro's link); thesis ← con (opposes)."""
    argmap = MapFactory(slug="small")
    thesis = ThesisFactory(map=argmap, key="thesis")
    pro = NodeFactory(map=argmap, parent=thesis, relation="supports", key="pro", position=0)
    con = NodeFactory(map=argmap, parent=thesis, relation="opposes", key="con", position=1)
    cut = NodeFactory(map=argmap, parent=pro, relation="undercuts", key="cut", position=0)
    return argmap, {node.key: node for node in (thesis, pro, con, cut)}


def test_with_no_votes_every_base_score_and_weight_is_one_half(small_map):
    argmap, nodes = small_map
    found = strengths_of(argmap)
    assert {found.of(n.pk).base for n in nodes.values()} == {0.5}
    assert found.of(nodes["thesis"].pk).relevance is None
    # ρ*(pro) = .5 × (1 − .5 × .5) = .375: the undercut weakens pro's link, not pro.
    assert found.of(nodes["pro"].pk).relevance == pytest.approx(0.375)
    assert found.of(nodes["pro"].pk).strength == pytest.approx(0.5)
    # σ(thesis) = .5 + .5 × (.1875 − .25)… attack .25 ≥ support .1875: .5 − .5 × .0625.
    assert found.of(nodes["thesis"].pk).strength == pytest.approx(0.46875, abs=1e-8)
    assert found.converged


def test_votes_make_the_base_score_with_two_pseudo_votes(small_map):
    argmap, nodes = small_map
    for value in (4, 4, 2):
        Vote.objects.cast(UserFactory(), nodes["pro"], {"acceptability": value, "relevance": 4})
    found = strengths_of(argmap)
    pro = found.of(nodes["pro"].pk)
    assert pro.base == pytest.approx((1 + 10 / 4) / 5)  # (1 + Σv/4) / (2 + n) = .7
    assert pro.weight == pytest.approx((1 + 12 / 4) / 5)
    assert (pro.votes, pro.relevance_votes) == (3, 3)


def test_a_new_vote_replaces_the_old_a_field_left_out_stays_an_empty_one_withdraws(small_map):
    argmap, nodes = small_map
    user = UserFactory()
    Vote.objects.cast(user, nodes["pro"], {"acceptability": 1, "relevance": 3})
    Vote.objects.cast(user, nodes["pro"], {"acceptability": 4})
    vote = Vote.objects.get()
    assert (vote.acceptability, vote.relevance) == (4, 3)
    Vote.objects.cast(user, nodes["pro"], {"relevance": None})
    vote.refresh_from_db()
    assert (vote.acceptability, vote.relevance) == (4, None)
    assert Vote.objects.filter(node=nodes["pro"]).tallies()[nodes["pro"].pk]["relevance_votes"] == 0


def test_curators_perspective_counts_only_the_curators_votes(small_map, curator):
    argmap, nodes = small_map
    Vote.objects.cast(curator, nodes["con"], {"acceptability": 0})
    for _ in range(3):  # sock puppets
        Vote.objects.cast(UserFactory(), nodes["con"], {"acceptability": 4})
    con = nodes["con"].pk
    assert strengths_of(argmap, "curators").of(con).base == pytest.approx(1 / 3)
    assert strengths_of(argmap, "everyone").of(con).base == pytest.approx(4 / 6)


def test_mine_counts_only_the_viewers_votes(small_map):
    argmap, nodes = small_map
    me, other = UserFactory(), UserFactory()
    Vote.objects.cast(me, nodes["pro"], {"acceptability": 4})
    Vote.objects.cast(other, nodes["pro"], {"acceptability": 0})
    mine = strengths_of(argmap, Perspective.parse("mine", me))
    assert mine.of(nodes["pro"].pk).base == pytest.approx(2 / 3)
    assert mine.of(nodes["con"].pk).base == 0.5  # not voted: one half


def test_a_documents_perspective_grants_what_it_asserts_or_concedes(seeded_map):
    anchors = Anchor.objects.filter(node__map=seeded_map).select_related("source")
    source = anchors.filter(voice="asserts").first().source
    granted = set(
        anchors.filter(source=source, voice__in=["asserts", "concedes"]).values_list(
            "node_id", flat=True
        )
    )
    found = strengths_of(seeded_map, f"source:{source.slug}")
    for pk, shown in found.nodes.items():
        assert shown.base == (1.0 if pk in granted else 0.0)
        assert shown.weight == 1.0
    assert found.converged


def test_contradicts_links_attack_both_ends(small_map):
    argmap, nodes = small_map
    before = strengths_of(argmap).of(nodes["pro"].pk).strength
    LinkFactory(from_node=nodes["pro"], to_node=nodes["cut"], kind="contradicts")
    after = strengths_of(argmap)
    assert after.of(nodes["pro"].pk).strength < before
    assert after.of(nodes["cut"].pk).strength < 0.5


def test_same_point_links_voices_and_anchors_do_not_enter_the_computation(small_map):
    argmap, nodes = small_map
    before = compute(argmap, Perspective("everyone"))
    LinkFactory(from_node=nodes["pro"], to_node=nodes["con"], kind="same_point")
    source = SourceFactory()
    for node, voice in ((nodes["pro"], "reports"), (nodes["con"], "concedes")):
        AnchorFactory(node=node, source=source, voice=voice)
    after = compute(argmap, Perspective("everyone"))
    assert after.stamp == before.stamp  # every number the same
    assert {pk: s.strength for pk, s in after.nodes.items()} == {
        pk: s.strength for pk, s in before.nodes.items()
    }


def test_unknown_perspectives_are_refused():
    for value in ("nobody", "source:", "source:no-such-document", "x" * 500):
        with pytest.raises(UnknownPerspective):
            Perspective.parse(value)


def test_cached_strengths_follow_votes_within_max_age(small_map, monkeypatch):
    argmap, nodes = small_map
    clock = [1_000_000.0]
    monkeypatch.setattr(strengths.time, "time", lambda: clock[0])
    first = strengths_of(argmap)
    Vote.objects.cast(UserFactory(), nodes["pro"], {"acceptability": 4})
    assert strengths_of(argmap).stamp == first.stamp  # trusted for MAX_AGE seconds
    clock[0] += strengths.MAX_AGE + 0.1
    assert strengths_of(argmap).of(nodes["pro"].pk).votes == 1
    assert strengths_of(argmap).stamp != first.stamp


def test_the_command_prints_every_node_in_reading_order_as_json(small_map, capsys):
    argmap, nodes = small_map
    Vote.objects.cast(UserFactory(), nodes["con"], {"acceptability": 0, "relevance": 4})
    call_command("strengths", "small", "--json")
    rows = json.loads(capsys.readouterr().out)
    assert [row["id"] for row in rows] == ["thesis", "pro", "cut", "con"]
    assert set(rows[0]) == {"id", "base", "relevance", "strength", "votes", "relevance_votes"}
    assert rows[0]["relevance"] is None
    assert rows[3]["votes"] == 1 and rows[3]["relevance_votes"] == 1
    assert rows[3]["base"] == pytest.approx(1 / 3)
    expected = compute(argmap, Perspective("everyone"))
    assert rows[0]["strength"] == expected.of(nodes["thesis"].pk).strength


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nowhere"], "No map"),
        (["small", "--perspective", "someone"], "Unknown perspective"),
        (["small", "--perspective", "source:nothing"], "No source"),
        (["small", "--perspective", "mine"], "name them with --user"),
        (["small", "--perspective", "mine", "--user", "nobody"], "No user"),
    ],
)
def test_the_command_refuses_an_unknown_map_or_perspective(small_map, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("strengths", *args, "--json")


def test_the_command_says_when_the_strengths_did_not_converge(small_map, capsys, monkeypatch):
    # One round only: the thesis, pulled by its children, still moves.
    monkeypatch.setattr(
        strengths.dfquad, "iterate", functools.partial(strengths.dfquad.iterate, max_rounds=1)
    )
    call_command("strengths", "small", "--json")
    captured = capsys.readouterr()
    assert "did not converge in 1 rounds" in captured.err
    assert len(json.loads(captured.out)) == 4  # the last round's numbers, still printed


def test_the_seed_map_has_strengths_under_every_perspective(seeded_map, capsys):
    slugs = set(Anchor.objects.values_list("source__slug", flat=True))
    for perspective in ["everyone", "curators", *(f"source:{slug}" for slug in slugs)]:
        call_command("strengths", seeded_map.slug, "--perspective", perspective, "--json")
        rows = json.loads(capsys.readouterr().out)
        assert len(rows) == seeded_map.nodes.count()
        assert all(0 <= row["strength"] <= 1 for row in rows)


def test_the_seed_map_under_mine_is_the_readers_own_votes_and_one_half_elsewhere(
    seeded_map, client, capsys
):
    reader, other, newcomer = UserFactory(), UserFactory(), UserFactory()
    leaves = list(seeded_map.nodes.filter(parent__isnull=False, children__isnull=True)[:3])
    for leaf in leaves:  # the reader grants them fully and finds them irrelevant
        Vote.objects.cast(reader, leaf, {"acceptability": 4, "relevance": 0})
        Vote.objects.cast(other, leaf, {"acceptability": 0})  # someone else's: not counted
    thesis = seeded_map.nodes.get(parent__isnull=True)
    Vote.objects.cast(other, thesis, {"acceptability": 0})

    def rows_of(user):
        asked = ["--perspective", "mine", "--user", user.username, "--json"]
        call_command("strengths", seeded_map.slug, *asked)
        return {row["id"]: row for row in json.loads(capsys.readouterr().out)}

    rows = rows_of(reader)
    assert len(rows) == seeded_map.nodes.count()
    voted = {leaf.key for leaf in leaves}
    for key, row in rows.items():
        if key in voted:  # (1 + 4/4) / 3 and (1 + 0) / 3, a leaf's strength its base score
            assert (row["votes"], row["relevance_votes"]) == (1, 1)
            assert row["base"] == pytest.approx(2 / 3) == row["strength"]
            assert row["relevance"] <= 1 / 3 + 1e-12
        else:
            assert (row["votes"], row["base"]) == (0, 0.5)
    # A reader who has not voted: τ = ρ = 0.5 everywhere.
    rows = rows_of(newcomer)
    assert {row["base"] for row in rows.values()} == {0.5}
    found = compute(seeded_map, Perspective.parse("mine", newcomer))
    assert {shown.weight for pk, shown in found.nodes.items() if pk != thesis.pk} == {0.5}
    # The reader's claim page under their own perspective shows their number; everyone's
    # counts the other reader's vote too: (1 + 1 + 0) / 4.
    client.force_login(reader)
    url = leaves[0].get_absolute_url()

    def panel(address):
        html = client.get(address).content.decode()
        return html.split('class="vote-strength"', 1)[1].split("</p>", 1)[0]

    assert "Strength 67%" in panel(f"{url}?perspective=mine")
    assert "your votes" in panel(f"{url}?perspective=mine")
    assert "Strength 50%" in panel(url)


@pytest.mark.django_db(transaction=True)
def test_a_stale_map_is_recomputed_off_the_request(small_map, settings, monkeypatch):
    settings.ARGMAP_STRENGTHS_IN_BACKGROUND = True
    argmap, nodes = small_map
    clock = [2_000_000.0]
    monkeypatch.setattr(strengths.time, "time", lambda: clock[0])
    first = strengths_of(argmap)
    Vote.objects.cast(UserFactory(), nodes["pro"], {"acceptability": 4})
    clock[0] += strengths.MAX_AGE + 0.1
    # The request that finds it stale gets the last strengths at once…
    assert strengths_of(argmap).stamp == first.stamp
    for thread in threading.enumerate():
        if thread.name == f"{strengths.THREAD_PREFIX}{argmap.slug}":
            thread.join(timeout=30)
    # …and the next gets the recomputed ones.
    assert strengths_of(argmap).of(nodes["pro"].pk).votes == 1


def join_recomputes(argmap):
    for thread in threading.enumerate():
        if thread.name == f"{strengths.THREAD_PREFIX}{argmap.slug}":
            thread.join(timeout=30)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "path", ["/maps/small/?open=thesis", "/maps/small/nodes/pro/", "/maps/small/diagram/"]
)
def test_a_page_never_computes_strengths_on_the_request(
    small_map, settings, monkeypatch, client, path
):
    settings.ARGMAP_STRENGTHS_IN_BACKGROUND = True
    argmap, nodes = small_map
    computed_in, release, entered = [], threading.Event(), threading.Event()
    real = strengths.compute

    def recorded(argmap, perspective, *args, **kwargs):
        name = threading.current_thread().name
        if perspective.shared:  # not mine, one reader's own: theirs alone, for its request
            computed_in.append(name)
            entered.set()
        if name.startswith(strengths.THREAD_PREFIX):  # held until the page has answered
            release.wait(timeout=30)
        return real(argmap, perspective, *args, **kwargs)

    monkeypatch.setattr(strengths, "compute", recorded)
    reader = UserFactory()
    for viewer in (None, reader):  # a visitor (a whole cached response) and a reader
        caches["fragments"].clear()
        caches["strengths"].clear()
        strengths.forget()
        ComputedStrengths.objects.all().delete()  # kept for a fleet without Redis
        if viewer:
            client.force_login(viewer)
        try:
            html = client.get(path).content.decode()
            # None kept: the page says so, and every computation ran off the request. The
            # recompute's thread may not have reached compute() when the page answers (it
            # claims its place and reads the dirty mark first): wait for it, not a moment.
            assert "Strength being computed" in html and "Strength 50%" not in html
            assert entered.wait(timeout=30), "no recompute started"
            assert all(name.startswith(strengths.THREAD_PREFIX) for name in computed_in), (
                computed_in
            )
        finally:
            release.set()  # a failed check never leaves the thread waiting out its timeout
            join_recomputes(argmap)
        assert "Strength 50%" in client.get(path).content.decode()  # then the numbers
        computed_in.clear()
        release.clear()
        entered.clear()


def cast_and_tell(user, node, value):
    """A vote as the vote view stores it: the recompute starts once it commits."""
    with transaction.atomic():
        Vote.objects.cast(user, node, {"acceptability": value})
        strengths.votes_changed(node.map, by_curator=False)


@pytest.mark.django_db(transaction=True)
def test_a_vote_during_a_recompute_is_taken_by_one_more_run_never_two_at_once(
    small_map, settings, monkeypatch
):
    settings.ARGMAP_STRENGTHS_IN_BACKGROUND = True
    argmap, nodes = small_map
    strengths_of(argmap)
    real, running, runs = strengths.compute, [], []
    inside, go_on = threading.Event(), threading.Event()

    def held(*args, **kwargs):
        running.append(1)
        assert len(running) == 1, "two recomputes of one map at once"
        found = real(*args, **kwargs)
        runs.append(found)
        if len(runs) == 1:  # the first run has read the votes: hold it there
            inside.set()
            assert go_on.wait(10)
        running.pop()
        return found

    monkeypatch.setattr(strengths, "compute", held)
    monkeypatch.setattr(strengths, "_pause", lambda seconds: None)  # MAX_AGE between runs
    cast_and_tell(UserFactory(), nodes["pro"], 4)
    assert inside.wait(10)
    cast_and_tell(UserFactory(), nodes["con"], 4)  # while the first run holds: no second thread
    assert [t.name for t in threading.enumerate()].count(f"{strengths.THREAD_PREFIX}small") == 1
    go_on.set()
    for thread in threading.enumerate():
        if thread.name == f"{strengths.THREAD_PREFIX}small":
            thread.join(timeout=30)
    assert len(runs) == 2  # the dirty mark made the first run go once more
    assert runs[0].of(nodes["con"].pk).votes == 0
    assert strengths_of(argmap).of(nodes["con"].pk).votes == 1


@pytest.mark.django_db(transaction=True)
def test_a_process_runs_one_recompute_at_a_time_whatever_the_perspective(
    small_map, settings, monkeypatch
):
    """At a million nodes a recompute holds ~300 MB while it runs: a first visit starts one a
    perspective, and four at once would hold four times that in one worker."""
    settings.ARGMAP_STRENGTHS_IN_BACKGROUND = True
    argmap, _ = small_map
    real, running, most, done = strengths.compute, [], [0], []

    def counted(*args, **kwargs):
        running.append(1)
        most[0] = max(most[0], len(running))
        time.sleep(0.2)  # long enough for the others to start beside it, if they could
        found = real(*args, **kwargs)
        running.pop()
        done.append(args[1].name)
        return found

    monkeypatch.setattr(strengths, "compute", counted)
    names = [strengths.EVERYONE, strengths.CURATORS]
    for name in names:
        strengths.recompute_soon(argmap, strengths.Perspective.parse(name))
    join_recomputes(argmap)
    assert sorted(done) == sorted(names)
    assert most[0] == 1


@pytest.mark.django_db(transaction=True)
def test_a_recompute_claimed_by_another_process_is_left_to_it(small_map, settings, monkeypatch):
    settings.ARGMAP_STRENGTHS_IN_BACKGROUND = True
    argmap, nodes = small_map
    strengths_of(argmap)
    computed = []
    monkeypatch.setattr(strengths, "compute", lambda *args, **kwargs: computed.append(args))
    key = strengths._key(argmap.slug, strengths.EVERYONE)
    caches["strengths"].add(f"{key}:busy", 1, 60)  # another worker of the fleet runs it
    cast_and_tell(UserFactory(), nodes["pro"], 4)
    for thread in threading.enumerate():
        if thread.name == f"{strengths.THREAD_PREFIX}small":
            thread.join(timeout=30)
    assert computed == []  # that worker sees the dirty mark when it ends
    assert caches["strengths"].get(strengths._dirty_key(argmap.slug)) is not None


def test_a_recompute_after_the_cache_lost_the_strengths_announces_only_what_moved(
    small_map, monkeypatch
):
    """While Redis hangs or after it restarts empty, the process serves its own last copy and
    computes again; the same numbers must not refill every cached page's regions (each
    announce bumps the map's state token: a hung Redis kept warm claim pages at 6 %)."""
    argmap, nodes = small_map
    everyone = strengths._parsed_or_none("everyone")
    strengths._refresh(argmap, everyone)
    announced = []
    monkeypatch.setattr(
        strengths.fragments, "state_changed", lambda maps, topic: announced.append(maps)
    )
    caches["strengths"].clear()  # the cache lost them; this process keeps its copy
    strengths._refresh(argmap, everyone)
    assert announced == []
    Vote.objects.cast(UserFactory(), nodes["pro"], {"acceptability": 4})
    caches["strengths"].clear()
    strengths._refresh(argmap, everyone)
    assert announced == [[argmap.pk]]


@pytest.mark.django_db(transaction=True)
def test_a_recompute_off_the_request_is_not_held_to_a_pages_statement_bound(
    small_map, settings, monkeypatch
):
    """At a million nodes the recompute's reads take longer than a page's 5 s bound: run in
    its thread under that bound, PostgreSQL cancelled it every time."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("statement_timeout is PostgreSQL's")
    settings.ARGMAP_STRENGTHS_IN_BACKGROUND = True
    argmap, _ = small_map
    seen, real = [], strengths.compute

    def recorded(*args, **kwargs):
        with connection.cursor() as cursor:
            cursor.execute("SHOW statement_timeout")
            seen.append(cursor.fetchone()[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(strengths, "compute", recorded)
    strengths.recompute_soon(argmap, strengths._parsed_or_none("everyone"))
    join_recomputes(argmap)
    assert seen == ["2min"]


def test_a_recompute_announces_when_pages_could_not_read_the_strengths(small_map, monkeypatch):
    """The pointer outlives the arrays it points to (it is rewritten every MAX_AGE, they
    expire): pages then show the strengths as pending, and the recompute that finds the same
    numbers must still refill them, or "Strength being computed" stays on cached pages."""
    argmap, _ = small_map
    everyone = strengths._parsed_or_none("everyone")
    pointer, _ = strengths._refresh(argmap, everyone)
    key = strengths._key(argmap.slug, "everyone")
    caches["strengths"].delete(f"{key}:{pointer.stamp}")
    with strengths._seen_lock:
        strengths._seen_strengths.clear()
    announced = []
    monkeypatch.setattr(
        strengths.fragments, "state_changed", lambda maps, topic: announced.append(maps)
    )
    assert strengths._refresh(argmap, everyone)[0].stamp == pointer.stamp
    assert announced == [[argmap.pk]]


def test_a_page_that_showed_strengths_pending_is_refilled_by_the_recompute(small_map, monkeypatch):
    """A Redis that restarted empty, in a process that no longer holds the arrays: the page
    shows the strengths pending, and the recompute that finds the same numbers must refill it,
    while a lost pointer whose arrays this process still holds announces nothing (above)."""
    argmap, _ = small_map
    everyone = strengths._parsed_or_none("everyone")
    strengths._refresh(argmap, everyone)
    caches["strengths"].clear()
    with strengths._seen_lock:
        strengths._seen_strengths.clear()
    monkeypatch.setattr(strengths, "recompute_soon", lambda *args, **kwargs: None)
    assert strengths.shown_strengths(argmap.slug, "everyone") is None  # shown pending
    announced = []
    monkeypatch.setattr(
        strengths.fragments, "state_changed", lambda maps, topic: announced.append(maps)
    )
    strengths._refresh(argmap, everyone)
    assert announced == [[argmap.pk]]
    caches["strengths"].clear()  # lost again, but this process holds the arrays now
    strengths._refresh(argmap, everyone)
    assert announced == [[argmap.pk]]
    # Lost, and the arrays evicted here, but no page showed them pending: while Redis hangs a
    # process recomputes every perspective again and again, and must not refill every page.
    caches["strengths"].clear()
    with strengths._seen_lock:
        strengths._seen_strengths.clear()
    strengths._refresh(argmap, everyone)
    assert announced == [[argmap.pk]]
