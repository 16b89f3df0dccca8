from django.urls import path

from stegvis.coaching import views

urlpatterns = [
    path("checkin/", views.checkin, name="checkin"),
    path("checkins/", views.checkin_trend, name="checkin_trend"),
    path("checkins/<uuid:checkin_id>/", views.checkin_done, name="checkin_done"),
    path("checkins/schedule/", views.schedule, name="checkin_schedule"),
    path("checkins/week/", views.weekly_summary, name="weekly_summary"),
    path("strategies/", views.strategy_library, name="strategies"),
    path("help/", views.crisis_help, name="crisis_help"),
    path("my-coach/", views.my_coach, name="my_coach"),
    path("coach/queue/", views.coach_queue, name="coach_queue"),
    path("coach/patients/<uuid:patient_id>/", views.coach_patient, name="coach_patient"),
    path("coach/flags/<uuid:flag_id>/", views.flag_action, name="flag_action"),
]
