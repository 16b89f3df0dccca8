import time

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.db.models.signals import pre_save
from django.dispatch import receiver
from django.utils import translation

from stegvis.accounts.models import User
from stegvis.accounts.sessions import SESSION_LAST_SEEN, SESSION_STARTED


@receiver(user_logged_in)
def speak_the_users_language(sender, request, user, **kwargs) -> None:
    """From the moment of signing in the person's own language holds, so the messages of
    the sign-in request itself ("Signed in as ...") are in it too."""
    if user.preferred_language:
        translation.activate(user.preferred_language)
        request.LANGUAGE_CODE = user.preferred_language


@receiver(user_logged_in)
def start_session_clock(sender, request, user, **kwargs) -> None:
    now = time.time()
    request.session[SESSION_STARTED] = now
    request.session[SESSION_LAST_SEEN] = now


@receiver(user_logged_out)
def end_every_session_on_logout(sender, request, user, **kwargs) -> None:
    if user is not None:
        user.end_all_sessions()


@receiver(pre_save, sender=User)
def end_every_session_on_deactivation(sender, instance: User, **kwargs) -> None:
    if instance.pk is None or instance.is_active:
        return
    was_active = User.objects.filter(pk=instance.pk, is_active=True).exists()
    if was_active:
        instance.session_epoch += 1
