"""Tests of digest.language: detection, sentence splitting, words, stems, stop words."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digest import language as language_module
from digest.language import Language, detect, get_language

SEEDS = Path(__file__).parents[2] / "shared" / "seeds"
SEED_FILES = sorted(SEEDS.glob("*.txt"))

ID = get_language("id")
EN = get_language("en")


def seed_text(number: str) -> str:
    (path,) = SEEDS.glob(f"{number}_*.txt")
    return path.read_text(encoding="utf-8")


def seed_paragraph(number: str, *, starts: str = "", ends: str = "") -> str:
    """The one paragraph of a seed that starts and ends as given."""
    paragraphs = [p.strip() for p in seed_text(number).split("\n\n")]
    (found,) = [p for p in paragraphs if p.startswith(starts) and p.endswith(ends)]
    return found


# --- detection ---------------------------------------------------------------------


def test_there_are_five_seeds() -> None:
    assert len(SEED_FILES) == 5


@pytest.mark.parametrize("path", SEED_FILES, ids=lambda p: p.name[:3])
def test_seed_articles_are_indonesian(path: Path) -> None:
    assert detect(path.read_text(encoding="utf-8")) == "id"


@pytest.mark.parametrize(
    "text",
    [
        "Harga beras naik lagi minggu ini.",
        "Dia juga mengatakan, kedua negara siap menghadapi ambisi kolektif Barat.",
        "Presiden Rusia Vladimir Putin tiba di ibu kota Korea Utara.",
    ],
)
def test_short_indonesian_is_not_taken_for_malay(text: str) -> None:
    assert detect(text) == "id"


def test_clear_malay_stays_malay() -> None:
    text = (
        "Perdana Menteri Datuk Seri Anwar Ibrahim berkata kerajaan akan terus "
        "memperkukuh ekonomi negara melalui pelbagai inisiatif yang telah diumumkan "
        "dalam Belanjawan 2024."
    )
    assert detect(text) == "ms"


def test_english_and_french() -> None:
    english = (
        "The central bank raised interest rates on Wednesday for the third time this "
        "year, saying inflation remained stubbornly high despite slowing growth."
    )
    french = (
        "Le gouvernement a annoncé mercredi de nouvelles mesures pour soutenir les "
        "agriculteurs touchés par la sécheresse de cet été."
    )
    assert detect(english) == "en"
    assert detect(french) == "fr"


@pytest.mark.parametrize("text", ["", "   \n ", "12 345 !!!", "Tidak ada", "OK"])
def test_too_little_text_is_undetermined(text: str) -> None:
    assert detect(text) == "und"


@pytest.mark.parametrize(
    ("hint", "expected"), [("ID", "id"), ("en-US", "en"), ("pt_BR", "pt"), (" fr ", "fr"),
                           # withdrawn and three-letter codes (old feeds, Java locales), and
                           # Norwegian's two written standards, become the ISO 639-1 code
                           ("in-ID", "id"), ("ind", "id"), ("iw", "he"), ("eng", "en"), ("nb-NO", "no"),
                           ("nn", "no"), ("tl", "tl"), ("x", "x")]
)
def test_hint_wins_normalised(hint: str, expected: str) -> None:
    assert detect("The central bank raised interest rates again.", hint) == expected


@pytest.mark.parametrize("hint", [None, "", "und"])
def test_empty_hint_is_ignored(hint: str | None) -> None:
    assert detect("The central bank raised interest rates again today.", hint) == "en"


# --- sentence splitting: single rules ----------------------------------------------

# Each case is the expected sentences; the input is them joined by single spaces.
INDONESIAN_CASES = [
    # abbreviations of addresses, titles, money, ranks
    ["Kantornya di Jl. Sudirman No. 5, Jakarta.", "Dia datang bersama Dr. Andi dan Prof. Budi."],
    ["Harganya Rp. 5.000 per kg.", "Kapolda dijabat Irjen. Suharyono sejak Mei."],
    ["Ia diperiksa dr. Siti, Sp. A. di RS Cipto.", "Hasilnya baik."],
    ["Kata dokter gigi drg. Djamilah Tohirah di Jakarta, Kamis.", "Ia praktik di RSCM."],
    [
        "Surat ditujukan kepada Yth. Bpk. H. Ahmad, S.H., M.Si. di Kab. Bogor.",
        "Ia belum membalas.",
    ],
    # dll. mid-sentence stays, dll. before a capital ends the sentence
    [
        "Ia membeli beras, gula, dll. untuk keluarganya.",
        "Mereka juga membeli sabun, dll.",
        "Kemudian pulang.",
    ],
    # dates in brackets, times and decimals
    ["Putin tiba Kamis (20/6) waktu setempat.", "Ia disambut Kim pada Rabu (19/6/2024)."],
    ["Dia tiba pukul 17.55 WIB.", "Suhu naik 3,5 derajat dan harga naik 1.000.000 rupiah."],
    # initials and dotted acronyms
    ["Presiden Vladimir V. Putin bertemu J. K. Rowling di A.S. pekan lalu.", "Keduanya tertawa."],
    # domains, URLs and e-mail addresses
    [
        "Baca di virprom.com dan https://x.org/a.b?q=1.5 sekarang.",
        "Kirim surel ke redaksi@digo.id.",
        "Terima kasih.",
    ],
    # quotations: ?/! before a lowercase continuation, closing quotes stay
    ["“Siapa?” tanya dia.", "“Saya!” jawabnya.", "\"Kami siap,\" katanya."],
    ["Ia berkata, “Kami menolak.”", "Lalu ia pergi.", "Benarkah?", "Ya!", "Semua setuju."],
    # ellipsis: before lowercase it continues, before a capital it ends
    ["Tunggu... apa yang terjadi?", "Entahlah…", "Tidak ada yang tahu!"],
    # ";" is no boundary, nor is "." before a lowercase word
    ["Ia datang; mereka pergi. harga naik di pasar.", "Namun stok aman."],
    # acting officials and the late: "Plt." (pelaksana tugas), "Plh.", "Alm."
    [
        "Hadir sebagai pemateri adalah Plt. Asdep Strategi Pemasaran Hariyanto.",
        "Bunga ditabur di makam Alm. H. Adam Malik dan Plh. Kepala Dinas hadir.",
    ],
    # company suffix: "Tbk." continues before a name, ends before "Dia"
    [
        "Saham PT Bank Central Asia Tbk. Naik tipis.",
        "Laba PT. Astra International Tbk.",
        "Dia umumkan kemarin.",
    ],
]


@pytest.mark.parametrize("expected", INDONESIAN_CASES)
def test_indonesian_splitting(expected: list[str]) -> None:
    assert ID.split_sentences(" ".join(expected)) == expected


def test_quoted_question_before_lowercase_continues() -> None:
    assert ID.split_sentences("“Siapa?” tanya dia.") == ["“Siapa?” tanya dia."]
    assert ID.split_sentences("“Siapa?” Dia bertanya.") == ["“Siapa?”", "Dia bertanya."]


def test_german_and_czech_quotation_marks_open_and_close_sentences() -> None:
    # „…“: the low mark opens a quotation and the high one closes it.
    assert get_language("cs").split_sentences(
        "Premiér řekl: „Nemáme vůči Íránu žádné špatné úmysly.“ Poté odešel z jednání."
    ) == ["Premiér řekl: „Nemáme vůči Íránu žádné špatné úmysly.“", "Poté odešel z jednání."]
    assert get_language("de").split_sentences(
        "Die Kanzlerin sprach am Montag in Berlin. „Wir schaffen das.“ Das sagte sie zweimal. „Warum?“ fragte er."
    ) == ["Die Kanzlerin sprach am Montag in Berlin.", "„Wir schaffen das.“", "Das sagte sie zweimal.",
          "„Warum?“ fragte er."]


@pytest.mark.parametrize("code, expected", [
    # Czech: "tzv." (so-called), "např." (for example), degrees written "MUDr."; "atd." may end one
    ("cs", ["Podle mluvčího tzv. Islámského státu je útok odvetou.", "Zemřelo např. 20 lidí."]),
    ("cs", ["Operaci vedl MUDr. Novák z Prahy.", "Přivezli jídlo, vodu, léky atd.", "Pomoc dorazila v pondělí."]),
    # Greek: "κ." (Mr.) before a name
    ("el", ["Ο κ. Παπανδρέου δήλωσε ότι η χώρα είναι έτοιμη.", "Η κυβέρνηση συνεδρίασε."]),
    # Hindi written with periods: "कि.मी." (km) and "डॉ." (Dr.)
    ("hi", ["यह दूरी 20 कि.मी. है.", "डॉ. शर्मा ने कहा."]),
])
def test_abbreviations_of_other_languages_do_not_end_sentences(code: str, expected: list[str]) -> None:
    assert get_language(code).split_sentences(" ".join(expected)) == expected


def test_numbered_list_items_are_not_split_at_their_number() -> None:
    text = "1. Dukung Korut melawan provokasi AS\n2. Kerja sama alternatif ekonomi"
    assert ID.split_sentences(text) == [
        "1. Dukung Korut melawan provokasi AS",
        "2. Kerja sama alternatif ekonomi",
    ]


ENGLISH_CASES = [
    [
        "U.S. President Joe Biden met Mr. Putin at 10 a.m. on Tuesday.",
        "The talks lasted two hours, officials said.",
        "Prime Minister Rishi Sunak spoke from No. 10 Downing Street.",
    ],
    [
        "The summit was held in the U.S.",
        "The next one will be in Europe, the U.N. Security Council said on Friday.",
    ],
    [
        "Gen. Mark Milley and Sen. Elizabeth Warren spoke on Jan. 5.",
        "They disagreed, e.g. on budgets, i.e. on money.",
        "Apple Inc. Chief Executive Tim Cook declined to comment.",
    ],
    [
        "Shares of Acme Corp. rose 3.5% to $12.75 on the news.",
        "\"Are you sure?\" he asked.",
        "\"Yes!\" she said.",
        "Wait... what happened next?",
        "Nobody knows.",
    ],
    [
        "Asked whether he would resign, he said no.",
        "Then he left the room at 9 p.m.",
        "The meeting ended, etc.",
        "Everyone went home.",
    ],
    # an abbreviation joined to what comes before it: "Aug. 23-Sept. 5" (a Multi-News page)
    [
        "This story first appeared in the Aug. 23-Sept. 5 issue of The Hollywood Reporter magazine.",
        "The U.S.-backed forces won.",
        "They left.",
    ],
    # a case's name: "Kimble v. Marvel" (a Multi-News page)
    ["The case, Kimble v. Marvel, also known as the Spider-Man case, was decided.", "It ended."],
]


@pytest.mark.parametrize("expected", ENGLISH_CASES)
def test_english_splitting(expected: list[str]) -> None:
    assert EN.split_sentences(" ".join(expected)) == expected


@pytest.mark.parametrize("text, expected", [
    # Multi-News pages whose scrape lost the break between two sentences (94 times in 26 of 690)
    ("She failed to produce meeting minutes.In her resignation letter, she wrote that she had a new job.",
     ["She failed to produce meeting minutes.", "In her resignation letter, she wrote that she had a new job."]),
    ("The footage was preserved.Then the tape was sent to Newark.",
     ["The footage was preserved.", "Then the tape was sent to Newark."]),
    # a link, a name, a domain, an abbreviation: one sentence
    ("See https://example.com/News.Today for the schedule.", ["See https://example.com/News.Today for the schedule."]),
    ("He flew to St.Louis on Monday.", ["He flew to St.Louis on Monday."]),
    ("Visit Example.Com or IGC.org.These pages load.", ["Visit Example.Com or IGC.org.These pages load."]),
    ("Developers now write Node.js services.", ["Developers now write Node.js services."]),
])
def test_a_sentence_run_into_the_next_without_a_space_ends_at_its_period(text: str, expected: list[str]) -> None:
    assert EN.split_sentences(text) == expected


def test_line_breaks_always_end_sentences() -> None:
    text = "Berita Terkini\nPresiden tiba di Hanoi\r\nIa disambut, kata\u2028Reuters"
    assert ID.split_sentences(text) == [
        "Berita Terkini",
        "Presiden tiba di Hanoi",
        "Ia disambut, kata",
        "Reuters",
    ]


def test_caseless_and_cjk_scripts() -> None:
    assert get_language("zh").split_sentences("我爱北京。今天天气很好！你呢？") == [
        "我爱北京。",
        "今天天气很好！",
        "你呢？",
    ]
    assert get_language("ar").split_sentences("مرحبا بكم. كيف حالك؟ أنا بخير.") == [
        "مرحبا بكم.",
        "كيف حالك؟",
        "أنا بخير.",
    ]
    assert get_language("hi").split_sentences("यह पहला वाक्य है। यह दूसरा है।") == [
        "यह पहला वाक्य है।",
        "यह दूसरा है।",
    ]


def test_unknown_language_degrades_to_generic_splitting() -> None:
    xx = get_language("xx")
    assert xx.split_sentences("Mr. Smith came. He left.") == ["Mr. Smith came.", "He left."]
    assert xx.split_sentences("Kantornya di Jl. Sudirman.") == ["Kantornya di Jl.", "Sudirman."]


# --- sentence splitting: real seed paragraphs ---------------------------------------


def test_seed_004_putin_arrival_is_two_sentences() -> None:
    paragraph = seed_paragraph("004", starts="Presiden Rusia Vladimir Putin disambut hangat")
    sentences = ID.split_sentences(paragraph)
    assert len(sentences) == 2
    assert sentences[0].endswith("Pyongyang pada Rabu (19/6) waktu setempat.")


def test_seed_004_quotation_is_three_sentences() -> None:
    paragraph = seed_paragraph("004", starts="“Baik Rusia maupun Korut")
    sentences = ID.split_sentences(paragraph)
    assert len(sentences) == 3
    assert sentences[-1].endswith("dikutip dari Kremlin pada Kamis (20/6).")


def test_seed_002_whatsapp_paragraph_keeps_the_url_sentence() -> None:
    paragraph = seed_paragraph("002", ends="Pastikan Anda sudah menginstal aplikasi WhatsApp.")
    sentences = ID.split_sentences(paragraph)
    assert len(sentences) == 4
    assert sentences[0].endswith("jelas Abuza.")
    assert sentences[2] == (
        "Pilih saluran berita favorit Anda untuk mengakses Saluran WhatsApp virprom.com: "
        "https://www.whatsapp.com/channel/0029VaFPbedBPzjZrk13HO3D."
    )
    assert sentences[3] == "Pastikan Anda sudah menginstal aplikasi WhatsApp."


def test_seed_002_dateline_with_domain_is_one_sentence() -> None:
    paragraph = seed_paragraph("002", starts="HANOI, virprom.com")
    assert ID.split_sentences(paragraph) == [paragraph]


def test_seed_003_numbered_heading_is_one_sentence() -> None:
    paragraph = seed_paragraph("003", starts="1. Dukung Korut")
    assert ID.split_sentences(paragraph) == ["1. Dukung Korut melawan provokasi AS"]


def test_seed_003_dateline_is_two_sentences() -> None:
    paragraph = seed_paragraph("003", starts="Jakarta, IDN Times")
    sentences = ID.split_sentences(paragraph)
    assert len(sentences) == 2
    assert sentences[0].endswith("pada Rabu (19/6/2024).")


def test_seed_003_quote_then_attribution() -> None:
    paragraph = seed_paragraph("003", starts="\"Hubungan ini bukan hanya")
    sentences = ID.split_sentences(paragraph)
    assert len(sentences) == 2
    assert sentences[1].endswith("dikutip CNN.")


def test_seed_001_quotes_and_money_stay_whole() -> None:
    quoted = seed_paragraph("001", starts="Kim menyebut Putin sebagai")
    money = seed_paragraph("001", starts="Perdagangan antara kedua negara")
    assert ID.split_sentences(quoted) == [quoted]
    assert ID.split_sentences(money) == [money]


def test_seed_000_closing_quote_belongs_to_its_sentence() -> None:
    paragraph = seed_paragraph("000", starts="Kim sendiri menggambarkan")
    sentences = ID.split_sentences(paragraph)
    assert len(sentences) == 2
    assert sentences[0].endswith("ke \"tingkat aliansi yang lebih tinggi.\"")


def test_seed_000_three_sentence_paragraph() -> None:
    paragraph = seed_paragraph("000", starts="Putin sendiri terkena sanksi")
    sentences = ID.split_sentences(paragraph)
    assert [s[:20] for s in sentences] == [
        "Putin sendiri terken",
        "Sanksi ini diperpara",
        "Tapi, baik Vietnam m",
    ]


@pytest.mark.parametrize("path", SEED_FILES, ids=lambda p: p.name[:3])
def test_seed_sentences_are_verbatim(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    sentences = ID.split_sentences(text)
    assert sentences
    assert all(s in text and s == s.strip() for s in sentences)


# --- splitting properties -----------------------------------------------------------

# Text built from the pieces the splitter reacts to, so that the rules get exercised.
PIECES = [*"aZ Ü1.?!…;“”\"'()[]\n\r\u2028\t。？؟।", "Dr.", "dll.", "U.S.", "...", "Dia", "The"]
PUNCTUATION_HEAVY = st.lists(st.sampled_from(PIECES), max_size=60).map("".join)


def check_sentences(language: Language, text: str) -> None:
    sentences = language.split_sentences(text)
    position = 0
    for sentence in sentences:
        assert sentence and sentence == sentence.strip()
        assert not any(c in sentence for c in "\n\r\u2028")
        position = text.index(sentence, position) + len(sentence)
    # nothing but whitespace is ever dropped
    assert "".join("".join(sentences).split()) == "".join(text.split())


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), PUNCTUATION_HEAVY), st.sampled_from(["id", "en", "zh", "xx"]))
def test_splitting_any_text_gives_ordered_verbatim_sentences(text: str, code: str) -> None:
    language = get_language(code)
    check_sentences(language, text)
    assert language.to_sentences(text) == tuple(language.split_sentences(text))


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), PUNCTUATION_HEAVY))
def test_words_of_any_text_are_verbatim_tokens(text: str) -> None:
    words = ID.words(text)
    assert all(w and w in text and not w.isspace() for w in words)
    assert ID.to_words(text) == words


@settings(max_examples=500, deadline=None)
@given(st.text(st.characters(max_codepoint=0x2100)))
def test_latin_fast_path_finds_the_same_words_as_the_general_pattern(text: str) -> None:
    # Texts near the boundary of the fast path (U+0300, U+20D0) and mixes of both sides.
    assert ID.words(text) == tuple(language_module._WORD.findall(text))


# --- words -------------------------------------------------------------------------


def test_words_keep_inner_hyphens_apostrophes_and_numbers() -> None:
    text = (
        "Tautan-tautan, sorak-sorai! Don't ke-63 Malligyong-1 naik 3,5 persen, "
        "Rp 1.000 atau 3.5 kali (2024). ‘Kutip’ — selesai..."
    )
    assert ID.words(text) == (
        "Tautan-tautan", "sorak-sorai", "Don't", "ke-63", "Malligyong-1", "naik", "3,5",
        "persen", "Rp", "1.000", "atau", "3.5", "kali", "2024", "Kutip", "selesai",
    )


def test_words_of_other_scripts() -> None:
    assert get_language("hi").words("हिन्दी भारत की राजभाषा है") == (
        "हिन्दी", "भारत", "की", "राजभाषा", "है",
    )
    assert get_language("zh").words("中文字") == ("中", "文", "字")


# --- stems and stop words -----------------------------------------------------------


def test_indonesian_stems() -> None:
    assert ID.stem("menandatangani") == ID.stem("ditandatangani") == ID.stem("penandatanganan")
    assert ID.stem("Menulis") == ID.stem("ditulis") == "tulis"
    assert ID.stem("menerima") == ID.stem("diterima")
    assert ID.stem("mengambil") == ID.stem("diambil") == "ambil"


def test_english_stems() -> None:
    assert EN.stem("running") == EN.stem("runs") == EN.stem("Running") == "run"


def test_unknown_language_stem_is_lowercase_identity() -> None:
    xx = get_language("xx")
    assert xx.stem("Running") == "running"
    assert xx.stop_words == frozenset()
    assert not xx.is_stop_word("the")


def test_stop_words() -> None:
    assert "yang" in ID.stop_words and ID.is_stop_word("Yang")
    assert "the" in EN.stop_words and EN.is_stop_word("The")
    assert not ID.is_stop_word("presiden")
    assert all(w == w.lower() for w in ID.stop_words)


# --- get_language and sumy -----------------------------------------------------------


def test_get_language_is_cached_and_normalised() -> None:
    assert get_language("id") is get_language("ID") is ID
    assert get_language("en-GB") is EN
    assert get_language("in") is get_language("ind") is ID  # an old feed's Indonesian
    assert get_language("nb").stop_words == get_language("no").stop_words != frozenset()
    assert get_language("und").code == "und"
    assert ID.code == ID.language == "id"


def test_sumy_lexrank_on_a_seed_offline() -> None:
    from sumy.models.dom import ObjectDocumentModel, Paragraph, Sentence
    from sumy.summarizers.lex_rank import LexRankSummarizer

    text = seed_text("000")
    document = ObjectDocumentModel(
        [
            Paragraph([Sentence(s, ID) for s in ID.to_sentences(p)])
            for p in text.split("\n\n")
            if p.strip()
        ]
    )
    summarizer = LexRankSummarizer(ID.stem)
    summarizer.stop_words = ID.stop_words
    summary = [str(s) for s in summarizer(document, 3)]
    assert len(summary) == 3
    assert all(s in text for s in summary)


def test_the_widened_model_weights_rank_languages_exactly_as_the_library_does() -> None:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    library = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    assert library.nb_ptc.dtype != language_module._identifier().nb_ptc.dtype  # widened
    texts = [path.read_text("utf-8") for path in sorted(SEEDS.glob("*.txt"))]
    texts += ["The president arrived in Hanoi on Thursday for talks.", "Путин прибыл в Ханой.", "بوتين يصل إلى هانوي"]
    for text in texts:
        sample = language_module.detection_sample(text)
        assert language_module._identifier().rank(sample) == library.rank(sample)


def test_a_pipe_typed_for_the_danda_ends_a_hindi_sentence():
    hindi = get_language("hi")
    text = ('लंदन में हमलों की बरसी पर श्रद्धांजलि दी गई थी | प्रधानमंत्री ने कहा "हम नहीं भूलेंगे" | '
            'शाम को सभा समाप्त हुई।')
    assert hindi.split_sentences(text) == [
        "लंदन में हमलों की बरसी पर श्रद्धांजलि दी गई थी |", 'प्रधानमंत्री ने कहा "हम नहीं भूलेंगे" |',
        "शाम को सभा समाप्त हुई।"]
    # Between Latin words a pipe separates menu items; it ends nothing.
    assert get_language("en").split_sentences("Home | News | Sport. He left.") == ["Home | News | Sport.", "He left."]
