"""Writes the hostile corpus of tests/test_hostile.py into this folder.

    python tests/hostile/build.py

The files are committed; this script says how each one was made (the bombs are binary).
`@BASE@` in a file stands for the test server's address (http://127.0.0.1:PORT) and is
replaced when the file is served. Nothing here ever points anywhere but 127.0.0.1.
"""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent

DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'
RSS_HEAD = '<rss version="2.0"><channel><title>{title}</title><link>@BASE@/</link><description>hostile</description>\n'
RSS_TAIL = "</channel></rss>\n"

# Sentences long and ordinary enough to survive cleaning as an article body.
BRIDGE = [
    "A pedestrian bridge collapsed over the Kalimas river in Surabaya on Tuesday morning, injuring at least twelve people.",
    "Rescue teams from the city fire department worked through the night to clear the debris from the river.",
    "Witnesses said the bridge had been crowded with commuters on their way to the market when it gave way.",
    "The mayor of Surabaya said an independent inquiry would look into the maintenance records of the bridge.",
]
FIRE = [
    "Kebakaran melanda pasar tradisional di Kota Medan pada Rabu dini hari dan menghanguskan puluhan kios pedagang.",
    "Petugas pemadam kebakaran mengerahkan dua belas mobil untuk memadamkan api yang berkobar selama tiga jam.",
    "Polisi masih menyelidiki penyebab kebakaran yang diduga berasal dari korsleting listrik di salah satu kios.",
    "Para pedagang berharap pemerintah kota segera membangun tempat berjualan sementara bagi mereka.",
]
QUAKE = [
    "A magnitude 5.8 earthquake shook the island of Lombok on Friday evening, sending residents running into the streets.",
    "The national disaster agency said several houses in East Lombok were damaged but no deaths had been reported.",
    "Officials warned residents to stay away from damaged buildings in case of aftershocks during the night.",
    "The earthquake was also felt in Bali, where hotel guests were briefly evacuated from their rooms.",
]
TRAIN = [
    "Kereta api Argo Bromo Anggrek tertahan selama dua jam di Stasiun Cirebon akibat gangguan sinyal pada Sabtu pagi.",
    "Manajemen PT Kereta Api Indonesia meminta maaf kepada para penumpang atas keterlambatan perjalanan tersebut.",
    "Petugas teknis berhasil memperbaiki gangguan sinyal dan perjalanan kereta kembali normal menjelang siang.",
    "Penumpang yang membatalkan perjalanan dapat meminta pengembalian uang tiket secara penuh di loket stasiun.",
]
VOTE = [
    "The city council of Bandung voted on Monday to extend the pedestrian zone around the Asia Africa street.",
    "Council members said the change would reduce traffic jams and make the old town safer for visitors.",
    "Shop owners in the area were divided, with some fearing that fewer cars would mean fewer customers.",
    "The new rules will take effect next month after a period of public consultation with local residents.",
]


def paragraphs(sentences: list[str]) -> str:
    return "".join(f"<p>{s}</p>" for s in sentences)


def item(title: str, body: str, *, guid: str | None = None, link: str | None = None, date: str | None = None,
         cdata: bool = True) -> str:
    parts = [f"<item><title>{title}</title>"]
    if link is not None:
        parts.append(f"<link>{link}</link>")
    if guid is not None:
        parts.append(f"<guid isPermaLink=\"false\">{guid}</guid>")
    if date is not None:
        parts.append(f"<pubDate>{date}</pubDate>")
    parts.append(f"<description><![CDATA[{body}]]></description>" if cdata else f"<description>{body}</description>")
    parts.append("</item>\n")
    return "".join(parts)


def feed(title: str, *items: str, prolog: str = DECLARATION) -> str:
    return prolog + RSS_HEAD.format(title=title) + "".join(items) + RSS_TAIL


def write(name: str, data: str | bytes) -> None:
    (HERE / name).write_bytes(data.encode("utf-8") if isinstance(data, str) else data)


DATE = "Mon, 17 Jun 2024 08:00:00 GMT"


def build() -> None:
    # --- XML that attacks the parser ------------------------------------------------------
    laughs = "".join(f'<!ENTITY lol{i} "{("&lol%d;" % (i - 1)) * 10}">\n' for i in range(1, 10))
    write("billion_laughs.xml", '<?xml version="1.0"?>\n<!DOCTYPE rss [\n<!ENTITY lol0 "lol">\n' + laughs + "]>\n"
          + feed("Laughs", item("Tawa &lol9;", "<p>&lol9;</p>" + paragraphs(BRIDGE), cdata=False), prolog=""))
    # Entities of plain text survive feedparser's DTD filter, and its fallback parser expands
    # them without limit: 40 KB here would become 90 MB of text.
    write("quadratic_blowup.xml", '<?xml version="1.0"?>\n<!DOCTYPE rss [\n<!ENTITY a "' + "A" * 30_000 + '">\n]>\n'
          + feed("Quadratic", item("Besar", "<p>" + "&a;" * 3000 + "</p>", cdata=False), prolog=""))
    write("xxe_file.xml", '<?xml version="1.0"?>\n<!DOCTYPE rss [\n<!ENTITY xxe SYSTEM "file:///etc/passwd">\n]>\n'
          + feed("XXE &xxe;", item("Rahasia &xxe;", "<p>&xxe;</p>" + paragraphs(FIRE), cdata=False), prolog=""))
    write("xxe_http.xml", '<?xml version="1.0"?>\n<!DOCTYPE rss [\n<!ENTITY xxe SYSTEM "@BASE@/beacon/xxe">\n]>\n'
          + feed("XXE http", item("Rahasia &xxe;", "<p>&xxe;</p>" + paragraphs(FIRE), cdata=False), prolog=""))
    write("xxe_parameter.xml", '<?xml version="1.0"?>\n<!DOCTYPE rss [\n<!ENTITY % dtd SYSTEM "@BASE@/beacon/dtd">\n'
          '%dtd;\n]>\n' + feed("XXE parameter", item("Rahasia", paragraphs(FIRE)), prolog=""))
    write("xxe_one_line.xml", '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x SYSTEM "file:///etc/passwd">'
          '<!ENTITY y "&x;&x;">]>' + feed("XXE one line", item("Rahasia &y;", "<p>&y;</p>" + paragraphs(FIRE), cdata=False), prolog=""))

    # --- broken, mislabelled, badly encoded --------------------------------------------------
    write("malformed.xml", '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>Rusak & Co'
          "</title>\n" + "<item><title>Gempa Lombok & sekitarnya</title><description>"
          + "".join(f"<p>{s}" for s in QUAKE) + "</description></item>\n"
          + "<item><title>Tanpa penutup<description>" + paragraphs(QUAKE[:2]))  # never closed
    write("garbage.xml", b"<rss version=\"2.0\"><channel><<<>>>\x00\xff\xfe<item<title>>" + bytes(range(256)) * 4)
    write("html_as_feed.html", "<!DOCTYPE html><html><head><title>Not a feed</title></head><body>"
          "<nav><a href=\"/\">Home</a> <a href=\"/news\">News</a></nav><h1>Welcome to our portal</h1>"
          "<div class=\"ads\">Advertisement</div></body></html>")
    write("cp1252_undeclared.xml", feed(
        "Kabar Kode", item("Rapat dewan kota – “zona pejalan kaki” diperluas", paragraphs(VOTE), date=DATE),
        prolog='<?xml version="1.0"?>\n')
        .encode("cp1252"))
    write("latin1_declared_utf8.xml", feed(
        "Señal Latina", item("Gempa Lombok: café dan hotel dievakuasi", paragraphs(QUAKE), date=DATE))
        .encode("latin-1"))
    page = ("<!DOCTYPE html><html><head><meta charset=\"{charset}\"><title>{title}</title>"
            "<meta property=\"og:site_name\" content=\"{site}\"></head><body><article><h1>{title}</h1>{body}"
            "</article></body></html>")
    write("latin1_page_declared_utf8.html", page.format(
        charset="utf-8", title="Kereta tertahan: penumpang kecewa « à Cirebon » café", site="Halaman Latin",
        body=paragraphs(TRAIN)).encode("latin-1"))
    write("utf8_page_declared_latin1.html", page.format(
        charset="iso-8859-1", title="Rapat dewan – “zona” café", site="Halaman UTF",
        body=paragraphs(VOTE)).encode("utf-8"))

    # --- entries with odd fields ---------------------------------------------------------------
    dates = ["0000-00-00T00:00:00Z", "9999-12-31T23:59:59-23:00", "Fri, 31 Dec 2999 23:59:59 GMT",
             "Mon, 31 Feb 2024 08:00:00 GMT", "yesterday", "0001-01-01T00:00:00+05:00", DATE]
    write("invalid_dates.xml", feed("Tanggal Aneh", *(
        item(f"Tanggal aneh {i}: {d}", paragraphs([f"Entri nomor {i} di umpan ini sengaja diberi tanggal terbit yang tidak masuk akal sama sekali."] + TRAIN), guid=f"d{i}",
             date=d) for i, d in enumerate(dates))))
    write("guids.xml", feed(
        "Guid Ganda",
        item("Kebakaran pasar Medan", paragraphs(FIRE), guid="sama"),
        item("Kebakaran pasar Medan (salinan dengan guid sama)", paragraphs(FIRE[1:] + BRIDGE[:1]), guid="sama"),
        item("Tanpa guid dan tanpa tautan", paragraphs(TRAIN)),
        item("Guid kosong", paragraphs(VOTE), guid=""),
        item("Guid sangat panjang", paragraphs(QUAKE), guid="g" * 5000),
        item("Guid dengan karakter kendali", paragraphs(BRIDGE), guid="a&#x1;b&#x202E;c"),
    ))
    write("empty.xml", feed(
        "Kosong",
        item("Tanpa isi", ""),
        item("Spasi saja", "   \n\t  "),
        item("Tag saja", "<p></p><div><br/></div><p> </p>"),
        item("Skrip saja", "<script>alert(1)</script><style>p{}</style>"),
        item("Gambar saja", "<img src=\"@BASE@/beacon/empty\">"),
        "<item></item>\n",
    ))

    # --- content that attacks the outputs --------------------------------------------------
    write("script.xml", feed(
        "Skrip &lt;script&gt;alert('outlet')&lt;/script&gt; News",
        item("&lt;script&gt;alert('title')&lt;/script&gt;Bridge collapse in Surabaya injures twelve",
             f"<p>{BRIDGE[0]}</p><script>alert('body')</script>"
             f"<p onclick=\"alert('attr')\">{BRIDGE[1]}</p>"
             f"<p>{BRIDGE[2][:-1]} &lt;script&gt;alert('escaped')&lt;/script&gt; at rush hour.</p>"
             "<noscript><img src=x onerror=alert(1)></noscript>"
             f"<svg onload=\"alert('svg')\"><script>alert('svg script')</script></svg><p>{BRIDGE[3]}</p>",
             date=DATE),
        item("<![CDATA[<img src=x onerror=alert('title2')><b>Mayor</b> orders inquiry into bridge]]>",
             "<div><iframe srcdoc=\"&lt;script&gt;alert(1)&lt;/script&gt;\"></iframe>"
             + paragraphs(BRIDGE[::-1]) + "<template><script>alert('template')</script></template>"
             "<textarea><script>alert('textarea')</script></textarea></div>", date=DATE),
    ))
    write("links.xml", DECLARATION + '<rss version="2.0"><channel><title>Tautan Jahat</title>'
          "<link>javascript:alert('channel')</link><description>x</description>\n"
          + item("Tautan javascript", f"<p><a href=\"javascript:alert('a')\">{FIRE[0]}</a></p>" + paragraphs(FIRE[1:]),
                 link="javascript:alert('link')", guid="javascript:alert('guid')", date=DATE)
          + item("Tautan data", f"<p><a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">"
                 f"{QUAKE[0]}</a></p>" + paragraphs(QUAKE[1:]),
                 link="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==", date=DATE)
          + item("Tautan berkas", f"<p><a href=\"file:///etc/passwd\">{TRAIN[0]}</a></p>" + paragraphs(TRAIN[1:])
                 + "<p><img src=\"file:///etc/passwd\"></p>", link="file:///etc/passwd", date=DATE)
          + item("Tautan tersamar", f"<p><a href=\"JaVaScRiPt:alert(1)\">{VOTE[0]}</a></p>" + paragraphs(VOTE[1:]),
                 link=" java\tscript:alert('tab')", date=DATE)
          + "<item><title>Lampiran</title><enclosure url=\"file:///etc/passwd\" type=\"text/plain\" length=\"1\"/>"
          + f"<description><![CDATA[{paragraphs(BRIDGE)}]]></description><link>vbscript:msgbox(1)</link></item>\n"
          + RSS_TAIL)
    write("beacons.xml", feed(
        "Suar url(@BASE@/beacon/outlet)",
        item("&lt;img src=\"@BASE@/beacon/title\"&gt; Fire at Medan market",
             "<base href=\"@BASE@/beacon/base/\"><meta http-equiv=\"refresh\" content=\"0;url=@BASE@/beacon/refresh\">"
             "<link rel=\"stylesheet\" href=\"@BASE@/beacon/link.css\">"
             "<style>@import url(\"@BASE@/beacon/import.css\"); body { background: url(@BASE@/beacon/css) }"
             " @font-face { font-family: x; src: url(@BASE@/beacon/font) }</style>"
             f"<p style=\"background-image: url('@BASE@/beacon/style')\">{FIRE[0]}</p>"
             f"<p><img src=\"@BASE@/beacon/img\" srcset=\"@BASE@/beacon/srcset 2x\">{FIRE[1]}</p>"
             "<picture><source srcset=\"@BASE@/beacon/picture\"></picture>"
             "<video poster=\"@BASE@/beacon/poster\" src=\"@BASE@/beacon/video\"></video>"
             "<object data=\"@BASE@/beacon/object\"></object><embed src=\"@BASE@/beacon/embed\">"
             "<iframe src=\"@BASE@/beacon/iframe\"></iframe>"
             "<svg><image href=\"@BASE@/beacon/svg\"/></svg>"
             f"<p>{FIRE[2]} The text itself mentions url(@BASE@/beacon/text-css) and "
             f"&lt;img src=\"@BASE@/beacon/text-img\"&gt; as plain words.</p><p>{FIRE[3]}</p>",
             date=DATE),
    ))
    write("bidi_nul.xml", feed(
        "Kabar &#x202E;Palsu&#x202C; Harian",
        item("Laporan &#x202E;fdp.exe&#x202C; keuangan &#x2066;kota&#x2069;",
             "".join(f"<p>{s[:10]}&#x202E;{s[10:]}</p>" for s in QUAKE) + "<p>nul\x00di\x00tengah\x00teks.</p>",
             date=DATE),
        item("Judul dengan nul &#0; di tengah", paragraphs(VOTE) + "<p>&#0;&#1;&#x7f;&#xfffe;</p>", date=DATE),
    ).encode("utf-8"))
    long_word = "Sangat" + "panjang" * 15_000
    write("long_words.xml", feed(
        "Kata Panjang",
        item("Judul" + "x" * 50_000, f"<p>{TRAIN[0]}</p><p>Warga {long_word} mengungsi ke masjid terdekat.</p>"
             + paragraphs(TRAIN[1:]) + f"<p>{long_word}</p>", date=DATE),
    ))
    long_sentence = "Warga " + "yang tinggal di pesisir utara dan selatan kota " * 700 + "mengungsi ke masjid terdekat."
    write("long_sentences.xml", feed(
        "Kalimat Panjang",
        item("Kalimat sangat panjang", f"<p>{TRAIN[0]}</p><p>{long_sentence}</p>" + paragraphs(TRAIN[1:]), date=DATE),
    ))
    write("script_page.html", "<!DOCTYPE html><html><head><title>Gempa Lombok &lt;script&gt;alert(1)&lt;/script&gt;"
          "</title><link rel=\"canonical\" href=\"javascript:alert('canonical')\">"
          "<meta property=\"og:url\" content=\"file:///etc/passwd\">"
          "<meta property=\"og:site_name\" content=\"Situs &lt;img src=x onerror=alert(1)&gt;\">"
          "<meta http-equiv=\"refresh\" content=\"0;url=@BASE@/beacon/page-refresh\">"
          "<script>document.write('<img src=@BASE@/beacon/page-script>')</script>"
          "<style>body{background:url(@BASE@/beacon/page-css)}</style></head>"
          "<body onload=\"alert('onload')\"><article><h1>Gempa Lombok</h1>"
          + "".join(f"<p onmouseover=\"alert(1)\">{s}</p>" for s in QUAKE)
          + "<p><img src=\"@BASE@/beacon/page-img\"><a href=\"javascript:alert(2)\">Baca juga</a></p>"
          "</article><iframe src=\"@BASE@/beacon/page-iframe\"></iframe></body></html>")

    # --- compression bombs (what the server sends is small; what it expands to is not) -----------
    write("gzip_bomb.gz", gzip.compress(b"\0" * (50 * 1024 * 1024), compresslevel=9))
    write("deflate_bomb.zz", zlib.compress(b"\0" * (50 * 1024 * 1024), 9))
    inner = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    layer = b"".join(inner.compress(b"\0" * (1024 * 1024)) for _ in range(1024)) + inner.flush()  # 1 GiB
    write("gzip_gzip_bomb.gz", gzip.compress(layer, compresslevel=9))


if __name__ == "__main__":
    build()
    for path in sorted(HERE.iterdir()):
        print(f"{path.stat().st_size:>9}  {path.name}")
