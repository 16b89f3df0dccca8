from django.urls import path

from stegvis.insights import views

urlpatterns = [
    path("insights/", views.insights, name="insights"),
    path("insights/variation/", views.practice_variation, name="practice_variation"),
    path("insights/process/", views.process_indicators, name="process_indicators"),
    path("insights/equality/", views.equality_view, name="insights_equality"),
]
