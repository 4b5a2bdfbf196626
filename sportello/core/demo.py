"""Demo data: a month of customer care at Bottega Verde Ceramiche, a Faenza workshop that
sells handmade ceramics online.

``sportello demo`` loads it so a newcomer sees a working inbox: six channels, two teams,
four agents, some forty customers (some writing on two channels, and still one customer)
and some sixty conversations in Italian and English, at every stage from "just arrived" to
"resolved". Everything goes through the ingest pipeline and the conversation actions, the
way real traffic does; nothing is saved directly.

Loading twice adds nothing: every customer message has an external id (``demo-<story>-<n>``)
and a story whose first message comes back as a duplicate is already there. The whole load
is one transaction, so an interrupted load leaves nothing half done.

The contact details are fictional (``.example`` addresses, the UK's drama numbers). Load the
demo into a trial installation, not a business's workspace: it refuses when one of its
channel slugs already has a provider configuration.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction

from sportello.accounts.actions import create_agent, create_team
from sportello.accounts.bootstrap import ensure_default_workspace
from sportello.accounts.models import Agent, Role, Team
from sportello.channels.actions import ensure_channel
from sportello.channels.models import Channel, ChannelKind
from sportello.conversations.actions import (
    add_note,
    assign,
    reply,
    set_priority,
    set_status,
    set_tags,
)
from sportello.conversations.models import Conversation, Status
from sportello.core import clock
from sportello.core.events import subscribe, unsubscribe
from sportello.core.models import Workspace
from sportello.ingest.inbound import InboundMessage, Sender
from sportello.ingest.pipeline import ingest

SHOP = "Bottega Verde Ceramiche"
PASSWORD = "demo-sportello"
MINUTE = 1
HOUR = 60
DAY = 24 * HOUR

# slug -> (kind, name, config). The email config names an address and no server: nothing is
# polled, and nothing could be sent.
CHANNELS: dict[str, tuple[str, str, dict[str, str]]] = {
    "email": (
        ChannelKind.EMAIL,
        "Email",
        {"address": "assistenza@bottegaverde.example", "from_name": SHOP},
    ),
    "webchat": (ChannelKind.WEBCHAT, "Chat del sito", {}),
    "whatsapp": (ChannelKind.WHATSAPP, "WhatsApp", {}),
    "messenger": (ChannelKind.MESSENGER, "Messenger", {}),
    "telegram": (ChannelKind.TELEGRAM, "Telegram", {}),
    "phone": (ChannelKind.PHONE, "Telefono", {}),
}
SUPPORT, RETURNS = "Assistenza clienti", "Resi e rimborsi"


@dataclass(frozen=True)
class DemoAgent:
    email: str
    name: str
    role: str
    teams: tuple[str, ...]


AGENTS: dict[str, DemoAgent] = {
    "giulia": DemoAgent(
        "giulia@bottegaverde.example", "Giulia Bianchi", Role.SUPERVISOR, (SUPPORT, RETURNS)
    ),
    "marco": DemoAgent("marco@bottegaverde.example", "Marco Ferri", Role.AGENT, (SUPPORT,)),
    "sara": DemoAgent("sara@bottegaverde.example", "Sara Colombo", Role.AGENT, (SUPPORT,)),
    "paolo": DemoAgent("paolo@bottegaverde.example", "Paolo Greco", Role.AGENT, (RETURNS,)),
}


@dataclass(frozen=True)
class Person:
    """A customer as the channels know them; each channel sees only its own identity."""

    name: str
    email: str = ""
    phone: str = ""
    telegram: str = ""
    messenger: str = ""

    def on(self, channel: str) -> Sender:
        if channel == "email":
            return Sender(name=self.name, email=self.email)
        if channel == "webchat":
            # The chat widget's form asks for an email and, optionally, a phone number.
            return Sender(name=self.name, email=self.email, phone=self.phone)
        if channel == "whatsapp":
            return Sender(name=self.name, phone=self.phone, handles={"whatsapp": self.phone})
        if channel == "telegram":
            return Sender(name=self.name, handles={"telegram": self.telegram})
        if channel == "messenger":
            return Sender(name=self.name, handles={"messenger": self.messenger})
        return Sender(name=self.name, phone=self.phone)


def _mail(local: str) -> str:
    return f"{local}@posta.example"


PEOPLE: dict[str, Person] = {
    "anna": Person("Anna Ferretti", email=_mail("anna.ferretti")),
    "luca": Person("Luca Moretti", phone="+39 348 000 1102"),
    "chiara": Person("Chiara Fontana", email=_mail("chiara.fontana"), phone="+39 349 000 1103"),
    "emily": Person("Emily Clarke", email="emily.clarke@mail.example"),
    "marcog": Person("Marco Gallo", telegram="@marcogallo_demo"),
    "roberta": Person("Roberta Santoro", phone="+39 340 000 1106"),
    "giovanni": Person("Giovanni Esposito", email="trattoriadagianni@posta.example"),
    "francesca": Person("Francesca Ricci", email=_mail("francesca.ricci")),
    "fabio": Person("Fabio Conti", email=_mail("fabio.conti")),
    "sofia": Person("Sofia Marino", phone="+39 333 000 1110"),
    "james": Person("James Whitfield", email="james@whitfield-interiors.example"),
    "hannah": Person("Hannah Becker", email="hannah.becker@mail.example"),
    "elena": Person("Elena Testa", messenger="7311000000001113"),
    "davide": Person("Davide Lombardi", email=_mail("davide.lombardi")),
    "martina": Person("Martina Costa", phone="+39 320 000 1115"),
    "federico": Person("Federico Bruno", phone="+39 335 000 1116"),
    "simone": Person("Simone Rizzo", telegram="@simorizzo_demo"),
    "ilaria": Person("Ilaria Caruso", email=_mail("ilaria.caruso")),
    "oliver": Person("Oliver Grant", email="oliver.grant@mail.example"),
    "laura": Person("Laura Barbieri", email=_mail("laura.barbieri")),
    "stefano": Person("Stefano Fabbri", phone="+39 338 000 1121"),
    "silvia": Person("Silvia Mancini", email=_mail("silvia.mancini")),
    "andrea": Person("Andrea Rinaldi", email=_mail("andrea.rinaldi")),
    "giorgia": Person("Giorgia Villa", messenger="7311000000001124"),
    "nicola": Person("Nicola Pellegrini", phone="+39 345 000 1125"),
    "lucy": Person("Lucy Adams", phone="+44 7700 900123"),
    "beatrice": Person("Beatrice Gentile", email=_mail("beatrice.gentile")),
    "tommaso": Person("Tommaso Marchi", email=_mail("tommaso.marchi")),
    "alessia": Person("Alessia Serra", phone="+39 329 000 1129"),
    "riccardo": Person("Riccardo Leone", email=_mail("riccardo.leone")),
    "camilla": Person("Camilla Orlando", telegram="@camilla_orlando_demo"),
    "sophie": Person("Sophie Martin", email="sophie.martin@courriel.example"),
    "matteo": Person("Matteo Sala", email=_mail("matteo.sala")),
    "giada": Person("Giada Ferrara", phone="+39 347 000 1134"),
    "daniel": Person("Daniel Hughes", email="daniel.hughes@mail.example"),
    "irene": Person("Irene Pace", email=_mail("irene.pace")),
    "emanuele": Person("Emanuele Vitale", messenger="7311000000001137"),
    "claudia": Person("Claudia Monti", email=_mail("claudia.monti"), phone="+39 346 000 1138"),
    "pietro": Person("Pietro Longo", phone="+39 331 000 1139"),
    "noemi": Person("Noemi D'Angelo", email=_mail("noemi.dangelo")),
    "michael": Person("Michael O'Brien", email="michael.obrien@mail.example"),
    "olivia": Person("Olivia Bennett", email="olivia.bennett@mail.example"),
    "valentina": Person("Valentina De Luca", email=_mail("valentina.deluca")),
}


# --- what happens in a conversation ----------------------------------------------------
# ``after`` is in minutes since the previous line of the story.


@dataclass(frozen=True)
class In:
    """The customer writes (``reply_to_first``: their mail client quotes the first message,
    which reopens a resolved conversation)."""

    text: str
    after: int = 90 * MINUTE
    reply_to_first: bool = False


@dataclass(frozen=True)
class Out:
    agent: str
    text: str
    after: int = 40 * MINUTE


@dataclass(frozen=True)
class Note:
    agent: str
    text: str
    after: int = 5 * MINUTE


@dataclass(frozen=True)
class Resolve:
    agent: str
    after: int = 10 * MINUTE


Line = In | Out | Note | Resolve


@dataclass(frozen=True)
class Story:
    """One conversation: who writes on which channel, what is said, how it stands now."""

    key: str
    who: str
    channel: str
    days_ago: float
    lines: tuple[Line, ...]
    subject: str = ""
    status: str = Status.OPEN
    assignee: str = ""
    team: str = ""
    tags: tuple[str, ...] = ()
    priority: int = 1
    snooze_days: int = 0
    by: str = "giulia"  # who triages


STORIES: tuple[Story, ...] = (
    Story(
        "anna-servizio-te", "anna", "email", 19,
        subject="Ordine BV-10482 non ancora arrivato",
        lines=(
            In("Buongiorno,\n\nho ordinato un servizio da tè in maiolica il 2 novembre (ordine "
               "BV-10482) e il tracking è fermo da sei giorni su \"in lavorazione presso la "
               "filiale\". Mi serviva per il compleanno di mia madre sabato. Potete "
               "verificare?\n\nGrazie,\nAnna Ferretti"),
            Out("marco", "Gentile Anna,\n\nho verificato con il corriere: il pacco è rimasto "
                "fermo nella filiale di Bologna per un errore di smistamento. L'hanno già "
                "rimesso in consegna e dovrebbe arrivare giovedì.\n\nCi scusiamo per il "
                "disagio. Se non dovesse arrivare in tempo, ti spediamo subito un secondo "
                "servizio con consegna express.\n\nMarco – Bottega Verde Ceramiche"),
            Note("marco", "Aperta segnalazione con il corriere, pratica 77120. Ricontrollare "
                 "giovedì."),
            In("Arrivato stamattina, tutto integro e bellissimo. Grazie per l'aiuto!",
               after=2 * DAY),
            Out("marco", "Che bella notizia, grazie a te Anna! Tanti auguri alla tua mamma."),
        ),
        status=Status.RESOLVED, assignee="marco", team=SUPPORT, tags=("spedizione", "ritardo"),
    ),
    Story(
        "anna-salvia", "anna", "webchat", 3,
        lines=(
            In("Ciao! Sono Anna, vi avevo già scritto per il servizio da tè. Vorrei regalarne "
               "uno uguale a mia sorella: è ancora disponibile nel colore verde salvia?"),
            Out("sara", "Ciao Anna! Sì, il servizio da tè verde salvia è disponibile, ne "
                "abbiamo ancora quattro in magazzino. Vuoi il link diretto?", after=4),
            In("Sì grazie, e si può avere la confezione regalo?", after=3),
            Out("sara", "Certo: al checkout spunta \"confezione regalo\" (3 €) e, se vuoi, "
                "aggiungiamo un biglietto scritto a mano. Ecco il link: "
                "bottegaverde.example/servizio-te-salvia", after=2),
        ),
        status=Status.PENDING, assignee="sara", team=SUPPORT, tags=("prodotto",),
    ),
    Story(
        "luca-piatti-rotti", "luca", "whatsapp", 8,
        lines=(
            In("Ciao, ho ricevuto il pacco ma due piatti fondi sono rotti 😞 vi mando le foto"),
            In("Ecco le foto, il cartone era tutto schiacciato su un lato", after=3),
            Out("paolo", "Ciao Luca, ci dispiace tantissimo! Dalle foto si vede bene il danno. "
                "Ti spediamo oggi stesso due piatti nuovi, non serve rimandare quelli rotti.",
                after=25),
            Note("paolo", "Sostituzione spedita con l'ordine BV-10577. Danno segnalato al "
                 "corriere."),
            Out("paolo", "Ecco il tracking della spedizione sostitutiva: 0503 4471 2290. "
                "Arriva entro venerdì.", after=3 * HOUR),
        ),
        status=Status.RESOLVED, assignee="paolo", team=RETURNS,
        tags=("danneggiato", "spedizione"), priority=2,
    ),
    Story(
        "luca-segreteria", "luca", "phone", 1,
        lines=(
            In("Messaggio in segreteria: sono Luca Moretti, chiamo per i piatti sostitutivi: "
               "ne è arrivato solo uno invece di due. Richiamatemi per favore, grazie."),
            Note("giulia", "Richiamare in mattinata: manca un piatto nella spedizione "
                 "sostitutiva BV-10577.", after=20),
        ),
        assignee="paolo", team=RETURNS, tags=("danneggiato",), priority=2,
    ),
    Story(
        "chiara-fattura", "chiara", "email", 25,
        subject="Fattura per ordine BV-10233",
        lines=(
            In("Buongiorno,\n\navrei bisogno della fattura intestata allo studio: Studio "
               "Fontana Architetti, P.IVA 01234567890, codice destinatario M5UXCR1.\n\n"
               "Cordiali saluti,\nChiara Fontana"),
            Out("giulia", "Gentile Chiara,\n\nabbiamo emesso la fattura elettronica: la "
                "riceverà tramite SDI entro 48 ore e la trova anche in PDF nell'area clienti, "
                "sezione Ordini.\n\nUn saluto,\nGiulia Bianchi", after=2 * HOUR),
            In("Ricevuta, grazie mille.", after=DAY),
        ),
        status=Status.RESOLVED, assignee="giulia", team=SUPPORT, tags=("fattura",),
    ),
    Story(
        "chiara-indirizzo", "chiara", "webchat", 6,
        lines=(
            In("Salve, sono Chiara Fontana. Posso cambiare l'indirizzo di consegna "
               "dell'ordine BV-10698? Quel giorno sarò in studio e non a casa."),
            Out("marco", "Ciao Chiara, il pacco non è ancora partito: ho aggiornato "
                "l'indirizzo con quello dello studio, via Saragozza 12. Ti arriva la conferma "
                "via email.", after=6),
            In("Perfetto, grazie!", after=2),
        ),
        status=Status.RESOLVED, assignee="marco", team=SUPPORT, tags=("indirizzo", "spedizione"),
    ),
    Story(
        "chiara-logo", "chiara", "phone", 0.2,
        lines=(
            In("Chiamata persa. Messaggio in segreteria: buongiorno, sono Chiara Fontana, "
               "volevo sapere se fate anche piatti personalizzati con il logo dello studio. "
               "Grazie."),
        ),
        tags=("personalizzazione",),
    ),
    Story(
        "emily-uk", "emily", "email", 15,
        subject="Shipping to London",
        lines=(
            In("Hello,\n\nDo you ship to the UK, and will I have to pay customs duties on a "
               "set of six dinner plates? I'd love to order before Christmas.\n\nBest wishes,"
               "\nEmily"),
            Out("sara", "Hi Emily,\n\nYes, we ship to the UK with DHL in 3-4 working days. "
                "Duties and import VAT are included in the price you see at checkout, so "
                "there is nothing to pay on delivery.\n\nTo receive your plates before "
                "Christmas, please order by 15 December.\n\nKind regards,\nSara",
                after=3 * HOUR),
            In("Perfect, thank you! Order placed (BV-10701).", after=5 * HOUR),
        ),
        status=Status.RESOLVED, assignee="sara", team=SUPPORT, tags=("spedizione", "estero"),
    ),
    Story(
        "emily-chip", "emily", "webchat", 2,
        lines=(
            In("Hi, my order BV-10701 arrived but one of the plates has a small chip on the "
               "rim. Not a big deal, I just wanted to let you know."),
            Out("paolo", "Hi Emily, sorry about that! We'll send you a replacement plate free "
                "of charge, and there's no need to return the chipped one.", after=8),
            In("That's so kind, thank you!", after=2),
        ),
        status=Status.RESOLVED, assignee="paolo", team=RETURNS, tags=("danneggiato",),
    ),
    Story(
        "marcog-codice", "marcog", "telegram", 4,
        lines=(
            In("Buongiorno, il codice sconto NATALE15 non funziona nel carrello"),
            Out("sara", "Ciao Marco, il codice NATALE15 vale per ordini da 50 € in su e il tuo "
                "carrello è a 46 €. Se aggiungi un sottobicchiere arrivi alla soglia 😉",
                after=12),
            In("Ah ecco, grazie! Fatto.", after=5),
        ),
        status=Status.RESOLVED, assignee="sara", team=SUPPORT, tags=("promozione",),
    ),
    Story(
        "marcog-sottobicchiere", "marcog", "telegram", 0.25,
        lines=(
            In("Ciao, di nuovo io: il pacco è arrivato ma il sottobicchiere non c'è 😅"),
        ),
        assignee="sara", team=SUPPORT, tags=("spedizione",),
    ),
    Story(
        "roberta-reso", "roberta", "whatsapp", 40,
        lines=(
            In("Buongiorno, vorrei restituire la tazza grande, è più piccola di come pensavo"),
            Out("paolo", "Ciao Roberta, nessun problema: hai 30 giorni per il reso. Ti mandiamo "
                "via email l'etichetta prepagata, basta attaccarla al pacco e consegnarlo in "
                "un punto del corriere.", after=50),
            In("Spedito oggi!", after=2 * DAY),
            Out("paolo", "Reso ricevuto, il rimborso di 24 € è stato disposto sulla tua carta. "
                "Lo vedrai entro 5-10 giorni lavorativi.", after=3 * DAY),
        ),
        status=Status.RESOLVED, assignee="paolo", team=RETURNS, tags=("reso", "rimborso"),
    ),
    Story(
        "roberta-rimborso", "roberta", "whatsapp", 2,
        lines=(
            In("Ciao di nuovo! Il rimborso della tazza non è ancora arrivato sul conto, sono "
               "passati 12 giorni"),
            Note("paolo", "Verificato su Stripe: rimborso eseguito il 14. Chiedere alla "
                 "cliente di controllare l'estratto conto della carta.", after=30),
        ),
        assignee="paolo", team=RETURNS, tags=("rimborso",), priority=2,
    ),
    Story(
        "giovanni-trattoria", "giovanni", "email", 10,
        subject="Preventivo piatti per ristorante",
        lines=(
            In("Buongiorno,\n\nsono il titolare della Trattoria da Gianni a Ravenna. Vorremmo "
               "rinnovare i piatti: ci servirebbero 40 piatti piani, 40 fondi e 40 da dessert "
               "della linea Faenza Bianca. Fate prezzi per la ristorazione?\n\nCordiali "
               "saluti,\nGiovanni Esposito"),
            Out("giulia", "Gentile Giovanni,\n\ngrazie per averci pensato! Per la ristorazione "
                "applichiamo il 15% di sconto da 100 pezzi in su. La linea Faenza Bianca è "
                "prodotta su ordinazione, quindi servono circa tre settimane.\n\nLe preparo un "
                "preventivo dettagliato entro domani.\n\nGiulia Bianchi", after=3 * HOUR),
            Note("giulia", "Chiedere al laboratorio i tempi per 120 pezzi Faenza Bianca."),
            Out("giulia", "Ecco il preventivo: 120 pezzi della linea Faenza Bianca, sconto "
                "15%, consegna in tre settimane, spedizione inclusa. Resta valido 30 giorni.",
                after=DAY),
            In("Buongiorno Giulia, confermiamo il preventivo. Possiamo pagare metà alla "
               "conferma e metà alla consegna?\n\nGiovanni", after=7 * DAY),
        ),
        assignee="giulia", team=SUPPORT, tags=("preventivo", "b2b"), priority=2,
    ),
    Story(
        "francesca-grembiule", "francesca", "email", 5,
        subject="Misure del grembiule",
        lines=(
            In("Salve,\n\nil grembiule in lino è disponibile anche in una taglia più lunga? "
               "Sono alta 1,80 e di solito quelli standard mi arrivano sopra il ginocchio.\n\n"
               "Grazie,\nFrancesca"),
            Out("sara", "Ciao Francesca,\n\nil grembiule lungo misura 100 cm dalla pettorina "
                "all'orlo (quello standard 85 cm): con la tua altezza dovrebbe arrivarti "
                "appena sotto il ginocchio. Ecco il link: bottegaverde.example/grembiule-lungo"
                "\n\nSara", after=4 * HOUR),
        ),
        status=Status.PENDING, assignee="sara", team=SUPPORT, tags=("taglie", "prodotto"),
    ),
    Story(
        "fabio-cap", "fabio", "webchat", 0.1,
        lines=(
            In("Ciao, ho appena fatto un ordine ma ho sbagliato il CAP: ho messo 40121 invece "
               "di 40125. Si può correggere prima della spedizione?"),
        ),
        tags=("indirizzo",), priority=2,
    ),
    Story(
        "sofia-microonde", "sofia", "whatsapp", 1.5,
        lines=(
            In("Salve! Volevo sapere se le ciotole si possono mettere nel microonde"),
            Out("marco", "Ciao Sofia! Sì, tutte le nostre ciotole vanno in microonde e in "
                "lavastoviglie. Solo quelle con il filo d'oro no, per via della decorazione in "
                "metallo.", after=15),
            In("Perfetto, allora prendo quelle blu. Grazie!", after=10),
        ),
        status=Status.RESOLVED, assignee="marco", team=SUPPORT, tags=("prodotto",),
    ),
    Story(
        "sofia-ciotole", "sofia", "whatsapp", 0.1,
        lines=(
            In("Buongiorno! Le ciotole blu sono arrivate, bellissime 😍 Ne vorrei altre due "
               "uguali, me le potete mettere da parte?"),
        ),
        tags=("prodotto",),
    ),
    Story(
        "james-invoice", "james", "email", 9,
        subject="Invoice with our VAT number",
        lines=(
            In("Hi,\n\ncould you please reissue the invoice for order BV-10612 with our "
               "company details? Whitfield Interiors Ltd, VAT GB123456789.\n\nThanks,\n"
               "James Whitfield"),
            Out("giulia", "Hi James,\n\nwe have reissued invoice 2026/1184 with your company "
                "details: the new PDF is in your account. The previous one has been cancelled "
                "with a credit note.\n\nBest regards,\nGiulia", after=5 * HOUR),
        ),
        status=Status.RESOLVED, assignee="giulia", team=SUPPORT, tags=("fattura",),
    ),
    Story(
        "james-hotel", "james", "email", 1.2,
        subject="Breakfast sets for a boutique hotel",
        lines=(
            In("Hello again,\n\nwe are furnishing a boutique hotel in Cornwall and would like "
               "60 breakfast sets (mug, plate and bowl) in the Primavera pattern. Could you "
               "quote for that, delivered to the UK, and tell us the lead time?\n\nKind "
               "regards,\nJames Whitfield"),
            Out("giulia", "Hi James,\n\nwhat a lovely project! Primavera is painted by hand, "
                "so 60 sets take about five weeks. I'll send you a full quote with delivery to "
                "Cornwall by tomorrow.\n\nBest,\nGiulia", after=2 * HOUR),
            Note("giulia", "Preventivo hotel: 180 pezzi Primavera, chiedere al laboratorio se "
                 "riescono entro fine gennaio."),
        ),
        status=Status.PENDING, assignee="giulia", team=SUPPORT, tags=("preventivo", "b2b"),
        priority=2,
    ),
    Story(
        "hannah-bowl", "hannah", "email", 6,
        subject="Damaged parcel",
        lines=(
            In("Hello,\n\nthe parcel arrived today and the large serving bowl is broken into "
               "pieces. The box had no padding on one side. I'd prefer a refund, as it was "
               "meant for a dinner this weekend.\n\nRegards,\nHannah Becker"),
            Out("paolo", "Dear Hannah,\n\nwe are very sorry. We have refunded the bowl (58 €) "
                "today; it will show on your card within a few days. There is no need to send "
                "anything back.\n\nWe have also asked our packing team to check how this box "
                "was prepared.\n\nPaolo – Returns", after=3 * HOUR),
            Note("paolo", "Imballo: segnalato al magazzino, manca il riempitivo laterale nelle "
                 "scatole grandi."),
        ),
        status=Status.RESOLVED, assignee="paolo", team=RETURNS,
        tags=("danneggiato", "rimborso"), priority=2,
    ),
    Story(
        "elena-laboratorio", "elena", "messenger", 3,
        lines=(
            In("Ciao, avete un negozio a Faenza dove vedere i pezzi dal vivo?"),
            Out("marco", "Ciao Elena! Sì, il laboratorio in via della Croce 8 a Faenza è "
                "aperto dal martedì al sabato, 10-13 e 15-19. Ti aspettiamo!", after=30),
        ),
        status=Status.RESOLVED, assignee="marco", team=SUPPORT, tags=("informazioni",),
    ),
    Story(
        "elena-corsi", "elena", "messenger", 0.05,
        lines=(
            In("Sono passata in laboratorio, che meraviglia! Ho dimenticato di chiedere: "
               "organizzate corsi di ceramica?"),
        ),
        tags=("informazioni",),
    ),
    Story(
        "davide-cambio", "davide", "email", 12,
        subject="Cambio colore vaso, ordine BV-10590",
        lines=(
            In("Buongiorno,\n\nho ricevuto il vaso grande ma il blu è molto più scuro di come "
               "appare in foto. Posso cambiarlo con quello verde?\n\nGrazie,\nDavide "
               "Lombardi"),
            Out("paolo", "Gentile Davide,\n\ncerto: le mandiamo l'etichetta di reso e, appena "
                "il vaso blu rientra, spediamo quello verde senza costi aggiuntivi.\n\nPaolo",
                after=2 * HOUR),
            In("Perfetto, ho spedito ieri.", after=2 * DAY),
            Note("paolo", "Reso arrivato in magazzino, integro. Spedire il vaso verde.",
                 after=DAY),
            Out("paolo", "Il vaso verde è partito stamattina, ecco il tracking: 0503 4471 3381."),
        ),
        status=Status.RESOLVED, assignee="paolo", team=RETURNS, tags=("reso", "cambio"),
    ),
    Story(
        "davide-fattura", "davide", "email", 0.8,
        subject="Fattura del vaso verde",
        lines=(
            In("Salve, per il vaso verde mandato in cambio riceverò una nuova fattura o vale "
               "quella del primo ordine?\n\nDavide"),
        ),
        team=SUPPORT, tags=("fattura",),
    ),
    Story(
        "martina-consegnato", "martina", "whatsapp", 0.3,
        lines=(
            In("Buonasera, il pacco risulta consegnato ma io non ho ricevuto niente!! Ordine "
               "BV-10733"),
            Out("marco", "Ciao Martina, controllo subito con il corriere: a volte segnano "
                "consegnato quando lasciano il pacco a un vicino o in portineria. Ti aggiorno "
                "entro un'ora.", after=10),
            In("Ho chiesto ai vicini, niente.", after=25),
        ),
        assignee="marco", team=SUPPORT, tags=("spedizione",), priority=3,
    ),
    Story(
        "federico-ritiro", "federico", "phone", 7,
        lines=(
            In("Telefonata: il cliente chiede se può ritirare di persona in laboratorio "
               "l'ordine BV-10655 invece di riceverlo con il corriere."),
            Note("marco", "Richiamato: ritiro confermato per sabato mattina, spedizione "
                 "annullata e rimborsati 7,90 € di spese.", after=HOUR),
            Resolve("marco"),
        ),
        status=Status.RESOLVED, assignee="marco", team=SUPPORT, tags=("ritiro",),
    ),
    Story(
        "simone-fattura", "simone", "telegram", 20,
        lines=(
            In("Ciao, mi serve la fattura dell'ultimo ordine, dove la trovo?"),
            Out("sara", "Ciao Simone! La trovi nell'area clienti, sezione Ordini → Scarica "
                "fattura. Se ti serve intestata a un'azienda, scrivimi i dati e la "
                "riemettiamo.", after=20),
            In("Trovata, grazie!", after=15),
        ),
        status=Status.RESOLVED, assignee="sara", team=SUPPORT, tags=("fattura",),
    ),
    Story(
        "ilaria-annullamento", "ilaria", "email", 2,
        subject="Annullamento ordine BV-10680",
        lines=(
            In("Buongiorno,\n\nho ordinato dieci giorni fa e l'ordine risulta ancora in "
               "preparazione. A questo punto preferisco annullarlo e avere il rimborso.\n\n"
               "Ilaria Caruso"),
            Out("giulia", "Gentile Ilaria,\n\nmi scuso per l'attesa: i pezzi dipinti a mano del "
                "suo ordine sono in cottura e partiranno mercoledì. Se preferisce comunque "
                "annullare, procediamo subito con il rimborso completo: me lo conferma?\n\n"
                "Giulia Bianchi", after=HOUR),
        ),
        status=Status.PENDING, assignee="giulia", team=SUPPORT,
        tags=("ritardo", "annullamento"), priority=2,
    ),
    Story(
        "oliver-espresso", "oliver", "webchat", 0.05,
        lines=(In("Hi there, is the espresso cup set dishwasher safe?"),),
        tags=("prodotto",),
    ),
    Story(
        "laura-complimenti", "laura", "email", 30,
        subject="Complimenti!",
        lines=(
            In("Buongiorno,\n\nvolevo solo dirvi che il servizio di piatti è arrivato ieri ed "
               "è ancora più bello che in foto. Imballo perfetto, ogni piatto avvolto "
               "singolarmente. Complimenti davvero, vi consiglierò a tutte le mie amiche!\n\n"
               "Laura"),
            Out("giulia", "Cara Laura,\n\ngrazie di cuore! Abbiamo letto il tuo messaggio a "
                "tutto il laboratorio e ci ha fatto un gran piacere. Ti abbiamo riservato il "
                "codice GRAZIE10 per il prossimo ordine.\n\nUn caro saluto,\nGiulia",
                after=5 * HOUR),
        ),
        status=Status.RESOLVED, assignee="giulia", team=SUPPORT, tags=("complimento",),
    ),
    Story(
        "laura-sottopiatti", "laura", "email", 2,
        subject="Sottopiatti Primavera",
        lines=(
            In("Salve,\n\navete anche i sottopiatti abbinati al servizio Primavera? Vorrei "
               "usare il codice GRAZIE10.\n\nLaura Barbieri"),
            Out("sara", "Ciao Laura,\n\nsì, i sottopiatti Primavera misurano 32 cm e sono "
                "disponibili in set da quattro. Il codice GRAZIE10 vale su tutto il "
                "catalogo.\n\nSara", after=3 * HOUR),
            In("Ordinati, grazie!", after=6 * HOUR),
        ),
        status=Status.RESOLVED, assignee="sara", team=SUPPORT, tags=("prodotto",),
    ),
    Story(
        "stefano-3ds", "stefano", "whatsapp", 5,
        lines=(
            In("Ciao, il pagamento con carta non va a buon fine, mi dà errore 3D Secure. Ho "
               "provato due volte"),
            Out("marco", "Ciao Stefano, di solito l'errore dipende dall'app della banca che non "
                "riceve la notifica di conferma. Puoi riprovare tenendo l'app aperta, oppure "
                "pagare con PayPal o bonifico.", after=12),
            In("Con PayPal è andato, grazie!", after=20),
        ),
        status=Status.RESOLVED, assignee="marco", team=SUPPORT, tags=("pagamento",),
    ),
    Story(
        "stefano-scatola", "stefano", "whatsapp", 0.5,
        lines=(
            In("Ciao, il pacco di oggi aveva la scatola bagnata. Dentro sembra tutto a posto, "
               "ma ve lo segnalo"),
            Out("marco", "Grazie della segnalazione, Stefano! Se nei prossimi giorni noti "
                "crepe o macchie sugli smalti scrivici pure qui: sostituiamo tutto senza "
                "problemi.", after=15),
            Note("marco", "Risentire il cliente tra qualche giorno."),
        ),
        status=Status.SNOOZED, snooze_days=3, assignee="marco", team=SUPPORT,
        tags=("spedizione",),
    ),
    Story(
        "silvia-addebito", "silvia", "email", 1,
        subject="Doppio addebito",
        lines=(
            In("Buongiorno,\n\nsull'estratto conto vedo due addebiti da 86,50 € per l'ordine "
               "BV-10721. Potete controllare?\n\nSilvia Mancini"),
            Note("giulia", "Da verificare su Stripe: probabile preautorizzazione non ancora "
                 "rilasciata.", after=40),
        ),
        assignee="giulia", team=SUPPORT, tags=("pagamento",), priority=2,
    ),
    Story(
        "andrea-bomboniere", "andrea", "email", 45,
        subject="Piattini personalizzati per il matrimonio",
        lines=(
            In("Buongiorno,\n\nmi sposo a giugno e vorrei 80 piattini personalizzati con le "
               "nostre iniziali come bomboniere. È possibile? Con che tempi?\n\nGrazie,\n"
               "Andrea Rinaldi"),
            Out("giulia", "Gentile Andrea,\n\ncongratulazioni! Sì, realizziamo piattini con le "
                "iniziali dipinte a mano: per 80 pezzi servono circa sei settimane. Le mando "
                "il preventivo con i modelli disponibili.\n\nGiulia", after=4 * HOUR),
            In("Perfetto, procediamo con il modello \"Fiori di campo\". Ho fatto il bonifico "
               "dell'acconto.", after=3 * DAY),
            Out("giulia", "Acconto ricevuto, grazie! La produzione parte lunedì: prima di "
                "procedere le mandiamo le foto della prova colore.", after=DAY),
        ),
        status=Status.SNOOZED, snooze_days=10, assignee="giulia", team=SUPPORT,
        tags=("personalizzazione", "preventivo"),
    ),
    Story(
        "giorgia-brocca", "giorgia", "messenger", 1,
        lines=(
            In("Ciao! Ho visto su Instagram la brocca con i limoni, quando torna disponibile?"),
            Out("sara", "Ciao Giorgia! La brocca con i limoni torna a metà dicembre: è in forno "
                "proprio in questi giorni 🍋 Vuoi che ti avvisiamo appena è online?", after=25),
            In("Sì grazie!!", after=5),
            Note("sara", "Avvisare Giorgia quando la brocca limoni è online."),
        ),
        status=Status.SNOOZED, snooze_days=20, assignee="sara", team=SUPPORT,
        tags=("prodotto",),
    ),
    Story(
        "nicola-colli", "nicola", "whatsapp", 14,
        lines=(
            In("Buongiorno, ho ordinato il servizio da 18 pezzi, arriva in un unico pacco?"),
            Out("marco", "Buongiorno Nicola, per sicurezza lo spediamo in due colli separati: "
                "potrebbero arrivare a un giorno di distanza.", after=30),
        ),
        status=Status.RESOLVED, assignee="marco", team=SUPPORT, tags=("spedizione",),
    ),
    Story(
        "nicola-secondo-collo", "nicola", "phone", 4,
        lines=(
            In("Messaggio in segreteria: sono Nicola Pellegrini, è arrivato solo uno dei due "
               "pacchi del servizio e l'altro non compare nel tracking."),
            Note("marco", "Richiamato il cliente: il secondo collo è in consegna domani, "
                 "tracking 0503 4471 5521.", after=2 * HOUR),
        ),
        status=Status.PENDING, assignee="marco", team=SUPPORT, tags=("spedizione", "ritardo"),
    ),
    Story(
        "lucy-pickup", "lucy", "whatsapp", 3,
        lines=(
            In("Hi! I'm staying in Bologna until Friday. Could I pick up my order at your "
               "workshop instead of waiting for delivery to the UK?"),
            Out("sara", "Hi Lucy! Of course: Faenza is about 50 minutes from Bologna by train. "
                "Your order is ready, come by any day from Tuesday to Saturday, 10am-1pm or "
                "3pm-7pm.", after=35),
            In("Lovely, I'll come on Thursday morning!", after=10),
        ),
        status=Status.RESOLVED, assignee="sara", team=SUPPORT, tags=("ritiro", "estero"),
    ),
    Story(
        "beatrice-reso-tardivo", "beatrice", "email", 0.5,
        subject="Cambio di un regalo",
        lines=(
            In("Salve,\n\na settembre ho ricevuto in regalo un vostro vaso medio ma non l'ho "
               "mai usato. È ancora possibile cambiarlo con qualcos'altro?\n\nGrazie,\n"
               "Beatrice Gentile"),
        ),
        team=RETURNS, tags=("reso",),
    ),
    Story(
        "tommaso-piatti", "tommaso", "webchat", 8,
        lines=(
            In("Ciao, i piatti piani della linea Faenza quanto sono larghi? Ho una "
               "lavastoviglie piccola"),
            Out("sara", "Ciao Tommaso! I piatti piani misurano 27 cm di diametro, i fondi 22 cm: "
                "entrano in tutte le lavastoviglie standard, anche in quelle da 45 cm.",
                after=5),
        ),
        status=Status.RESOLVED, assignee="sara", team=SUPPORT, tags=("taglie",),
    ),
    Story(
        "alessia-natale", "alessia", "whatsapp", 0.7,
        lines=(
            In("Buongiorno, per Natale fate spedizioni express? Devo ricevere il pacco entro "
               "il 22"),
            Out("marco", "Buongiorno Alessia! Sì: con la spedizione express (9,90 €), "
                "ordinando entro il 19 dicembre arriva entro il 22 in tutta Italia.", after=20),
        ),
        status=Status.PENDING, assignee="marco", team=SUPPORT, tags=("spedizione", "natale"),
    ),
    Story(
        "riccardo-teiera", "riccardo", "email", 27,
        subject="Teiera arrivata con il coperchio rotto",
        lines=(
            In("Buongiorno,\n\nla teiera blu è arrivata con il coperchio spezzato in due. Il "
               "resto è intatto. Come possiamo fare?\n\nRiccardo Leone"),
            Out("paolo", "Gentile Riccardo,\n\nci dispiace! Le spediamo un coperchio nuovo: "
                "essendo fatti a mano, gliene mandiamo due e tiene quello che chiude "
                "meglio.\n\nPaolo", after=3 * HOUR),
            In("Arrivati, il secondo è perfetto. Grazie della gentilezza.", after=4 * DAY),
            Resolve("paolo", after=HOUR),
            In("Buongiorno, riprendo questa conversazione: dopo tre settimane di uso si è "
               "scheggiato il beccuccio della teiera. È coperto dalla garanzia?\n\nRiccardo",
               after=20 * DAY, reply_to_first=True),
        ),
        assignee="paolo", team=RETURNS, tags=("danneggiato", "garanzia"),
    ),
    Story(
        "camilla-nome", "camilla", "telegram", 0.4,
        lines=(
            In("Ciao, nella fattura c'è un errore nel mio nome: c'è scritto Camila con una "
               "L sola"),
        ),
        assignee="giulia", team=SUPPORT, tags=("fattura",),
    ),
    Story(
        "sophie-france", "sophie", "email", 11,
        subject="Delivery to France",
        lines=(
            In("Hello,\n\nI live in Lyon: how long does delivery to France take, and are there "
               "any extra fees?\n\nThank you,\nSophie Martin"),
            Out("sara", "Hello Sophie,\n\ndelivery to France takes 4-5 working days and costs "
                "12 €; within the EU there are no customs fees, so the price at checkout is "
                "all you pay.\n\nKind regards,\nSara", after=2 * HOUR),
        ),
        status=Status.RESOLVED, assignee="sara", team=SUPPORT, tags=("spedizione", "estero"),
    ),
    Story(
        "sophie-fees", "sophie", "email", 0.2,
        subject="Courier asking for a fee",
        lines=(
            In("Hello again,\n\nthe courier sent me a text asking for 4,50 € of \"frais de "
               "dossier\" before delivering my parcel BV-10745. Is this real? You told me there "
               "were no extra fees.\n\nSophie"),
        ),
        assignee="sara", team=SUPPORT, tags=("spedizione", "estero"), priority=2,
    ),
    Story(
        "matteo-codice", "matteo", "email", 16,
        subject="Codice sconto dimenticato",
        lines=(
            In("Ciao,\n\nho dimenticato di inserire il codice BENVENUTO10 al checkout, potete "
               "applicarlo lo stesso? Ordine BV-10560.\n\nMatteo"),
            Out("sara", "Ciao Matteo,\n\nnessun problema: ti abbiamo rimborsato il 10% (6,40 €) "
                "sulla carta usata per l'ordine.\n\nSara", after=HOUR),
        ),
        status=Status.RESOLVED, assignee="sara", team=SUPPORT, tags=("promozione",),
    ),
    Story(
        "giada-assente", "giada", "whatsapp", 2.5,
        lines=(
            In("Ciao, il tracking dice \"destinatario assente\" ma ero a casa!! Cosa devo fare?"),
            Out("marco", "Ciao Giada, purtroppo capita. Il corriere riprova domani; in "
                "alternativa puoi scegliere un punto di ritiro dal link nell'SMS del "
                "corriere.", after=15),
            In("Ok, scelgo il tabaccaio sotto casa", after=10),
        ),
        status=Status.RESOLVED, assignee="marco", team=SUPPORT, tags=("spedizione",),
    ),
    Story(
        "daniel-apron", "daniel", "webchat", 6,
        lines=(
            In("Hello, what size should I take for the linen apron? I'm 1.90 m tall"),
            Out("sara", "Hi Daniel! For your height we recommend the long apron (100 cm), it "
                "has an adjustable neck strap.", after=4),
            In("Thanks, ordered!", after=6),
        ),
        status=Status.RESOLVED, assignee="sara", team=SUPPORT, tags=("taglie",),
    ),
    Story(
        "irene-codice-fiscale", "irene", "email", 0.9,
        subject="Codice fiscale mancante in fattura",
        lines=(
            In("Buongiorno,\n\nnella fattura dell'ordine BV-10729 manca il mio codice "
               "fiscale, mi serve per la detrazione.\n\nIrene Pace"),
            Out("giulia", "Gentile Irene,\n\nmi scusi per la svista: mi scrive il codice "
                "fiscale corretto? Riemettiamo subito la fattura.\n\nGiulia", after=HOUR),
        ),
        status=Status.PENDING, assignee="giulia", team=SUPPORT, tags=("fattura",),
    ),
    Story(
        "emanuele-buoni", "emanuele", "messenger", 9,
        lines=(
            In("Fate buoni regalo?"),
            Out("sara", "Ciao Emanuele! Sì, i buoni regalo digitali sono da 25, 50 o 100 €: "
                "arrivano via email con un biglietto da stampare.", after=20),
        ),
        status=Status.RESOLVED, assignee="sara", team=SUPPORT, tags=("prodotto", "regali"),
    ),
    Story(
        "claudia-ordine", "claudia", "webchat", 22,
        lines=(
            In("Ciao, a che punto è il mio ordine BV-10499?"),
            Out("marco", "Ciao Claudia, è partito ieri: arriva domani con il corriere, ti "
                "abbiamo mandato il tracking via email.", after=5),
        ),
        status=Status.RESOLVED, assignee="marco", team=SUPPORT, tags=("spedizione",),
    ),
    Story(
        "claudia-tazze", "claudia", "phone", 1,
        lines=(
            In("Chiamata persa. Messaggio in segreteria: sono Claudia Monti, vorrei ordinare "
               "dodici tazze personalizzate per l'ufficio, mi richiamate?"),
        ),
        tags=("preventivo", "personalizzazione"),
    ),
    Story(
        "pietro-sardegna", "pietro", "whatsapp", 0.15,
        lines=(In("Salve, quanto costa la spedizione in Sardegna?"),),
        tags=("spedizione",),
    ),
    Story(
        "noemi-rimborso", "noemi", "email", 13,
        subject="Rimborso del reso",
        lines=(
            In("Buongiorno,\n\nho restituito il set di bicchieri due settimane fa: il reso "
               "risulta consegnato ma non ho ancora ricevuto il rimborso.\n\nNoemi D'Angelo"),
            Out("paolo", "Gentile Noemi,\n\nil reso è arrivato venerdì e il rimborso di 42 € è "
                "stato disposto oggi: con la carta servono da 5 a 10 giorni lavorativi.\n\n"
                "Paolo", after=5 * HOUR),
            In("Arrivato, grazie!", after=6 * DAY),
        ),
        status=Status.RESOLVED, assignee="paolo", team=RETURNS, tags=("reso", "rimborso"),
    ),
    Story(
        "michael-gift", "michael", "email", 7,
        subject="Gift wrapping",
        lines=(
            In("Hi,\n\nI'm ordering a vase as a gift for my sister in Rome. Can you wrap it and "
               "add a card with a short message, without the price on it?\n\nCheers,\n"
               "Michael"),
            Out("sara", "Hi Michael,\n\nof course: choose \"gift wrapping\" at checkout and "
                "write your message in the order notes. We never put prices in gift "
                "parcels.\n\nSara", after=3 * HOUR),
        ),
        status=Status.RESOLVED, assignee="sara", team=SUPPORT, tags=("regali",),
    ),
    Story(
        "olivia-wrong-item", "olivia", "email", 0.6,
        subject="Wrong item received",
        lines=(
            In("Hello,\n\nI ordered the green breakfast mug (order BV-10741) but received a "
               "blue one. I'd like the green one please, it's a present for Saturday.\n\n"
               "Thanks,\nOlivia Bennett"),
            Note("paolo", "Errore di picking: verificare lo scaffale delle tazze verdi.",
                 after=HOUR),
        ),
        assignee="paolo", team=RETURNS, tags=("reso", "errore"), priority=2,
    ),
    Story(
        "valentina-pizza", "valentina", "email", 18,
        subject="Piatto da pizza Faenza Bianca",
        lines=(
            In("Buongiorno,\n\nvorrei ordinare la linea Faenza Bianca completa, ma il piatto "
               "da pizza risulta esaurito. Quando torna?\n\nValentina De Luca"),
            Out("sara", "Ciao Valentina,\n\nil piatto da pizza torna a inizio gennaio: ti "
                "scriviamo noi appena è disponibile, così ordini tutto insieme.\n\nSara",
                after=2 * HOUR),
        ),
        status=Status.SNOOZED, snooze_days=40, assignee="sara", team=SUPPORT,
        tags=("prodotto",),
    ),
)  # fmt: skip


@dataclass
class Loaded:
    """What a load found and did, for the summary."""

    added: int = 0
    present: int = 0
    conversation_ids: set[int] = field(default_factory=set)
    customer_ids: set[int] = field(default_factory=set)


def load_demo() -> str:
    """Load the demo into the first workspace; returns a summary to print."""
    workspace = ensure_default_workspace()
    refusal = _refusal(workspace)
    if refusal:
        return refusal
    with _history_is_not_delivered(), transaction.atomic():
        channels = {
            slug: ensure_channel(workspace.pk, kind=kind, name=name, slug=slug, config=config)
            for slug, (kind, name, config) in CHANNELS.items()
        }
        agents = {
            key: create_agent(
                workspace,
                email=agent.email,
                password=PASSWORD,
                display_name=agent.name,
                role=agent.role,
            )
            for key, agent in AGENTS.items()
        }
        teams = {
            name: create_team(
                workspace, name, [agents[k] for k, a in AGENTS.items() if name in a.teams]
            )
            for name in (SUPPORT, RETURNS)
        }
        loaded = Loaded()
        now = clock.now()
        for story in sorted(STORIES, key=lambda s: -s.days_ago):
            _play(story, workspace, channels, agents, teams, now, loaded)
    return _summary(workspace, loaded)


def _refusal(workspace: Workspace) -> str:
    """A reason not to load, when a channel the demo would use is a configured provider:
    its agents' replies would go to fictional people through a real account."""
    configured = [
        channel.slug
        for channel in Channel.objects.filter(workspace=workspace, slug__in=list(CHANNELS))
        if channel.config and channel.config != CHANNELS[channel.slug][2]
    ]
    if not configured:
        return ""
    return (
        f"Demo not loaded: channel(s) {', '.join(sorted(configured))} of workspace "
        f"{workspace.name!r} are configured with a provider. Load the demo into a trial "
        "installation (an empty SPORTELLO_HOME)."
    )


@contextmanager
def _history_is_not_delivered() -> Iterator[None]:
    """The demo's replies are history: they were "sent" weeks ago. Outbound's reaction to
    ReplySent would queue a delivery for each (and fail them, the demo's mailbox has no
    server); it is held off while the demo's transaction commits."""
    try:
        from sportello.conversations.events import ReplySent
        from sportello.outbound.handlers import queue_delivery_for_reply
    except ImportError:  # outbound without that handler: nothing to hold off
        yield
        return
    from sportello.core.events import handlers_for

    registered = queue_delivery_for_reply in handlers_for(ReplySent)
    unsubscribe(ReplySent, queue_delivery_for_reply)
    try:
        yield
    finally:
        if registered:
            subscribe(ReplySent, queue_delivery_for_reply)


@contextmanager
def _clock_at(moment: datetime) -> Iterator[None]:
    """Actions ask :mod:`sportello.core.clock` what time it is; the demo answers with the
    time of each line, so the inbox holds a month of history instead of sixty conversations
    from the last second. Only ``sportello demo`` runs this, in a process of its own."""
    original: Callable[[], datetime] = clock.now
    clock.now = lambda: moment
    try:
        yield
    finally:
        clock.now = original


def _timeline(story: Story, now: datetime) -> list[datetime]:
    """When each line happens: from ``days_ago``, shifted back if the story would end in
    the future."""
    start = now - timedelta(days=story.days_ago)
    times: list[datetime] = []
    at = start
    for line in story.lines:
        at = at + timedelta(minutes=line.after) if times else at
        times.append(at)
    overrun = times[-1] + timedelta(minutes=2) - now
    if overrun > timedelta(0):
        times = [t - overrun for t in times]
    return times


def _play(
    story: Story,
    workspace: Workspace,
    channels: dict[str, Channel],
    agents: dict[str, Agent],
    teams: dict[str, Team],
    now: datetime,
    loaded: Loaded,
) -> None:
    """Deliver the story's customer messages through the pipeline and let the agents act."""
    person = PEOPLE[story.who]
    channel = channels[story.channel]
    times = _timeline(story, now)
    first_id = f"demo-{story.key}-1"
    conversation_id = 0

    def conversation() -> Conversation:
        return Conversation.objects.get(pk=conversation_id)

    for number, (line, at) in enumerate(zip(story.lines, times, strict=True), start=1):
        with _clock_at(at):
            if isinstance(line, In):
                result = ingest(
                    InboundMessage(
                        workspace_id=workspace.pk,
                        channel_id=channel.pk,
                        sender=person.on(story.channel),
                        text=line.text,
                        subject=_subject(story, number),
                        external_id=first_id if number == 1 else f"demo-{story.key}-{number}",
                        sent_at=at - timedelta(seconds=20),
                        references=[first_id] if line.reply_to_first else [],
                    ),
                    source="demo",
                )
                loaded.conversation_ids.add(result.conversation_id)
                loaded.customer_ids.add(result.customer_id)
                if number == 1 and result.duplicate:
                    loaded.present += 1
                    return  # loaded before, with all that followed
                conversation_id = result.conversation_id
            elif isinstance(line, Out):
                reply(conversation(), agents[line.agent], line.text)
            elif isinstance(line, Note):
                add_note(conversation(), agents[line.agent], line.text)
            else:
                set_status(conversation(), agents[line.agent], Status.RESOLVED)
        if number == 1:
            with _clock_at(at + timedelta(seconds=50)):
                _triage(story, conversation(), agents, teams)
    loaded.added += 1
    if story.status != Status.OPEN:
        agent = agents[story.assignee or story.by]
        with _clock_at(times[-1] + timedelta(minutes=1)):
            snoozed_until = now + timedelta(days=story.snooze_days) if story.snooze_days else None
            set_status(conversation(), agent, story.status, snoozed_until=snoozed_until)


def _subject(story: Story, number: int) -> str:
    if not story.subject:
        return ""
    return story.subject if number == 1 else f"Re: {story.subject}"


def _triage(
    story: Story, conversation: Conversation, agents: dict[str, Agent], teams: dict[str, Team]
) -> None:
    """What a supervisor does when a conversation arrives: team, agent, tags, priority."""
    by = agents[story.by]
    if story.assignee or story.team:
        assign(
            conversation,
            by,
            assignee=agents[story.assignee] if story.assignee else None,
            team=teams[story.team] if story.team else None,
        )
    if story.tags:
        set_tags(conversation, by, list(story.tags))
    if story.priority != conversation.priority:
        set_priority(conversation, by, story.priority)


def _summary(workspace: Workspace, loaded: Loaded) -> str:
    statuses = dict.fromkeys(("open", "pending", "snoozed", "resolved"), 0)
    for status in Conversation.objects.filter(pk__in=loaded.conversation_ids).values_list(
        "status", flat=True
    ):
        statuses[status] = statuses.get(status, 0) + 1
    done = (
        f"{loaded.added} conversations added"
        if not loaded.present
        else f"{loaded.added} conversations added, {loaded.present} already there"
    )
    lines = [
        f"{SHOP}: demo loaded into workspace {workspace.name!r}.",
        f"  {done}: " + ", ".join(f"{count} {name}" for name, count in statuses.items()),
        f"  {len(loaded.customer_ids)} customers, {len(CHANNELS)} channels "
        f"({', '.join(CHANNELS)}) besides api, 2 teams ({SUPPORT}, {RETURNS})",
        f"  Agents (password {PASSWORD!r}):",
    ]
    for agent in AGENTS.values():
        lines.append(f"    {agent.email:<30} {agent.name:<16} {agent.role:<11} "
                     f"{', '.join(agent.teams)}")  # fmt: skip
    return "\n".join(lines)
