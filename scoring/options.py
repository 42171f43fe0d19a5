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
    """The topic codebook (spherical k-means cells) and what each prompt is placed by.

    Attributes:
        n_cells: cells of a codebook trained on the day (fewer on a small day).
        min_points_per_cell: a day trains at most one cell per this many prompts.
        n_iter: k-means iterations.
        sample_max: prompts the codebook is trained on (a fixed-seed sample).
        codebook: a saved ``codebook.npy`` to use instead of training on the day.
        topic_words_only: place prompts by their topic words: function and request words
            dropped, and words in ``template_word_share`` (and ``template_word_min_count``)
            of its template group's prompts, the template's own wording.
        template_word_share, template_word_min_count: see ``topic_words_only``.
        embedder: ``static``: topic words always go through the static model (bags of content
            words are what a static model embeds well, ~100x faster than MiniLM on a CPU);
            ``same``: through the configured embedder.
    """

    n_cells: int = 256
    min_points_per_cell: int = 39
    n_iter: int = 20
    sample_max: int = 100_000
    codebook: Optional[str] = None
    topic_words_only: bool = True
    template_word_share: float = 0.05
    template_word_min_count: int = 3
    embedder: str = "static"

    def __post_init__(self) -> None:
        _check("scoring.topics", {
            "n_cells must be >= 2": self.n_cells >= 2,
            "min_points_per_cell must be >= 1": self.min_points_per_cell >= 1,
            "n_iter must be >= 1": self.n_iter >= 1,
            "sample_max must be >= 2": self.sample_max >= 2,
            "template_word_share must be in (0, 1]": 0 < self.template_word_share <= 1,
            "template_word_min_count must be >= 1": self.template_word_min_count >= 1,
            "embedder must be 'static' or 'same'": self.embedder in ("static", "same"),
        })


@dataclass(frozen=True)
class CoverageOptions:
    """How an account's topic diversity is turned into coverage (``scoring.coverage``).

    Attributes:
        z: standard errors of doubt an account's topic diversity must clear (>= 0).
        min_volume: accounts with fewer distinct prompts do not set the typical reference.
        softness: 0 clips coverage to [0, 1]; above 0 a logistic of this width, so narrow
            accounts stay ranked among themselves instead of tying at 0.
    """

    z: float = 2.0
    min_volume: int = 20
    softness: float = 0.15

    def __post_init__(self) -> None:
        _check("scoring.coverage", {"z must be >= 0": self.z >= 0, "min_volume must be >= 2": self.min_volume >= 2,
                                    "softness must be >= 0": self.softness >= 0})


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
        popular_accounts: prompts reached by this many accounts are nobody's template.
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
        resolution: Leiden modularity resolution (> 0): higher gives smaller communities.
        min_link_ratio: a member's inside-link share over the campaign's share of all links (1 = chance).
        min_link_share: share of the members' link weight that must stay inside, in [0, 1].
        min_link_intensity: a member's inside link weight per prompt, over the campaign median.
        max_timing_clumping: how much more clumped in time than its campaign a member may be.
        max_topic_clumping: ... and over topic cells.
        timing_bin_seconds: time-of-day bins of the timing check.
        volume_spread: members' distinct prompts within this factor of the campaign median (> 1).
        min_accounts: smallest campaign (>= 2).
    """

    enabled: bool = True
    min_prompts: int = 5
    resolution: float = 1.0
    min_link_ratio: float = 1.2
    min_link_share: float = 0.1
    min_link_intensity: float = 0.25
    max_timing_clumping: float = 3.0
    max_topic_clumping: float = 5.0
    timing_bin_seconds: int = 3600
    volume_spread: float = 4.0
    min_accounts: int = 2

    def __post_init__(self) -> None:
        _check("scoring.campaigns", {
            "min_prompts must be >= 1": self.min_prompts >= 1,
            "resolution must be > 0": self.resolution > 0,
            "min_link_share must be in [0, 1]": 0 <= self.min_link_share <= 1,
            "volume_spread must be > 1": self.volume_spread > 1,
            "min_accounts must be >= 2": self.min_accounts >= 2,
            "timing_bin_seconds must be > 0": self.timing_bin_seconds > 0,
        })


@dataclass(frozen=True)
class ScoringOptions:
    """Every scoring rule, and how signals become a score and a verdict (``conf/scoring/``).

    The score's own values were found by the Optuna sweep on the tuning split of the
    labelled evaluation (``conf/hparams_search/score_optuna.yaml``).

    Attributes:
        coverage_weight: ``w`` of the topic-sweep route, ``coverage × (w + (1 − w) × templating)``.
        threshold: an account is flagged at this score, in [0, 1].
        min_prompts: ... and with at least this many distinct prompts.
        campaign_threshold: a campaign is flagged at this pooled score: its links already showed
            coordination, so its pool need only be clearly broader than a typical account's.
        sweep_templates: effective number of refilled templates at which breadth over tasks is complete.
        base_templates: ... and the number an ordinary account may keep (counts for nothing).
        seed: seed of every sampled or clustered step (results are deterministic for a seed).
    """

    topics: TopicOptions = field(default_factory=TopicOptions)
    coverage: CoverageOptions = field(default_factory=CoverageOptions)
    templates: TemplateOptions = field(default_factory=TemplateOptions)
    campaigns: CampaignOptions = field(default_factory=CampaignOptions)
    coverage_weight: float = 0.860
    threshold: float = 0.227
    min_prompts: int = 15
    campaign_threshold: float = 0.2
    sweep_templates: float = 16.0
    base_templates: float = 2.0
    seed: int = 0

    def __post_init__(self) -> None:
        _check("scoring", {
            "coverage_weight must be in [0, 1]": 0 <= self.coverage_weight <= 1,
            "threshold must be in [0, 1]": 0 <= self.threshold <= 1,
            "campaign_threshold must be in [0, 1]": 0 <= self.campaign_threshold <= 1,
            "min_prompts must be >= 1": self.min_prompts >= 1,
            "base_templates must be >= 1 and below sweep_templates": 1 <= self.base_templates < self.sweep_templates,
        })
