"""The scoring rules, one frozen object per stage, each checking its own values when made.

These are the defaults the daily job ships; ``conf/scoring/`` overrides only what differs
(a sweep, an experiment). The Hydra schema (``job.config``) nests these classes, so a
misspelt key fails when the config is composed and a bad value when it is turned into
these objects, with a message naming the key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional


def _check(prefix: str, rules: dict[str, bool]) -> None:
    for message, ok in rules.items():
        if not ok:
            raise ValueError(f"{prefix}.{message}")


@dataclass(frozen=True)
class TopicOptions:
    """What each prompt is placed by in the topic space, and the day's own reference when one is fitted.

    Attributes:
        topic_words_only: place prompts by their topic words: function and request words
            dropped, and words in ``template_word_share`` (and ``template_word_min_count``)
            of its template group's prompts, the template's own wording.
        template_word_share, template_word_min_count: see ``topic_words_only``.
        embedder: ``static``: topic words always go through the static model (bags of content
            words are what a static model embeds well, ~100x faster than MiniLM on a CPU; the
            shipped reference lives in its space); ``same``: through the configured embedder.
        n_coarse, n_fine: domains, and subjects per domain, of a reference fitted on the day
            (``scoring.reference: day``), at most one domain per ``n_fine × min_points_per_cell``
            sampled prompts.
        min_points_per_cell, sample_max: see ``n_coarse``; the day's fit uses at most ``sample_max`` prompts.
    """

    topic_words_only: bool = True
    template_word_share: float = 0.05
    template_word_min_count: int = 3
    embedder: str = "static"
    n_coarse: int = 32
    n_fine: int = 16
    min_points_per_cell: int = 4
    sample_max: int = 100_000

    def __post_init__(self) -> None:
        _check("scoring.topics", {
            "template_word_share must be in (0, 1]": 0 < self.template_word_share <= 1,
            "template_word_min_count must be >= 1": self.template_word_min_count >= 1,
            "embedder must be 'static' or 'same'": self.embedder in ("static", "same"),
            "n_coarse must be >= 2": self.n_coarse >= 2,
            "n_fine must be >= 2": self.n_fine >= 2,
            "min_points_per_cell must be >= 1": self.min_points_per_cell >= 1,
            "sample_max must be >= 2": self.sample_max >= 2,
        })


@dataclass(frozen=True)
class TemplateOptions:
    """How templates are mined within an account (``scoring.templating``).

    Attributes:
        min_affix_count: prompts of the account that must share a template opening or closing.
        relative_affix_count: ... or this share of the account's distinct prompts, if more.
        max_affix_tokens: longest opening or closing looked at.
        affix_stability: an opening ends where its sharers thin below this share of the
            previous token's.
        min_fixed_tokens: tokens a template's opening and closing must fix between them.
        family_affix_tokens: templates sharing an opening or closing this long are one task's variants.
        drop_passage_affixes: an affix that is a passage several templates reuse is dropped, so
            the template groups by its own text.
        min_overlap: siblings share this word 1-2-gram overlap coefficient, in (0, 1].
        affix_tokens: leftovers that open or close with the same this many tokens are siblings.
        min_containment: a leftover joins a template only carrying this share of its fixed words.
        sibling_margin: siblings' shared words at least this much commoner (mean log count) than
            the words that tell them apart.
        split_field_labels: split a group whose members name different fields.
        field_label_presence: a label is a field where this share of some template's prompts carry it.
        field_label_share: ... and a variant splits off when it holds this share of its group.
        min_template_size: distinct prompts that make a template (>= 2).
        popular_accounts: prompts reached by this many accounts are no campaign pool's template (and count
            in an account's ``popular_share``).
        sweep_min_fills: a template counts towards a task sweep when refilled this many times.
        sweep_min_slot_words: ... and its slots hold this many distinct words across the fills.
    """

    min_affix_count: int = 3
    relative_affix_count: float = 0.0005
    max_affix_tokens: int = 16
    affix_stability: float = 0.8
    min_fixed_tokens: int = 5
    family_affix_tokens: int = 3
    drop_passage_affixes: bool = True
    min_overlap: float = 0.6
    affix_tokens: int = 5
    min_containment: float = 0.8
    sibling_margin: float = 0.0
    split_field_labels: bool = True
    field_label_presence: float = 0.9
    field_label_share: float = 0.1
    min_template_size: int = 3
    popular_accounts: int = 5
    sweep_min_fills: int = 10
    sweep_min_slot_words: int = 60

    def __post_init__(self) -> None:
        _check("scoring.templates", {
            "min_affix_count must be >= 2": self.min_affix_count >= 2,
            "relative_affix_count must be in [0, 1)": 0 <= self.relative_affix_count < 1,
            "max_affix_tokens must be >= 1": self.max_affix_tokens >= 1,
            "affix_stability must be in [0, 1]": 0 <= self.affix_stability <= 1,
            "min_fixed_tokens must be >= 1": self.min_fixed_tokens >= 1,
            "family_affix_tokens must be >= 1": self.family_affix_tokens >= 1,
            "min_overlap must be in (0, 1]": 0 < self.min_overlap <= 1,
            "affix_tokens must be >= 1": self.affix_tokens >= 1,
            "min_containment must be in [0, 1]": 0 <= self.min_containment <= 1,
            "field_label_presence must be in (0, 1]": 0 < self.field_label_presence <= 1,
            "field_label_share must be in [0, 1]": 0 <= self.field_label_share <= 1,
            "min_template_size must be >= 2": self.min_template_size >= 2,
            "popular_accounts must be >= 2": self.popular_accounts >= 2,
            "sweep_min_fills must be >= 1": self.sweep_min_fills >= 1,
            "sweep_min_slot_words must be >= 0": self.sweep_min_slot_words >= 0,
        })


@dataclass(frozen=True)
class CampaignOptions:
    """Linking accounts into campaigns (``scoring.links``, ``scoring.campaigns``).

    Attributes:
        enabled: run the campaign stage.
        min_prompts: distinct prompts an account needs to be linked (fewer carry no evidence).
        max_link_reach: a prompt sent (or nearly) by this many accounts links nobody: at
            ``1/reach`` its pairs would get under ``1/max_link_reach²`` each, far below a rare
            neighbour's 1, while their number grows as reach² (``scoring.links``).
        resolution: Leiden modularity resolution (> 0): higher gives smaller communities.
        split_depth: how many times a community whose members are not interchangeable (mean
            exchange at least ``max_exchange``) is partitioned again inside itself (>= 0), so that a
            stream merged into a crowd of people on a bigger day is still found on its own.
        min_link_ratio: a member's inside-link share over the campaign's share of all links (1 = chance).
        min_link_share: share of the members' link weight that must stay inside, in [0, 1].
        min_link_intensity: a member's inside link weight per prompt, over the campaign median.
        timing_bin_seconds: time-of-day bins of the timing evidence.
        volume_spread: members' distinct prompts within this factor of the campaign median (> 1).
        min_accounts: smallest campaign (>= 2).
        max_exchange: a campaign is flagged only while its members are about as interchangeable
            as the accounts of one stream: their mean self-link excess
            (``scoring.campaigns.self_link_excess``) below this. People who share interests
            still differ from each other (about 2 on the labelled suite); one stream's accounts
            do not (0.6 to 1). A campaign above it is reported, not flagged.
    """

    enabled: bool = True
    min_prompts: int = 5
    max_link_reach: int = 20
    resolution: float = 1.0
    split_depth: int = 2
    min_link_ratio: float = 1.2
    min_link_share: float = 0.1
    min_link_intensity: float = 0.5
    timing_bin_seconds: int = 3600
    volume_spread: float = 4.0
    min_accounts: int = 2
    max_exchange: float = 1.5

    def __post_init__(self) -> None:
        _check("scoring.campaigns", {
            "max_exchange must be > 0": self.max_exchange > 0,
            "min_prompts must be >= 1": self.min_prompts >= 1,
            "max_link_reach must be >= 2": self.max_link_reach >= 2,
            "resolution must be > 0": self.resolution > 0,
            "split_depth must be >= 0": self.split_depth >= 0,
            "min_link_share must be in [0, 1]": 0 <= self.min_link_share <= 1,
            "volume_spread must be > 1": self.volume_spread > 1,
            "min_accounts must be >= 2": self.min_accounts >= 2,
            "timing_bin_seconds must be > 0": self.timing_bin_seconds > 0,
        })


@dataclass(frozen=True)
class ScoringOptions:
    """Every scoring rule, and how features become a score and a verdict (``conf/scoring/``).

    Attributes:
        reference: folder holding the topic reference (``topics.npz``) and the combiner
            (``combiner.json``); None is the one shipped with the package (fitted on the tuning
            split of the labelled suite, ``tools/fit_reference.py``); ``day`` fits the topic
            reference on the day itself (for an embedder the shipped one was not made with).
        threshold: an account is flagged at this score, in (0, 1); None: the combiner's fitted one.
        campaign_threshold: a campaign is flagged at this score of the campaign combiner; None: its fitted one.
        min_prompts: ... and only with at least this many distinct prompts (fewer cannot be judged).
        z: standard errors of doubt an account's breadth must clear (>= 0).
        seed: seed of every sampled or clustered step (results are deterministic for a seed).
    """

    topics: TopicOptions = field(default_factory=TopicOptions)
    templates: TemplateOptions = field(default_factory=TemplateOptions)
    campaigns: CampaignOptions = field(default_factory=CampaignOptions)
    reference: Optional[str] = None
    threshold: Optional[float] = None
    campaign_threshold: Optional[float] = None
    min_prompts: int = 10
    z: float = 2.0
    seed: int = 0

    def __post_init__(self) -> None:
        _check("scoring", {
            "threshold must be in (0, 1) or null": self.threshold is None or 0 < self.threshold < 1,
            "campaign_threshold must be in (0, 1) or null":
                self.campaign_threshold is None or 0 < self.campaign_threshold < 1,
            "min_prompts must be >= 1": self.min_prompts >= 1,
            "z must be >= 0": self.z >= 0,
        })
