"""Function words of Italian and English: words every text holds, which say nothing of what
a text is about. A search for a customer's question drops them (``query_terms(...,
content_only=True)``), so "Can I return an item?" is a search for "return" and "item",
not also for every article holding "I", "an" or "can". Folded as the index folds them
(lower case, no accents)."""

from __future__ import annotations

_ITALIAN = """
    a ad al allo alla ai agli alle all anche avere aver avete abbiamo avevo avra ce che chi
    ci cio col come con contro cosa cui da dal dallo dalla dai dagli dalle dall dei degli
    delle del dello della dell di dove dopo e ed era ero essere fa fare faccio fate gia gli
    ha hai hanno ho i il in io la le lei li lo loro lui ma me mi mia mie miei mio molto ne
    negli nei nel nella nelle nello nell no noi non nostra nostro o ogni per perche piu poi
    posso possiamo potete puo puoi qua qual quale quali qualche quando quanta quante quanti
    quanto quella quelle quelli quello questa queste questi questo qui se sei si sia siamo
    siete solo sono sta stai stato su sua sue sui sul sulla sulle sullo sull suo suoi te ti
    tra tu tua tue tuo tuoi tutti tutto un una uno vi voi vorrei voglio vostra vostro deve
    devo dovete serve c l d s n m t v un po
    fino entro ancora sempre appena mai oppure quindi allora tanto troppo
    buongiorno buonasera salve ciao grazie prego scusate scusa gentili gentile
"""
_ENGLISH = """
    a about after all also am an and any are as at be been being but by can could did do
    does doing don for from get got had has have having he her here him his how i if in
    into is it its just me might more most must my no not of on or our ours out please
    she should so some such than that the their them then there these they this those to
    too up us very was we were what when where which who whom why will with would you your
    yours s t d ll m re ve
    hi hello hey dear thanks thank sorry ok okay yet still already ever
"""
ITALIAN = frozenset(_ITALIAN.split())
ENGLISH = frozenset(_ENGLISH.split())
STOPWORDS = ITALIAN | ENGLISH
