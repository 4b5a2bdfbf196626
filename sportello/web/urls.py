from django.urls import path

from sportello.web.views import auth, conversation, customers, inbox

app_name = "web"

urlpatterns = [
    path("login/", auth.login, name="login"),
    path("logout/", auth.logout, name="logout"),
    path("", inbox.inbox, name="inbox"),
    path("c/<int:number>/", conversation.conversation_page, name="conversation"),
    path("c/<int:number>/reply/", conversation.reply, name="reply"),
    path("c/<int:number>/note/", conversation.note, name="note"),
    path("c/<int:number>/assign/", conversation.assign, name="assign"),
    path("c/<int:number>/status/", conversation.set_status, name="status"),
    path("c/<int:number>/priority/", conversation.set_priority, name="priority"),
    path("c/<int:number>/tags/", conversation.set_tags, name="tags"),
    path("customers/", customers.customer_list, name="customers"),
    path("customers/<int:customer_id>/", customers.customer_page, name="customer"),
]
