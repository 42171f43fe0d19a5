"""Campaigns: linking accounts, grouping them, and scoring the group as one actor.

Unit cases on constructed link graphs, then small constructed days through the
real daily job (real static model, real faiss index, real files).
"""

import numpy as np
import pandas as pd
import pytest
from scipy import sparse

from evaluation.signals import DaySignals, rescore
from job import daily
from scoring.campaign_verdicts import apply_campaigns
from scoring.campaigns import MemberEvidence, clumping, find_campaigns, timing_counts
from scoring.links import account_links
from scoring.nodes import Nodes
from scoring.combiner import Combiner
from scoring.features import CAMPAIGN_FEATURES, FEATURES
from scoring.model import ScoringModel
from scoring.options import CampaignOptions
from synthetic.demo.day import DemoOptions, demo_day
from traffic.read import InputOptions


# ---------------------------------------------------------------------------
# Links on hand-made neighbour lists.

MAX_REACH = CampaignOptions().max_link_reach


def nodes(pairs, n_accounts):
    """(account, uid) pairs -> Nodes sorted by account."""
    pairs = sorted(pairs)
    return Nodes(account=np.array([a for a, _ in pairs]), uid=np.array([u for _, u in pairs]), n_accounts=n_accounts)


def test_a_shared_rare_prompt_links_two_accounts_far_more_than_a_popular_one_links_its_senders():
    # Accounts 0 and 1 share prompt 0 (reach 2); accounts 2..7 all send prompt 1 (reach 6).
    pairs = [(0, 0), (1, 0)] + [(a, 1) for a in range(2, 8)]
    day = nodes(pairs, 8)
    links = account_links(day, np.full((2, 1), -1), np.array([2, 6]), eligible=np.ones(8, bool), max_reach=MAX_REACH)
    assert links[0, 1] == pytest.approx(1 / 4) and links[0, 1] == links[1, 0]
    assert links[2:, 2:].max() == pytest.approx(1 / 36), "six people asking one thing are linked only faintly"
    assert links[:2, 2:].nnz == 0
    capped = account_links(day, np.full((2, 1), -1), np.array([2, 6]), eligible=np.ones(8, bool), max_reach=6)
    assert capped[2:, 2:].nnz == 0 and capped[0, 1] == pytest.approx(1 / 4), "a prompt at max_reach links nobody"


def test_a_prompts_link_weight_falls_smoothly_as_the_rest_of_the_day_adds_senders():
    # Accounts 0 and 1 send neighbouring prompts; other accounts also send prompt 1 (its reach grows).
    weights = []
    for others in range(0, 8):
        pairs = [(0, 0), (1, 1)] + [(2 + i, 1) for i in range(others)]
        day = nodes(pairs, 2 + others)
        ids = np.array([[1], [0]])
        links = account_links(day, ids, np.array([1, 1 + others]), eligible=np.ones(2 + others, bool),
                              max_reach=MAX_REACH)
        weights.append(links[0, 1])
    assert weights[0] == pytest.approx(1.0)
    ratios = np.array(weights[1:]) / np.array(weights[:-1])
    assert (ratios < 1).all() and (ratios >= 0.5).all(), "one more sender never more than halves a link, nor ends it"


def test_neighbouring_prompts_link_their_accounts_weighted_by_rarity():
    # Prompt 0 (account 0) and prompt 1 (account 1) are neighbours; prompt 2 (account 2) is nobody's.
    day = nodes([(0, 0), (1, 1), (2, 2)], 3)
    ids = np.array([[1], [0], [-1]])
    rare = account_links(day, ids, np.array([1, 1, 1]), eligible=np.ones(3, bool), max_reach=MAX_REACH)
    common = account_links(day, ids, np.array([1, 4, 1]), eligible=np.ones(3, bool), max_reach=MAX_REACH)
    assert rare[0, 1] == pytest.approx(1.0) and rare[0, 2] == 0 and rare[1, 2] == 0
    assert common[0, 1] == pytest.approx(0.25), "a prompt four accounts send is weaker evidence"
    excluded = account_links(day, ids, np.array([1, 1, 1]), eligible=np.array([True, False, True]),
                             max_reach=MAX_REACH)
    assert excluded.nnz == 0, "an account too small to carry evidence is not linked"


# ---------------------------------------------------------------------------
# Campaign membership on a constructed link graph.

def campaigns_of(links, *, n_distinct, eligible, **options):
    """find_campaigns with the given campaign options (defaults otherwise) and seed 0."""
    evidence = MemberEvidence(n_distinct=n_distinct, eligible=eligible)
    return find_campaigns(links, evidence, options=CampaignOptions(**options), seed=0)


def constructed_day(seed=0):
    """12 fleet accounts woven together, 60 users linked loosely at random, and two impostors:
    a user whose few prompts brush the fleet, and a big account of the same generator."""
    rng = np.random.default_rng(seed)
    n_fleet, n_users = 12, 60
    n = n_fleet + n_users + 2
    brush, big = n - 2, n - 1
    w = np.zeros((n, n))
    w[:n_fleet, :n_fleet] = rng.uniform(0.5, 1.5, size=(n_fleet, n_fleet))
    users = np.arange(n_fleet, n_fleet + n_users)
    for u in users:
        for v in rng.choice(users, size=4, replace=False):
            w[u, v] += rng.uniform(0.5, 1.5)
    w[big, :n_fleet] = 1.0
    w[brush, :n_fleet] = 0.1  # a faint tie to every fleet account ...
    w[brush, rng.choice(users, 2)] = 0.05  # ... and little else
    w = np.triu(w, 1)
    links = sparse.csr_matrix(w + w.T)
    volume = np.full(n, 20)
    volume[big] = 600
    return links, volume, n_fleet, (brush, big)


def test_the_woven_fleet_is_one_campaign_and_the_impostors_are_dropped():
    links, volume, n_fleet, (brush, big) = constructed_day()
    found = campaigns_of(links, n_distinct=volume, eligible=np.ones(len(volume), bool))
    fleet = found.campaign[:n_fleet]
    assert (fleet >= 0).all() and len(set(fleet)) == 1
    assert found.campaign[big] != fleet[0], "a 600-prompt account is not one of a load balancer's 20-prompt accounts"
    assert found.campaign[brush] != fleet[0], "a faint tie to the fleet is not membership"
    assert (found.campaign == fleet[0]).sum() == n_fleet
    assert found.link_share[fleet[0]] > 0.5 and found.link_ratio[fleet[0]] > 2


def test_fleet_accounts_tied_mostly_to_a_big_account_of_their_generator_stay_in_the_fleet():
    # One generator feeds the 12-account fleet and a 600-prompt account, so every fleet account has
    # neighbours in the big account's stream; three of them find few anywhere else.
    links, volume, n_fleet, (brush, big) = constructed_day()
    w = links.toarray()
    w[big, :n_fleet] = w[:n_fleet, big] = 20.0
    drawn = [0, 1, 2]
    for a in drawn:
        w[a, :n_fleet] = w[:n_fleet, a] = 0.5
        w[a, a] = 0.0
    found = campaigns_of(sparse.csr_matrix(w), n_distinct=volume, eligible=np.ones(len(volume), bool))
    fleet = found.campaign[n_fleet - 1]
    assert fleet >= 0, "the fleet does not unravel when the big account leaves it"
    assert found.campaign[big] != fleet, "the big account is judged on its own"
    assert (found.campaign[drawn] == fleet).all(), "links to the generator's big account are the operation's"
    assert (found.campaign == fleet).sum() == n_fleet


def test_a_fleet_merged_into_a_crowd_on_a_busy_day_is_split_out_of_it():
    # A 12-account stream whose customers' prompts tie it to a crowd of 60 people, on a day whose
    # link weight is dominated by a 200-account stream elsewhere: modularity's resolution limit
    # merges the fleet into the crowd. The crowd is people (not interchangeable), so it is split again.
    rng = np.random.default_rng(0)
    n_fleet, n_users, n_big = 12, 60, 200
    n = n_fleet + n_users + n_big
    fleet, users = np.arange(n_fleet), np.arange(n_fleet, n_fleet + n_users)
    big = np.arange(n_fleet + n_users, n)
    w = np.zeros((n, n))
    w[np.ix_(fleet, fleet)] = rng.uniform(0.5, 1.5, (n_fleet, n_fleet))
    for a in users:
        w[a, rng.choice(users, 4, replace=False)] += rng.uniform(0.5, 1.5)
    for a in fleet:
        w[a, rng.choice(users, 6, replace=False)] += rng.uniform(0.5, 1.5)
    w[np.ix_(big, big)] = rng.uniform(20, 40, (n_big, n_big))
    w = np.triu(w, 1)
    links = sparse.csr_matrix(w + w.T)
    excess = np.where(np.isin(np.arange(n), users), 2.5, 0.8)  # people keep to their own prompts

    def exchange(community):
        inside = community >= 0
        k = int(community.max()) + 1
        return (np.bincount(community[inside], weights=excess[inside], minlength=k)
                / np.maximum(np.bincount(community[inside], minlength=k), 1))

    evidence = MemberEvidence(n_distinct=np.full(n, 20), eligible=np.ones(n, bool))
    merged = find_campaigns(links, evidence, options=CampaignOptions(), seed=0)
    assert (merged.campaign[users] == merged.campaign[0]).sum() > n_users / 2, "the busy day merges them"
    found = find_campaigns(links, evidence, options=CampaignOptions(), seed=0, exchange=exchange)
    fleet_campaign = found.campaign[0]
    assert fleet_campaign >= 0 and (found.campaign[fleet] == fleet_campaign).all()
    assert (found.campaign == fleet_campaign).sum() == n_fleet, "the stream comes out whole, without the crowd"
    unsplit = find_campaigns(links, evidence, options=CampaignOptions(split_depth=0), seed=0, exchange=exchange)
    np.testing.assert_array_equal(unsplit.campaign, merged.campaign)
    excess[:] = 0.8  # were the crowd as interchangeable as a stream, nothing would be cut
    np.testing.assert_array_equal(find_campaigns(links, evidence, options=CampaignOptions(), seed=0,
                                                 exchange=exchange).campaign, merged.campaign)


def test_campaigns_are_deterministic_and_need_eligible_members():
    links, volume, *_ = constructed_day(seed=3)
    everyone = np.ones(len(volume), bool)
    first = campaigns_of(links, n_distinct=volume, eligible=everyone)
    again = campaigns_of(links, n_distinct=volume, eligible=everyone)
    np.testing.assert_array_equal(first.campaign, again.campaign)
    nobody = campaigns_of(links, n_distinct=volume, eligible=np.zeros(len(volume), bool))
    assert nobody.n_campaigns == 0 and (nobody.campaign == -1).all()
    with pytest.raises(ValueError, match="volume_spread"):
        CampaignOptions(volume_spread=1.0)


def test_campaigns_do_not_depend_on_how_many_edges_reach_igraph_at_a_time(monkeypatch):
    import scoring.campaigns as campaigns

    links, volume, *_ = constructed_day(seed=3)
    everyone = np.ones(len(volume), bool)
    whole = campaigns_of(links, n_distinct=volume, eligible=everyone)
    monkeypatch.setattr(campaigns, "_EDGE_BATCH", 7)  # a big day's edges go in slices
    sliced = campaigns_of(links, n_distinct=volume, eligible=everyone)
    assert sparse.triu(links, k=1).nnz > 10 * 7 and whole.n_campaigns >= 1
    np.testing.assert_array_equal(whole.campaign, sliced.campaign)


def test_clumping_is_near_one_for_random_slices_and_high_for_own_interests():
    rng = np.random.default_rng(0)
    slices = np.array([rng.multinomial(20, np.full(40, 1 / 40)) for _ in range(30)], dtype=float)
    person = np.zeros(40)
    person[[3, 17]] = 10
    values = clumping(np.vstack([slices, person]))
    assert np.median(values[:30]) == pytest.approx(1.0, abs=0.35)
    assert values[-1] > 10
    np.testing.assert_allclose(clumping(sparse.csr_matrix(np.vstack([slices, person]))), values)


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
    return demo_day(DemoOptions())


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
    users = accounts[accounts.account_id.str.startswith("user")]
    assert not users["campaign_id"].eq(by_id.loc["sweep-a", "campaign_id"]).any() and not users["flagged"].any()


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
    assert not by_id.loc[list(own), "flagged"].any(), "sharing a popular one-liner is no evidence of one operation"
    assert (by_id.loc[[f"joker-{i}" for i in range(12)], "campaign_id"] == "").all(), "nor is it a link"


def breadth_model(*, campaign_bias: float, campaign_weights: list[float]) -> ScoringModel:
    """A linear account combiner that scores by breadth alone, beside a given linear campaign combiner."""
    weights = np.zeros(len(FEATURES))
    weights[list(FEATURES).index("breadth_subjects")] = 4.0
    account = Combiner(features=FEATURES, kind="linear", bias=0.0, mean=np.zeros(len(FEATURES)),
                       scale=np.ones(len(FEATURES)), threshold=0.5, weights=weights)
    campaign = Combiner(features=CAMPAIGN_FEATURES, kind="linear", bias=campaign_bias, mean=np.zeros(2),
                        scale=np.ones(2), threshold=0.5, weights=np.array(campaign_weights))
    return ScoringModel(reference=None, combiner=account, campaign_combiner=campaign)


def test_rescore_inherits_the_campaign_score():
    # The fleet's accounts are narrow alone, broad pooled; the campaign combiner reads the pool's content.
    features = list(FEATURES)
    model = breadth_model(campaign_bias=0.0, campaign_weights=[1.0, 0.0])
    rows = pd.DataFrame(0.0, index=range(3), columns=features)
    rows["breadth_subjects"] = [-1.0, -1.0, 1.0]
    accounts = pd.concat([pd.DataFrame({"account_id": ["fleet-1", "fleet-2", "loner"], "n_distinct": [30, 5, 20],
                                        "campaign": [0, 0, -1], "campaign_id": ["c1", "c1", ""]}), rows], axis=1)
    pooled = pd.DataFrame(0.0, index=[0], columns=features).assign(breadth_subjects=2.0)
    campaigns = pd.concat([pd.DataFrame({"campaign": [0], "campaign_id": ["c1"], "n_accounts": [2],
                                         "n_distinct": [40], "exchange": [0.0], "popular": [0.0]}), pooled], axis=1)
    scored = rescore(DaySignals(accounts, campaigns), model, threshold=0.5, campaign_threshold=0.5,
                     min_prompts=30, max_exchange=1.5).set_index("account_id")
    assert scored.loc["fleet-1", "own_score"] < 0.1 and scored.loc["fleet-1", "score"] > 0.99
    assert scored.loc["fleet-1", "flagged"] and scored.loc["fleet-1", "flagged_via_campaign"]
    # A member too light to carry evidence (5 distinct prompts, min_prompts 30) inherits the score, not the flag:
    # at that volume a user whose questions resemble the fleet's cannot be told from one of its accounts.
    assert scored.loc["fleet-2", "score"] > 0.99 and not scored.loc["fleet-2", "flagged"]
    # The loner scores high but has too few prompts to be flagged alone, and has no campaign to lean on.
    assert scored.loc["loner", "score"] > 0.95 and not scored.loc["loner", "flagged"]


def test_an_interchangeable_crowd_whose_pool_is_ordinary_is_not_flagged():
    # Students drawing homework from one problem set are as interchangeable as a fleet's accounts; a
    # campaign combiner that weighs exchange alone would flag them. Their pool, judged as one account,
    # is narrow: that is what keeps the crowd unflagged, and what a sweep's pool does not show.
    features = list(FEATURES)
    model = breadth_model(campaign_bias=4.0, campaign_weights=[0.0, -1.0])
    rows = pd.DataFrame(0.0, index=range(4), columns=features).assign(breadth_subjects=-1.0)
    accounts = pd.concat([pd.DataFrame({"account_id": ["student-1", "student-2", "fleet-1", "fleet-2"],
                                        "n_distinct": [40] * 4, "campaign": [0, 0, 1, 1],
                                        "campaign_id": ["crowd", "crowd", "fleet", "fleet"]}), rows], axis=1)
    pooled = pd.DataFrame(0.0, index=[0, 1], columns=features).assign(breadth_subjects=[-1.0, 2.0])
    campaigns = pd.concat([pd.DataFrame({"campaign": [0, 1], "campaign_id": ["crowd", "fleet"], "n_accounts": [2, 2],
                                         "n_distinct": [80, 80], "exchange": [0.7, 0.7], "popular": [0.0, 0.0]}),
                           pooled], axis=1)
    scored = rescore(DaySignals(accounts, campaigns), model, threshold=0.5, campaign_threshold=0.5,
                     min_prompts=10, max_exchange=1.5).set_index("account_id")
    assert (scored["score"] > 0.9).all(), "both campaigns score high on exchange alone"
    assert not scored.loc[["student-1", "student-2"], "flagged"].any()
    assert scored.loc[["fleet-1", "fleet-2"], "flagged_via_campaign"].all()


def test_a_light_member_of_a_flagged_campaign_is_listed_with_it_not_flagged_through_it():
    accounts = pd.DataFrame({"account_id": ["heavy", "light", "loner"], "n_distinct": [25, 6, 40],
                             "score": [0.05, 0.02, 0.3], "flagged": [False, False, False],
                             "reason": ["Not flagged (score 0.05). 25 prompts.", "Not flagged (score 0.02). 6 prompts.",
                                        "Not flagged (score 0.30). 40 prompts."]})
    membership = pd.Series({"heavy": "campaign-a", "light": "campaign-a"})
    campaigns = pd.DataFrame({"campaign_id": ["campaign-a"], "score": [0.97], "flagged": [True], "n_accounts": [2]})
    table = apply_campaigns(accounts, membership, campaigns, min_prompts=10).set_index("account_id")
    assert table.loc["heavy", "flagged"] and table.loc["heavy", "reason"].startswith("Flagged through campaign-a")
    assert not table.loc["light", "flagged"] and table.loc["light", "campaign_flagged"]
    assert table.loc["light", "score"] == 0.97, "it still ranks with its campaign"
    assert "too few distinct prompts (under 10) to be flagged through it" in table.loc["light", "reason"]
    assert not table.loc["loner", "flagged"] and table.loc["loner", "campaign_id"] == ""
