"""Typed options of the daily job.

These dataclasses are the schema Hydra checks ``conf/`` against (registered in
:mod:`job.wiring`), so a misspelt key fails at compose time, and they are also
the plain typed objects the components receive: no component sees a Hydra config.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional


@dataclass
class ColumnsOptions:
    """Names of the input columns."""

    account_id: str = "account_id"
    timestamp: str = "timestamp"
    prompt: str = "prompt"


@dataclass
class InputOptions:
    """Where the day's traffic comes from.

    ``path`` null means the built-in demo day (``demo_users`` ordinary users,
    ``demo_seed``), generated into the output folder.
    """

    path: Optional[str] = None
    format: str = "auto"  # auto | parquet | jsonl | csv
    columns: ColumnsOptions = field(default_factory=ColumnsOptions)
    chunk_rows: int = 50_000
    max_prompt_chars: int = 20_000
    demo_users: int = 300
    demo_seed: int = 0


@dataclass
class EmbedderOptions:
    """The sentence embedder and its model-specific cosine thresholds."""

    name: str = "static"  # static | minilm
    device: str = "cpu"  # cpu | cuda | cuda:N | auto (cuda when torch sees one)
    precision: str = "auto"  # auto (float16 for MiniLM on CUDA, else as loaded) | float32 | float16
    batch_size: Optional[int] = 1024  # null: 32 for MiniLM on CPU, 256 on CUDA, 1024 for static
    cache_dir: Optional[str] = None
    static_dims: int = 256
    max_seq_length: Optional[int] = None
    # Cosine at which two prompts count as the same prompt; static cosines run higher.
    duplicate_similarity: float = 0.95

    def __post_init__(self) -> None:
        from embedder.device import check_device_name, check_precision_name

        check_device_name(self.device)
        check_precision_name(self.precision)
        if self.batch_size is not None and self.batch_size < 1:
            raise ValueError(f"embedder.batch_size must be a positive int or null, got {self.batch_size!r}.")


@dataclass
class IndexOptions:
    """The faiss index of the day's prompt vectors and the neighbour searches on it."""

    factory: str = "auto"  # a faiss factory string, or auto (Flat up to flat_max, else IVF-SQ8)
    flat_max: int = 50_000
    nprobe: int = 16
    ef_search: int = 64
    k: int = 10  # neighbours across all accounts
    within_account_k: int = 5  # neighbours among an account's own prompts
    exact_max: int = 4_096  # accounts up to this many distinct prompts are searched exactly
    # A day with more distinct prompts keeps its vectors in a temporary file read back in pieces
    # (index.vector_file): 7M distinct prompts are 7 GB of float32 vectors, the whole memory target.
    vectors_in_memory_max: int = 1_000_000
    # Prompts whose approximate neighbours are checked against exact search (recall@k in summary.json);
    # 0 skips the check. It costs sample × distinct prompts dot products: ~1 min for 2,000 on a 1M-row day here.
    recall_sample: int = 0
    # auto: IVF-SQ8 up to this many distinct prompts, fast-scan PQ re-ranked on SQ8 codes above it; an SQ8
    # scan grows as n^1.5 (index.neighbours.resolve_factory): on 2 cores a 7M-prompt self-search takes hours.
    sq8_max: int = 2_000_000
    refine_k_factor: int = 32  # a re-ranking index re-ranks k_factor x k candidates (recall 0.944 at 32 on 1M)


@dataclass
class TopicsOptions:
    """The topic codebook (k-means cells)."""

    n_cells: int = 256
    min_points_per_cell: int = 39
    n_iter: int = 20
    sample_max: int = 100_000
    codebook: Optional[str] = None  # a saved codebook.npy to use instead of training on the day
    # Cells are assigned on each prompt's topic words: function and request words are dropped, and so
    # are words in template_word_share (and template_word_min_count) of its template group's prompts.
    topic_words_only: bool = True
    template_word_share: float = 0.05
    template_word_min_count: int = 3
    # static: topic words always go through the static model (bags of content words are what a static
    # model embeds well, ~100x faster than MiniLM on CPU); same: through the configured embedder.
    embedder: str = "static"


@dataclass
class CoverageOptions:
    """Topic diversity estimate (see scoring.coverage)."""

    z: float = 2.0  # standard errors of doubt an account's topic diversity must clear
    min_volume: int = 20  # accounts smaller than this do not set the typical reference
    softness: float = 0.15  # 0: clip to [0, 1]; > 0: logistic of this width (no ties at 0)


@dataclass
class TemplateOptions:
    """Template sibling rules (see scoring.templating)."""

    min_overlap: float = 0.6
    min_containment: float = 0.8  # a leftover joins a template only carrying this share of its fixed words
    affix_tokens: int = 5  # leftovers opening or closing with the same 5 tokens are siblings
    sibling_margin: float = 0.0  # siblings' shared words at least this much commoner (mean log count) than their differing ones
    min_affix_count: int = 3  # prompts of the account that must share a template opening/closing
    relative_affix_count: float = 0.0005  # ... or this share of the account's distinct prompts, if more
    max_affix_tokens: int = 16  # longest opening/closing looked at
    affix_stability: float = 0.8  # an opening ends where its sharers thin below this share of the previous token's
    min_fixed_tokens: int = 5  # tokens a template's opening and closing must fix between them
    family_affix_tokens: int = 3  # templates sharing an opening/closing this long are one task's variants
    drop_passage_affixes: bool = True  # a template refilled with passages other templates reuse groups by its template text
    split_field_labels: bool = True  # split a group whose members name different fields ("Choices:" or not)
    field_label_presence: float = 0.9  # a label is a field where this share of some template's prompts carry it
    field_label_share: float = 0.1  # ... and a variant is split off when it holds this share of its group
    min_template_size: int = 3
    popular_accounts: int = 5  # prompts reached by this many accounts are not anyone's template
    sweep_min_fills: int = 10  # a template counts towards a task sweep when refilled this many times
    sweep_min_slot_words: int = 60  # ... and its slots hold this many distinct words across the fills


@dataclass
class CampaignOptions:
    """Linking accounts into campaigns (scoring/links.py, scoring/campaigns.py)."""

    enabled: bool = True
    min_prompts: int = 5  # distinct prompts an account needs to be linked (fewer carry no evidence)
    resolution: float = 1.0  # Leiden modularity resolution: higher gives smaller communities
    min_link_ratio: float = 1.2  # member's inside-link share over the campaign's share of all links
    min_link_share: float = 0.1  # share of members' link weight that must stay inside the campaign
    min_link_intensity: float = 0.25  # member's inside link weight per prompt over the campaign median
    max_timing_clumping: float = 3.0  # how much more clumped in time than its campaign a member may be
    max_topic_clumping: float = 5.0  # how much more clumped over topic cells than its campaign a member may be
    timing_bin_seconds: int = 3600  # time-of-day bins for the timing check
    volume_spread: float = 4.0  # members' distinct prompts within this factor of the campaign median
    min_accounts: int = 2  # smallest campaign


@dataclass
class ScoringOptions:
    """Signals, score and flag thresholds."""

    topics: TopicsOptions = field(default_factory=TopicsOptions)
    coverage: CoverageOptions = field(default_factory=CoverageOptions)
    templates: TemplateOptions = field(default_factory=TemplateOptions)
    campaigns: CampaignOptions = field(default_factory=CampaignOptions)
    coverage_weight: float = 0.6
    threshold: float = 0.35
    min_prompts: int = 20
    # A campaign has already shown coordination (its links passed the checks), so its pooled prompts need
    # only be clearly broader than a typical account's, not as broad as a lone harvester's.
    campaign_threshold: float = 0.2
    # Effective number of refilled templates at which an account's breadth over tasks is complete.
    sweep_templates: float = 16.0
    base_templates: float = 2.0  # ... and the number an ordinary account may keep (counts for nothing)
    seed: int = 0

    def __post_init__(self) -> None:
        checks = {
            "scoring.coverage_weight must be in [0, 1]": 0.0 <= self.coverage_weight <= 1.0,
            "scoring.threshold must be in [0, 1]": 0.0 <= self.threshold <= 1.0,
            "scoring.campaign_threshold must be in [0, 1]": 0.0 <= self.campaign_threshold <= 1.0,
            "need 1 <= scoring.base_templates < scoring.sweep_templates":
                1 <= self.base_templates < self.sweep_templates,
            "scoring.coverage.z must be >= 0": self.coverage.z >= 0,
            "scoring.templates.min_overlap must be in (0, 1]": 0.0 < self.templates.min_overlap <= 1.0,
            "scoring.templates.min_containment must be in [0, 1]": 0.0 <= self.templates.min_containment <= 1.0,
            "scoring.templates.min_template_size must be >= 2": self.templates.min_template_size >= 2,
            "scoring.templates.min_affix_count must be >= 2": self.templates.min_affix_count >= 2,
            "scoring.templates.relative_affix_count must be in [0, 1)": 0 <= self.templates.relative_affix_count < 1,
            "scoring.templates.max_affix_tokens must be >= 1": self.templates.max_affix_tokens >= 1,
            "scoring.templates.affix_tokens must be >= 1": self.templates.affix_tokens >= 1,
            "scoring.templates.min_fixed_tokens must be >= 1": self.templates.min_fixed_tokens >= 1,
            "scoring.templates.family_affix_tokens must be >= 1": self.templates.family_affix_tokens >= 1,
            "scoring.templates.affix_stability must be in [0, 1]": 0 <= self.templates.affix_stability <= 1,
            "scoring.templates.field_label_presence must be in (0, 1]": 0 < self.templates.field_label_presence <= 1,
            "scoring.templates.field_label_share must be in [0, 1]": 0 <= self.templates.field_label_share <= 1,
            "scoring.topics.embedder must be 'static' or 'same'": self.topics.embedder in ("static", "same"),
            "scoring.campaigns.min_prompts must be >= 1": self.campaigns.min_prompts >= 1,
            "scoring.campaigns.resolution must be > 0": self.campaigns.resolution > 0,
            "scoring.campaigns.min_link_share must be in [0, 1]": 0.0 <= self.campaigns.min_link_share <= 1.0,
            "scoring.campaigns.volume_spread must be > 1": self.campaigns.volume_spread > 1,
            "scoring.campaigns.min_accounts must be >= 2": self.campaigns.min_accounts >= 2,
            "scoring.campaigns.timing_bin_seconds must be > 0": self.campaigns.timing_bin_seconds > 0,
        }
        for message, ok in checks.items():
            if not ok:
                raise ValueError(message)


@dataclass
class OutputOptions:
    """Where results go."""

    dir: str = "outputs/run"


@dataclass
class DailyConfig:
    """The whole daily job: the schema of ``conf/config.yaml``."""

    input: InputOptions = field(default_factory=InputOptions)
    embedder: EmbedderOptions = field(default_factory=EmbedderOptions)
    index: IndexOptions = field(default_factory=IndexOptions)
    scoring: ScoringOptions = field(default_factory=ScoringOptions)
    output: OutputOptions = field(default_factory=OutputOptions)


@dataclass
class SimulateOptions:
    """A labelled day simulated from real prompt corpora (see synthetic.labelled.day)."""

    corpus: str = "../shared/data/prompts"
    split: str = "report"  # tune | report: the two never share a prompt
    seed: int = 0
    n_users: int = 1500
    harvesters_per_strategy: int = 5
    fleet_accounts: int = 300
    tune_share: float = 0.5
    day: str = "2026-11-27"


@dataclass
class EvalOptions:
    """Where the evaluation reads and writes, and what it optimises in a sweep."""

    out_dir: str = "outputs/eval"
    cache_dir: str = "outputs/eval-cache"  # simulated days and per-account signals, reused across runs
    traffic: Optional[str] = None  # a labelled day of your own (with labels), instead of simulating one
    labels: Optional[str] = None  # account_id, label (benign|harvester), strategy, hard_negative
    baselines: bool = True
    optimized_metric: str = "eval/auroc"


@dataclass
class EvaluateConfig:
    """The labelled evaluation: the schema of ``conf/evaluate.yaml``."""

    simulate: SimulateOptions = field(default_factory=SimulateOptions)
    embedder: EmbedderOptions = field(default_factory=EmbedderOptions)
    index: IndexOptions = field(default_factory=IndexOptions)
    scoring: ScoringOptions = field(default_factory=ScoringOptions)
    eval: EvalOptions = field(default_factory=EvalOptions)
