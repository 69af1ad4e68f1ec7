"""Letters like the real corpus: a large Zipf vocabulary and real lengths.

The sample letters (``samplegen.letters``) are 2.9 KB each with about 840 distinct
words, so every broad word is in most letters and every stored text is short:
both flatter a search engine. Real responses differ in two ways that matter
for speed, and this generator reproduces them:

- **Length.** The extracted texts of ../shared/corpus have a median of about
  6.5 KB, a 90th percentile of about 23 KB and a tail past 300 KB (spreadsheets
  and logs printed as letters). Here the length is log-normal with that median
  and 90th percentile, and one letter in 160 is drawn from 100–420 KB.
- **Vocabulary.** Words follow a Zipf–Mandelbrot law over 120,000 distinct
  words: common English and FOI words first, then generated names, places,
  systems and words, so rare words are rare and there are very many of them;
  figures (counts, money, financial years) are drawn fresh each time.

Each letter is a sample letter (its body, reference, dates, request items,
decision, exemptions in a legal annex, and the generator's truth) with the
added material (further explanation, then tables of records for the long
ones) placed before the complaint-rights paragraph, where real responses put
their annexes. Letter *i* is the same whatever the corpus size.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from samplegen.letters import compose_letter, random_spec

VOCABULARY = 120_000
ZIPF_S, ZIPF_Q = 1.1, 2.7  # Zipf–Mandelbrot: p(rank) ∝ 1 / (rank + q) ** s
MEDIAN_CHARS, P90_CHARS = 6_500, 23_000
TAIL_SHARE, TAIL_CHARS = 1 / 160, (100_000, 420_000)
FIGURE = "\x00"  # the vocabulary's placeholder for a figure, drawn fresh each time

#: The head of the distribution: the words any English letter is made of, most frequent
#: first, with the words FOI letters use between them.
COMMON = """the of and to a in that is for it as was with be by on not this are or have
from at which but an they has you were their been we will there all would can if more
information its no other than when also may into only these any such should some our
request who what about out so up his her them could there time those two made under
after first would being where police most between over however each force number data
act records provided held section public years year per please within council response
disclosure held relating date received officers staff cases period following further
regard figures confirm total provide reasons appropriate relevant available systems
authority required request, information. process review note details including used
policy recorded management service services report reports team department officer
national local current previous financial year's subject access purpose purposes
individual individuals person persons personal members member office offices
contract contracts costs cost spend spent budget budgets value amount amounts
incidents incident crime crimes offence offences arrest arrests custody victims
complaint complaints investigation investigations procedure procedures guidance
safeguarding training equipment vehicles vehicle property premises building buildings
""".split()

ONSETS = ("b bl br c ch cl cr d dr f fl fr g gl gr h j k l m n p pl pr qu r s sc sh sk sl "
          "sm sn sp st str sw t th tr v w wh y z").split()
VOWELS = "a e i o u ai ea ee ie oa ou y".split()
CODAS = ("", "", "b", "ck", "d", "ff", "g", "l", "ll", "m", "n", "nd", "ng", "nt", "p", "r",
         "rd", "rn", "rt", "s", "ss", "st", "t", "th", "x")
PLACE_ENDS = ("ton", "ford", "bury", "ham", "field", "ley", "wick", "by", "worth", "stow",
              "mouth", "bridge", "combe", "chester", "minster")
SYSTEM_STEMS = ("NICHE", "ATHENA", "STORM", "PNC", "PND", "CONNECT", "ORACLE", "SAP", "CRM",
                "ANPR", "CCTV", "ESMCP", "AIRWAVE", "HOLMES", "CHIS", "IDEA", "SLAM", "RMS")


@dataclass
class RealisticLetter:
    text: str
    title: str
    truth: dict


def _syllable(rng: random.Random) -> str:
    return rng.choice(ONSETS) + rng.choice(VOWELS) + rng.choice(CODAS)


@lru_cache(maxsize=1)
def vocabulary() -> tuple[list[str], np.ndarray]:
    """The words by rank and the cumulative Zipf–Mandelbrot probabilities (built once)."""
    rng = random.Random(20261205)
    words: list[str] = []
    seen: set[str] = set()

    def add(word: str) -> None:
        if word not in seen:
            seen.add(word)
            words.append(word)

    for word in COMMON:
        add(word)
    # Figures sit among the common words: a letter is full of counts and sums.
    for rank in (12, 40, 95, 300):
        words.insert(rank, FIGURE)
    while len(words) < VOCABULARY:
        kind = rng.random()
        if kind < 0.45:  # ordinary words: 1-4 syllables
            add("".join(_syllable(rng) for _ in range(rng.choice((1, 2, 2, 2, 3)))))
        elif kind < 0.70:  # surnames and first names
            add("".join(_syllable(rng) for _ in range(rng.choice((2, 2, 3)))).capitalize())
        elif kind < 0.85:  # places
            add(("".join(_syllable(rng) for _ in range(rng.choice((1, 2)))) + rng.choice(PLACE_ENDS))
                .capitalize())
        else:  # systems, forms and codes
            add(f"{rng.choice(SYSTEM_STEMS)}-{rng.randint(1, 999)}{rng.choice(('', 'A', 'B', 'X'))}")
    ranks = np.arange(1, len(words) + 1, dtype=np.float64)
    weights = 1.0 / (ranks + ZIPF_Q) ** ZIPF_S
    cdf = np.cumsum(weights)
    return words, cdf / cdf[-1]


def target_length(rng: np.random.Generator) -> int:
    """A letter's length in characters: log-normal with the real median and p90, and a tail."""
    if rng.random() < TAIL_SHARE:
        return int(rng.integers(*TAIL_CHARS))
    sigma = np.log(P90_CHARS / MEDIAN_CHARS) / 1.2816  # z of the 90th percentile
    return int(np.exp(rng.normal(np.log(MEDIAN_CHARS), sigma)))


def _figure(rng: np.random.Generator) -> str:
    shape = rng.integers(0, 5)
    if shape == 0:
        return f"£{int(rng.lognormal(8, 2)):,}"
    if shape == 1:
        year = int(rng.integers(2005, 2026))
        return f"{year}/{(year + 1) % 100:02d}"
    if shape == 2:
        return f"{int(rng.integers(1, 29)):02d}/{int(rng.integers(1, 13)):02d}/{int(rng.integers(2010, 2026))}"
    return f"{int(rng.lognormal(3, 1.6)):,}"


def _words(rng: np.random.Generator, n: int) -> list[str]:
    words, cdf = vocabulary()
    ranks = np.searchsorted(cdf, rng.random(n))
    return [_figure(rng) if w == FIGURE else w for w in map(words.__getitem__, ranks.tolist())]


def prose(rng: np.random.Generator, chars: int) -> str:
    """Paragraphs of Zipf words, in sentences of 6–30 words, about ``chars`` long."""
    words = _words(rng, max(8, chars // 4))
    ends = np.cumsum([len(w) + 1 for w in words])
    words = words[:max(8, int(np.searchsorted(ends, chars)))]
    sentences, at = [], 0
    for length in rng.integers(6, 31, size=len(words) // 6 + 1).tolist():
        if at >= len(words):
            break
        part = words[at:at + length]
        at += length
        sentences.append(part[0][:1].upper() + part[0][1:] + " " + " ".join(part[1:]) + ".")
    paragraphs, at = [], 0
    for length in rng.integers(2, 8, size=len(sentences) // 2 + 1).tolist():
        if at >= len(sentences):
            break
        paragraphs.append(" ".join(sentences[at:at + length]))
        at += length
    return "\n\n".join(paragraphs)


def records(rng: np.random.Generator, chars: int) -> str:
    """A table of records (date, name, place, system, two words, a figure), as long responses hold."""
    words, _ = vocabulary()
    rows, size = [], 0
    while size < chars:
        names = _words(rng, 5)
        row = (f"{int(rng.integers(1, 29)):02d}/{int(rng.integers(1, 13)):02d}/{int(rng.integers(2012, 2026))}  "
               f"{words[int(rng.integers(400, len(words)))]}  {names[0]} {names[1]}  "
               f"{words[int(rng.integers(400, len(words)))]}  {names[2]}  {_figure(rng)}")
        rows.append(row)
        size += len(row) + 1
    return "\n".join(rows)


def compose(i: int, seed: int) -> RealisticLetter:
    """Letter ``i``: a sample letter lengthened to a real length with Zipf text."""
    rng = random.Random(seed * 1_000_003 + i)
    letter = compose_letter(rng, random_spec(rng))
    nrng = np.random.default_rng([seed, i])
    missing = target_length(nrng) - len(letter.text)
    text = letter.text
    if missing > 200:
        prose_chars = missing if missing < 30_000 else min(missing, 12_000)
        parts = ["FURTHER INFORMATION", prose(nrng, prose_chars)]
        if missing > prose_chars:
            parts += ["ANNEX B – RECORDS HELD", records(nrng, missing - prose_chars)]
        added = "\n\n".join(parts) + "\n\n"
        cut = text.find("COMPLAINT RIGHTS")
        if cut < 0:
            cut = text.find("Yours sincerely")
        cut = cut if cut >= 0 else len(text)
        text = text[:cut] + added + text[cut:]
    return RealisticLetter(text=text, title=letter.title, truth=letter.truth)


def iter_realistic(count: int, seed: int) -> Iterator[RealisticLetter]:
    for i in range(count):
        yield compose(i, seed)
