"""The precision benchmark's metric functions on a tiny hand-made corpus (no index, no timing)."""

from benchmarks.metrics import hit_rate
from benchmarks.precision import (
    Corpus,
    holding,
    holding_text,
    is_thai_word,
    make_probes,
    noise,
    pooled_share,
    quantile,
    total_ratio,
)

# บ้า (mad) is a word of its own and a piece of บ้าน (house).
TEXTS = {
    "dog": "สุนัขบ้า กัด คน",
    "house": "บ้าน หลัง ใหญ่",
    "cat": "แมว นอน",
}
WORDS = {
    "dog": frozenset({"สุนัข", "บ้า", "กัด", "คน"}),
    "house": frozenset({"บ้าน", "หลัง", "ใหญ่"}),
    "cat": frozenset({"แมว", "นอน"}),
}


def test_a_result_lacking_the_word_is_noise():
    assert noise(["dog", "cat"], TEXTS, ["สุนัข"]) == (1, 2)


def test_a_word_inside_another_word_is_not_noise():
    # Substring containment: บ้าน holds บ้า, so the house counts as holding it.
    assert noise(["house", "dog"], TEXTS, ["บ้า"]) == (0, 2)


def test_no_space_noise_needs_neither_word_nor_the_joined_string():
    needles = ["สุนัข", "แมว", "สุนัขแมว"]
    assert noise(["dog", "house", "cat"], TEXTS, needles) == (1, 3)


def test_noise_looks_at_the_top_ten_only():
    hits = ["dog"] * 10 + ["cat"] * 5
    assert noise(hits, TEXTS, ["สุนัข"]) == (0, 10)


def test_shares_are_pooled_over_results_shown():
    assert pooled_share([(1, 10), (1, 1), (0, 0)]) == 2 / 11
    assert pooled_share([(0, 0)]) is None


def test_total_ratio_is_the_total_over_documents_holding_both_words():
    both = holding(["สุนัข", "บ้า"], WORDS.values())
    assert both == 1
    assert total_ratio(3, both) == 3.0
    assert total_ratio(5, 0) is None
    # As segmented words บ้า is only in "dog"; as a substring also in "house".
    assert holding(["บ้า"], WORDS.values()) == 1
    assert holding_text(["บ้า"], TEXTS.values()) == 2


def test_quantile_interpolates_between_ranks():
    assert quantile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.5
    assert quantile([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0], 0.9) == 10.0
    assert quantile([], 0.5) is None


def test_hit_rate():
    assert hit_rate(["a", "b"], ["b"]) == 1.0
    assert hit_rate(["a"] * 10 + ["b"], ["b"]) == 0.0


def test_thai_words_only():
    assert is_thai_word("สุนัข")
    assert not is_thai_word("ก")  # one character
    assert not is_thai_word("abc")
    assert not is_thai_word("ฯลฯ")
    assert not is_thai_word("สุนัข บ้า")


def _corpus():
    ids = list(TEXTS)
    runs = {
        "dog": [("สุนัข", False), ("บ้า", True), ("กัด", False), ("คน", False)],
        "house": [("บ้าน", False), ("หลัง", False), ("ใหญ่", False)],
        "cat": [("แมว", False), ("นอน", False)],
    }
    return Corpus(ids, [TEXTS[i] for i in ids], [WORDS[i] for i in ids], [runs[i] for i in ids])


def test_probes_are_deterministic_and_drawn_as_specified():
    dictionary = {"สุนัข", "บ้า", "กัด", "คน", "บ้าน", "หลัง", "ใหญ่", "แมว", "นอน", "ช้าง", "ม้า"}
    stop = {"คน"}
    a = make_probes("tiny", _corpus(), dictionary, stop, set(), 5, 5)
    b = make_probes("tiny", _corpus(), dictionary, stop, set(), 5, 5)
    assert a == b
    assert set(a["absent"]) == {"ช้าง", "ม้า"}
    assert "ช้าง" not in a["present"] and len(a["present"]) == 5
    assert "คน" not in a["one-word"]
    # Only สุนัข and บ้า touch each other in the text.
    assert a["no-space"] == [{"text": "สุนัขบ้า", "words": ["สุนัข", "บ้า"]}]
    for p in a["two-word"]:
        w1, w2 = p["words"]
        assert p["text"] == f"{w1} {w2}"
        assert p["holding_words"] >= 1
    assert a["one-word-df"]["บ้า"] == 1 if "บ้า" in a["one-word"] else True
