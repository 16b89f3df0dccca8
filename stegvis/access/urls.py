from django.urls import path

from stegvis.access import views

urlpatterns = [
    path("my-data/access/", views.my_access_log, name="my_access_log"),
    path("logs/review/", views.log_reviews, name="log_reviews"),
    path("logs/review/<int:review_id>/", views.log_review, name="log_review"),
]
