"""BLEU, ROUGE-L and METEOR of captions against their references, with maintained
implementations: sacrebleu (corpus BLEU-4), Google's rouge-score (ROUGE-L F-measure, the
best reference per photo) and NLTK (METEOR). All three on a 0-1 scale, over the same tokens:

- Korean: morphemes from Kiwi (kiwipiepy), so "얼룩이" and "얼룩은" share "얼룩";
- English: lower-case words from sacrebleu's 13a tokenizer.

Punctuation is left out in both (whether a caption ends with a full stop says nothing).
METEOR matches exact words and stems, and English synonyms when NLTK's WordNet data is
installed (`python -m nltk.downloader wordnet`: it cannot be fetched offline); the result
says whether it was.
"""

import functools
import re
import unicodedata

HANGUL = re.compile("[가-힣]")


def language_of(texts) -> str:
    return "ko" if any(HANGUL.search(text) for text in texts) else "en"


@functools.cache
def _kiwi():
    from kiwipiepy import Kiwi

    return Kiwi()


@functools.cache
def _tokenizer_13a():
    from sacrebleu.tokenizers.tokenizer_13a import Tokenizer13a

    return Tokenizer13a()


def _is_punctuation(token: str) -> bool:
    return all(unicodedata.category(character).startswith(("P", "S")) for character in token)


def tokenize(text: str, language: str) -> list[str]:
    if language == "ko":
        tokens = [token.form for token in _kiwi().tokenize(text)]
    else:
        tokens = _tokenizer_13a()(text.lower()).split()
    return [token for token in tokens if not _is_punctuation(token)]


class _NoSynonyms:
    """Stands in for WordNet when its data is not installed (and for Korean): no synonyms."""

    def synsets(self, *args, **kwargs):
        return []


def _wordnet(language: str):
    if language != "en":
        return _NoSynonyms(), False
    from nltk.corpus import wordnet

    try:
        wordnet.ensure_loaded()
    except LookupError:
        return _NoSynonyms(), False
    return wordnet, True


class _Pretokenized:
    """rouge-score's default tokenizer drops every non-ASCII letter, Hangul included."""

    def tokenize(self, text):
        return text.split()


def score(hypotheses: list[str], references: list[list[str]], *, language: str | None = None) -> dict:
    """`references[i]` are the captions people wrote for the photo of `hypotheses[i]`."""
    from nltk.translate.meteor_score import meteor_score
    from rouge_score.rouge_scorer import RougeScorer
    from sacrebleu.metrics import BLEU

    if len(hypotheses) != len(references) or not hypotheses:
        raise ValueError("one list of references per caption, and at least one caption")
    language = language or language_of([text for group in references for text in group])
    hypothesis_tokens = [tokenize(text, language) for text in hypotheses]
    reference_tokens = [[tokenize(text, language) for text in group] for group in references]

    most = max(len(group) for group in references)
    streams = [[" ".join(group[k]) if k < len(group) else None for group in reference_tokens] for k in range(most)]
    bleu = BLEU(tokenize="none", effective_order=True).corpus_score(
        [" ".join(tokens) for tokens in hypothesis_tokens], streams).score / 100

    rouge = RougeScorer(["rougeL"], tokenizer=_Pretokenized())
    rouge_l = sum(
        rouge.score_multi([" ".join(ref) for ref in group], " ".join(tokens))["rougeL"].fmeasure
        for tokens, group in zip(hypothesis_tokens, reference_tokens)) / len(hypotheses)

    wordnet, synonyms = _wordnet(language)
    meteor = sum(meteor_score(group, tokens, wordnet=wordnet)
                 for tokens, group in zip(hypothesis_tokens, reference_tokens)) / len(hypotheses)
    return {
        "bleu": round(bleu, 4), "rouge_l": round(rouge_l, 4), "meteor": round(meteor, 4),
        "count": len(hypotheses), "language": language,
        "tokens": "kiwi morphemes" if language == "ko" else "13a words", "meteor_synonyms": synonyms,
    }
