from django.urls import path

from stegvis.coordination.meetings import views as meetings
from stegvis.coordination.messages import views as messages
from stegvis.coordination.requests import views as requests
from stegvis.coordination.tasks import views as tasks

urlpatterns = [
    path("sick-leave/requests/", requests.my_requests, name="sick_leave_requests"),
    path(
        "cases/<uuid:case_id>/employer/sick-leave-request/",
        requests.employer_relay,
        name="employer_sick_leave_request",
    ),
    path(
        "sick-leave/requests/<uuid:request_id>/",
        requests.request_detail,
        name="sick_leave_request",
    ),
    path(
        "sick-leave/requests/<uuid:request_id>/draft/",
        requests.request_draft,
        name="sick_leave_request_draft",
    ),
    path("messages/", messages.thread_list, name="thread_list"),
    path("messages/new/", messages.thread_new_own, name="thread_new_own"),
    path("messages/<uuid:thread_id>/", messages.thread_detail, name="thread_detail"),
    path("messages/files/<uuid:attachment_id>/", messages.attachment_download, name="attachment"),
    path("patients/<uuid:patient_id>/messages/new/", messages.thread_new, name="thread_new"),
    path("meetings/", meetings.my_meetings, name="my_meetings"),
    path("cases/<uuid:case_id>/meetings/", meetings.case_meetings, name="case_meetings"),
    path("cases/<uuid:case_id>/meetings/new/", meetings.meeting_new, name="meeting_new"),
    path("meetings/<uuid:meeting_id>/", meetings.meeting_detail, name="meeting_detail"),
    path("meetings/<uuid:meeting_id>/calendar.ics", meetings.meeting_calendar, name="meeting_ics"),
    path("meetings/<uuid:meeting_id>/agenda/", meetings.meeting_agenda, name="meeting_agenda"),
    path("meetings/<uuid:meeting_id>/sip/", meetings.meeting_sip, name="meeting_sip"),
    path("meetings/<uuid:meeting_id>/respond/", meetings.meeting_answer, name="meeting_respond"),
    path("meetings/<uuid:meeting_id>/minutes/", meetings.meeting_minutes, name="meeting_minutes"),
    path(
        "meetings/<uuid:meeting_id>/decisions/", meetings.meeting_decision, name="meeting_decision"
    ),
    path("meetings/<uuid:meeting_id>/held/", meetings.meeting_held, name="meeting_held"),
    path("meetings/<uuid:meeting_id>/cancel/", meetings.meeting_cancel, name="meeting_cancel"),
    path("tasks/", tasks.task_inbox, name="task_inbox"),
    path("tasks/day/", tasks.day_view, name="day_view"),
    path("tasks/<uuid:task_id>/done/", tasks.task_done, name="task_done"),
    path("cases/<uuid:case_id>/tasks/new/", tasks.task_new, name="task_new"),
]
