from django.urls import path

from . import views

app_name = "publications"

urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("works/<int:work_id>/", views.work_detail, name="work_detail"),
]
