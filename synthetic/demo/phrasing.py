"""How each kind of account in the synthetic demo day (`synthetic.demo.day`) talks.

Everything here was written for this project: sentence parts for ordinary
users, homework problems for students, review pieces for the enterprise
pipeline, and the templates and Unicode tricks of the harvesters. The topic
they talk about comes from :mod:`synthetic.demo.topics`.
"""

from __future__ import annotations

# ---------------------------------------------------------------------------
# Ordinary users. A prompt is opener-or-context + ask + closer, so the number
# of distinct skeletons is the product of these lists, not their sum.
# Slots: {e} {e2} {e3} entities, {sub} subtopic, {subj} subject, {who}, {n}.
USER_ASKS: tuple[str, ...] = (
    "what is {e}?",
    "what exactly is {e}",
    "can you explain {e} like I'm five",
    "how does {e} actually work?",
    "what's the difference between {e} and {e2}?",
    "{e} vs {e2} - which one matters more?",
    "is {e} worth worrying about if I'm new to {sub}?",
    "give me a simple example of {e}",
    "why is {e} such a big deal in {sub}?",
    "I keep getting confused by {e}. Can you help me get it straight?",
    "help me understand {e}",
    "what's the best way to get started with {sub}?",
    "what are the most common mistakes people make with {e}?",
    "summarize the key ideas of {sub} in a few bullet points",
    "can you recommend a good way to learn about {sub}",
    "how long does it usually take to get comfortable with {sub}?",
    "explain {e} in two sentences",
    "my friend insists {e} is overrated. is that fair?",
    "pros and cons of {e}?",
    "what happens if you just ignore {e}?",
    "where does the idea of {e} come from?",
    "how are {e} and {e2} related?",
    "what questions should I be asking about {e}?",
    "is {e} something a beginner should care about",
    "am I right that {e} is basically the heart of {sub}?",
    "what's a good analogy for {e}?",
    "eli5 {e}",
    "{e}??",
    "{sub} tips?",
    "write a short note explaining {e} to my {who}",
    "make me a checklist for {sub}",
    "what does {e} mean",
    "how do experts think about {e}?",
    "quick rundown of {sub} please",
    "is there a rule of thumb for {e}?",
    "why is {e} so hard to get right?",
    "what's the most underrated thing about {sub}?",
    "tell me {n} things about {e} most people don't know",
    "compare {e}, {e2} and {e3} for me",
    "how would you explain {e} to a {who}?",
    "what are the risks with {e}?",
    "can u tell me about {e}",
    "I read something about {e} and now I'm a bit worried. should I be?",
    "what should I read first if I want to understand {sub}?",
    "give me a {n}-step plan to get better at {sub}",
    "what's the current thinking on {e}?",
    "is it normal to struggle with {e}?",
    "which is better for me, {e} or {e2}?",
    "I don't get {e} at all",
    "could you walk me through {e} step by step",
    "what are some myths about {sub}?",
    "do I really need to know about {e}?",
    "how do {e} and {e2} fit together?",
    "what's one thing I could do this week about {e}?",
    "can you quiz me on {sub}? one question at a time",
    "what would my {who} need to know about {e}?",
    "thoughts on {e}?",
    "Please describe {e} briefly.",
    "quick one: what's {e} used for?",
    "why do people disagree so much about {e}?",
    "write a short paragraph about {e} for our community newsletter",
    "what's the deal with {e}",
    "has {e} changed much in the last few years?",
    "teach me {sub} from scratch, starting with {e}",
)
OPENERS: tuple[str, ...] = (
    "", "", "", "", "", "hey ", "hi, ", "quick question: ", "ok so ",
    "sorry if this is a dumb question, but ", "random question - ", "Hello! ",
    "I have a question. ", "question about {subj}: ", "hmm, ", "so ", "Hi there. ",
)
# {ctx} is a CONTEXTS clause, {ask} the rest of the prompt.
CONTEXT_FRAMES: tuple[str, ...] = (
    "{ctx}. {ask}", "{ctx}, so {ask}", "{ctx} - {ask}", "Background: {ctx}. {ask}",
    "{ask} ({ctx})", "{ctx}. Anyway, {ask}", "{ask} For context, {ctx}.",
    "{ctx} and I was wondering: {ask}", "ok, {ctx}. {ask}",
)
CLOSERS: tuple[str, ...] = (
    "", "", "", "", "", "", " thanks", " thanks!", " thx", " Please keep it short.",
    " no jargon please", " (total beginner here)", " Bullet points are fine.",
    " I need this by tomorrow.", " be honest.", " Thank you so much!",
    " in simple terms", " with an example if possible", " :)",
)
AUDIENCES: tuple[str, ...] = (
    "grandmother", "teenager", "coworker", "roommate", "ten year old", "boss",
    "neighbor", "book club", "dad", "new intern",
)
COUNTS: tuple[str, ...] = ("two", "three", "3", "five", "4")
# Second turns in a session; {e2} and {sub} come from the previous prompt's topic.
FOLLOW_UPS: tuple[str, ...] = (
    "and what about {e2}?", "can you go into more detail on the second point?",
    "ok, shorter please", "how does that compare to {e2}?", "wait, why?",
    "can you give a concrete example of that?", "hmm, are you sure about that?",
    "thanks! one more: is {e2} similar?", "what would you do in my situation?",
    "can you put that in a table?", "that helps. what about {sub} more generally?",
    "ok and how do I actually start?", "could you explain the last part again, more slowly",
    "is {e2} related to this at all?",
)
EDIT_PREFIXES: tuple[str, ...] = ("Actually, ", "sorry, let me rephrase: ", "To be clearer: ", "again: ")
EDIT_SUFFIXES: tuple[str, ...] = (
    " in more detail", " (shorter please)", " - keep it under 100 words", " and give sources",
    " Assume I know the basics.", " for a complete beginner",
)
# One-liners that many unrelated people send almost verbatim.
POPULAR: tuple[str, ...] = (
    "tell me a joke", "write a cover letter for a barista job", "what's the meaning of life",
    "write a haiku about coffee", "give me a random fun fact", "write a happy birthday message for my sister",
    "what should I make for dinner tonight", "how do I say thank you in Spanish",
    "write a short poem about the ocean", "tell me a bedtime story about a friendly dragon",
    "give me a motivational quote for monday", "suggest a name for my golden retriever puppy",
)

# ---------------------------------------------------------------------------
# Students: many near-identical homework questions in one narrow area.
# Numeric slots are filled per question: {a} {b} {c}, {s}=a+b, {p}=a*b, {q}=2a+1.
STUDENT_NAMES: tuple[str, ...] = ("Maria", "Tom", "Aisha", "Leo", "Priya", "Sam", "Chen", "Olga")
ALGEBRA_PROBLEMS: tuple[str, ...] = (
    "{name} has {a} apples and buys {b} bags with {c} apples in each. How many apples does {name} have now?",
    "A train travels {p} km in {b} hours. What is its average speed?",
    "Solve for x: {a}x + {b} = {c}",
    "A jacket costs ${p} and is {b}0% off. What is the sale price?",
    "The sum of two consecutive integers is {q}. What are the integers?",
    "A rectangle has a perimeter of {s}0 cm and a length of {a}0 cm. How wide is it?",
    "{name} is {a} years older than her brother. In {b} years their ages will add up to {s}0. How old is the brother now?",
    "Simplify {a}(x + {b}) - {c}x",
    "Pipe A fills a tank in {a} hours and pipe B fills it in {b} hours. How long do they take together?",
    "What is the simple interest on ${a}00 at {b}% per year for {c} years?",
    "Factor x^2 + {s}x + {p}",
    "A recipe uses {a} cups of flour for {b} dozen cookies. How much flour for {c} dozen?",
    "{name} walks at {a} km/h and runs at {b} km/h. If she walks for {c} hours and runs for 1 hour, how far does she go?",
)
CHEMISTRY_PROBLEMS: tuple[str, ...] = (
    "How many moles are in {a}0 grams of NaCl?",
    "What is the molar mass of {compound}?",
    "If {a} g of hydrogen reacts with excess oxygen, how many grams of water form?",
    "Balance this equation: {equation}",
    "What volume of {c}.0 M HCl do I need to make {a}00 mL of 0.{b} M solution?",
    "What is the pH of a 0.0{b} M HCl solution?",
    "A gas takes up {a} L at {b}00 kPa. What's its volume at {c}00 kPa at constant temperature?",
    "We expected {p}0 g of product and got {a}0 g. What is the percent yield?",
    "How many molecules are in {a} moles of CO2?",
    "Which is the limiting reagent when {a} g of Mg reacts with {b} g of O2?",
)
COMPOUNDS: tuple[str, ...] = ("H2SO4", "CaCO3", "C6H12O6", "NaHCO3", "Mg(OH)2", "KMnO4")
EQUATIONS: tuple[str, ...] = ("Fe + O2 -> Fe2O3", "C3H8 + O2 -> CO2 + H2O", "Al + HCl -> AlCl3 + H2", "N2 + H2 -> NH3")
STUDENT_LEADS: tuple[str, ...] = (
    "", "", "", "hw: ", "Can you help me with this problem? ", "how do I solve this: ",
    "my teacher gave us this and I'm stuck. ", "I got {a} but the answer key says something else. ",
    "check my work? ", "Question {c}: ", "pls help ",
)
STUDENT_TAILS: tuple[str, ...] = (
    "", "", "", " show all steps please", " explain it simply", " I don't get how to set it up",
    " is there a faster way?", " thanks", " what formula do I use?",
)

# ---------------------------------------------------------------------------
# The enterprise pipeline: one template, one product area, reviews assembled
# from the pieces below.
ENTERPRISE_TEMPLATE = (
    'Classify the sentiment of this customer review of our {product}: "{review}". '
    "Answer with positive, negative or neutral."
)
PRODUCTS: tuple[str, ...] = ("wireless earbuds", "noise-cancelling headphones", "portable speaker", "sport earbuds")
ASPECTS: tuple[str, ...] = (
    "battery life", "sound quality", "bass", "fit", "bluetooth connection", "noise cancelling",
    "microphone", "companion app", "charging case", "build quality", "price",
)
VERDICTS: tuple[str, ...] = (
    "the {aspect} is fantastic", "really happy with the {aspect}", "the {aspect} beat my expectations",
    "{aspect} works perfectly", "the {aspect} is terrible", "{aspect} stopped working after two weeks",
    "very disappointed with the {aspect}", "the {aspect} is way worse than advertised",
    "the {aspect} is okay I guess", "{aspect} is about what you'd expect for the price",
    "nothing special about the {aspect}",
)
REVIEW_EXTRAS: tuple[str, ...] = (
    "", "", "Shipping took 5 days.", "Would buy again.", "Returning it.", "Bought it as a gift.",
    "Second pair I've owned.", "Support answered quickly.", "Box was damaged.",
)

# ---------------------------------------------------------------------------
# Harvesters. Slots as for USER_ASKS; {other} is an entity from another subject.
SWEEP_TEMPLATES_A: tuple[str, ...] = (
    "Write a detailed explanation of {sub} in {subj} for a beginner.",
    "List five common misconceptions about {e} and correct each one.",
    "Create a multiple-choice quiz question about {e}, with four options and the correct answer marked.",
    "Explain the relationship between {e} and {sub}, step by step.",
    "Summarize the most important facts about {e} in {subj} in exactly three bullet points.",
)
SWEEP_TEMPLATES_B: tuple[str, ...] = (
    "You are an expert in {subj}. Answer the following question thoroughly: what is {e} and why does it matter?",
    "Provide a step-by-step tutorial on {sub} that a student could follow.",
    "Generate a question and answer pair about {e} suitable for a textbook on {subj}.",
    "Compare and contrast {e} and {e2} in a short essay.",
    "Write a glossary entry for {e} ({subj}), including a definition and an example.",
    "Describe a real-world scenario that illustrates {e}.",
)
MIXED_TEMPLATES: tuple[str, ...] = (
    "Produce a comprehensive overview of {sub} ({subj}) with headings.",
    "Give three worked examples that involve {e}, each followed by a short explanation.",
    "Write an FAQ with five questions and answers about {e}.",
    "Explain {e} to an intermediate learner of {subj}, then give one practice exercise.",
)
# Evasive templates: each part is a tuple of interchangeable phrasings; the
# last element is a trailing clause that may be moved to the front.
EVASIVE_TEMPLATES: tuple[tuple[tuple[str, ...], ...], ...] = (
    (("Write", "Compose", "Produce", "Draft", "Put together"), ("a detailed", "an in-depth", "a thorough", "a comprehensive"),
     ("explanation of", "overview of", "walkthrough of", "guide to"), ("{sub} in {subj}",),
     ("for a beginner", "for a newcomer", "aimed at novices", "for someone just starting out")),
    (("List", "Give", "Name", "Enumerate"), ("five", "5", "several"), ("common", "frequent", "widespread", "typical"),
     ("misconceptions", "myths", "misunderstandings"), ("about", "regarding", "concerning"), ("{e}",),
     ("and correct each one", "and explain why each is wrong", "with a correction for each")),
    (("Create", "Write", "Make", "Generate"), ("a multiple-choice", "a four-option", "an MCQ-style"),
     ("quiz question", "test question", "exam item"), ("about", "on", "covering"), ("{e}",),
     ("with the answer marked", "and indicate the correct option", "including the right answer")),
    (("Explain", "Describe", "Clarify", "Outline"), ("how", "the way"), ("{e}",),
     ("relates to", "connects to", "fits into"), ("{sub}",), ("step by step", "one step at a time", "in clear stages")),
)
SELF_INSTRUCT_TASKS: tuple[str, ...] = (
    "Generate a list of {n} interesting facts about {e}.",
    "Classify each of the following as related to {sub} or not: {e}, {other}, {e2}.",
    'Rewrite the following sentence to make it more formal: "{sentence}"',
    "Give an example of {e} in everyday life.",
    "Explain {e} in one paragraph.",
    "Write a short story in which {e} plays a central role.",
    "Create a tweet promoting a free workshop on {sub}.",
    "Identify the odd one out: {e}, {e2}, {other}. Explain your choice.",
    "Summarize the concept of {e} for a 10-year-old.",
    "Come up with three questions a student might ask about {sub}.",
    'Translate the following sentence into French: "{sentence}"',
    "Suggest a catchy title for an article about {e}.",
    "Write a dialogue between a teacher and a student about {e}.",
    'Is the following statement true or false? "{e} has nothing to do with {subj}." Justify your answer.',
    "Instruction: Provide a one-sentence definition.\nInput: {e}\nOutput:",
    "Instruction: Identify the topic of the given text.\nInput: {sentence}\nOutput:",
    "Construct an analogy that explains {e}.",
    "Generate a haiku about {e}.",
    "Find the main difference between {e} and {e2}.",
    "Propose a research question related to {sub}.",
    "Make a to-do list for someone who wants to learn about {sub}.",
    'Given the topic "{sub}", generate five related keywords.',
    "Write an email to a colleague explaining {e}.",
    "Provide a list of pros and cons for {e}.",
    "Create a mnemonic to remember {e}, {e2} and {e3}.",
    "Explain why {e} is important in {subj}.",
    "Write a product description for an online course on {sub}.",
    "Design a 45-minute lesson plan about {e} for high school students.",
    "Edit the following text so that it is clearer: \"{sentence}\"",
    "Rank {e}, {e2} and {e3} by how difficult they are for beginners, and explain the ranking.",
)
SELF_INSTRUCT_SENTENCES: tuple[str, ...] = (
    "{e} is really important if you want to get into {sub}",
    "most people get {e} wrong the first time they try",
    "learning about {e} totally changed how I think about {subj}",
    "honestly {e} and {e2} are kind of the same thing right",
)
# Latin letter -> Cyrillic look-alike (а е о р с х).
HOMOGLYPHS: dict[str, str] = {"a": "\u0430", "e": "\u0435", "o": "\u043e", "p": "\u0440", "c": "\u0441", "x": "\u0445"}
# Zero-width space, and control characters a scraper's text often carries.
ZERO_WIDTH = "\u200b"
CONTROL_CHARS: tuple[str, ...] = ("\u0007", "\u0008", "\u001b", "\u001f", "\u007f")
