from django.urls import path

from stegvis.programs import views

urlpatterns = [
    path("programs/", views.programs, name="programs"),
    path("programs/teams/<uuid:team_id>/", views.team_detail, name="team_detail"),
    path("programs/teams/<uuid:team_id>/outcomes/", views.team_outcomes, name="team_outcomes"),
    path("programs/<uuid:program_id>/", views.program_detail, name="program_detail"),
    path("programs/cohorts/<uuid:cohort_id>/", views.cohort_detail, name="cohort_detail"),
    path(
        "programs/cohorts/<uuid:cohort_id>/registry.csv",
        views.cohort_registry_csv,
        name="cohort_registry_csv",
    ),
    path("programs/sessions/<uuid:session_id>/", views.session_detail, name="session_detail"),
    path("programs/refer/<uuid:case_id>/", views.referral_new, name="referral_new"),
    path("programs/referrals/<uuid:referral_id>/", views.referral_detail, name="referral_detail"),
    path("programs/notes/<uuid:note_id>/", views.conference_note, name="conference_note"),
    path("my-program/", views.my_program, name="my_program"),
    path("my-program/<uuid:referral_id>/leave/", views.my_program_leave, name="my_program_leave"),
    path("my-program/calendar.ics", views.my_program_calendar, name="my_program_calendar"),
    path(
        "my-program/sessions/<uuid:attendance_id>/cannot-come/",
        views.attendance_cannot_come,
        name="attendance_cannot_come",
    ),
]
