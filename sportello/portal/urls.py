from django.urls import path

import sportello.core.ids  # noqa: F401  (registers <rowid:...>)
from sportello.portal import views

app_name = "portal"

urlpatterns = [
    path("<slug:workspace>/", views.choose_language, name="root"),
    path("<slug:workspace>/<str:lang>/", views.home, name="home"),
    path("<slug:workspace>/<str:lang>/search/", views.search_page, name="search"),
    path("<slug:workspace>/<str:lang>/a/<rowid:article_id>/", views.article_page, name="article"),
    path(
        "<slug:workspace>/<str:lang>/a/<rowid:article_id>/<slug:slug>/",
        views.article_page,
        name="article",
    ),
    path("<slug:workspace>/<str:lang>/vote/<rowid:article_id>/", views.vote, name="vote"),
    path("<slug:workspace>/<str:lang>/c/<slug:category>/", views.category_page, name="category"),
]
