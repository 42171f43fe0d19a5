"""Word lists for the synthetic demo day (`traffic.demo`).

Everything here was written for this project. The topic space is the ground
truth the detector should rediscover: 24 subjects, 10 subtopics each, and a
handful of entities per subtopic that an embedding model will place near one
another. The phrasing lists below it decide how each kind of account talks.
"""

from __future__ import annotations

# subject -> subtopic -> entities. Every subject has exactly ten subtopics and
# every subtopic at least four entities; tests check this.
TOPICS: dict[str, dict[str, tuple[str, ...]]] = {
    "cooking": {
        "knife skills": ("julienne cuts", "a honing steel", "brunoise dice", "the claw grip", "a santoku knife"),
        "baking bread": ("a sourdough starter", "autolyse", "bulk fermentation", "oven spring", "dough hydration"),
        "sauces": ("bechamel", "beurre blanc", "a roux", "an emulsified vinaigrette", "pan sauce reduction"),
        "braising and stewing": ("braised short ribs", "a dutch oven", "deglazing", "mirepoix", "low and slow oven temperatures"),
        "home fermentation": ("sauerkraut", "kimchi", "lacto-fermentation brine", "a kombucha scoby", "kefir grains"),
        "grilling": ("the reverse sear", "a charcoal chimney", "a two-zone fire", "the smoke ring", "an instant-read thermometer"),
        "fresh pasta": ("semolina dough", "egg yolk pasta", "cacio e pepe", "al dente timing", "hand-rolled pappardelle"),
        "meal prep": ("batch cooking", "freezer-safe containers", "overnight oats", "sheet pan dinners", "fridge storage times"),
        "spices and seasoning": ("garam masala", "toasting whole spices", "smoked paprika", "salting meat ahead", "za'atar"),
        "desserts": ("creme anglaise", "tempering chocolate", "stiff meringue peaks", "choux pastry", "caramel stages"),
    },
    "personal finance": {
        "budgeting": ("a zero-based budget", "the 50/30/20 rule", "the envelope method", "sinking funds", "expense tracking apps"),
        "emergency funds": ("a high-yield savings account", "three months of expenses", "a money market account", "a job-loss buffer"),
        "retirement saving": ("a 401(k) match", "a Roth IRA", "target-date funds", "compound interest", "required minimum distributions"),
        "paying off debt": ("the debt avalanche", "the debt snowball", "a balance transfer card", "credit card APR", "debt consolidation loans"),
        "credit scores": ("credit utilization", "hard inquiries", "a FICO score", "disputing a credit report", "becoming an authorized user"),
        "index investing": ("an S&P 500 index fund", "expense ratios", "dollar-cost averaging", "total market ETFs", "portfolio rebalancing"),
        "student loans": ("income-driven repayment", "loan forgiveness", "refinancing student loans", "subsidized loans", "the grace period"),
        "insurance": ("term life insurance", "deductibles", "an umbrella policy", "disability insurance", "renters insurance"),
        "saving for big purchases": ("a down payment fund", "car loan terms", "a wedding budget", "a CD ladder", "buy now pay later plans"),
        "financial independence": ("the FIRE movement", "the 4 percent rule", "savings rate", "coast FIRE", "lean FIRE"),
    },
    "astronomy": {
        "the solar system": ("Jupiter's Great Red Spot", "Saturn's rings", "the asteroid belt", "the Kuiper belt", "Europa's ocean"),
        "stars": ("red giants", "white dwarfs", "the main sequence", "stellar nucleosynthesis", "Betelgeuse"),
        "black holes": ("the event horizon", "Hawking radiation", "an accretion disk", "Sagittarius A*", "spaghettification"),
        "galaxies": ("the Milky Way", "the Andromeda galaxy", "spiral arms", "galaxy mergers", "dark matter halos"),
        "cosmology": ("the Big Bang", "the cosmic microwave background", "dark energy", "the Hubble constant", "cosmic inflation"),
        "exoplanets": ("the transit method", "the habitable zone", "hot Jupiters", "TRAPPIST-1", "the radial velocity method"),
        "telescopes": ("a Dobsonian telescope", "the James Webb Space Telescope", "telescope aperture", "refractor telescopes", "eyepiece focal length"),
        "stargazing": ("light pollution", "the Orion constellation", "meteor showers", "star hopping", "the Bortle scale"),
        "the moon": ("lunar phases", "tidal locking", "lunar eclipses", "the Apollo landing sites", "the lunar maria"),
        "space missions": ("Voyager 1", "the Mars rovers", "the Hubble Space Telescope", "the International Space Station", "the Artemis program"),
    },
    "gardening": {
        "soil health": ("compost", "soil pH", "mulch", "heavy clay soil", "worm castings"),
        "vegetable beds": ("raised beds", "crop rotation", "square foot gardening", "companion planting", "succession sowing"),
        "growing tomatoes": ("blossom end rot", "indeterminate tomatoes", "tomato suckers", "heirloom varieties", "staking tomatoes"),
        "houseplants": ("pothos", "a fiddle leaf fig", "overwatering", "root rot", "monstera"),
        "garden pests": ("aphids", "slugs", "neem oil", "beneficial insects", "japanese beetles"),
        "pruning": ("rose pruning", "fruit tree pruning", "deadheading", "hedge trimming", "pruning shears"),
        "lawn care": ("overseeding", "lawn aeration", "crabgrass", "mowing height", "a clover lawn"),
        "seed starting": ("grow lights", "damping off", "stem cuttings", "hardening off seedlings", "seed trays"),
        "native plants": ("a pollinator garden", "milkweed", "native grasses", "a rain garden", "xeriscaping"),
        "growing herbs": ("basil", "rosemary", "mint spreading everywhere", "drying herbs", "cilantro bolting"),
    },
    "python programming": {
        "data structures": ("list comprehensions", "dictionaries", "set operations", "tuple unpacking", "collections.deque"),
        "functions": ("default arguments", "*args and **kwargs", "lambda functions", "closures", "decorators"),
        "object-oriented python": ("dataclasses", "class inheritance", "the __init__ method", "the property decorator", "abstract base classes"),
        "error handling": ("try/except blocks", "custom exceptions", "a KeyError", "reading a traceback", "context managers"),
        "packaging": ("virtual environments", "pip install", "pyproject.toml", "requirements.txt", "ModuleNotFoundError"),
        "async programming": ("asyncio", "async/await", "the event loop", "aiohttp", "concurrent.futures"),
        "testing": ("pytest fixtures", "unit tests", "mocking", "test coverage", "parametrized tests"),
        "data analysis": ("a pandas DataFrame", "groupby", "numpy arrays", "matplotlib plots", "reading CSV files"),
        "web development": ("Flask routes", "Django models", "FastAPI endpoints", "a REST API", "JSON serialization"),
        "performance": ("generators", "profiling with cProfile", "the GIL", "multiprocessing", "functools.lru_cache"),
    },
    "medieval history": {
        "feudalism": ("feudal lords", "serfs", "manorialism", "vassal oaths", "fiefs"),
        "the crusades": ("the First Crusade", "the siege of Jerusalem", "the Knights Templar", "Saladin", "the Fourth Crusade"),
        "the black death": ("bubonic plague", "the flagellants", "labor shortages after the plague", "plague doctors", "the Peasants' Revolt"),
        "castles": ("motte-and-bailey castles", "siege engines", "the trebuchet", "curtain walls", "concentric castles"),
        "the medieval church": ("monasteries", "papal authority", "the Investiture Controversy", "cathedral building", "tithes"),
        "the vikings": ("Viking longships", "the Danelaw", "the Lindisfarne raid", "the Norse sagas", "the Varangian Guard"),
        "the byzantine empire": ("Justinian", "the Hagia Sophia", "Greek fire", "the fall of Constantinople", "Byzantine iconoclasm"),
        "knights and chivalry": ("the code of chivalry", "jousting tournaments", "squires", "plate armor", "courtly love"),
        "medieval england": ("the Norman Conquest", "the Magna Carta", "the Domesday Book", "the Hundred Years' War", "the Wars of the Roses"),
        "medieval trade": ("the Hanseatic League", "the Silk Road", "merchant guilds", "the Champagne fairs", "Venetian merchants"),
    },
    "cardiology": {
        "blood pressure": ("hypertension", "systolic pressure", "ACE inhibitors", "a home blood pressure monitor", "white coat hypertension"),
        "cholesterol": ("LDL cholesterol", "HDL cholesterol", "statins", "triglycerides", "familial hypercholesterolemia"),
        "heart rhythm": ("atrial fibrillation", "heart palpitations", "a pacemaker", "premature ventricular contractions", "a Holter monitor"),
        "heart attacks": ("myocardial infarction", "a troponin test", "chest pain warning signs", "angioplasty", "stent placement"),
        "heart failure": ("ejection fraction", "fluid retention", "diuretics", "shortness of breath when lying down", "a BNP test"),
        "cardiac testing": ("an ECG", "an echocardiogram", "a treadmill stress test", "a coronary calcium score", "a cardiac MRI"),
        "heart valves": ("mitral valve prolapse", "aortic stenosis", "a heart murmur", "valve replacement", "TAVR"),
        "congenital heart disease": ("a hole in the heart", "patent foramen ovale", "tetralogy of Fallot", "a pediatric cardiologist", "a septal defect"),
        "cardiac rehab": ("a cardiac rehabilitation program", "a safe exercise heart rate", "returning to work after a heart attack", "a heart-healthy diet", "resting heart rate"),
        "blood clots and stroke": ("anticoagulants", "deep vein thrombosis", "stroke risk", "blood thinners", "the CHA2DS2-VASc score"),
    },
    "tax law": {
        "income tax brackets": ("the marginal tax rate", "the effective tax rate", "the standard deduction", "bracket creep", "filing status"),
        "deductions and credits": ("itemized deductions", "the child tax credit", "the earned income tax credit", "charitable deductions", "the mortgage interest deduction"),
        "self-employment tax": ("Schedule C", "quarterly estimated taxes", "the home office deduction", "the self-employment tax rate", "deductible business expenses"),
        "capital gains": ("long-term capital gains", "short-term capital gains", "tax-loss harvesting", "cost basis", "the wash sale rule"),
        "estate and gift tax": ("the annual gift tax exclusion", "the estate tax exemption", "stepped-up basis", "inheritance tax", "revocable trusts"),
        "sales tax and VAT": ("value added tax", "sales tax nexus", "VAT refunds for tourists", "use tax", "VAT invoices"),
        "tax audits": ("an IRS audit", "an audit letter", "penalties and interest", "the statute of limitations", "tax record keeping"),
        "corporate tax": ("the corporate tax rate", "an S corporation", "LLC taxation", "pass-through entities", "double taxation"),
        "international tax": ("the foreign earned income exclusion", "tax residency", "double tax treaties", "FBAR filing", "digital nomad taxes"),
        "payroll tax": ("FICA", "a W-2 form", "withholding", "Social Security tax", "Medicare tax"),
    },
    "music theory": {
        "scales": ("the major scale", "the natural minor scale", "the pentatonic scale", "the chromatic scale", "the Dorian mode"),
        "chords": ("triads", "seventh chords", "chord inversions", "diminished chords", "suspended chords"),
        "harmony": ("chord progressions", "the ii-V-I", "cadences", "voice leading", "secondary dominants"),
        "rhythm": ("time signatures", "syncopation", "triplets", "polyrhythms", "swing feel"),
        "intervals": ("the perfect fifth", "the tritone", "the minor third", "interval ear training", "the octave"),
        "keys": ("the circle of fifths", "key signatures", "the relative minor", "modulation", "transposition"),
        "melody": ("motifs", "melodic contour", "passing tones", "melodic sequences", "call and response"),
        "counterpoint": ("species counterpoint", "parallel fifths", "the fugue", "the canon", "Bach chorales"),
        "reading music": ("the treble clef", "the bass clef", "ledger lines", "note values", "dynamics markings"),
        "songwriting": ("verse-chorus structure", "a catchy hook", "the bridge section", "lyric meter", "writing chords first"),
    },
    "car repair": {
        "brakes": ("brake pads", "brake rotors", "a brake fluid flush", "squealing brakes", "the ABS warning light"),
        "engine basics": ("the check engine light", "spark plugs", "the timing belt", "an engine misfire", "an OBD-II scanner"),
        "oil and fluids": ("synthetic oil", "the oil change interval", "a coolant flush", "transmission fluid", "power steering fluid"),
        "car electrical": ("a dead battery", "the alternator", "jump starting", "blown fuses", "parasitic battery drain"),
        "tires": ("tire rotation", "tire pressure", "tread depth", "wheel alignment", "run-flat tires"),
        "suspension": ("shocks and struts", "control arms", "sway bar links", "a clunk over bumps", "ball joints"),
        "cooling system": ("an overheating engine", "the radiator", "the thermostat", "the water pump", "a blown head gasket"),
        "transmission": ("a slipping transmission", "clutch replacement", "a CVT", "the torque converter", "a manual gearbox"),
        "car air conditioning": ("an AC recharge", "a refrigerant leak", "the cabin air filter", "the AC compressor", "the blend door actuator"),
        "exhaust and emissions": ("the catalytic converter", "an oxygen sensor", "the muffler", "the EGR valve", "an emissions test"),
    },
    "chemistry": {
        "atomic structure": ("electron shells", "isotopes", "atomic orbitals", "electron configuration", "valence electrons"),
        "chemical bonding": ("covalent bonds", "ionic bonds", "hydrogen bonding", "electronegativity", "Lewis structures"),
        "stoichiometry": ("the mole concept", "the limiting reagent", "molar mass", "percent yield", "balancing equations"),
        "acids and bases": ("the pH scale", "buffer solutions", "titration", "strong acids", "conjugate bases"),
        "organic chemistry": ("functional groups", "SN2 reactions", "chirality", "benzene rings", "alkenes"),
        "thermochemistry": ("enthalpy", "Hess's law", "exothermic reactions", "calorimetry", "Gibbs free energy"),
        "reaction kinetics": ("rate laws", "activation energy", "catalysts", "reaction half-life", "the Arrhenius equation"),
        "electrochemistry": ("galvanic cells", "redox reactions", "electrolysis", "oxidation states", "standard reduction potentials"),
        "the periodic table": ("periodic trends", "noble gases", "transition metals", "alkali metals", "ionization energy"),
        "lab techniques": ("distillation", "recrystallization", "chromatography", "fume hood safety", "infrared spectroscopy"),
    },
    "travel in japan": {
        "tokyo": ("the Shibuya crossing", "Shinjuku", "Senso-ji in Asakusa", "the Tsukiji outer market", "Akihabara"),
        "kyoto": ("Fushimi Inari shrine", "the Arashiyama bamboo grove", "the Gion district", "Kinkaku-ji", "Kiyomizu-dera"),
        "trains in japan": ("the Japan Rail Pass", "the shinkansen", "a Suica card", "JR lines", "reserved seats on the bullet train"),
        "japanese food": ("ramen shops", "conveyor belt sushi", "izakaya", "a kaiseki dinner", "konbini food"),
        "etiquette in japan": ("bowing", "taking shoes off indoors", "tipping in Japan", "onsen etiquette", "chopstick manners"),
        "where to stay in japan": ("a ryokan", "capsule hotels", "business hotels", "temple stays", "Airbnb rules in Japan"),
        "seasons in japan": ("cherry blossom season", "autumn leaves in Japan", "the rainy season", "Golden Week", "winter in Hokkaido"),
        "osaka and kansai": ("Dotonbori", "Osaka Castle", "the Nara deer park", "Universal Studios Japan", "Kobe beef"),
        "hiking in japan": ("the Mount Fuji climbing season", "the Kumano Kodo", "the Nakasendo trail", "the Japanese Alps", "Yakushima"),
        "japan on a budget": ("IC cards", "100-yen shops", "hostels in Japan", "overnight highway buses", "free walking tours"),
    },
    "parenting": {
        "toddler sleep": ("a sleep regression", "a bedtime routine", "dropping the nap", "moving to a toddler bed", "5am wake-ups"),
        "tantrums and discipline": ("toddler tantrums", "time-outs", "positive discipline", "natural consequences", "emotional regulation"),
        "feeding kids": ("picky eating", "baby-led weaning", "introducing allergens", "healthy snacks for kids", "toddler milk"),
        "screen time": ("screen time limits", "educational apps", "YouTube for kids", "parental controls", "tablets at dinner"),
        "starting school": ("kindergarten readiness", "learning letters", "fine motor skills", "separation anxiety at drop-off", "choosing a preschool"),
        "teenagers": ("a teen curfew", "teens on social media", "talking about vaping", "teen mood swings", "a first part-time job"),
        "siblings": ("sibling rivalry", "a new baby sibling", "sharing toys", "fair versus equal treatment", "sibling fights"),
        "newborn care": ("a newborn feeding schedule", "swaddling", "colic", "umbilical cord care", "diaper rash"),
        "homework help": ("homework battles", "a study routine", "reading together", "math anxiety", "hiring a tutor"),
        "co-parenting": ("a co-parenting schedule", "a parenting plan", "co-parenting apps", "holiday custody", "step-parents"),
    },
    "machine learning": {
        "supervised learning": ("linear regression", "logistic regression", "decision trees", "training labels", "random forests"),
        "neural networks": ("backpropagation", "activation functions", "gradient descent", "a multilayer perceptron", "vanishing gradients"),
        "overfitting": ("regularization", "dropout", "cross-validation", "the bias-variance tradeoff", "early stopping"),
        "transformers": ("self-attention", "positional encoding", "BERT", "tokenization", "attention heads"),
        "evaluation metrics": ("precision and recall", "the ROC curve", "the F1 score", "a confusion matrix", "AUC"),
        "unsupervised learning": ("k-means clustering", "PCA", "t-SNE", "DBSCAN", "autoencoders"),
        "reinforcement learning": ("Q-learning", "policy gradients", "reward shaping", "exploration versus exploitation", "Markov decision processes"),
        "feature engineering": ("one-hot encoding", "feature scaling", "missing value imputation", "feature selection", "learned embeddings"),
        "model deployment": ("model serving", "model drift", "ONNX export", "batch inference", "monitoring predictions"),
        "computer vision": ("convolutional neural networks", "image augmentation", "object detection", "transfer learning", "ResNet"),
    },
    "marketing": {
        "seo": ("keyword research", "backlinks", "meta descriptions", "search intent", "page speed"),
        "social media marketing": ("Instagram reels", "a content calendar", "engagement rate", "influencer partnerships", "TikTok trends"),
        "email marketing": ("open rates", "newsletter segmentation", "email subject lines", "drip campaigns", "unsubscribe rate"),
        "branding": ("brand voice", "logo design", "brand positioning", "brand guidelines", "a rebrand"),
        "paid advertising": ("Google Ads", "cost per click", "retargeting", "ad creative testing", "return on ad spend"),
        "content marketing": ("a blog strategy", "case studies", "lead magnets", "evergreen content", "content repurposing"),
        "market research": ("customer surveys", "focus groups", "competitor analysis", "customer personas", "total addressable market"),
        "conversion optimization": ("A/B testing", "landing pages", "a call to action", "checkout abandonment", "the conversion funnel"),
        "product launches": ("a launch plan", "a waitlist", "a press release", "beta testers", "launch day timing"),
        "marketing analytics": ("Google Analytics", "attribution models", "customer lifetime value", "churn rate", "UTM parameters"),
    },
    "football": {
        "tactics": ("the 4-3-3 formation", "the high press", "the false nine", "a low block", "inverted full-backs"),
        "the offside rule": ("offside position", "VAR offside checks", "passive offside", "the offside trap", "interfering with play"),
        "transfers": ("the transfer window", "release clauses", "loan deals", "record transfer fees", "free agents"),
        "the world cup": ("World Cup qualifiers", "the group stage", "penalty shootouts", "host nations", "the Golden Boot"),
        "the premier league": ("the Premier League title race", "the relegation battle", "the Big Six", "fixture congestion", "Boxing Day games"),
        "famous players": ("Lionel Messi", "Cristiano Ronaldo", "Pele", "Johan Cruyff", "Zinedine Zidane"),
        "goalkeeping": ("goalkeeper distribution", "penalty saves", "the sweeper keeper", "one-on-one saves", "punching crosses"),
        "football training": ("pre-season training", "rondos", "sprint drills", "injury prevention", "recovery sessions"),
        "youth football": ("youth academies", "small-sided games", "coaching kids football", "football trials", "player development pathways"),
        "club finances": ("financial fair play", "club ownership", "stadium revenue", "TV rights deals", "wage bills"),
    },
    "philosophy": {
        "ethics": ("utilitarianism", "Kantian ethics", "virtue ethics", "the trolley problem", "moral relativism"),
        "epistemology": ("justified true belief", "Gettier problems", "radical skepticism", "empiricism", "rationalism"),
        "metaphysics": ("free will", "determinism", "personal identity", "the mind-body problem", "causation"),
        "ancient philosophy": ("Socrates", "Plato's cave", "Aristotle's ethics", "Stoicism", "Epicureanism"),
        "existentialism": ("Sartre", "Camus and the absurd", "authenticity", "Kierkegaard", "bad faith"),
        "political philosophy": ("the social contract", "John Rawls", "Hobbes' Leviathan", "libertarianism", "justice as fairness"),
        "logic": ("syllogisms", "logical fallacies", "modus ponens", "validity and soundness", "propositional logic"),
        "philosophy of mind": ("consciousness", "qualia", "the Chinese room", "functionalism", "the hard problem of consciousness"),
        "eastern philosophy": ("the Buddhist idea of no-self", "Confucianism", "Taoism", "the Bhagavad Gita", "Zen koans"),
        "philosophy of science": ("falsifiability", "Kuhn's paradigm shifts", "the problem of induction", "scientific realism", "Occam's razor"),
    },
    "geology": {
        "rocks and minerals": ("igneous rocks", "sedimentary rocks", "metamorphic rocks", "quartz", "the Mohs hardness scale"),
        "plate tectonics": ("continental drift", "subduction zones", "mid-ocean ridges", "Pangaea", "transform faults"),
        "earthquakes": ("the Richter scale", "seismic waves", "fault lines", "aftershocks", "earthquake prediction"),
        "volcanoes": ("stratovolcanoes", "the magma chamber", "pyroclastic flows", "the Yellowstone caldera", "pahoehoe lava"),
        "geologic time": ("the geologic time scale", "radiometric dating", "the Cambrian explosion", "index fossils", "deep time"),
        "fossils": ("fossilization", "trace fossils", "insects in amber", "the Burgess Shale", "dinosaur bones"),
        "erosion and weathering": ("chemical weathering", "river erosion", "glacial erosion", "wind erosion", "sediment transport"),
        "groundwater": ("aquifers", "the water table", "karst landscapes", "sinkholes", "groundwater contamination"),
        "mountain building": ("orogeny", "the Himalayas", "fold mountains", "the Appalachians", "tectonic uplift"),
        "gemstones": ("diamonds", "emeralds", "gem cutting", "how sapphires form", "opals"),
    },
    "nutrition": {
        "macronutrients": ("protein intake", "complex carbohydrates", "dietary fat", "tracking macros", "dietary fiber"),
        "vitamins and minerals": ("vitamin D", "iron deficiency", "vitamin B12", "magnesium", "calcium"),
        "weight management": ("a calorie deficit", "TDEE", "intermittent fasting", "portion control", "metabolism"),
        "sports nutrition": ("creatine", "protein timing", "carb loading", "electrolytes", "pre-workout meals"),
        "popular diets": ("the Mediterranean diet", "the keto diet", "a vegan diet", "the DASH diet", "the paleo diet"),
        "gut health": ("probiotics", "prebiotics", "the gut microbiome", "fermented foods", "bloating"),
        "sugar and processed food": ("added sugar", "ultra-processed foods", "artificial sweeteners", "the glycemic index", "nutrition labels"),
        "hydration": ("daily water intake", "signs of dehydration", "caffeine and hydration", "electrolyte drinks", "overhydration"),
        "food intolerances": ("lactose intolerance", "gluten sensitivity", "celiac disease", "nut allergies", "elimination diets"),
        "nutrition for older adults": ("protein for older adults", "bone density", "sarcopenia", "appetite loss", "vitamin absorption with age"),
    },
    "photography": {
        "exposure": ("aperture", "shutter speed", "ISO", "the exposure triangle", "the histogram"),
        "composition": ("the rule of thirds", "leading lines", "framing", "negative space", "symmetry"),
        "lenses": ("a prime lens", "a zoom lens", "focal length", "a wide-angle lens", "a macro lens"),
        "portrait photography": ("portrait lighting", "bokeh", "posing people", "catchlights", "an 85mm lens"),
        "landscape photography": ("golden hour", "ND filters", "a sturdy tripod", "focus stacking", "long exposures"),
        "photo editing": ("Lightroom presets", "color grading", "white balance", "shooting raw", "dodging and burning"),
        "street photography": ("candid shots", "zone focusing", "street photography ethics", "black and white conversion", "a 35mm lens"),
        "lighting": ("a softbox", "a speedlight flash", "three-point lighting", "reflectors", "window light"),
        "camera gear": ("mirrorless cameras", "full-frame sensors", "crop sensors", "camera bags", "memory card speeds"),
        "night photography": ("astrophotography", "light painting", "star trails", "high ISO noise", "the 500 rule"),
    },
    "linguistics": {
        "phonetics": ("the IPA", "vowel sounds", "places of articulation", "voiced consonants", "phonemes"),
        "syntax": ("syntax trees", "subject-verb agreement", "word order", "recursion in syntax", "relative clauses"),
        "morphology": ("morphemes", "prefixes and suffixes", "inflection", "compound words", "agglutinative languages"),
        "semantics": ("word meaning", "ambiguity", "polysemy", "entailment", "presupposition"),
        "language acquisition": ("first language acquisition", "the critical period", "bilingual children", "babbling", "second language learning"),
        "historical linguistics": ("Proto-Indo-European", "sound changes", "language families", "Grimm's law", "etymology"),
        "sociolinguistics": ("dialects", "code-switching", "accents", "language and identity", "slang"),
        "pragmatics": ("implicature", "speech acts", "politeness theory", "deixis", "Grice's maxims"),
        "writing systems": ("alphabets", "logographic scripts", "Korean hangul", "cuneiform", "syllabaries"),
        "endangered languages": ("language revitalization", "language death", "documenting languages", "indigenous languages", "minority language policy"),
    },
    "climate science": {
        "the greenhouse effect": ("carbon dioxide", "methane emissions", "greenhouse gases", "radiative forcing", "water vapor feedback"),
        "climate models": ("climate sensitivity", "IPCC scenarios", "general circulation models", "model projections", "climate tipping points"),
        "sea level rise": ("melting ice sheets", "thermal expansion", "coastal flooding", "the Greenland ice sheet", "Antarctic ice loss"),
        "extreme weather": ("heat waves", "hurricanes", "droughts", "wildfires", "attribution science"),
        "the carbon cycle": ("carbon sinks", "ocean acidification", "deforestation", "permafrost thaw", "soil carbon"),
        "renewable energy": ("solar panels", "wind turbines", "grid storage", "heat pumps", "the energy transition"),
        "climate policy": ("the Paris Agreement", "a carbon tax", "cap and trade", "net zero targets", "carbon offsets"),
        "paleoclimate": ("ice cores", "ice ages", "the Younger Dryas", "Milankovitch cycles", "tree rings"),
        "climate adaptation": ("sea walls", "drought-resistant crops", "urban heat islands", "managed retreat", "climate resilience"),
        "personal carbon footprint": ("carbon footprint calculators", "emissions from flying", "plant-based diets and emissions", "electric vehicles", "home energy efficiency"),
    },
    "chess": {
        "chess openings": ("the Sicilian Defense", "the Queen's Gambit", "the Ruy Lopez", "the Caro-Kann", "the King's Indian Defense"),
        "chess tactics": ("forks", "pins", "skewers", "discovered attacks", "double checks"),
        "endgames": ("king and pawn endgames", "the Lucena position", "the opposition", "rook endgames", "stalemate tricks"),
        "chess strategy": ("pawn structure", "weak squares", "the bishop pair", "open files", "outposts"),
        "checkmate patterns": ("back-rank mate", "smothered mate", "Scholar's mate", "Anastasia's mate", "the ladder mate"),
        "getting better at chess": ("chess puzzles", "blunder checking", "analyzing my own games", "chess ratings", "opening repertoires"),
        "famous chess games": ("the Immortal Game", "Kasparov versus Deep Blue", "Fischer versus Spassky", "the Game of the Century", "Carlsen's world title match"),
        "time controls": ("blitz chess", "bullet chess", "rapid chess", "time trouble", "the increment"),
        "chess engines": ("Stockfish", "engine evaluation", "AlphaZero", "opening books", "centipawn loss"),
        "chess rules": ("castling rules", "en passant", "pawn promotion", "threefold repetition", "the fifty-move rule"),
    },
    "real estate": {
        "buying a home": ("mortgage pre-approval", "a home inspection", "earnest money", "closing costs", "a buyer's agent"),
        "mortgages": ("a fixed-rate mortgage", "an adjustable-rate mortgage", "mortgage points", "refinancing", "amortization"),
        "renting": ("a security deposit", "lease renewal", "tenant rights", "rent increases", "rental references"),
        "selling a home": ("the listing price", "staging a home", "open houses", "agent commission", "the home appraisal"),
        "real estate investing": ("a rental property", "cap rate", "rental cash flow", "the BRRRR method", "house hacking"),
        "being a landlord": ("landlord responsibilities", "tenant screening", "maintenance requests", "the eviction process", "property managers"),
        "home valuation": ("comparable sales", "a Zestimate", "an appraisal gap", "price per square foot", "market value"),
        "commercial real estate": ("office leases", "a triple net lease", "retail space", "industrial warehouses", "REITs"),
        "the housing market": ("housing inventory", "interest rates and house prices", "a buyer's market", "a housing bubble", "first-time buyers"),
        "condos and HOAs": ("HOA fees", "condo association rules", "special assessments", "the HOA board", "condo insurance"),
    },
}

SUBJECTS: tuple[str, ...] = tuple(TOPICS)

# What a real person says before asking; keyed by subject, so context clauses
# carry topical signal instead of diluting it.
CONTEXTS: dict[str, tuple[str, ...]] = {
    "cooking": ("I'm cooking for eight people this Saturday", "I only have a tiny kitchen and one good pan", "my partner is vegetarian and I'm not"),
    "personal finance": ("I just started my first full-time job", "we're trying to save while paying off two credit cards", "I'm 45 and behind on saving"),
    "astronomy": ("my kid just got really into space", "I'm camping somewhere with dark skies next month", "I watched a space documentary last night"),
    "gardening": ("I have a small backyard that's mostly shade", "my plants look sad this year", "I just moved into a house with a big yard"),
    "python programming": ("I'm learning Python for work", "my script keeps crashing", "I'm coming to Python from JavaScript"),
    "medieval history": ("I'm writing a fantasy novel and want it to feel real", "I have a history exam next week", "we're visiting castles in England this summer"),
    "cardiology": ("my dad was just diagnosed with a heart condition", "my doctor brought this up at my checkup", "I'm 52 and worried about my heart"),
    "tax law": ("I started freelancing this year", "I'm doing my own taxes for the first time", "I sold some stock last year"),
    "music theory": ("I've played guitar by ear for years", "I'm trying to write my first song", "I'm studying for a music theory exam"),
    "car repair": ("my 2012 Civic has 140k miles on it", "I want to do more of my own maintenance", "the shop quoted me way more than I expected"),
    "chemistry": ("I'm retaking chemistry in college", "my teacher went through this too fast", "I'm tutoring a high schooler"),
    "travel in japan": ("I'm planning two weeks in Japan in April", "it's my first trip to Asia", "we're traveling with two kids"),
    "parenting": ("my son is three", "we have a newborn and a four year old", "my daughter just turned 14"),
    "machine learning": ("I'm a backend engineer moving into ML", "I'm doing my first Kaggle competition", "my model is great on training data and bad on test data"),
    "marketing": ("I run a small bakery", "we're launching a software product next quarter", "I just took over marketing at a small nonprofit"),
    "football": ("I only started watching football this season", "I coach an under-10 team", "my friends and I argue about this constantly"),
    "philosophy": ("I'm taking an intro philosophy class", "I've been thinking about this a lot lately", "I have an essay due Friday"),
    "geology": ("I found a weird rock on a hike", "we're driving through Utah next week", "my kid asked me and I had no idea"),
    "nutrition": ("I'm trying to lose about 10 kg", "I just started lifting weights", "my doctor said my iron is low"),
    "photography": ("I just bought my first mirrorless camera", "my photos keep coming out blurry", "I'm shooting a friend's wedding"),
    "linguistics": ("I'm learning Spanish and Japanese at the same time", "I'm a first-year linguistics student", "my toddler is just starting to talk"),
    "climate science": ("my teenager is anxious about climate change", "I'm writing a report for work", "I'm trying to cut my own emissions"),
    "chess": ("I'm rated about 1200 online", "I picked chess back up after twenty years", "I keep losing in the opening"),
    "real estate": ("we're looking to buy our first home", "I'm thinking of renting out my condo", "my landlord just raised the rent 15%"),
}

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
