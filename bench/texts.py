"""Realistic customer-care texts for benchmarks, in Italian and English, from a vocabulary.

An online shop of ceramics and kitchen textiles hears about late parcels, returns, sizes,
invoices, broken items, payments and, now and then, a compliment. Each message is built from
phrases of one topic, with slots for order numbers, products and names, so a seed of millions
of messages reads like a real inbox and searches behave as they would on real text.

Why phrases and not a Markov chain: the search index stores one stem per word
(:func:`sportello.conversations.search.index_text`), so the stems of a message are the stems of
its phrases joined. Stemming each phrase once and joining is ~20 times faster than stemming
every message, and gives exactly the same ``search_text`` (``tests/bench`` checks it).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from sportello.conversations.search import index_text

LANGUAGES = ("it", "en")
_SLOT = re.compile(r"\{(\w+)\}")
_WORD_CHAR = re.compile(r"[^\W_]")


@dataclass(frozen=True)
class Topic:
    """One reason customers write, with what they say and what agents answer."""

    key: str
    tags: tuple[str, ...]
    subjects: dict[str, tuple[str, ...]]
    opening: dict[str, tuple[str, ...]]
    follow_up: dict[str, tuple[str, ...]]
    answer: dict[str, tuple[str, ...]]
    notes: dict[str, tuple[str, ...]]


TOPICS: tuple[Topic, ...] = (
    Topic(
        key="delay",
        tags=("spedizione", "ritardo"),
        subjects={
            "it": ("Ordine {order} non ancora arrivato", "Ritardo consegna", "Dov'è il mio pacco?"),
            "en": ("Order {order} has not arrived", "Late delivery", "Where is my parcel?"),
        },
        opening={
            "it": (
                "ho ordinato {product} il {day} {month} (ordine n. {order}) e non è ancora "
                "arrivato nulla.",
                'il tracking del corriere è fermo da cinque giorni su "in transito".',
                "mi serviva per un regalo di compleanno sabato prossimo, riuscite a dirmi "
                "quando arriva?",
                "sul sito la consegna era indicata in 3-5 giorni lavorativi ma ne sono "
                "passati dieci.",
                "il corriere ha lasciato un avviso ma io ero in casa tutto il giorno.",
                "potete verificare se il pacco è stato spedito all'indirizzo giusto?",
            ),
            "en": (
                "I ordered {product} on {month} {day} (order {order}) and nothing has arrived yet.",
                'the courier tracking has been stuck on "in transit" for five days.',
                "it is a birthday present for next Saturday, can you tell me when it will arrive?",
                "your website said delivery in 3-5 working days but it has been ten.",
                "could you check that the parcel was sent to the right address?",
            ),
        },
        follow_up={
            "it": (
                "Ci sono novità sulla spedizione?",
                "Il corriere dice di contattare il mittente.",
                "Ok, aspetto ancora qualche giorno.",
                "È arrivato proprio adesso, grazie!",
            ),
            "en": (
                "Any news about the shipment?",
                "The courier says I should contact the sender.",
                "It has just arrived, thank you!",
            ),
        },
        answer={
            "it": (
                "ho controllato l'ordine {order}: il pacco è in giacenza presso il centro "
                "di smistamento del corriere.",
                "abbiamo aperto una segnalazione con il corriere e la consegna è prevista "
                "entro due giorni lavorativi.",
                "ci scusiamo per il ritardo, è dovuto al forte volume di ordini di questo periodo.",
                "se entro venerdì non ricevi il pacco, lo rispediamo senza costi.",
            ),
            "en": (
                "I checked order {order}: the parcel is held at the courier's sorting centre.",
                "we have opened a claim with the courier and delivery is expected within two "
                "working days.",
                "we are sorry for the delay, we are handling a very high number of orders.",
                "if the parcel has not arrived by Friday we will send it again at no cost.",
            ),
        },
        notes={
            "it": ("Sollecitato il corriere, pratica {order}.", "Da ricontrollare venerdì."),
            "en": ("Chased the courier, claim {order}.", "Check again on Friday."),
        },
    ),
    Topic(
        key="return",
        tags=("reso",),
        subjects={
            "it": ("Richiesta di reso", "Reso ordine {order}", "Vorrei restituire un articolo"),
            "en": ("Return request", "Return for order {order}", "I would like to return an item"),
        },
        opening={
            "it": (
                "vorrei restituire {product} dell'ordine {order}, il colore dal vivo è "
                "diverso da quello in foto.",
                "come funziona il reso? Devo stampare un'etichetta?",
                "l'articolo è ancora imballato e non è mai stato usato.",
                "preferirei un cambio con un altro modello invece del rimborso.",
                "sono ancora nei 14 giorni per il diritto di recesso?",
            ),
            "en": (
                "I would like to return {product} from order {order}, the colour is different "
                "from the photo.",
                "how do returns work? Do I need to print a label?",
                "the item is still in its box and has never been used.",
                "I would rather exchange it for another model than get a refund.",
            ),
        },
        follow_up={
            "it": (
                "Ho spedito il pacco di reso stamattina.",
                "Non trovo l'etichetta nella mail, potete rimandarla?",
                "Il ritiro a domicilio va bene anche giovedì?",
            ),
            "en": (
                "I sent the return parcel this morning.",
                "I cannot find the label in the email, could you send it again?",
            ),
        },
        answer={
            "it": (
                "ti abbiamo inviato l'etichetta di reso prepagata all'indirizzo email dell'ordine.",
                "puoi consegnare il pacco in qualsiasi punto di ritiro del corriere entro "
                "14 giorni.",
                "appena riceviamo l'articolo in magazzino procediamo con il cambio o con il "
                "rimborso.",
                "per i resi dall'Italia la spedizione è gratuita.",
            ),
            "en": (
                "we have sent a prepaid return label to the email address on the order.",
                "you can drop the parcel at any courier point within 14 days.",
                "as soon as the item reaches our warehouse we will exchange or refund it.",
            ),
        },
        notes={
            "it": ("Etichetta di reso generata.", "Reso arrivato in magazzino, integro."),
            "en": ("Return label created.", "Return received at the warehouse, undamaged."),
        },
    ),
    Topic(
        key="refund",
        tags=("rimborso",),
        subjects={
            "it": ("Rimborso non ricevuto", "Quando arriva il rimborso?"),
            "en": ("Refund not received", "When will I get my refund?"),
        },
        opening={
            "it": (
                "ho restituito {product} tre settimane fa ma il rimborso non è ancora arrivato.",
                "avevo pagato con PayPal, il rimborso arriva sullo stesso conto?",
                "mi avete rimborsato solo una parte dell'importo, mancano le spese di spedizione.",
            ),
            "en": (
                "I returned {product} three weeks ago but have not been refunded yet.",
                "I paid with PayPal, will the refund go to the same account?",
                "you refunded only part of the amount, the shipping costs are missing.",
            ),
        },
        follow_up={
            "it": ("Ancora niente sul conto.", "Ricevuto, grazie mille."),
            "en": ("Still nothing on my account.", "Received, many thanks."),
        },
        answer={
            "it": (
                "il rimborso per l'ordine {order} è stato disposto oggi.",
                "con carta di credito l'accredito richiede da 5 a 10 giorni lavorativi, "
                "dipende dalla banca.",
                "abbiamo rimborsato anche le spese di spedizione, scusa per l'errore.",
            ),
            "en": (
                "the refund for order {order} was issued today.",
                "card refunds take 5 to 10 working days depending on your bank.",
                "we have also refunded the shipping costs, sorry for the mistake.",
            ),
        },
        notes={
            "it": ("Rimborso approvato da amministrazione.",),
            "en": ("Refund approved by accounting.",),
        },
    ),
    Topic(
        key="size",
        tags=("taglie", "prodotto"),
        subjects={
            "it": ("Informazioni sulle misure", "Taglia del grembiule", "Dimensioni del vaso"),
            "en": ("Question about sizes", "Apron size", "Vase dimensions"),
        },
        opening={
            "it": (
                "vorrei sapere le misure esatte, altezza e diametro, per {product}.",
                "il grembiule in lino è disponibile anche in taglia XL?",
                "i piatti piani entrano in una lavastoviglie standard?",
                "di solito porto la taglia M, quale mi consigliate?",
                "la tazza da colazione quanto contiene, circa 300 ml?",
            ),
            "en": (
                "could you tell me the exact dimensions of {product}: height and diameter?",
                "is the linen apron also available in size XL?",
                "do the dinner plates fit in a standard dishwasher?",
                "I usually wear a medium, which size would you suggest?",
            ),
        },
        follow_up={
            "it": ("Perfetto, allora ordino la L.", "E il peso, più o meno?"),
            "en": ("Great, I will order the large one then.", "And roughly how heavy is it?"),
        },
        answer={
            "it": (
                "{product} misura 32 cm di altezza e 18 cm di diametro.",
                "il grembiule veste regolare: per una M consigliamo la taglia M, con il "
                "laccio regolabile.",
                "tutti i nostri piatti vanno in lavastoviglie, il diametro è di 27 cm.",
                "la tazza contiene 320 ml fino al bordo.",
            ),
            "en": (
                "{product} is 32 cm tall and 18 cm in diameter.",
                "the apron fits true to size, with an adjustable strap.",
                "all our plates are dishwasher safe and 27 cm across.",
            ),
        },
        notes={
            "it": ("Aggiungere le misure nella scheda prodotto.",),
            "en": ("Add the dimensions to the product page.",),
        },
    ),
    Topic(
        key="invoice",
        tags=("fattura", "amministrazione"),
        subjects={
            "it": (
                "Richiesta fattura",
                "Fattura elettronica ordine {order}",
                "Dati di fatturazione",
            ),
            "en": ("Invoice request", "Invoice for order {order}"),
        },
        opening={
            "it": (
                "avrei bisogno della fattura elettronica per l'ordine {order}, intestata "
                "alla mia ditta.",
                "vi indico partita IVA e codice destinatario SDI per la fattura.",
                "nella fattura che ho ricevuto manca il codice fiscale.",
                "potete riemettere la fattura con la ragione sociale corretta?",
            ),
            "en": (
                "I need a VAT invoice for order {order}, made out to my company.",
                "the invoice I received is missing our VAT number.",
                "could you reissue the invoice with the correct company name?",
            ),
        },
        follow_up={
            "it": ("La PEC è amministrazione@pec.example.it.", "Ricevuta, tutto corretto."),
            "en": ("Received, everything is correct now.",),
        },
        answer={
            "it": (
                "abbiamo emesso la fattura elettronica, la riceverai tramite SDI entro domani.",
                "trovi la fattura in PDF anche nella tua area clienti, sezione ordini.",
                "abbiamo riemesso la fattura con i dati corretti e annullato la precedente "
                "con nota di credito.",
            ),
            "en": (
                "we have issued the invoice, you will find the PDF in your account.",
                "we reissued the invoice with the right details and cancelled the old one.",
            ),
        },
        notes={
            "it": ("Passata ad amministrazione per nota di credito.",),
            "en": ("Sent to accounting for a credit note.",),
        },
    ),
    Topic(
        key="damaged",
        tags=("danneggiato", "spedizione"),
        subjects={
            "it": ("Articolo arrivato rotto", "Pacco danneggiato", "Piatto scheggiato"),
            "en": ("Item arrived broken", "Damaged parcel", "Chipped plate"),
        },
        opening={
            "it": (
                "il pacco è arrivato ammaccato e dentro {product} è rotto in tre pezzi.",
                "allego le foto dell'imballo e del vaso scheggiato sul bordo.",
                "due tazze del servizio sono arrivate incrinate.",
                "vorrei la sostituzione, non il rimborso, perché è un regalo.",
            ),
            "en": (
                "the parcel arrived dented and {product} inside is broken in three pieces.",
                "I attach photos of the box and of the chipped rim.",
                "two cups from the set arrived cracked.",
            ),
        },
        follow_up={
            "it": ("Ecco le foto che mi avete chiesto.", "Il sostituto è arrivato integro!"),
            "en": ("Here are the photos you asked for.", "The replacement arrived intact!"),
        },
        answer={
            "it": (
                "ci dispiace molto, spediamo subito un articolo sostitutivo senza costi.",
                "non serve rimandare i cocci, basta la foto che ci hai inviato.",
                "abbiamo segnalato il danno al corriere e rinforzato l'imballo per le "
                "prossime spedizioni.",
            ),
            "en": (
                "we are very sorry, a replacement is on its way at no cost.",
                "there is no need to send the broken pieces back, the photo is enough.",
            ),
        },
        notes={
            "it": ("Sostituzione spedita, danno segnalato al corriere.",),
            "en": ("Replacement shipped, damage reported to the courier.",),
        },
    ),
    Topic(
        key="payment",
        tags=("pagamento",),
        subjects={
            "it": ("Problema con il pagamento", "Addebito doppio", "Bonifico effettuato"),
            "en": ("Payment problem", "Charged twice"),
        },
        opening={
            "it": (
                "il pagamento con carta non va a buon fine, esce un errore 3D Secure.",
                "mi avete addebitato due volte lo stesso ordine {order}.",
                "ho pagato con bonifico ieri, vi giro la contabile.",
                "posso pagare in contrassegno?",
            ),
            "en": (
                "my card payment keeps failing with a 3D Secure error.",
                "I have been charged twice for order {order}.",
                "can I pay by bank transfer?",
            ),
        },
        follow_up={
            "it": ("Adesso ha funzionato, grazie.", "Vedo ancora due addebiti."),
            "en": ("It worked now, thanks.", "I still see two charges."),
        },
        answer={
            "it": (
                "il secondo addebito è solo una preautorizzazione e sparirà entro pochi giorni.",
                "abbiamo ricevuto il bonifico e l'ordine {order} è in preparazione.",
                "il contrassegno non è disponibile, accettiamo carta, PayPal e bonifico.",
            ),
            "en": (
                "the second charge is only a pre-authorisation and will disappear in a few days.",
                "we accept cards, PayPal and bank transfer.",
            ),
        },
        notes={
            "it": ("Verificato su Stripe: un solo incasso.",),
            "en": ("Checked in Stripe: captured once.",),
        },
    ),
    Topic(
        key="address",
        tags=("spedizione", "indirizzo"),
        subjects={
            "it": ("Cambio indirizzo di consegna", "Indirizzo sbagliato"),
            "en": ("Change of delivery address", "Wrong address"),
        },
        opening={
            "it": (
                "ho sbagliato il numero civico nell'ordine {order}, è possibile correggerlo?",
                "vorrei far consegnare il pacco in ufficio invece che a casa.",
                "il citofono è intestato a {name}, potete aggiungerlo nelle note?",
            ),
            "en": (
                "I got the house number wrong on order {order}, can you correct it?",
                "I would like the parcel delivered to my office instead.",
            ),
        },
        follow_up={
            "it": ("Via Garibaldi 12, 40121 Bologna.", "Grazie per la rapidità!"),
            "en": ("It is 14 Baker Street, London.", "Thanks for the quick help!"),
        },
        answer={
            "it": (
                "abbiamo aggiornato l'indirizzo, il pacco non era ancora partito.",
                "il pacco è già affidato al corriere: ti mandiamo il link per modificare "
                "la consegna.",
            ),
            "en": (
                "we updated the address, the parcel had not left yet.",
                "the parcel is already with the courier: here is the link to change delivery.",
            ),
        },
        notes={"it": ("Indirizzo corretto nel gestionale.",), "en": ("Address fixed.",)},
    ),
    Topic(
        key="product",
        tags=("prodotto", "pre-vendita"),
        subjects={
            "it": ("Disponibilità prodotto", "Domanda su {product}", "Personalizzazione"),
            "en": ("Product availability", "Question about {product}"),
        },
        opening={
            "it": (
                "{product} tornerà disponibile? Sul sito risulta esaurito.",
                "fate anche incisioni personalizzate con il nome?",
                "lo smalto è adatto al contatto con gli alimenti?",
                "avrei bisogno di dodici pezzi per un ristorante, fate prezzi per quantità?",
            ),
            "en": (
                "will {product} be back in stock? It shows as sold out.",
                "do you offer personalised engraving?",
                "is the glaze food safe?",
            ),
        },
        follow_up={
            "it": ("Mi avvisate quando torna?", "Perfetto, procedo con l'ordine."),
            "en": ("Can you let me know when it is back?", "Great, I will place the order."),
        },
        answer={
            "it": (
                "{product} torna disponibile a fine mese, puoi iscriverti all'avviso sulla "
                "pagina del prodotto.",
                "tutti i nostri smalti sono certificati per alimenti e senza piombo.",
                "per ordini da dieci pezzi in su applichiamo il 15% di sconto.",
            ),
            "en": (
                "{product} will be back at the end of the month.",
                "all our glazes are certified food safe and lead free.",
            ),
        },
        notes={"it": ("Possibile cliente business.",), "en": ("Possible business customer.",)},
    ),
    Topic(
        key="discount",
        tags=("promozione",),
        subjects={
            "it": ("Codice sconto non valido", "Promozione newsletter"),
            "en": ("Discount code not working",),
        },
        opening={
            "it": (
                "il codice sconto BENVENUTO10 della newsletter non viene accettato.",
                "ho dimenticato di inserire il codice promozionale, potete applicarlo lo stesso?",
            ),
            "en": (
                "the WELCOME10 code from the newsletter is not accepted at checkout.",
                "I forgot to enter my discount code, can you still apply it?",
            ),
        },
        follow_up={"it": ("Funziona, grazie!",), "en": ("It works, thanks!",)},
        answer={
            "it": (
                "il codice vale per ordini da 40 euro in su, per questo non veniva accettato.",
                "ti abbiamo rimborsato la differenza del 10% sull'ordine {order}.",
            ),
            "en": (
                "the code applies to orders over 40 euros.",
                "we refunded the 10% difference on order {order}.",
            ),
        },
        notes={"it": ("Sconto applicato a mano.",), "en": ("Discount applied by hand.",)},
    ),
    Topic(
        key="compliment",
        tags=("complimento",),
        subjects={
            "it": ("Complimenti!", "Grazie di cuore"),
            "en": ("Thank you!", "Lovely products"),
        },
        opening={
            "it": (
                "volevo solo dirvi che {product} è bellissimo, ancora più bello che in foto.",
                "imballo perfetto e spedizione velocissima, complimenti.",
                "ho già consigliato il vostro negozio a tutte le mie amiche.",
            ),
            "en": (
                "I just wanted to say {product} is beautiful, even nicer than in the photos.",
                "perfect packaging and very fast delivery, well done.",
            ),
        },
        follow_up={"it": ("Alla prossima!",), "en": ("See you next time!",)},
        answer={
            "it": (
                "grazie, messaggi come il tuo fanno felice tutto il laboratorio!",
                "ti abbiamo riservato un codice sconto per il prossimo acquisto.",
            ),
            "en": ("thank you, messages like yours make the whole workshop happy!",),
        },
        notes={"it": ("Girato al laboratorio.",), "en": ("Shared with the workshop.",)},
    ),
)

GREETINGS = {
    "it": ("Buongiorno,", "Salve,", "Buonasera,", "Ciao,", "Gentile assistenza,"),
    "en": ("Hello,", "Hi,", "Good morning,", "Dear customer service,"),
}
# Closings carry the signature on the next line, as people sign a message.
CLOSINGS = {
    "it": (
        "Grazie mille,\n{name}",
        "Resto in attesa di una risposta.\n{name}",
        "Cordiali saluti,\n{name}",
        "Grazie,\n{name}",
    ),
    "en": (
        "Thanks a lot,\n{name}",
        "Looking forward to your reply.\n{name}",
        "Kind regards,\n{name}",
    ),
}
AGENT_GREETINGS = {"it": ("Ciao {name},", "Gentile {name},"), "en": ("Hi {name},", "Dear {name},")}
AGENT_CLOSINGS = {
    "it": (
        "Resto a disposizione per qualsiasi domanda.\n{agent}\nServizio clienti",
        "Buona giornata!\n{agent}",
        "A presto,\n{agent}",
    ),
    "en": (
        "Let me know if there is anything else.\n{agent}\nCustomer care",
        "Have a nice day!\n{agent}",
    ),
}
# Masculine singular only, so the adjectives around them agree ("è arrivato rotto").
PRODUCTS = {
    "it": (
        "il vaso in ceramica verde",
        "il servizio di piatti Primavera",
        "il grembiule in lino",
        "il set di sei bicchieri",
        "il piatto da portata",
        "il servizio da tè blu",
        "il centrotavola in maiolica",
        "il portaoggetti smaltato",
    ),
    "en": (
        "the green ceramic vase",
        "the Primavera dinner set",
        "the breakfast mug",
        "the linen apron",
        "the glazed bowl",
        "the blue teapot",
    ),
}
MONTHS = {
    "it": ("gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "settembre"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "September"),
}
FIRST_NAMES = {
    "it": (
        "Giulia", "Marco", "Francesca", "Luca", "Chiara", "Alessandro", "Sara", "Matteo",
        "Elena", "Davide", "Martina", "Federico", "Valentina", "Simone", "Anna", "Paolo",
        "Silvia", "Stefano", "Laura", "Andrea", "Roberta", "Giorgio", "Niccolò", "Ilaria",
    ),
    "en": ("Emily", "James", "Sophie", "Oliver", "Hannah", "Thomas", "Lucy", "Daniel"),
}  # fmt: skip
LAST_NAMES = {
    "it": (
        "Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci",
        "Marino", "Greco", "Bruno", "Gallo", "Conti", "De Luca", "Mancini", "Costa",
        "Giordano", "Rizzo", "Lombardi", "Moretti", "Barbieri", "Fontana", "Santoro", "Caruso",
    ),
    "en": ("Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Evans", "Walker"),
}  # fmt: skip


class Phrase:
    """A phrase with ``{slots}``: its literal pieces are stemmed once, slot values on use.

    A slot must sit between non-word characters, so that the words of the filled phrase are
    the words of its pieces: that is what makes joining the pieces' stems exact.
    """

    __slots__ = ("pieces",)

    def __init__(self, template: str) -> None:
        for match in _SLOT.finditer(template):
            before = template[match.start() - 1 : match.start()]
            after = template[match.end() : match.end() + 1]
            if _WORD_CHAR.match(before) or _WORD_CHAR.match(after):
                raise ValueError(f"slot glued to a word in {template!r}")
        parts = _SLOT.split(template)
        # Even positions are literals, odd positions slot names.
        self.pieces: tuple[tuple[bool, str], ...] = tuple(
            (index % 2 == 1, part) for index, part in enumerate(parts) if part or index % 2
        )


class Stems:
    """Memoised :func:`index_text` of phrase pieces and slot values, per language."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, str], str] = {}

    def of(self, piece: str, language: str) -> str:
        if piece.isdigit():
            return piece  # digits are their own stem; order numbers would fill the cache
        key = (piece, language)
        stems = self._cache.get(key)
        if stems is None:
            stems = self._cache[key] = index_text("", piece, language)
        return stems


@dataclass
class Written:
    """A message body and the stems the search index stores for it."""

    text: str
    stems: str


class Writer:
    """Builds messages of a topic, deterministic for a given :class:`random.Random`."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.stems = Stems()
        self._phrases: dict[str, Phrase] = {}

    def _phrase(self, template: str) -> Phrase:
        phrase = self._phrases.get(template)
        if phrase is None:
            phrase = self._phrases[template] = Phrase(template)
        return phrase

    def compose(self, blocks: list[list[str]], language: str, slots: dict[str, str]) -> Written:
        """Fill the templates; those of a block are joined by spaces, blocks by a blank line.

        Sentences start with a capital unless they follow a greeting's comma in the same
        block. Capitals do not change the stems: the index folds case.
        """
        paragraphs: list[str] = []
        stems: list[str] = []
        for block in blocks:
            sentences: list[str] = []
            for template in block:
                pieces = []
                for is_slot, part in self._phrase(template).pieces:
                    value = slots[part] if is_slot else part
                    pieces.append(value)
                    stem = self.stems.of(value, language)
                    if stem:
                        stems.append(stem)
                sentence = "".join(pieces)
                if not sentences or sentences[-1].endswith((".", "!", "?")):
                    sentence = sentence[:1].upper() + sentence[1:]
                sentences.append(sentence)
            paragraphs.append(" ".join(sentences))
        return Written(text="\n\n".join(paragraphs), stems=" ".join(stems))

    def subject(self, topic: Topic, language: str, slots: dict[str, str]) -> Written:
        return self.compose([[self.rng.choice(topic.subjects[language])]], language, slots)

    def customer_message(
        self, topic: Topic, language: str, slots: dict[str, str], *, first: bool, long: bool
    ) -> Written:
        """A customer's message: an email is a greeting, 2-4 sentences and a signed closing;
        a chat message is one or two sentences."""
        rng = self.rng
        if first:
            pool = topic.opening[language]
            count = rng.randint(2, min(4, len(pool))) if long else rng.randint(1, 2)
            body = rng.sample(pool, count)
        else:
            body = [rng.choice(topic.follow_up[language])]
        if not long:
            return self.compose([body], language, slots)
        greeting, closing = rng.choice(GREETINGS[language]), rng.choice(CLOSINGS[language])
        return self.compose([[greeting], body, [closing]], language, slots)

    def agent_reply(
        self, topic: Topic, language: str, slots: dict[str, str], *, long: bool
    ) -> Written:
        rng = self.rng
        pool = topic.answer[language]
        greeting = rng.choice(AGENT_GREETINGS[language])
        if not long:
            return self.compose([[greeting, rng.choice(pool)]], language, slots)
        body = rng.sample(pool, rng.randint(1, min(3, len(pool))))
        closing = rng.choice(AGENT_CLOSINGS[language])
        return self.compose([[greeting], body, [closing]], language, slots)

    def note(self, topic: Topic, language: str, slots: dict[str, str]) -> Written:
        return self.compose([[self.rng.choice(topic.notes[language])]], language, slots)

    def slots(self, language: str, *, name: str, agent: str = "") -> dict[str, str]:
        rng = self.rng
        return {
            "order": str(rng.randint(10_000, 99_999)),
            "product": rng.choice(PRODUCTS[language]),
            "day": str(rng.randint(1, 28)),
            "month": rng.choice(MONTHS[language]),
            "name": name,
            "agent": agent,
        }


def pick_topic(rng: random.Random) -> Topic:
    """Topics weighted the way a shop's inbox is: mostly parcels, seldom compliments."""
    return rng.choices(TOPICS, weights=_TOPIC_WEIGHTS)[0]


_TOPIC_WEIGHTS = [
    {"delay": 24, "return": 14, "refund": 8, "size": 10, "invoice": 8, "damaged": 8}.get(t.key, 5)
    for t in TOPICS
]


def person_name(rng: random.Random, language: str) -> str:
    return f"{rng.choice(FIRST_NAMES[language])} {rng.choice(LAST_NAMES[language])}"


def pick_language(rng: random.Random) -> str:
    """Four customers in five write in Italian."""
    return "it" if rng.random() < 0.8 else "en"
