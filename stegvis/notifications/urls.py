from django.urls import path

from stegvis.notifications import views

urlpatterns = [
    path("notifications/", views.notification_list, name="notification_list"),
    path("notifications/read/", views.mark_all_read, name="notifications_read"),
    path("notifications/settings/", views.preferences, name="notification_preferences"),
    path("notifications/devices/", views.device_add, name="notification_device_add"),
    path(
        "notifications/devices/<uuid:device_id>/remove/",
        views.device_remove,
        name="notification_device_remove",
    ),
]
