"""Harvesters that put corpus text into wording of their own: FLAN template sweeps and chain-of-thought wrappers.

``template_sweep`` fills a few FLAN templates across every topic cluster,
``evasive`` does the same with paraphrased wording and Unicode noise,
``narrow_task_sweep`` is an evaluation questionnaire (many templates, one topic,
template by template) and ``cot_fixed``/``cot_rotating`` wrap broad questions in
one or several chain-of-thought elicitation wrappers (project-written).
"""

from __future__ import annotations

from typing import Sequence

from synthetic.labelled.harvesters import harvester, harvester_volume
from synthetic.labelled.sources import AccountDay, Deck, Rng
from synthetic.labelled.templates import OPTION_SETS, clip, paraphrase, render, text_slots, unicode_noise

EVASIVE_NOISE_SHARE = 0.3
QUESTION_CHARS = 1000
# Chain-of-thought elicitation wrappers, written for this project.
COT_WRAPPERS: tuple[str, ...] = (
    "Think step by step. Explain your reasoning in detail before you give the final answer.\n\nQuestion: {question}",
    "{question}\n\nLet's work through this carefully, one step at a time, and only then state the final answer.",
    "Answer the question below. First write out your full chain of reasoning, then give the answer on its own "
    "line starting with 'Answer:'.\n\n{question}",
    "You are a careful expert. Reason through the following problem step by step and show every intermediate "
    "thought.\n\nProblem: {question}\n\nReasoning:",
    "Question: {question}\nBefore answering, break the problem into smaller parts and solve each one. Show your work.",
    "Explain your thinking in detail, then answer.\n\n{question}",
    "{question}\n\nWalk me through your reasoning step by step, justifying each step before you conclude.",
    "Solve the following. Write your reasoning as a numbered list of steps, then give a final answer.\n\n"
    "Task: {question}",
    "Think aloud about this question and weigh the different possibilities before you settle on an answer.\n\n"
    "{question}",
    "Give a detailed, step-by-step rationale for your answer to the question below. End with 'Final answer:' "
    "followed by the answer.\n\n{question}",
)


def pick_templates(rng: Rng, templates: Sequence[str], *, low: int = 3, high: int = 6) -> list[str]:
    """low..high distinct templates (fewer if there are fewer)."""
    n = min(len(templates), int(rng.integers(low, high + 1)))
    return [templates[i] for i in rng.choice(len(templates), size=n, replace=False)]


def sweep_prompts(rng: Rng, n: int, *, templates: Sequence[str], topics: Sequence[Deck],
                  evasive: bool = False) -> list[str]:
    """n prompts from a few templates, topic clusters visited in turn (an even sweep of the space).

    With ``evasive`` each prompt's template wording is paraphrased and ~30% of
    prompts get Unicode noise.
    """
    options = [OPTION_SETS[int(rng.integers(len(OPTION_SETS)))] for _ in templates]
    order = rng.permutation(len(topics))
    prompts = []
    for i in range(n):
        t = int(rng.integers(len(templates)))
        template = paraphrase(rng, templates[t]) if evasive else templates[t]
        topic = topics[order[i % len(order)]]
        fills = [topic.draw() for _ in text_slots(template)]
        text = render(template, fills, options=options[t])
        prompts.append(unicode_noise(rng, text) if evasive and rng.random() < EVASIVE_NOISE_SHARE else text)
    return prompts


def template_sweep_day(rng: Rng, *, templates: Sequence[str], topics: Sequence[Deck], corpus: str,
                       sessions: bool) -> AccountDay:
    """3-6 FLAN templates, each slot filled from every topic cluster in turn."""
    prompts = sweep_prompts(rng, harvester_volume(rng), templates=pick_templates(rng, templates), topics=topics)
    return harvester("template_sweep", rng, prompts, sessions=sessions, corpus=corpus)


def evasive_day(rng: Rng, *, templates: Sequence[str], topics: Sequence[Deck], corpus: str,
                sessions: bool) -> AccountDay:
    """A template sweep with the wording paraphrased per prompt and ~30% Unicode-noised prompts.

    ``templates`` should be ones :func:`~synthetic.labelled.templates.paraphrasable` can change.
    """
    prompts = sweep_prompts(rng, harvester_volume(rng), templates=pick_templates(rng, templates), topics=topics,
                            evasive=True)
    return harvester("evasive", rng, prompts, sessions=sessions, corpus=corpus)


def narrow_task_sweep_day(rng: Rng, *, templates: Sequence[str], topic: Sequence[str], corpus: str,
                          sessions: bool) -> AccountDay:
    """An evaluation-style questionnaire: 6-12 FLAN templates, each refilled many times with texts of
    ONE topic cluster, sent template by template in order."""
    chosen = pick_templates(rng, templates, low=6, high=12)
    n = harvester_volume(rng)
    texts = Deck(topic, rng)  # the account's own order: each template sees the same topic's texts
    prompts = []
    for t, template in enumerate(chosen):
        options = OPTION_SETS[int(rng.integers(len(OPTION_SETS)))]
        size = n // len(chosen) + (t < n % len(chosen))
        prompts += [render(template, [texts.draw() for _ in text_slots(template)], options=options)
                    for _ in range(size)]
    return harvester("narrow_task_sweep", rng, prompts, sessions=sessions, corpus=corpus)


def cot_day(rng: Rng, *, rotating: bool, topics: Sequence[Deck], corpus: str, sessions: bool) -> AccountDay:
    """Broad questions drawn evenly across the topic clusters, each wrapped in a chain-of-thought wrapper:
    one fixed wrapper (``cot_fixed``) or 6-10 used in rotation (``cot_rotating``)."""
    k = int(rng.integers(6, 11)) if rotating else 1
    wrappers = [COT_WRAPPERS[i] for i in rng.choice(len(COT_WRAPPERS), size=k, replace=False)]
    order = rng.permutation(len(topics))
    prompts = [wrappers[i % k].replace("{question}", clip(topics[order[i % len(order)]].draw(),
                                                          limit=QUESTION_CHARS))
               for i in range(harvester_volume(rng))]
    return harvester("cot_rotating" if rotating else "cot_fixed", rng, prompts, sessions=sessions, corpus=corpus)
