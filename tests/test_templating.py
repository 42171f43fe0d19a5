"""Template mining: skeletons and siblings robust to slot length, templates sharing passages kept apart,
task families, readable skeletons; an account's templates its own, a pool's without popular prompts."""

import itertools

import numpy as np
import pandas as pd

from scoring.nodes import Nodes
from scoring.options import TemplateOptions, TopicOptions
from scoring.templating import (SLOT, align_template, fixed_text_containment, share_template, similar_pairs,
                                skeleton_groups, split_by_field_labels, template_groups)
from scoring.tokens import TokenStore, tokenize


def mine(accounts: dict[str, list[str]], popular_texts=(), skeleton_kw=None, **kw):
    store, node_account, node_uid = TokenStore(), [], []
    texts = []
    for code, (_, prompts) in enumerate(sorted(accounts.items())):
        for p in prompts:
            node_account.append(code)
            node_uid.append(store.add(p))
            texts.append(p)
    node_account, node_uid = np.array(node_account), np.array(node_uid)
    # Every pair within an account is a candidate: this isolates the lexical rules from the index.
    pairs = [(i, j) for i, j in itertools.permutations(range(len(node_uid)), 2) if node_account[i] == node_account[j]]
    src, dst = (np.array(x) for x in zip(*pairs))
    popular = np.array([t in popular_texts for t in texts])
    nodes = Nodes(account=node_account, uid=node_uid, n_accounts=len(accounts))
    skeleton = skeleton_groups(store, nodes, popular=popular, rules=TemplateOptions(**(skeleton_kw or {})))
    return store, template_groups(store, nodes, (src, dst), skeleton=skeleton, popular=popular,
                                  rules=TemplateOptions(**kw))


STORY = [
    "Write a short story about dragons in the style of Hemingway.",
    "Write a short story about a lonely lighthouse keeper in the style of Jane Austen.",
    "Write a short story about quantum computers in the style of a noir detective novel.",
    "Write a short story about bees in the style of Tolkien.",
]
FREE = [
    "Could you tell me a tale where dragons appear, told the way Hemingway would?",
    "I'd love a Jane Austen-ish piece about someone who keeps a lonely lighthouse.",
    "Noir detective vibes please: something about quantum computers.",
    "Tolkien fan here. Bees. Go!",
]


def test_a_templated_account_scores_higher_than_the_same_content_paraphrased():
    _, groups = mine({"templated": STORY, "free": FREE})
    assert groups.templating[1] == 1.0 and groups.n_templates[1] == 1
    assert groups.templating[0] == 0.0


def test_the_skeleton_is_reported_with_slots_whatever_their_length():
    _, groups = mine({"a": STORY})
    assert groups.top_template[0] == "write a short story about <*> in the style of <*>."


def test_slot_length_does_not_break_siblings():
    prompts = ["Explain RSA.", "Explain RSA encryption to a child.", "Explain the RSA encryption scheme step by step."]
    _, groups = mine({"a": prompts})
    assert groups.templating[0] == 1.0


def test_long_slot_templates_are_caught_by_their_shared_opening():
    article = "The council met on Tuesday to discuss {} and voted after a long debate about budgets, parks and roads."
    prompts = [f"Summarize the following article in one sentence: {article.format(t)} {t} {t}" for t in
               ("zoning", "bike lanes near the old harbour district", "school meals", "night buses")]
    _, groups = mine({"a": prompts}, min_overlap=0.99)  # overlap alone cannot link them here
    assert groups.templating[0] == 1.0


PASSAGES = [
    "The city council approved a new budget for parks and libraries after a long debate on Tuesday night.",
    "Scientists observed a comet passing close to Jupiter, the first such sighting in nearly forty years.",
    "The home team won the championship with a late goal in extra time before a record crowd.",
    "Shares of the chip maker rose sharply after it reported record quarterly profits and new orders.",
]


def test_templates_filled_with_the_same_passages_are_not_chained_together():
    # Each passage under two templates: the passage makes the pairs near-identical word for word,
    # which chained every template of a dataset into one before skeletons.
    a = [f"Passage: {p} Question: which section of a newspaper would this appear in?" for p in PASSAGES]
    b = [f"{p} Summarize the passage above in one short sentence, please." for p in PASSAGES]
    store, groups = mine({"x": a + b})
    assert groups.n_templates[0] == 2 and groups.templating[0] == 1.0
    assert len(set(groups.group[:4])) == 1 and len(set(groups.group[4:])) == 1
    assert groups.group[0] != groups.group[4]
    shown = sorted(t for t, _ in groups.top_templates[0])
    assert shown[0].endswith("summarize the passage above in one short sentence, please.")
    assert shown[1].startswith("passage: <*>") and shown[1].endswith("which section of a newspaper would this appear in?")


MORE_PASSAGES = PASSAGES + [
    "A storm closed the mountain pass for three days, stranding hundreds of drivers in the valley towns below.",
    "The museum reopened its east wing with a show of medieval maps borrowed from collections across Europe.",
    "Farmers in the region reported the driest summer on record, and wheat prices climbed for a second month.",
    "The orchestra announced a new conductor, a former violinist who led youth ensembles for a decade.",
]


def passage_questions() -> tuple[list[str], np.ndarray]:
    """Three templates asking about each of eight passages, ending in their fills; (prompts, template)."""
    asks = ["Which word does the text use first, {} or {}?", "Is the main claim of this text supported by it: {} or {}?",
            "Pick the better title for the text above: {} or {}?"]
    fills = itertools.cycle([("red", "blue"), ("north", "south"), ("yes", "no"), ("early", "late"), ("up", "down"),
                             ("cats", "dogs"), ("gold", "silver"), ("rain", "snow"), ("old", "new")])
    return [f"{p} {q.format(*next(fills))}" for p in MORE_PASSAGES for q in asks], np.tile(np.arange(3), 8)


def test_prompts_sharing_a_passage_but_not_their_wording_are_not_siblings():
    # Skeletons are held off here, so only siblings can group. Prompts about one passage are
    # near-identical word for word, but what they share is the rare passage and what tells them
    # apart is template wording that recurs across the passages: one passage, not one template.
    prompts, template = passage_questions()
    _, before = mine({"x": prompts}, skeleton_kw={"min_affix_count": 100}, sibling_margin=-100.0)  # the rule off
    mixed = [set(template[before.group == g]) for g in set(before.group[before.group >= 0])]
    assert mixed and all(len(t) == 3 for t in mixed)  # each passage's three templates became one "template"
    _, groups = mine({"x": prompts}, skeleton_kw={"min_affix_count": 100})
    found = [set(template[groups.group == g]) for g in set(groups.group[groups.group >= 0])]
    # What is left are true refills: one template with the same fills (a shared closing) on other passages.
    assert found and all(len(t) == 1 for t in found)


def test_a_prompt_sharing_only_the_filled_passage_does_not_join_the_template():
    # "Q: <passage>" has no fixed text of its own, and its nearest prompts are the template's fills of
    # the same passage (overlap ~0.9). Before, that overlap alone pulled it into the template.
    template = [f"Summarize the passage above in one short sentence, please. {p} Keep it brief." for p in PASSAGES]
    bare = [f"Q: {p}" for p in PASSAGES[:3]]
    _, groups = mine({"x": template + bare})
    assert len(set(groups.group[:4])) == 1 and groups.group[0] >= 0
    assert all(g != groups.group[0] for g in groups.group[4:])


def test_a_light_paraphrase_carrying_the_template_wording_still_joins_it():
    template = [f"Please write a short poem about {t} in the style of a sonnet today." for t in
                ("the sea", "autumn leaves", "a city at night", "old friends")]
    variant = "Please write a short poem about the sea in the style of a sonnet now."
    _, groups = mine({"x": template + [variant]})
    assert groups.group[4] == groups.group[0] >= 0


def test_refills_whose_first_words_differ_keep_their_shared_closing():
    # Reviews begin with whatever word they begin with; each (first word, closing) pair is too rare
    # to be a template, but the closing alone is one.
    reviews = ["the plot was thin and the acting wooden throughout", "the music carried every single scene",
               "i laughed from the first minute to the last", "i wanted to leave after twenty minutes",
               "this is the best thing the director has made", "this felt far longer than it really was"]
    closing = "How does the reviewer feel about the movie?"
    other = ["the weather in Lisbon in May", "i need a name for my cat", "this recipe needs less salt"]
    prompts = [f"{r}. {closing}" for r in reviews] + [f"{o} {tail}" for o in other for tail in ("ok?", "thanks", "")]
    _, groups = mine({"x": prompts}, min_overlap=0.99, affix_tokens=50)  # siblings cannot link them here
    assert len(set(groups.group[:6])) == 1 and groups.group[0] >= 0


def test_a_persons_lead_ins_and_sign_offs_in_combination_are_no_task_sweep():
    # Three habitual lead-ins and three sign-offs, each combination used twice: no (opening, closing)
    # pair recurs enough, and neither phrase alone is a template refilled with everything asked.
    leads = ["Sorry if this is a dumb question, but", "Hi there, I am new to all this and", "Background: studying tonight,"]
    signs = ["Thank you so much!", "Bullet points are fine.", "Please keep it short for me."]
    asks = ["why is the sky blue", "how do vaccines train the body", "what makes bread rise", "is coffee bad for sleep",
            "how do tides work", "why do cats purr", "what is a mortgage", "how do I fix a squeaky door",
            "what is inflation", "how do plants drink water", "why is the ocean salty", "what is a black hole",
            "how do I start running", "why do leaves turn red", "what is compound interest", "how do magnets work",
            "why do we dream", "what is a tax return"]
    prompts = [f"{leads[i % 3]} {q}? {signs[(i // 3) % 3]}" for i, q in enumerate(asks)]
    store = TokenStore()
    uids = np.array([store.add(t) for t in prompts])
    skeleton = skeleton_groups(store, Nodes(account=np.zeros(len(uids), dtype=np.int64), uid=uids, n_accounts=1),
                               popular=np.zeros(len(uids), dtype=bool), rules=TemplateOptions())
    assert (skeleton.group < 0).all()
    _, groups = mine({"x": prompts}, sweep_min_fills=3, sweep_min_slot_words=1)
    assert groups.effective_templates[0] <= 1.0


def test_variants_of_one_task_count_once_towards_task_breadth():
    things = ["carve a pumpkin", "lift a car", "see colours", "smell soup", "ride a bike", "sing opera",
              "bake bread", "climb trees"]
    can = [f"Can you {t}? Choices: (A) Yes (B) No" for t in things]
    able = [f"Are you able to {t}? Choices: (A) Yes (B) No" for t in things]
    kw = dict(sweep_min_fills=3, sweep_min_slot_words=1)
    _, one_task = mine({"x": can + able}, **kw)
    assert one_task.n_templates[0] == 2
    assert one_task.effective_templates[0] == 1.0
    # Without a shared opening or closing the two are two tasks.
    other = [f"Write a limerick about someone who cannot {t}, for a birthday card." for t in things]
    _, two_tasks = mine({"x": can + other}, **kw)
    assert two_tasks.effective_templates[0] == 2.0


def test_refills_with_only_numbers_and_lead_ins_do_not_count_as_a_sweep():
    rng = np.random.default_rng(0)
    homework = [f"{lead}A train travels {a * b} km in {b} hours. What is its average speed?"
                for lead, a, b in zip(["", "hw: ", "pls help "] * 5, rng.integers(2, 50, 15), rng.integers(2, 9, 15))]
    words = ["volcanoes", "tides", "photosynthesis", "inflation", "glaciers", "vaccines", "eclipses", "tariffs",
             "earthquakes", "rainbows", "magnets", "comets", "fossils", "hurricanes", "antibiotics"]
    content = [f"Explain {w} and {v} to a curious ten year old in three short paragraphs."
               for w, v in zip(words, words[::-1])]
    kw = dict(sweep_min_fills=10, sweep_min_slot_words=12)
    _, numbers = mine({"x": homework}, **kw)
    _, filled = mine({"x": content}, **kw)
    assert numbers.templating[0] == 1.0 and numbers.effective_templates[0] == 0.0
    assert filled.templating[0] == 1.0 and filled.effective_templates[0] == 1.0


def test_popular_prompts_are_no_pools_template():
    # A campaign's pool leaves out what many accounts send (an account's own templates do not: see
    # test_an_accounts_templates_do_not_depend_on_who_else_sends_its_prompts).
    jokes = ["Tell me a joke.", "Tell me a joke about cats.", "Tell me a joke about dogs."]
    _, own = mine({"a": jokes})
    _, shared = mine({"a": jokes}, popular_texts=set(jokes))
    assert own.templating[0] == 1.0
    assert shared.templating[0] == 0.0


def test_two_prompts_are_not_yet_a_template():
    _, groups = mine({"a": STORY[:2]})
    assert groups.templating[0] == 0.0 and groups.top_template[0] == ""


def test_alignment_marks_differing_runs_as_one_slot():
    seqs = [np.array(s) for s in ([1, 2, 3, 4], [1, 9, 9, 9, 3, 4], [1, 3, 4, 7])]
    assert align_template(seqs) == [1, SLOT, 3, 4, SLOT]


def test_token_store_clips_long_prompts_to_head_and_tail():
    store = TokenStore(head=4, tail=2)
    i = store.add(" ".join(f"w{k}" for k in range(20)))
    assert store.render(list(store.get(i))) == "w0 w1 w2 w3 … w18 w19"
    assert tokenize("Hello, World!") == ["hello", ",", "world", "!"]


def test_topic_text_keeps_the_slot_fillers_and_drops_template_and_request_words():
    from scoring.topic_text import topic_texts

    store = TokenStore()
    prompts = [f"Write a short story about {x} in the style of Hemingway." for x in
               ("dragons", "tax law", "black holes", "sourdough bread")] + ["Please explain how volcanoes erupt"]
    uids = np.array([store.add(p) for p in prompts])
    group = np.array([7, 7, 7, 7, -1])
    texts = topic_texts(store, group, uids, options=TopicOptions(template_word_share=0.5, template_word_min_count=3))
    assert [texts[i] for i in range(4)] == ["dragons", "tax law", "black holes", "sourdough bread"]
    assert texts[4] == "volcanoes erupt", "outside a template only function and request words go"


def test_topic_text_keys_are_equal_exactly_when_the_texts_are_whatever_the_token_ids():
    from scoring.topic_text import TopicWords

    prompts = [f"Write a short story about {x} in the style of Hemingway." for x in
               ("dragons", "tax law", "black holes", "dragons", "law tax")] + ["Please explain how volcanoes erupt",
                                                                               "how do volcanoes erupt?"]
    group = np.array([7, 7, 7, 7, 7, -1, -1])
    options = TopicOptions(template_word_share=0.5, template_word_min_count=3)
    found = []
    for order in (range(len(prompts)), reversed(range(len(prompts)))):  # other token ids for the same words
        store = TokenStore()
        uid = {i: store.add(prompts[i]) for i in order}
        words = TopicWords(store, group, np.array([uid[i] for i in range(len(prompts))]), options=options)
        texts = words.texts(np.arange(len(prompts)))
        positions, keys, _, _ = words.keys(np.arange(len(prompts)))
        assert sorted(texts) == positions.tolist()
        found.append(dict(zip(positions.tolist(), keys.tolist())))
        by_text = {}
        for i, key in found[-1].items():
            by_text.setdefault(texts[i], set()).add(key)
        assert all(len(k) == 1 for k in by_text.values()) and len(set.union(*by_text.values())) == len(by_text)
    assert found[0] == found[1]
    assert found[0][0] == found[0][3] != found[0][1] != found[0][4], "same words, same key; order matters"
    assert found[0][5] == found[0][6], "a text is its words, wherever they came from"


def test_slot_vocabulary_is_the_same_a_batch_of_groups_at_a_time():
    from scoring.templating.evidence import _slot_vocabulary

    store = TokenStore()
    uids = np.array([store.add(f"Explain {a} and {b} in one paragraph.") for a in ("tides", "rust", "jazz", "moss")
                     for b in ("kites", "glue", "fog")])
    rng = np.random.default_rng(1)
    sizes = rng.integers(1, 6, 9)
    members = rng.integers(0, len(uids), sizes.sum())
    gid = np.repeat(np.arange(len(sizes)), sizes)
    whole = _slot_vocabulary(store, uids[members], gid, sizes)
    assert whole.sum() > 0
    for batch in (1, 4, 7):
        assert np.array_equal(_slot_vocabulary(store, uids[members], gid, sizes, batch_members=batch), whole)


def test_fixed_text_containment_counts_the_template_words_a_prompt_carries_in_any_batch_size():
    store = TokenStore()
    uids = [store.add(t) for t in ("summarize this text for me: the cat sat on the mat. keep it short",
                                   "the cat sat on the mat.",
                                   "summarize this text for me: dogs bark at night. keep it short")]
    src, dst = np.array([uids[1], uids[2], uids[1]]), np.array([uids[0], uids[0], uids[1]])
    opening, closing = np.array([6, 6, 0]), np.array([3, 3, 0])  # "summarize this text for me :" / "keep it short"
    share = fixed_text_containment(store, src, dst, opening, closing)
    assert share.tolist() == [0.0, 1.0, 1.0]  # the passage alone carries none of the wording; no fixed text: 1
    np.testing.assert_array_equal(fixed_text_containment(store, src, dst, opening, closing, batch_pairs=1), share)


def test_sibling_overlap_is_the_same_a_batch_of_pairs_at_a_time():
    store = TokenStore()
    uids = np.array([store.add(t) for t in STORY + FREE + PASSAGES])
    rng = np.random.default_rng(0)
    src, dst = rng.choice(uids, 200), rng.choice(uids, 200)
    whole = similar_pairs(store, src, dst, min_overlap=0.6)
    assert 0 < whole.sum() < len(whole)
    np.testing.assert_array_equal(similar_pairs(store, src, dst, min_overlap=0.6, batch_pairs=7), whole)


def test_sibling_passage_rule_is_the_same_a_batch_of_accounts_at_a_time():
    store = TokenStore()
    prompts, _ = passage_questions()
    uids = np.array([store.add(t) for t in prompts + STORY + FREE])
    account = np.repeat(np.arange(4), 8)  # four accounts of eight prompts
    rng = np.random.default_rng(1)
    src = rng.integers(0, 32, 400)
    dst = account[src] * 8 + rng.integers(0, 8, 400)  # pairs within an account
    src, dst = src[src != dst], dst[src != dst]
    nodes = Nodes(account=account, uid=uids, n_accounts=4)
    whole = share_template(store, nodes, src, dst, min_margin=0.0)
    assert 0 < whole.sum() < len(whole)
    np.testing.assert_array_equal(share_template(store, nodes, src, dst, min_margin=0.0, batch_pairs=5), whole)


PLOTS = [
    "a retired boxer returns to his home town and trains the daughter of his old rival for one last fight",
    "two sisters inherit a failing vineyard and must bring in the harvest before the bank takes the land",
    "a radio operator on a research ship hears a distress call from a vessel that sank forty years ago",
    "an orphaned girl discovers that the clockmaker who took her in is building a machine to stop time",
]
PLOT_QUESTIONS = [("Who trains the daughter?", "Which town does he return to?", "Why is it the last fight?"),
                  ("How many sisters are there?", "What do they inherit?", "When is the harvest due?"),
                  ("Where is the radio operator?", "Whose call does he hear?", "Did the vessel sink?"),
                  ("Is the girl an orphan?", "What does the clockmaker build?", "Can the machine stop time?")]
PLOT_TEMPLATES = [
    "Extract the answer to the following question from the movie plot. Question: {q} Movie plot: {plot}",
    "I am deciding whether to invest in this film proposal, please help me answer. Question: {q} Plot: {plot}",
    "Please answer this question about the movie plot below, or say no answer. Question: {q} Plot: {plot}",
]


def test_a_template_refilled_with_passages_other_templates_reuse_stays_one_template():
    # Every plot is asked about under each of the three instructions: a prompt's last tokens are its plot,
    # which three templates share, and its first tokens its instruction, which four plots share.
    prompts = [t.format(q=q, plot=plot) for t in PLOT_TEMPLATES for plot, qs in zip(PLOTS, PLOT_QUESTIONS) for q in qs]
    _, groups = mine({"a": prompts})
    assert groups.n_templates[0] == 3, "one template per instruction, not one per (instruction, plot)"
    assert [len(set(groups.group[i * 12 : (i + 1) * 12])) for i in range(3)] == [1, 1, 1]
    assert groups.top_template[0].startswith("extract the answer to the following question from the movie plot.")
    _, split = mine({"a": prompts}, skeleton_kw={"drop_passage_affixes": False})
    assert split.n_templates[0] == 12, "without the rule each plot splits its templates"


PARAGRAPH_QA = [
    ("Mesophiles grow best in moderate temperature and are used to make cheese and yogurt.",
     "Which organisms help make yogurt?", ("viruses", "mesophiles", "ferns")),
    ("Volcanoes form where magma rises through cracks in the crust of the earth.",
     "What rises through the crust?", ("magma", "rain", "sand")),
    ("Plants turn light, water and carbon dioxide into sugar in their leaves.",
     "Where do plants make sugar?", ("roots", "leaves", "bark")),
    ("Sound travels faster through water than it does through the air around us.",
     "Is sound slower in air or in water?", ("air", "water", "neither")),
    ("The heart pumps blood through arteries that carry it away to the body.",
     "Which vessels carry blood away from the heart?", ("veins", "arteries", "nerves")),
    ("Glaciers carve valleys as they slowly move down from the mountains.",
     "What carves the valleys?", ("glaciers", "winds", "rivers")),
]


def test_templates_that_differ_only_by_a_field_inside_are_split():
    # Same opening and closing ("...this paragraph:" / "A:"); one lists choices inside, the other does not.
    direct = [f"Answer the following question given this paragraph: {p} Q: {q} A:" for p, q, _ in PARAGRAPH_QA]
    choices = [f"Answer the following question given this paragraph: {p} Q: {q} Choices: - {' - '.join(c)} A:"
               for p, q, c in PARAGRAPH_QA]
    # Another account's template names "Choices:" in every prompt: that is what makes it a field of the day.
    closed_book = [f"Pick the right answer. Q: {q} Choices: - {' - '.join(c)} A:" for _, q, c in PARAGRAPH_QA]
    _, merged = mine({"a": direct + choices, "b": closed_book}, split_field_labels=False)
    assert merged.n_templates[0] == 1, "the skeletons alone cannot tell these two apart"
    _, alone = mine({"a": direct + choices})
    assert alone.n_templates[0] == 1, "a word before a colon in half of one group only is no proven field"
    _, groups = mine({"a": direct + choices, "b": closed_book})
    assert groups.n_templates[0] == 2
    assert len(set(groups.group[:6])) == 1 and len(set(groups.group[6:12])) == 1
    assert groups.group[0] != groups.group[6] and groups.family[0] == groups.family[6], "still one task's variants"


def _passage(topic: str, n: int) -> str:
    return " ".join(f"{topic}{k} moved north." for k in range(n))


def test_templates_whose_only_difference_lies_in_a_long_prompts_dropped_middle_are_split():
    # Each prompt starts with a long situation and ends with a long background, which the token store keeps;
    # one template asks its question bare, the other after an instruction in the middle the store drops.
    # A third template names its fields in full, which is what shows that "question:" is a field.
    situations = [_passage(f"s{i}x", 20) for i in range(4)]
    backgrounds = [_passage(f"b{i}y", 8) for i in range(2)]
    names = iter(["Ann", "Bob", "Cid", "Dee", "Eve", "Fay", "Gus", "Hal", "Ida", "Jon", "Kim", "Lou"])
    bare, instructed, named = [], [], []
    for i, situation in enumerate(situations):
        background = backgrounds[i % 2]
        for q in (f"{name} moved first in story {i}?" for name in itertools.islice(names, 3)):
            bare.append(f"{situation} {q} Hint: {background}")
            instructed.append(f"{situation} Given the paragraph above, please answer correctly the following "
                              f"question: {q} Hint: {background}")
            named.append(f"Read the situation and answer the question. Question: {q} Situation: {situation} "
                         f"Background: {background} Answer:")
    _, merged = mine({"a": bare + instructed + named}, split_field_labels=False)
    g = merged.group
    assert all(g[k] == g[12 + k] >= 0 for k in range(12)), "to the kept tokens a situation's prompts look alike"
    _, groups = mine({"a": bare + instructed + named})
    g = groups.group
    assert not set(g[:12]) & set(g[12:24]), "no group mixes the bare and the instructed template"
    assert len(set(g[:12]) | set(g[12:24])) == 8 and min(g[:24]) >= 0, "one group per (situation, template)"


def test_a_colon_inside_the_fills_does_not_split_a_template():
    # Half the fills quote a term with a colon; that word is no template's field, so nothing splits.
    crops = ["Wheat", "Barley", "Olives", "Grapes", "Figs", "Rice", "Maize", "Oats", "Rye", "Dates", "Hops", "Flax"]
    fills = [f"{c} sold {k} crates" for k, c in enumerate(crops)]
    quoted = [f"{f} (in Ottoman Turkish: {c.lower()}ı)" if k < 6 else f for k, (f, c) in enumerate(zip(fills, crops))]
    prompts = [f"Summarise this report for the board: {f}. Keep it short." for f in quoted]
    _, groups = mine({"a": prompts})
    assert len(set(groups.group)) == 1 and groups.group[0] >= 0
    # Two fills whose colon word is a field elsewhere are too few to be a template of their own.
    noted = [f"{f} (Note: {c.lower()} came late)" if k < 2 else f for k, (f, c) in enumerate(zip(fills, crops))]
    prompts = [f"Summarise this report for the board: {f}. Keep it short." for f in noted]
    prompts += [f"Note: item {k} is due. Remind the team politely." for k in range(5)]
    _, groups = mine({"a": prompts})
    assert len(set(groups.group[:12])) == 1 and groups.group[0] >= 0


def test_a_slot_right_before_a_colon_does_not_split_a_template():
    # The word before the colon is the product filled in; another account's template names "earbuds:" in
    # every prompt, so the word is a field of the day, but each review names one product, none names more.
    reviews = ["battery died fast", "great bass", "case feels cheap", "pairs instantly", "too quiet", "love it"]
    products = ["wireless earbuds", "portable speaker", "noise-cancelling headphones"]
    prompts = [f'Classify the sentiment of this customer review of our {p}: "{r}". Answer with positive, negative '
               f'or neutral.' for p in products for r in reviews]
    ads = [f"Write a short advert for our new earbuds: {r}, and say it with a smile!" for r in reviews]
    _, groups = mine({"bot": prompts, "marketing": ads})
    assert len(set(groups.group[:18])) == 1 and groups.group[0] >= 0
    assert groups.n_templates.tolist() == [1, 1]


def test_field_split_moves_only_the_variant_with_a_field_more_to_a_new_group():
    # Group 0: four members name fields {q, a}, three name {q, choices, a}; group 1 names {choices} throughout
    # (which makes "choices" a field); node 8 is in no group, and node 9 shares a prompt with node 4.
    Q, A, CHOICES = 10, 11, 12
    group = np.array([0, 0, 0, 0, 0, 0, 0, 1, -1, 1, 1])
    node_uid = np.array([0, 1, 2, 3, 4, 5, 6, 7, 8, 4, 9])
    labels = {0: [Q, A], 1: [Q, A], 2: [Q, A], 3: [Q, A], 4: [Q, CHOICES, A], 5: [Q, CHOICES, A],
              6: [Q, CHOICES, A], 7: [CHOICES], 8: [CHOICES], 9: [CHOICES]}
    label_uid = np.array([u for u in sorted(labels) for _ in labels[u]])
    label_id = np.array([t for u in sorted(labels) for t in sorted(labels[u])], dtype=np.int32)
    out = split_by_field_labels(group, node_uid, (label_uid, label_id), rules=TemplateOptions())
    assert out[:4].tolist() == [0] * 4 and out[4:7].tolist() == [2] * 3, "the smaller variant gets a new id"
    assert out[7:].tolist() == [1, -1, 1, 1], "other groups and ungrouped nodes are left alone"
    assert split_by_field_labels(group, node_uid, (label_uid, label_id),
                                 rules=TemplateOptions(field_label_share=0.5)).tolist() == group.tolist()


def test_an_accounts_templates_do_not_depend_on_who_else_sends_its_prompts(detector, tmp_path):
    from job import daily
    from synthetic.demo.day import DemoOptions, demo_day
    from traffic.read import InputOptions

    users = demo_day(DemoOptions())
    users = users[users.kind == "user"][["account_id", "timestamp", "prompt"]]
    items = ["lamp", "chair", "kettle", "backpack", "wallet"]
    materials = ["oak", "steel", "leather", "bamboo"]
    shop = pd.DataFrame({"account_id": "shop", "timestamp": "2026-11-27T09:00:00Z",
                         "prompt": [f"Write a short product description for a {i} made of {m}, in a friendly tone."
                                    for i in items for m in materials]})
    # Six other accounts send the shop's very prompts: each prompt now reaches seven accounts.
    copies = pd.concat([shop.assign(account_id=f"copy-{k}") for k in range(6)])

    def templates(frame: pd.DataFrame, name: str) -> pd.Series:
        path = tmp_path / f"{name}.parquet"
        frame.to_parquet(path, index=False)
        daily.run_day(InputOptions(path=str(path)), detector, output_dir=tmp_path / name, progress=False)
        table = pd.read_parquet(tmp_path / name / "accounts.parquet").set_index("account_id")
        return table.loc["shop", ["templating", "n_templates", "top_template", "top_template_share"]]

    alone = templates(pd.concat([users, shop]), "alone")
    amid = templates(pd.concat([users, shop, copies]), "amid")
    assert alone["templating"] == 1.0 and alone["n_templates"] == 1
    assert alone.equals(amid)
