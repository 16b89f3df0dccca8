from django.urls import path

from stegvis.notifications import views

urlpatterns = [
    path("notifications/", views.notification_list, name="notification_list"),
    path("notifications/read/", views.mark_all_read, name="notifications_read"),
    path("notifications/settings/", views.preferences, name="notification_preferences"),
]
