"""The sensitive-word filter (firmware.sms.words): Chinese and English words found through
full-width forms, case and symbols slipped between the characters, mapped back to the
original text; thousands of words checked against a plain search of every word."""

from __future__ import annotations

from firmware.sms.words import Match, WordFilter, fold


def spans(found: list[Match]) -> list[tuple[str, int, int]]:
    return [(match.word, match.start, match.end) for match in found]


def test_chinese_words_through_inserted_symbols_and_spaces():
    words = WordFilter(["代开发票", "贷款"])
    text = "您好，本公司代★开☆发☆票，另有低息贷 款。"
    found = words.find(text)
    assert spans(found) == [("代开发票", 6, 13), ("贷款", 18, 21)]
    assert text[6:13] == "代★开☆发☆票"
    assert words.find("代\u200b开\u3000发。票")[0].end == 7  # zero-width and ideographic space
    assert words.find("代开发") == []


def test_english_words_through_case_full_width_and_symbols():
    words = WordFilter(["free money", "VIP"])
    text = "Get ＦＲＥＥ-Money now, ｖｉｐ only! f.r.e.e m_o_n_e_y"
    assert spans(words.find(text)) == [
        ("free money", 4, 14), ("VIP", 20, 23), ("free money", 30, 47)]
    assert text[30:47] == "f.r.e.e m_o_n_e_y"
    assert "FreeMoney" in words


def test_a_latin_word_is_a_whole_word_a_chinese_one_is_not():
    words = WordFilter(["free", "发票"])
    assert words.find("carefree freedom") == []
    assert spans(words.find("free, 免费free2 开发票")) == [("free", 0, 4), ("发票", 15, 17)]
    assert spans(words.find("免费free")) == [("free", 2, 6)]
    assert len(WordFilter(["free"], whole_latin_words=False).find("carefree")) == 1


def test_overlapping_words_are_all_found():
    words = WordFilter(["代开发票", "开发", "发票", "票"])
    assert spans(words.find("代开发票")) == [
        ("代开发票", 0, 4), ("开发", 1, 3), ("发票", 2, 4), ("票", 3, 4)]
    assert spans(WordFilter(["aa"], whole_latin_words=False).find("aaa")) == [
        ("aa", 0, 2), ("aa", 1, 3)]


def test_words_the_admin_wrote_differently_are_each_reported():
    words = WordFilter(["VIP", "vip", " vip ", "★", ""])
    assert words.words == ("VIP", "vip", "★")
    assert words.ignored == ("★",)
    assert [match.word for match in words.find("a vip")] == ["VIP", "vip"]
    assert WordFilter([]).find("anything") == []


def test_compatibility_forms_and_accents():
    words = WordFilter(["株式会社", "café"])
    assert spans(words.find("㈱式会社")) == [("株式会社", 0, 4)]  # ㈱ is (株)
    assert spans(words.find("cafe\u0301 CAFÉ")) == [("café", 0, 5), ("café", 6, 10)]
    folded = fold("Ａ★b\u0301")  # no precomposed b with an acute: the mark is dropped
    assert (folded.text, folded.starts, folded.ends) == ("ab", (0, 2), (1, 4))
    folded = fold("\u0301e\u0301\u0301x")  # a mark first stands alone, and is dropped
    assert (folded.text, folded.starts, folded.ends) == ("éx", (1, 4), (4, 5))


def test_five_thousand_words_against_a_thousand_characters(rng):
    pool = ("的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也"
            "能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物"
            "现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相")
    words = sorted({"".join(pool[int(index)] for index in rng.integers(0, len(pool), size))
                    for size in rng.integers(2, 6, 6000)})[:5000]
    assert len(words) == 5000
    planted = [words[int(index)] for index in rng.integers(0, len(words), 20)]
    chunks = []
    for word in planted:
        chunks.append("".join(pool[int(index)] for index in rng.integers(0, len(pool), 40)))
        chunks.append("☆".join(word))  # a symbol between every character
    text = "".join(chunks)
    text += "".join(pool[int(index)] for index in rng.integers(0, len(pool), 1000 - len(text)))
    assert len(text) == 1000

    found = WordFilter(words).find(text)

    folded = fold(text)
    expected = set()
    for word in words:  # a plain search of every word in the folded text
        at = folded.text.find(word)
        while at >= 0:
            expected.add((word, folded.starts[at], folded.ends[at + len(word) - 1]))
            at = folded.text.find(word, at + 1)
    assert set(spans(found)) == expected
    assert {word for word in planted} <= {match.word for match in found}
    for match in found:
        assert fold(text[match.start:match.end]).text == match.word
