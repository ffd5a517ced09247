"""The ranking policy, stated once; every backend realises it.

A search scores each query word (an ``Alternative`` of a ``Group``) in the
word fields and, for a word typed as a fragment of a compound, in the
sub-word gram fields, each with the weight below times the alternative's
own weight; a document's score then scales with the share of the query's
groups it matches (coordination); among the best ``VERBATIM_DEPTH``, one
holding what was typed between spaces verbatim gains up to
``VERBATIM_BONUS`` of its score.  Matching (what a search counts) is
``QuerySpec.needs``: see ``indexer.spec.Need``.

The Whoosh backend computes exactly this with numpy
(``indexer/engine/whoosh/scoring.py``, BM25F as Whoosh scores it); the
OpenSearch backend realises it as per-field boosts in a bool query (its
BM25 has the same free parameters).  The numbers were tuned on the
relevance benchmark's dev set (benchmarks/relevance.py).
"""

from __future__ import annotations

# Word matches rank above sub-word matches; title above tags, summary and
# people, all above body.  Measured on the relevance benchmark's dev set
# (benchmarks/relevance.py): steeper field boosts (title 5) cost 2-6 points
# of MRR@10 on every query family, so the steps are small.
WORD_FIELDS = {"title": 1.3, "tags": 1.15, "summary": 1.15, "people": 1.15, "body": 1.0}
GRAMS_WEIGHTS = {"tgrams": 0.7, "grams": 0.45}
COORDINATION = 0.9  # Whoosh's bonus for matching more of the query's terms
# A document's score is scaled by the share of the query's words it
# matches (to this power).  Whoosh's bonus above is too small to reorder
# anything; this one, tuned on the dev set (300 questions a family), took
# MRR@10 from 0.81 to 0.84 on keywords, 0.71 to 0.75 on typos and 0.74 to
# 0.79 on fragments (with the sub-word weights raised from 0.5/0.3),
# natural questions unchanged.
GROUP_COORDINATION = 1.0
# BM25F's free parameters: Whoosh's K1; B at 1.0, not Whoosh's 0.75 (a
# long law section or manual holds every word of a question somewhere, and
# that says less than a short one holding them), with the pairs below:
# nitibench-dev MRR@10 0.611 -> 0.669 (B alone 0.630, the pairs alone 0.642).
B, K1 = 1.0, 1.2
# A question of QUESTION_GRAMS_NEEDS content words or more also scores the
# sub-word pairs of all it says (QuerySpec.pairs), each in the body's gram
# field, weighted QUESTION_GRAMS_WEIGHT, for every document it lists: the
# evidence a trigram index keeps and word segmentation loses (การไถ่ in a
# question, ไถ่ทรัพย์สิน in the section that answers it).
QUESTION_GRAMS_WEIGHT = 0.15
QUESTION_GRAMS_NEEDS = 3
# Among the best VERBATIM_DEPTH documents, one that contains what was typed
# between spaces, character for character, gains up to VERBATIM_BONUS of
# its score: the evidence a trigram index has and segmentation loses when a
# fragment of a compound word is typed.  Dev set, 300 questions a family:
# fragment MRR@10 0.796 -> 0.824, typo 0.742 -> 0.749, others unchanged;
# the same with the best 15, 30 or 50 (each costs a stored-document read).
VERBATIM_BONUS = 1.0
VERBATIM_DEPTH = 15

# What a search lists past the documents that hold every content word:
# from MANY_NEEDS content words, those that hold some follow them, each
# marked with what it lacks; from QUESTION_NEEDS (a question), all of them
# are ranked by score together (whether a document repeats every word of a
# question says less than the score).  The count stays the documents
# holding every word.
MANY_NEEDS = 2
QUESTION_NEEDS = 4
