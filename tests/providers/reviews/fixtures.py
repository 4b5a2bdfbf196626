# ruff: noqa: E501
"""Small Italian feeds written for these tests (3-5 items each), and a CSV."""

from __future__ import annotations

RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"
     xmlns:review="https://sportello.example/ns/review">
  <channel>
    <title>Recensioni della Trattoria da Gino</title>
    <link>https://recensioni.example.it/trattoria-gino</link>
    <item>
      <guid>rec-101</guid>
      <title>Carbonara da sogno</title>
      <link>https://recensioni.example.it/trattoria-gino/rec-101</link>
      <description>&lt;p&gt;Carbonara perfetta e servizio gentile. &lt;b&gt;Torneremo!&lt;/b&gt;&lt;/p&gt;</description>
      <dc:creator>Maria Bianchi</dc:creator>
      <pubDate>Sat, 05 Dec 2026 19:30:00 +0100</pubDate>
      <review:rating>5</review:rating>
      <review:source>recensioni.example.it</review:source>
    </item>
    <item>
      <guid>rec-102</guid>
      <title>Attesa infinita</title>
      <link>https://recensioni.example.it/trattoria-gino/rec-102</link>
      <description>Abbiamo aspettato un'ora per due pizze fredde. Deludente.</description>
      <dc:creator>Luca Verdi</dc:creator>
      <pubDate>Sat, 05 Dec 2026 21:10:00 +0100</pubDate>
      <review:rating>1</review:rating>
    </item>
    <item>
      <guid>rec-103</guid>
      <link>https://recensioni.example.it/trattoria-gino/rec-103</link>
      <dc:creator>Anna Neri</dc:creator>
      <pubDate>Sun, 06 Dec 2026 09:00:00 +0100</pubDate>
      <review:rating>9</review:rating>
      <description>Voto fuori scala.</description>
    </item>
    <item>
      <guid>men-7</guid>
      <title>Qualcuno conosce la Trattoria da Gino?</title>
      <link>https://forum.example.it/t/7</link>
      <description>Ci andrei sabato, com'è il tiramisù?</description>
      <dc:creator>giorgio_82</dc:creator>
      <pubDate>Sun, 06 Dec 2026 10:00:00 +0100</pubDate>
    </item>
  </channel>
</rss>
""".encode()

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:r="https://sportello.example/ns/review">
  <title>Menzioni</title>
  <id>urn:menzioni</id>
  <updated>2026-12-06T10:00:00Z</updated>
  <entry>
    <id>urn:rec:a1</id>
    <title>Ottimo negozio</title>
    <link rel="alternate" href="https://www.guida.example.com/negozio/a1"/>
    <author><name>Paola Russo</name><email>paola.russo@example.it</email></author>
    <published>2026-12-04T08:00:00Z</published>
    <content type="html">&lt;p&gt;Personale competente, consegna rapida.&lt;/p&gt;</content>
    <r:rating>4</r:rating>
  </entry>
  <entry>
    <id>urn:rec:a2</id>
    <title>Pacco rotto</title>
    <link href="https://www.guida.example.com/negozio/a2"/>
    <author><name>Franco Gallo</name></author>
    <updated>2026-12-05T08:00:00Z</updated>
    <summary>Il pacco è arrivato rotto e nessuno risponde.</summary>
    <r:rating>2</r:rating>
  </entry>
  <entry>
    <id>urn:rec:a3</id>
    <author><name>Senza testo</name></author>
    <updated>2026-12-05T09:00:00Z</updated>
  </entry>
</feed>
""".encode()

JSON_FEED = b"""{
  "version": "https://jsonfeed.org/version/1.1",
  "title": "Recensioni",
  "items": [
    {"id": "j-1", "url": "https://mappe.example.com/r/j-1", "content_text": "Colazione ottima, cornetti caldi.",
     "date_published": "2026-12-03T07:45:00+01:00", "authors": [{"name": "Sara Colombo"}],
     "_review": {"rating": 5, "source": "mappe"}},
    {"id": "j-2", "url": "https://mappe.example.com/r/j-2", "content_html": "<p>Caff&egrave; bruciato.</p>",
     "date_published": "2026-12-03T08:00:00+01:00", "authors": [{"name": "Dario Fontana"}],
     "_review": {"rating": "2", "source": "mappe"}},
    {"id": "j-3", "url": "ftp://mappe.example.com/r/j-3", "content_text": "Link sbagliato",
     "_review": {"rating": 3, "source": "mappe"}}
  ]
}"""

JSON_ARRAY = b"""[
  {"id": "g-1", "source": "google", "rating": 3, "author": "Elena Marino",
   "url": "https://g.example/r/1", "text": "Nella media.", "published_at": "2026-12-01T12:00:00Z"},
  {"id": "g-2", "source": "google", "rating": 4, "author": "Marco Greco",
   "url": "https://g.example/r/2", "text": "Buon rapporto qualit\\u00e0 prezzo.", "email": "marco.greco@example.it"},
  {"id": "g-3", "source": "google", "rating": "ottimo", "author": "X", "text": "voto non numerico"}
]"""

CSV_IT = (
    "\ufefffonte;voto;autore;link;testo;data\n"
    "google;5;Giulia Rossi;https://g.example/r/10;Servizio impeccabile, grazie!;05/12/2026\n"
    'tripadvisor.it;2;Paolo Conti;https://www.tripadvisor.it/r/11;"Tavolo sporco; camerieri distratti";2026-12-04\n'
    "google;;Anonimo;;;2026-12-04\n"
    "google;4;Chiara Ferri;https://g.example/r/12;Buono;31/02/2026\n"
    "google;4;Teo Bruno;https://g.example/r/13;Tutto bene;2026-12-03\n"
).encode()

CSV_EN = (
    b"source,rating,author,url,text,date\n"
    b'facebook,1,Rita Esposito,https://fb.example/p/1,"Never again, rude staff",2026-12-02T18:00:00Z\n'
    b"facebook,3,Nico Lombardi,https://fb.example/p/2,Fine,2026-12-02\n"
    b"facebook,6,Ugo,https://fb.example/p/3,Too many stars,2026-12-02\n"
)

XML_BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
]>
<rss version="2.0"><channel><item><description>&lol2;</description></item></channel></rss>
"""
