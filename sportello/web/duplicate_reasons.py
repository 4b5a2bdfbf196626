"""The words the agent UI shows for a duplicate suggestion's reasons
(``customers.matching.REASONS`` codes)."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

REASON_LABELS: dict[str, str | Promise] = {
    "same_name": _("same name"),
    "similar_name": _("similar name"),
    "shared_name_word": _("a word of the name in common"),
    "same_phone": _("same phone number"),
    "same_email": _("same email address"),
    "same_order_number": _("same order number"),
    "same_company_domain": _("same company domain"),
    "same_city": _("same city"),
    "same_birth_date": _("same birth date"),
    "mentioned_identifier": _("mentioned an address of the other"),
    "common_name": _("a common name (weighs less)"),
    "common_city": _("a town many customers share (weighs less)"),
}
