"""Words customers and shops use for the same thing, Italian and English: the concepts of
customer care in general, so a question's words meet an answer written in other words or
in the other language.

A customer asks "posso rendere...?" where the article says "reso" and "restituire", "Do you
deliver...?" where it says "consegna a domicilio", "Can I cancel...?" where it says
"annullare". Stems do not join such words, and sentence vectors join them only weakly
(an English question and an Italian answer sit at a cosine of 0.2-0.3). So each line below
is one concept: the Italian and English words a shop's customers use for it.

What belongs here is the vocabulary of *any* shop's customer care: orders, shipping and
delivery, returns, refunds, payment, invoices, opening hours and days, shops and
pick-up, bookings, warranty and defects, sizes, accounts, discounts and gift vouchers,
jobs, parking, events, the days of the week, common European countries and Italian
cities (their English names); and what the customers of any service firm or trade ask:
quotes, a technician's visit or call-out, emergencies and nights, appointments put off,
labour and parts, the area served, VAT and tax deductions, installing and cleaning; and
what a business that works by appointment is asked: insurance, a check-up, the morning,
afternoon or evening it is open, an appointment moved.
Never one trade's own objects (a leak, a boiler, a toilet), never a product of one
business, never a word taken from a development set's questions: a knowledge base
nobody has seen must gain as much from it as the sets it was measured on
(docs/performance.md, "Bot, fifth pass", "Bot, eighth pass" and "Bot, ninth pass").

A word may stand in more than one concept where customers use it so ("cambiare" is to
exchange and to change; "store" is a shop and to keep). Words are folded and stemmed in
their own language (:mod:`.stemming`), so one form stands for its inflections.
"""

from __future__ import annotations

from functools import lru_cache

# concept: (Italian words, English words)
CONCEPTS: dict[str, tuple[str, str]] = {
    "order": ("ordine ordini ordinare ordinato ordinazione", "order orders ordered ordering"),
    "buy": ("comprare comprato acquisto acquistare acquistato", "buy bought purchase purchased"),
    "ship": (
        "spedire spedizione spedizioni spedito spedite invio inviare corriere pacco",
        "ship shipping shipped shipment send sent courier parcel package postage delivery",
    ),
    "deliver": (
        "consegna consegnare consegnate consegnato recapito arrivare arriva arrivo domicilio",
        "deliver delivery delivered deliveries arrive arrival doorstep",
    ),
    "duration": ("tempi durata mette mettono impiega impiegano", "long"),
    "home": (
        "casa domicilio indirizzo appartamento abitazione",
        "home house address doorstep apartment",
    ),
    "abroad": ("estero internazionale internazionali", "abroad international overseas"),
    "return": ("reso resi rendere restituire restituzione", "return returns returned returning"),
    "refund": ("rimborso rimborsare rimborsato ridare restituite", "refund refunds refunded"),
    "exchange": (
        "cambio cambi cambiare sostituire sostituzione",
        "exchange exchanges swap replace replacement",
    ),
    "change": (
        "modificare modifica modifiche cambiare correggere spostare rinviare rimandare",
        "change changes modify amend edit reschedule postpone move",
    ),
    "cancel": (
        "annullare annullamento cancellare disdire disdetta revocare",
        "cancel cancelled canceled cancellation",
    ),
    "pay": ("pagare pagamento pagamenti pagato", "pay payment payments paid paying"),
    "instalments": (
        "rate rateale rateizzare finanziamento",
        "instalments installments instalment financing",
    ),
    "cash": ("contanti contante", "cash"),
    "transfer": ("bonifico", "transfer wire"),
    "cash_on_delivery": ("contrassegno", "cod"),
    "invoice": ("fattura fatture fatturazione ricevuta scontrino", "invoice invoices receipt bill"),
    "company": ("azienda aziende aziendale ditta societa", "company business corporate firm"),
    "price": ("costo costi costa costare prezzo prezzi tariffa tariffe", "cost costs price fee"),
    "free": ("gratis gratuito gratuita gratuiti gratuite omaggio", "free complimentary"),
    "discount": ("sconto sconti promozione promozioni saldi offerta", "discount sale promo offer"),
    "voucher": ("buono buoni voucher coupon", "voucher vouchers coupon"),
    "gift": ("regalo regali regalare", "gift gifts"),
    "loyalty": ("fedelta tessera punti", "loyalty points membership"),
    "expire": (
        "scadenza scadere scadono scade validita valido valida valgono vale durata",
        "expire expires expiry validity valid",
    ),
    "hours": (
        "orari orario apertura aperto aperti aperta aprite aprire chiuso chiusi chiudete"
        " chiudere chiusura",
        "hours open opening opens close closes closed closing",
    ),
    "holiday": ("festivi festivo festivita ferie vacanza", "holiday holidays bank vacation"),
    "monday": ("lunedi", "monday mondays"),
    "tuesday": ("martedi", "tuesday tuesdays"),
    "wednesday": ("mercoledi", "wednesday wednesdays"),
    "thursday": ("giovedi", "thursday thursdays"),
    "friday": ("venerdi", "friday fridays"),
    "saturday": ("sabato sabati", "saturday saturdays"),
    "sunday": ("domenica domeniche", "sunday sundays"),
    "morning": ("mattina mattine mattino mattinata", "morning mornings"),
    "afternoon": ("pomeriggio pomeriggi", "afternoon afternoons"),
    "evening": ("sera sere serale serata", "evening evenings"),
    "today": ("oggi stasera stamattina", "today tonight"),
    "tomorrow": ("domani", "tomorrow"),
    "shop": ("negozio negozi sede", "shop shops store stores"),
    "pickup": ("ritiro ritirare ritirate", "pickup pick collect collection"),
    "booking": (
        "prenotare prenotazione prenotazioni appuntamento appuntamenti fissare",
        "booking reservation reserve appointment appointments schedule",
    ),
    "wait": ("aspettare attesa aspetto", "wait waiting"),
    "repair": (
        "riparare riparazione riparazioni riparato aggiustare aggiustato sistemare",
        "repair repairs repaired fix fixed fixing mend",
    ),
    "service": ("manutenzione revisione tagliando", "service servicing maintenance tune"),
    # Services and trades: what the customers of any firm that comes to the house (or
    # takes a job in) ask, whatever its trade.
    "quote": (
        "preventivo preventivi stima",
        "quote quotes quotation estimate estimates",
    ),
    "visit": (
        "sopralluogo sopralluoghi uscita intervento interventi visita",
        "visit callout inspection survey",
    ),
    "technician": ("tecnico tecnici operaio operai", "technician technicians engineer workman"),
    "emergency": (
        "urgenza urgenze urgente urgenti emergenza emergenze reperibile reperibilita",
        "emergency emergencies urgent urgently afterhours",
    ),
    "night": ("notte notturno notturna notturni", "night nights overnight"),
    "weekend": ("weekend", "weekend weekends"),
    "install": (
        "installare installazione installazioni installato montare montaggio",
        "install installation installing installed mount",
    ),
    "clean": ("pulire pulizia pulizie", "clean cleaning"),
    "labour": ("manodopera", "labour labor workmanship"),
    "parts": ("ricambi ricambio pezzi materiale materiali", "parts spare spares materials"),
    "area": ("zona zone provincia dintorni", "area areas region nearby"),
    "tax": (
        "iva detrazione detrazioni detraibile agevolazione agevolazioni",
        "vat tax deduction deductible rebate",
    ),
    "rent": ("noleggio noleggiare noleggiate affitto affittare", "rent rental hire"),
    "used": ("usato usati usata usate", "used secondhand"),
    "deposit": ("acconto caparra cauzione anticipo", "deposit"),
    "insurance": (
        "assicurazione assicurazioni assicurato assicurata assicurativa",
        "insurance insured insure insurer insurers",
    ),
    "check": ("controllo controlli controllare verifica verificare", "checkup checkups"),
    "warranty": ("garanzia garanzie garantito garantita", "warranty guarantee guaranteed"),
    "defect": (
        "difetto difetti difettoso rotto rotta rotti danneggiato danneggiata guasto guasti"
        " rovinato",
        "defect defective faulty broken damaged fault breakdown",
    ),
    "wrong": ("sbagliato sbagliata errato errore", "wrong mistake incorrect"),
    "late": ("ritardo ritardi", "late delay delayed"),
    "lost": ("perso persa smarrito smarrita", "lost missing"),
    "track": ("tracciamento tracciare tracking traccia", "track tracking trace"),
    "size": ("taglia taglie misura misure", "size sizes sizing"),
    "account": (
        "account profilo registrarsi registrazione accesso accedere",
        "account profile register registration login",
    ),
    "password": ("password credenziali", "password"),
    "newsletter": ("newsletter iscrizione iscriversi disiscriversi", "newsletter subscribe"),
    "privacy": ("privacy", "privacy data"),
    "contact": ("contattare contatto telefono chiamare", "contact phone call"),
    "job": ("lavoro lavorare assumere assunzioni personale candidatura", "job jobs hiring hire"),
    "parking": ("parcheggio parcheggiare", "parking park"),
    "event": ("evento eventi festa feste", "event events party parties"),
    "birthday": ("compleanno compleanni", "birthday birthdays"),
    "wedding": ("matrimonio matrimoni nozze", "wedding weddings"),
    "children": (
        "bambino bambini bimbi figlio figlia figli",
        "child children kids kid son daughter",
    ),
    "allergy": (
        "allergia allergie allergico allergica intolleranza",
        "allergy allergic intolerance",
    ),
    "accessible": ("accessibile disabili carrozzina", "accessible wheelchair disabled"),
    "pets": ("cane cani animali", "dog dogs pets pet"),
    "italy": ("italia", "italy"),
    "switzerland": ("svizzera", "switzerland"),
    "france": ("francia", "france"),
    "germany": ("germania", "germany"),
    "spain": ("spagna", "spain"),
    "austria": ("austria", "austria"),
    "europe": ("europa", "europe"),
    "rome": ("roma", "rome"),
    "milan": ("milano", "milan"),
    "florence": ("firenze", "florence"),
    "venice": ("venezia", "venice"),
    "naples": ("napoli", "naples"),
    "turin": ("torino", "turin"),
}


@lru_cache(maxsize=1)
def _table() -> dict[str, dict[str, frozenset[str]]]:
    """Per language, each stem's concepts (the words folded and stemmed as the index is)."""
    from sportello.language.stemming import stems_for_index

    table: dict[str, dict[str, set[str]]] = {"it": {}, "en": {}}
    for concept, (italian, english) in CONCEPTS.items():
        for language, text in (("it", italian), ("en", english)):
            for stem in stems_for_index(text, language).split():
                table[language].setdefault(stem, set()).add(concept)
    return {lang: {s: frozenset(c) for s, c in stems.items()} for lang, stems in table.items()}


def concepts_of_stems(stems: set[str] | frozenset[str], language: str) -> set[str]:
    """The concepts a text's stems (in ``language``, as indexed) name."""
    table = _table().get(language)
    if not table:
        return set()
    return {concept for stem in stems for concept in table.get(stem, ())}


def concepts_of_term(term: set[str], language: str = "") -> set[str]:
    """The concepts one query word names (``term``: its stems, as ``query_terms`` gives
    them); in ``language`` when known, else in either."""
    tables = _table()
    found: set[str] = set()
    for code in (language,) if language in tables else tuple(tables):
        for stem in term:
            found.update(tables[code].get(stem, ()))
    return found
