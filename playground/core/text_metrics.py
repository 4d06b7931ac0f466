"""How repetitive a text is: distinct-n and the repeated n-gram rate, over words.

distinct-n (Li et al. 2016, https://arxiv.org/abs/1510.03055) = unique n-grams / all n-grams;
the repeated n-gram rate is Welleck et al.'s seq-rep-n (https://arxiv.org/abs/1908.04319),
the share of n-gram positions whose n-gram already occurred earlier in the same text,
= 1 - distinct-n. Words (lower-cased, punctuation dropped) keep the numbers comparable across
tokenizers; the spans let the UI highlight the repeats in the original text.
"""
from __future__ import annotations

import html
import re
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

WORD = re.compile(r"[\w']+")
REPEAT_N = 4  # seq-rep-4, as in Welleck et al.


@dataclass(frozen=True)
class TextMetrics:
    distinct_1: float
    distinct_2: float
    distinct_3: float
    repeated_ngram_rate: float  # seq-rep-4; 0 = no 4-gram repeats
    words: int
    tokens: int
    eos_reached: bool


def words_with_spans(text: str) -> list[tuple[str, int, int]]:
    return [(m.group().lower(), m.start(), m.end()) for m in WORD.finditer(text)]


def ngrams(words: Sequence[Hashable], n: int) -> list[tuple[Hashable, ...]]:
    return [tuple(words[i:i + n]) for i in range(len(words) - n + 1)]


def distinct_n(words: list[str], n: int) -> float:
    """Unique n-grams / n-grams; 0.0 for a text shorter than n words.

    >>> distinct_n("a b a b".split(), 2)
    0.6666666666666666
    """
    grams = ngrams(words, n)
    return len(set(grams)) / len(grams) if grams else 0.0


def repeated_positions(words: Sequence[Hashable], n: int = REPEAT_N) -> list[int]:
    """Start positions of n-grams that already occurred earlier (the repeats, not the first).

    >>> repeated_positions("a b c a b c".split(), 2)
    [3, 4]
    """
    seen: set[tuple[Hashable, ...]] = set()
    repeats = []
    for i, gram in enumerate(ngrams(words, n)):
        if gram in seen:
            repeats.append(i)
        seen.add(gram)
    return repeats


def repeated_ngram_rate(words: Sequence[Hashable], n: int = REPEAT_N) -> float:
    """seq-rep-n: repeated n-gram positions / n-gram positions (0.0 when there are none).

    Works on words or on token ids (the DPO tab's collapse alarm counts token 3-grams).

    >>> repeated_ngram_rate([1, 2, 3, 4, 5], 3), repeated_ngram_rate([7, 8, 7, 8, 7, 8], 3)
    (0.0, 0.5)
    """
    total = len(words) - n + 1
    return len(repeated_positions(words, n)) / total if total > 0 else 0.0


def text_metrics(text: str, tokens: int, eos_reached: bool) -> TextMetrics:
    words = [w for w, _, _ in words_with_spans(text)]
    return TextMetrics(distinct_n(words, 1), distinct_n(words, 2), distinct_n(words, 3),
                       repeated_ngram_rate(words), len(words), tokens, eos_reached)


def highlight_repeats(text: str, n: int = REPEAT_N) -> str:
    """The text as escaped HTML with every word inside a repeated n-gram wrapped in <mark>.

    >>> highlight_repeats("<b> x <b> x")
    '&lt;b&gt; x &lt;b&gt; x'
    >>> highlight_repeats("a b a b", 2)
    'a b <mark>a b</mark>'
    """
    spans = words_with_spans(text)
    marked = [False] * len(spans)
    for start in repeated_positions([w for w, _, _ in spans], n):
        marked[start:start + n] = [True] * n
    pieces, cursor, open_mark = [], 0, False
    for (_, start, end), is_marked in zip(spans, marked):
        gap = html.escape(text[cursor:start])
        if open_mark and not is_marked:
            pieces.append("</mark>")
            open_mark = False
        pieces.append(gap)
        if is_marked and not open_mark:
            pieces.append("<mark>")
            open_mark = True
        pieces.append(html.escape(text[start:end]))
        cursor = end
    if open_mark:
        pieces.append("</mark>")
    pieces.append(html.escape(text[cursor:]))
    return "".join(pieces)
