"""Campaigns: linking accounts, grouping them, and scoring the group as one actor.

Unit cases on constructed link graphs, then small constructed days through the
real daily job (real static model, real faiss index, real files).
"""

import numpy as np
import pandas as pd
import pytest
from scipy import sparse

from evaluation.signals import rescore
from job import daily
from scoring.campaigns import MemberEvidence, _clumping, find_campaigns, timing_counts
from scoring.links import account_links
from scoring.nodes import Nodes
from scoring.options import CampaignOptions, ScoringOptions
from synthetic.demo.day import DemoOptions, demo_day
from traffic.read import InputOptions


# ---------------------------------------------------------------------------
# Links on hand-made neighbour lists.

def nodes(pairs, n_accounts):
    """(account, uid) pairs -> Nodes sorted by account."""
    pairs = sorted(pairs)
    return Nodes(account=np.array([a for a, _ in pairs]), uid=np.array([u for _, u in pairs]), n_accounts=n_accounts)


def test_a_shared_rare_prompt_links_two_accounts_but_a_popular_one_links_nobody():
    # Accounts 0 and 1 share prompt 0 (reach 2); accounts 2..7 all send prompt 1 (reach 6, popular).
    pairs = [(0, 0), (1, 0)] + [(a, 1) for a in range(2, 8)]
    day = nodes(pairs, 8)
    reach = np.array([2, 6])
    links = account_links(day, np.full((2, 1), -1), reach, eligible=np.ones(8, bool), popular_accounts=5)
    assert links[0, 1] > 0 and links[0, 1] == links[1, 0]
    assert links[2:, 2:].nnz == 0, "six people asking the same popular thing are not linked by it"


def test_neighbouring_prompts_link_their_accounts_weighted_by_rarity():
    # Prompt 0 (account 0) and prompt 1 (account 1) are neighbours; prompt 2 (account 2) is nobody's.
    day = nodes([(0, 0), (1, 1), (2, 2)], 3)
    ids = np.array([[1], [0], [-1]])
    rare = account_links(day, ids, np.array([1, 1, 1]), eligible=np.ones(3, bool), popular_accounts=5)
    common = account_links(day, ids, np.array([1, 4, 1]), eligible=np.ones(3, bool), popular_accounts=5)
    assert rare[0, 1] == pytest.approx(1.0) and rare[0, 2] == 0 and rare[1, 2] == 0
    assert common[0, 1] == pytest.approx(0.5), "a prompt four accounts send is weaker evidence"
    excluded = account_links(day, ids, np.array([1, 1, 1]), eligible=np.array([True, False, True]),
                             popular_accounts=5)
    assert excluded.nnz == 0, "an account too small to carry evidence is not linked"


# ---------------------------------------------------------------------------
# Campaign membership on a constructed link graph.

def campaigns_of(links, *, n_distinct, timing, topics, eligible, **options):
    """find_campaigns with the given campaign options (defaults otherwise) and seed 0."""
    evidence = MemberEvidence(n_distinct=n_distinct, timing=timing, topics=topics, eligible=eligible)
    return find_campaigns(links, evidence, options=CampaignOptions(**options), seed=0)


def constructed_day(seed=0):
    """12 fleet accounts woven together, 60 users linked loosely at random, and three impostors:
    a session user and a user with two interests, both tied to the fleet, and a big account of the
    same generator."""
    rng = np.random.default_rng(seed)
    n_fleet, n_users = 12, 60
    n = n_fleet + n_users + 3
    session, big, narrow = n - 3, n - 2, n - 1
    w = np.zeros((n, n))
    w[:n_fleet, :n_fleet] = rng.uniform(0.5, 1.5, size=(n_fleet, n_fleet))
    users = np.arange(n_fleet, n_fleet + n_users)
    for u in users:
        for v in rng.choice(users, size=4, replace=False):
            w[u, v] += rng.uniform(0.5, 1.5)
    w[session, :n_fleet] = w[big, :n_fleet] = w[narrow, :n_fleet] = 1.0
    w[session, rng.choice(users, 2)] = 0.5
    w = np.triu(w, 1)
    links = sparse.csr_matrix(w + w.T)
    volume = np.full(n, 20)
    volume[big] = 600
    timing = np.zeros((n, 24))
    topics = np.zeros((n, 50))
    for a in range(n):
        if a < n_fleet or a in (big, session):  # a random slice of a sweep over 50 topic cells
            topics[a] = rng.multinomial(volume[a], np.full(50, 1 / 50))
        else:  # a person's two interests
            topics[a, rng.choice(50, size=2, replace=False)] = [volume[a] // 2, volume[a] - volume[a] // 2]
        if a < n_fleet or a in (big, narrow):  # round the clock
            timing[a] = rng.multinomial(volume[a], np.full(24, 1 / 24))
        else:  # one or two sessions
            hours = rng.choice(24, size=2, replace=False)
            timing[a, hours] = [volume[a] // 2, volume[a] - volume[a] // 2]
    return links, volume, timing, sparse.csr_matrix(topics), n_fleet, (session, big, narrow)


def test_the_woven_fleet_is_one_campaign_and_the_impostors_are_dropped():
    links, volume, timing, topics, n_fleet, (session, big, narrow) = constructed_day()
    found = campaigns_of(links, n_distinct=volume, timing=timing, topics=topics, eligible=np.ones(len(volume), bool))
    fleet = found.campaign[:n_fleet]
    assert (fleet >= 0).all() and len(set(fleet)) == 1
    assert found.campaign[session] != fleet[0], "working in two sessions is not a round-the-clock stream"
    assert found.campaign[big] != fleet[0], "a 600-prompt account is not one of a load balancer's 20-prompt accounts"
    assert found.campaign[narrow] != fleet[0], "a person with two interests is not a random slice of a sweep"
    in_fleet = found.campaign == fleet[0]
    assert in_fleet.sum() == n_fleet
    assert found.link_share[fleet[0]] > 0.5 and found.link_ratio[fleet[0]] > 2


def test_fleet_accounts_tied_mostly_to_a_big_account_of_their_generator_stay_in_the_fleet():
    # One generator feeds the 12-account fleet and a 600-prompt account, so every fleet account has
    # neighbours in the big account's stream; three of them find few anywhere else.
    links, volume, timing, topics, n_fleet, (session, big, narrow) = constructed_day()
    w = links.toarray()
    w[big, :n_fleet] = w[:n_fleet, big] = 20.0
    drawn = [0, 1, 2]
    for a in drawn:
        w[a, :n_fleet] = w[:n_fleet, a] = 0.5
        w[a, a] = 0.0
    found = campaigns_of(sparse.csr_matrix(w), n_distinct=volume, timing=timing, topics=topics,
                         eligible=np.ones(len(volume), bool))
    fleet = found.campaign[n_fleet - 1]
    assert fleet >= 0, "the fleet does not unravel when the big account leaves it"
    assert found.campaign[big] != fleet, "the big account is judged on its own"
    assert (found.campaign[drawn] == fleet).all(), "links to the generator's big account are the operation's"
    assert (found.campaign == fleet).sum() == n_fleet


def test_campaigns_are_deterministic_and_need_eligible_members():
    links, volume, timing, topics, *_ = constructed_day(seed=3)
    everyone = np.ones(len(volume), bool)
    first = campaigns_of(links, n_distinct=volume, timing=timing, topics=topics, eligible=everyone)
    again = campaigns_of(links, n_distinct=volume, timing=timing, topics=topics, eligible=everyone)
    np.testing.assert_array_equal(first.campaign, again.campaign)
    nobody = campaigns_of(links, n_distinct=volume, timing=timing, topics=topics,
                          eligible=np.zeros(len(volume), bool))
    assert nobody.n_campaigns == 0 and (nobody.campaign == -1).all()
    with pytest.raises(ValueError, match="volume_spread"):
        CampaignOptions(volume_spread=1.0)


def test_clumping_is_near_one_for_random_slices_and_high_for_own_interests():
    rng = np.random.default_rng(0)
    slices = np.array([rng.multinomial(20, np.full(40, 1 / 40)) for _ in range(30)], dtype=float)
    person = np.zeros(40)
    person[[3, 17]] = 10
    values = _clumping(np.vstack([slices, person]))
    assert np.median(values[:30]) == pytest.approx(1.0, abs=0.35)
    assert values[-1] > 10
    np.testing.assert_allclose(_clumping(sparse.csr_matrix(np.vstack([slices, person]))), values)


def test_timing_counts_bins_by_time_of_day():
    counts = timing_counts(np.array([0, 0, 1]), np.array([0.0, 86_400 + 3_599.0, 7_200.0]), n_accounts=2)
    assert counts[0, 0] == 2 and counts[1, 2] == 1 and counts.sum() == 3


# ---------------------------------------------------------------------------
# The daily job on small constructed days.

def score(detector, frame: pd.DataFrame, tmp_path) -> tuple[pd.DataFrame, pd.DataFrame]:
    path = tmp_path / "day.parquet"
    frame[["account_id", "timestamp", "prompt"]].to_parquet(path, index=False)
    daily.run_day(InputOptions(path=str(path)), detector, output_dir=tmp_path / "out", progress=False)
    out = tmp_path / "out"
    return pd.read_parquet(out / "accounts.parquet"), pd.read_parquet(out / "campaigns.parquet")


@pytest.fixture(scope="module")
def base_day() -> pd.DataFrame:
    return demo_day(DemoOptions(users=80))


def test_two_accounts_splitting_one_sweep_are_linked(detector, base_day, tmp_path):
    users = base_day[base_day.kind == "user"]
    sweep = base_day[base_day.account_id == "harvest-05"].reset_index(drop=True).copy()
    sweep["account_id"] = np.where(sweep.index % 2 == 0, "sweep-a", "sweep-b")
    accounts, campaigns = score(detector, pd.concat([users, sweep]), tmp_path)
    by_id = accounts.set_index("account_id")
    assert by_id.loc["sweep-a", "campaign_id"] != ""
    assert by_id.loc["sweep-a", "campaign_id"] == by_id.loc["sweep-b", "campaign_id"]
    campaign = campaigns.set_index("campaign_id").loc[by_id.loc["sweep-a", "campaign_id"]]
    assert campaign["n_accounts"] == 2 and campaign["flagged"]
    assert campaign["n_prompts"] == len(sweep)
    assert (accounts[accounts.account_id.str.startswith("user")]["campaign_id"] == "").all()


def test_two_users_sharing_tell_me_a_joke_are_not_linked(detector, base_day, tmp_path):
    users = base_day[base_day.kind == "user"]
    # Two light users whose only overlap is a popular one-liner that many others also send.
    own = users.groupby("account_id").filter(lambda rows: len(rows) >= 12).account_id.unique()[:2]
    jokes = pd.DataFrame({
        "account_id": [f"joker-{i}" for i in range(12)], "timestamp": "2026-11-27T12:00:00Z",
        "prompt": "Tell me a joke.", "kind": "user", "strategy": "",
    })
    extra = jokes.iloc[:2].assign(account_id=list(own))
    accounts, _ = score(detector, pd.concat([users, jokes, extra]), tmp_path)
    by_id = accounts.set_index("account_id")
    a, b = (by_id.loc[x, "campaign_id"] for x in own)
    assert a == "" or a != b, "sharing a popular one-liner is no evidence of one operation"
    assert (by_id.loc[[f"joker-{i}" for i in range(12)], "campaign_id"] == "").all()


def test_rescore_inherits_the_campaign_score():
    signals = pd.DataFrame({
        "account_id": ["fleet-1", "fleet-2", "loner"], "n_prompts": [20, 20, 20], "n_distinct": [20, 20, 20],
        "coverage": [0.1, 0.1, 0.9], "templating": [0.0, 0.0, 1.0], "effective_templates": [0.0, 0.0, 1.0],
        "campaign_id": ["c1", "c1", ""], "campaign_coverage": [0.9, 0.9, 0.0], "campaign_templating": [1.0, 1.0, 0.0],
        "campaign_effective_templates": [1.0, 1.0, 0.0], "campaign_n_distinct": [40, 40, 0],
    })
    options = ScoringOptions(coverage_weight=0.5, threshold=0.5, min_prompts=30, campaign_threshold=0.5)
    scored = rescore(signals, options).set_index("account_id")
    assert scored.loc["fleet-1", "score"] == pytest.approx(0.9) and scored.loc["fleet-1", "flagged"]
    assert scored.loc["fleet-1", "flagged_via_campaign"]
    # The loner scores high but has too few prompts to be flagged alone, and has no campaign to lean on.
    assert scored.loc["loner", "score"] == pytest.approx(0.9) and not scored.loc["loner", "flagged"]


def test_many_refilled_templates_score_as_a_task_sweep_but_one_template_never_does():
    from scoring.verdicts import account_score

    # A FLAN-style sweep: 16 templates used evenly, all prompts templated, narrow content (coverage 0);
    # an enterprise pipeline (one template) and a student with two homework formats, just as templated.
    scores = account_score(np.zeros(3), np.ones(3), np.array([16.0, 1.0, 2.0]),
                           options=ScoringOptions(coverage_weight=0.9, sweep_templates=16, base_templates=2))
    assert scores[0] == pytest.approx(1.0) and scores[1] == 0.0 and scores[2] == 0.0
