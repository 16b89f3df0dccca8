from django.urls import path

from stegvis.access import views

urlpatterns = [
    path("my-data/access/", views.my_access_log, name="my_access_log"),
    path("my-data/access/refusal/", views.care_refusal, name="care_refusal"),
    path("care/establish/", views.care_establish, name="care_establish"),
    path("logs/review/", views.log_reviews, name="log_reviews"),
    path("logs/review/<int:review_id>/", views.log_review, name="log_review"),
]
