from django.urls import path

import sportello.core.ids  # noqa: F401  (registers <rowid:...>)
from sportello.web.views import (
    attachments,
    audit,
    auth,
    conversation,
    customers,
    duplicates,
    inbox,
    profile,
)

app_name = "web"

urlpatterns = [
    path("login/", auth.login, name="login"),
    path("logout/", auth.logout, name="logout"),
    path("password-reset/", auth.password_reset, name="password_reset"),
    path("password-reset/sent/", auth.password_reset_sent, name="password_reset_sent"),
    path(
        "password-reset/<uidb64>/<token>/",
        auth.password_reset_confirm,
        name="password_reset_confirm",
    ),
    path("password-reset/done/", auth.password_reset_done, name="password_reset_done"),
    path("profile/", profile.profile_page, name="profile"),
    path("profile/password/", profile.change_password, name="change_password"),
    path("profile/tokens/", profile.create_token, name="create_token"),
    path("profile/tokens/<rowid:token_id>/revoke/", profile.revoke_token, name="revoke_token"),
    path("", inbox.inbox, name="inbox"),
    path("c/<rowid:number>/", conversation.conversation_page, name="conversation"),
    path("c/<rowid:number>/reply/", conversation.reply, name="reply"),
    path("c/<rowid:number>/note/", conversation.note, name="note"),
    path("c/<rowid:number>/assign/", conversation.assign, name="assign"),
    path("c/<rowid:number>/status/", conversation.set_status, name="status"),
    path("c/<rowid:number>/priority/", conversation.set_priority, name="priority"),
    path("c/<rowid:number>/tags/", conversation.set_tags, name="tags"),
    path(
        "attachments/<rowid:message_id>/<int:index>/",
        attachments.download,
        name="attachment",
    ),
    path("customers/", customers.customer_list, name="customers"),
    path("customers/duplicates/", duplicates.review_queue, name="duplicates"),
    path("customers/<rowid:customer_id>/", customers.customer_page, name="customer"),
    path(
        "customers/<rowid:customer_id>/merge/<rowid:other_id>/",
        duplicates.merge,
        name="customer_merge",
    ),
    path(
        "customers/<rowid:customer_id>/unmerge/<rowid:merge_id>/",
        duplicates.unmerge,
        name="customer_unmerge",
    ),
    path(
        "customers/<rowid:customer_id>/dismiss/<rowid:other_id>/",
        duplicates.dismiss,
        name="customer_dismiss",
    ),
    path(
        "customers/<rowid:customer_id>/erase/",
        customers.erase_customer,
        name="customer_erase",
    ),
    path("audit/", audit.audit_log, name="audit"),
]
