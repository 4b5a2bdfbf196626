from django.urls import path

from sportello.portal import surveys

app_name = "surveys"

urlpatterns = [
    path("<slug:workspace>/<str:token>/", surveys.survey_page, name="survey"),
]
