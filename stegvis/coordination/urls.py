from django.urls import path

from stegvis.coordination import views

urlpatterns = [
    path("messages/", views.thread_list, name="thread_list"),
    path("messages/new/", views.thread_new_own, name="thread_new_own"),
    path("messages/<uuid:thread_id>/", views.thread_detail, name="thread_detail"),
    path("messages/files/<uuid:attachment_id>/", views.attachment_download, name="attachment"),
    path("patients/<uuid:patient_id>/messages/new/", views.thread_new, name="thread_new"),
    path("meetings/", views.my_meetings, name="my_meetings"),
    path("cases/<uuid:case_id>/meetings/", views.case_meetings, name="case_meetings"),
    path("cases/<uuid:case_id>/meetings/new/", views.meeting_new, name="meeting_new"),
    path("meetings/<uuid:meeting_id>/", views.meeting_detail, name="meeting_detail"),
    path("meetings/<uuid:meeting_id>/calendar.ics", views.meeting_calendar, name="meeting_ics"),
    path("meetings/<uuid:meeting_id>/agenda/", views.meeting_agenda, name="meeting_agenda"),
    path("meetings/<uuid:meeting_id>/sip/", views.meeting_sip, name="meeting_sip"),
    path("meetings/<uuid:meeting_id>/minutes/", views.meeting_minutes, name="meeting_minutes"),
    path("meetings/<uuid:meeting_id>/decisions/", views.meeting_decision, name="meeting_decision"),
    path("meetings/<uuid:meeting_id>/held/", views.meeting_held, name="meeting_held"),
    path("meetings/<uuid:meeting_id>/cancel/", views.meeting_cancel, name="meeting_cancel"),
    path("tasks/", views.task_inbox, name="task_inbox"),
    path("tasks/day/", views.day_view, name="day_view"),
    path("tasks/<uuid:task_id>/done/", views.task_done, name="task_done"),
    path("cases/<uuid:case_id>/tasks/new/", views.task_new, name="task_new"),
]
