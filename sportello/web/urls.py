from django.urls import path

import sportello.core.ids  # noqa: F401  (registers <rowid:...>)
from sportello.web.views import (
    attachments,
    audit,
    auth,
    conversation,
    customers,
    inbox,
    profile,
    two_factor,
)
from sportello.web.views import settings as settings_pages

app_name = "web"

urlpatterns = [
    path("login/", auth.login, name="login"),
    path("logout/", auth.logout, name="logout"),
    path("login/code/", two_factor.login_code, name="login_code"),
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
    path("profile/two-factor/", two_factor.start, name="two_factor_start"),
    path("profile/two-factor/confirm/", two_factor.confirm, name="two_factor_confirm"),
    path("profile/two-factor/disable/", two_factor.disable, name="two_factor_disable"),
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
    path("customers/<rowid:customer_id>/", customers.customer_page, name="customer"),
    path(
        "customers/<rowid:customer_id>/erase/",
        customers.erase_customer,
        name="customer_erase",
    ),
    path("audit/", audit.audit_log, name="audit"),
    path("settings/", settings_pages.settings_home, name="settings"),
    path("settings/channels/", settings_pages.channel_list, name="settings_channels"),
    path("settings/channels/new/", settings_pages.channel_new, name="settings_channel_new"),
    path(
        "settings/channels/<rowid:channel_id>/",
        settings_pages.channel_edit,
        name="settings_channel",
    ),
    path(
        "settings/channels/<rowid:channel_id>/test/",
        settings_pages.channel_test,
        name="settings_channel_test",
    ),
    path("settings/agents/", settings_pages.agent_list, name="settings_agents"),
    path("settings/agents/invite/", settings_pages.agent_invite, name="settings_invite"),
    path("settings/agents/<rowid:agent_id>/", settings_pages.agent_edit, name="settings_agent"),
    path("settings/teams/", settings_pages.team_create, name="settings_team_create"),
    path("settings/teams/<rowid:team_id>/", settings_pages.team_edit, name="settings_team"),
    path("settings/sign-in/", settings_pages.sign_in_policy, name="settings_sign_in"),
]
