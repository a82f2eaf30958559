"""Two news events in Indonesian prose, shared by the tests that serve feeds over HTTP."""

FLOOD = [
    "Banjir rob merendam ratusan rumah di Kelurahan Tanjung Mas, Semarang, sejak Kamis pagi setelah tanggul laut jebol.",
    "Badan Penanggulangan Bencana Daerah Kota Semarang mengerahkan perahu karet untuk mengevakuasi warga lanjut usia.",
    "Genangan setinggi 70 sentimeter juga memutus akses Jalan Kaligawe yang menghubungkan Semarang dan Demak.",
    "Warga diminta mewaspadai rob susulan karena pasang air laut diperkirakan mencapai puncaknya pada Jumat malam.",
]
RATES = [
    "Bank Indonesia mempertahankan suku bunga acuan BI-Rate di level 6,25 persen dalam rapat dewan gubernur Rabu.",
    "Gubernur Bank Indonesia menyatakan keputusan itu untuk menjaga stabilitas nilai tukar rupiah dari tekanan global.",
    "Para ekonom menilai ruang penurunan suku bunga baru terbuka pada akhir tahun jika inflasi tetap terkendali.",
    "Rupiah ditutup menguat tipis terhadap dolar Amerika Serikat setelah pengumuman keputusan suku bunga tersebut.",
]
