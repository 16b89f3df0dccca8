from stegvis.coordination.selectors import unread_message_count


def unread_messages(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_messages": unread_message_count(user)}
