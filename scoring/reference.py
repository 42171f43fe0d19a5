"""The reference topic space: a fixed two-level codebook and the benign population's place in it.

Coverage that is measured against the day itself means something else every day: a
short batch, a day of mostly code, or a day with one big sweep move every number. The
reference is fitted once, on the tuning split of the labelled suite, and shipped:

- **coarse cells** (``n_coarse``, spherical k-means over topic vectors): the domains an
  account works in (code, maths, cooking, law ...);
- **fine cells** (``n_fine`` per coarse cell, k-means inside each): the subjects of a
  domain. Every domain has as many fine cells, whatever its share of traffic, so an
  even sweep of programming is as broad within its domain as an even sweep of
  everything is across domains;
- the benign share of each fine cell (how often ordinary traffic goes there) and the
  benign typical concentrations the breadth features are measured against.

The codebook lives in the static embedder's space. A static model distilled on another
machine can differ by rounding or by the sign of a principal component, so the reference
carries probe words with their vectors; :func:`align` maps the shipped centroids into the
local model's space (orthogonal Procrustes) and refuses a model that no rotation explains.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from files.atomic import atomic_path
from scoring.topics import assign_cells, train_codebook

FORMAT = 1
# Common English content words, the probes that tie the shipped codebook to a local static model.
PROBE_WORDS = tuple("""
    account acid actor address africa agent algebra algorithm animal answer apple army art article
    atom audio baby bacteria bank battery bean bible bird blood boat body bone book brain bread bridge
    budget building business cake camera cancer car carbon card career cell chair chemistry child
    china church city climate clock cloud coffee college color company computer contract cooking
    court credit crime culture customer dance data database death debt democracy design diet disease
    doctor dog dollar dragon drug earth economy education egg election electricity email energy engine
    english europe exercise family farm fashion fish flower food football forest france function game
    garden gas gene geography god government grammar graph guitar health heart history holiday horse
    hospital hotel house ice income insurance internet island java job justice kitchen language law
    leaf library light loan love machine market marriage math medicine memory metal military milk
    money moon mountain movie muscle museum music nation network news novel number ocean oil painting
    paper patient philosophy phone physics piano planet plant poem poetry police politics population
    protein python question rain recipe religion restaurant river robot rock salary school science
    sea security server sex ship shoe shop skin sleep soccer software soil song soul space sport star
    stock story student sugar sun tax tea teacher team technology television tennis test theory
    tomato tool tourism town toy trade train travel tree truck university vaccine village violin
    virus vitamin voice war water weather website wedding whale wine winter woman wood word work
    world writing yoga
""".split())
_MAX_ROTATION_ERROR = 0.02  # mean 1 - cosine between rotated reference probes and local ones


@dataclass(frozen=True)
class Reference:
    """The fixed topic space every account is placed in (see the module docstring).

    Attributes:
        coarse: (n_coarse, d) unit-norm centroids of the domains.
        fine: (n_coarse * n_fine, d) unit-norm centroids; fine cell ``f`` lies in coarse cell ``f // n_fine``.
        n_fine: fine cells per coarse cell.
        benign_share: (n_coarse * n_fine,) share of benign reference prompts in each fine cell (> 0).
        typical: benign typical same-cell concentrations, ``{"coarse", "fine", "within"}``: the
            chance that two prompts of a typical benign account share a coarse cell, a fine cell,
            and a fine cell given that they share a coarse one.
        probes: (len(PROBE_WORDS), d) the fitting model's vectors of :data:`PROBE_WORDS`.
        model: identity of the embedder the reference was fitted with.
        fitted_on: a sentence saying what the reference was fitted on.
    """

    coarse: np.ndarray
    fine: np.ndarray
    n_fine: int
    benign_share: np.ndarray
    typical: dict
    probes: np.ndarray
    model: dict
    fitted_on: str = ""
    meta: dict = field(default_factory=dict)

    @property
    def n_coarse(self) -> int:
        """Number of coarse cells (domains)."""
        return len(self.coarse)

    @property
    def n_cells(self) -> int:
        """Number of fine cells."""
        return len(self.fine)

    def place(self, vectors: np.ndarray) -> np.ndarray:
        """The fine cell of each unit-norm topic vector: its nearest domain, then the nearest subject in it."""
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        domain = assign_cells(vectors, self.coarse)
        cells = np.empty(len(vectors), dtype=np.int32)
        for d in np.unique(domain):
            rows = np.flatnonzero(domain == d)
            children = self.fine[d * self.n_fine : (d + 1) * self.n_fine]
            cells[rows] = d * self.n_fine + assign_cells(vectors[rows], children)
        return cells


def fit_reference(vectors: np.ndarray, *, benign: np.ndarray, account: np.ndarray, probes: np.ndarray,
                  model: dict, n_coarse: int = 32, n_fine: int = 16, seed: int = 0,
                  fitted_on: str = "") -> Reference:
    """Fit the two-level codebook and the benign statistics on reference topic vectors.

    Args:
        vectors: (n, d) unit-norm topic vectors of the reference prompts.
        benign: (n,) True for prompts of benign accounts.
        account: (n,) the account each prompt belongs to (for the typical concentrations).
        probes: the fitting model's vectors of :data:`PROBE_WORDS`.
        model: the fitting embedder's identity.
        n_coarse, n_fine: cells of each level.
        seed: k-means seed.
        fitted_on: what the vectors are, for reports.
    """
    kmeans = {"n_iter": 25, "sample_max": max(2, len(vectors)), "seed": seed}
    coarse = train_codebook(vectors, n_cells=n_coarse, **kmeans)
    domain = assign_cells(vectors, coarse)
    fine = np.empty((n_coarse * n_fine, vectors.shape[1]), dtype=np.float32)
    for d in range(n_coarse):
        rows = vectors[domain == d]
        if len(rows) >= n_fine:
            fine[d * n_fine : (d + 1) * n_fine] = train_codebook(rows, n_cells=n_fine, **kmeans)
        else:  # a nearly empty domain: its centroid and copies of it, so every fine cell stays valid
            fine[d * n_fine : (d + 1) * n_fine] = coarse[d]
    ref = Reference(coarse=coarse, fine=fine, n_fine=n_fine, benign_share=np.ones(n_coarse * n_fine),
                    typical={}, probes=probes, model=model, fitted_on=fitted_on)
    cells = ref.place(vectors)
    share = np.bincount(cells[benign], minlength=ref.n_cells).astype(np.float64) + 0.5
    typical = typical_concentrations(cells[benign], account[benign], n_fine=n_fine)
    return Reference(coarse=coarse, fine=fine, n_fine=n_fine, benign_share=share / share.sum(), typical=typical,
                     probes=probes, model=model, fitted_on=fitted_on)


def typical_concentrations(cells: np.ndarray, account: np.ndarray, *, n_fine: int, min_volume: int = 20) -> dict:
    """Median same-cell concentrations of the accounts with at least ``min_volume`` prompts."""
    out: dict[str, list[float]] = {"coarse": [], "fine": [], "within": []}
    for a in np.unique(account):
        c = cells[account == a]
        if len(c) < min_volume:
            continue
        pairs = len(c) * (len(c) - 1)
        fine_pairs = _pairs(np.bincount(c))
        coarse_pairs = _pairs(np.bincount(c // n_fine))
        out["fine"].append(fine_pairs / pairs)
        out["coarse"].append(coarse_pairs / pairs)
        out["within"].append(fine_pairs / max(coarse_pairs, 1.0))
    return {k: float(np.median(v)) if v else 0.5 for k, v in out.items()}


def _pairs(counts: np.ndarray) -> float:
    counts = counts.astype(np.float64)
    return float(np.sum(counts * (counts - 1)))


def align(reference: Reference, local_probes: np.ndarray) -> Reference:
    """The reference with its centroids rotated into the local model's space.

    Raises:
        ValueError: no rotation maps the shipped probes onto the local ones (another model).
    """
    a = np.asarray(reference.probes, dtype=np.float64)
    b = np.asarray(local_probes, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"the reference was fitted in {a.shape[1]} dimensions, the local static model has "
                         f"{b.shape[1]}; refit it (tools/fit_reference.py) or set scoring.topics.reference=null")
    u, _, vt = np.linalg.svd(a.T @ b)
    rotation = u @ vt
    error = float(np.mean(1.0 - np.sum(_unit(a @ rotation) * _unit(b), axis=1)))
    if error > _MAX_ROTATION_ERROR:
        raise ValueError(f"the reference was fitted with another embedder ({reference.model.get('name')}, "
                         f"probe error {error:.3f}); refit it (tools/fit_reference.py) for this one or set "
                         f"scoring.topics.reference=null")
    rotate = lambda x: _unit(np.asarray(x, dtype=np.float64) @ rotation).astype(np.float32)  # noqa: E731
    return Reference(coarse=rotate(reference.coarse), fine=rotate(reference.fine), n_fine=reference.n_fine,
                     benign_share=reference.benign_share, typical=reference.typical, probes=b.astype(np.float32),
                     model=reference.model, fitted_on=reference.fitted_on, meta={"probe_error": error})


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


def save_reference(reference: Reference, path: str | Path) -> Path:
    """Write the reference as one ``.npz`` (arrays and a JSON header; no pickle), atomically."""
    path = Path(path)
    header = {"format": FORMAT, "n_fine": reference.n_fine, "typical": reference.typical, "model": reference.model,
              "fitted_on": reference.fitted_on, "probe_words": list(PROBE_WORDS)}
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        np.savez_compressed(fh, coarse=reference.coarse.astype(np.float32), fine=reference.fine.astype(np.float32),
                            benign_share=reference.benign_share.astype(np.float64),
                            probes=reference.probes.astype(np.float32),
                            header=np.frombuffer(json.dumps(header).encode(), dtype=np.uint8))
    return path


def _degenerate(centroids: np.ndarray, *, dim: int) -> str | None:
    """What makes a codebook unusable (wrong shape, non-finite, zero or repeated centroids), or None."""
    if centroids.ndim != 2 or centroids.shape[1] != dim:
        return f"have shape {centroids.shape}, not (cells, {dim})"
    if len(centroids) < 2:
        return f"number {len(centroids)}"
    if not np.isfinite(centroids).all():
        return "hold non-finite values"
    norms = np.linalg.norm(centroids, axis=1)
    if (norms < 0.5).any():
        return f"include {int((norms < 0.5).sum())} of {len(centroids)} that are (near) zero"
    distinct = len(np.unique(np.round(centroids / norms[:, None], 4), axis=0))
    if distinct < len(centroids):
        return f"include repeats ({distinct} distinct of {len(centroids)})"
    return None


def load_reference(path: str | Path) -> Reference:
    """Read a reference written by :func:`save_reference`.

    Raises:
        ValueError: the file is missing, not a reference, or of another format version.
    """
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as data:
            header = json.loads(bytes(data["header"]).decode())
            arrays = {k: data[k] for k in ("coarse", "fine", "benign_share", "probes")}
    except (OSError, KeyError, ValueError) as err:
        raise ValueError(f"{path}: not a readable topic reference ({err}); refit it with tools/fit_reference.py") \
            from None
    if header.get("format") != FORMAT or header.get("probe_words") != list(PROBE_WORDS):
        raise ValueError(f"{path}: a topic reference of another format; refit it with tools/fit_reference.py")
    for name in ("coarse", "fine"):
        problem = _degenerate(arrays[name], dim=arrays["probes"].shape[1])
        if problem:
            raise ValueError(f"{path}: its {name} topic cells {problem}, so every prompt would land in the "
                             f"same few cells; refit it with tools/fit_reference.py")
    return Reference(coarse=arrays["coarse"], fine=arrays["fine"], n_fine=int(header["n_fine"]),
                     benign_share=arrays["benign_share"], typical=header["typical"], probes=arrays["probes"],
                     model=header["model"], fitted_on=header.get("fitted_on", ""))
