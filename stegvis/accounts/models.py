import hashlib
import secrets
import uuid
from datetime import datetime, timedelta

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.db import models
from django.db.models import Exists, OuterRef
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from stegvis.accounts import national_id
from stegvis.accounts.roles import STAFF_ROLES, OrganisationKind, Role, role_title
from stegvis.core.prepared import Prepared


class Jurisdiction(models.TextChoices):
    SWEDEN = "SE", _("Sweden")
    NORWAY = "NO", _("Norway")


class Sex(models.TextChoices):
    """Legal sex, as the national identity number records it (for equality statistics)."""

    FEMALE = "female", _("Woman")
    MALE = "male", _("Man")


class Language(models.TextChoices):
    SWEDISH = "sv", _("Swedish")
    ENGLISH = "en", _("English")
    NORWEGIAN = "nb", _("Norwegian Bokmål")


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields) -> "User":
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def get_by_national_id(self, raw: str, country: str) -> "User":
        parsed = national_id.parse(raw, country)
        return self.get(national_id_hash=national_id.lookup_hash(parsed))


class User(AbstractBaseUser):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField(_("e-mail"), unique=True)
    given_name = models.CharField(_("given name"), max_length=150, blank=True)
    family_name = models.CharField(_("family name"), max_length=150, blank=True)
    preferred_language = models.CharField(
        _("language"), max_length=2, choices=Language.choices, default=Language.SWEDISH
    )
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    # A database default, so rows written by an older migration state stay valid.
    sex = models.CharField(
        _("legal sex"), max_length=6, choices=Sex.choices, blank=True, db_default=""
    )
    national_id_encrypted = models.TextField(blank=True, default="", editable=False)
    national_id_hash = models.CharField(
        max_length=64, blank=True, default="", editable=False, db_index=True
    )
    # Raised at logout and deactivation; part of the session hash, so every session ends.
    session_epoch = models.PositiveIntegerField(default=0, editable=False)
    # A professional's identity in the agencies' messages: the HSA-id in Sweden, the
    # number in the health personnel register (HPR) in Norway. Database defaults, as for
    # `sex`, so rows written by an older migration state stay valid.
    hsa_id = models.CharField(_("HSA-id"), max_length=64, blank=True, db_default="")
    hpr_number = models.CharField(_("HPR number"), max_length=9, blank=True, db_default="")
    is_active = models.BooleanField(default=True)
    # Demo users may skip MFA, and only while STEGVIS_DEMO is on.
    is_demo = models.BooleanField(default=False, editable=False)
    date_joined = models.DateTimeField(default=timezone.now)
    # When the patient last opened "Who has seen my data", to point out what is new.
    access_log_seen_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
            models.UniqueConstraint(
                fields=["national_id_hash"],
                condition=~models.Q(national_id_hash=""),
                name="user_national_id_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()

    def set_national_id(self, raw: str, country: str = "SE") -> None:
        parsed = national_id.parse(raw, country)
        self.national_id_encrypted = national_id.encrypt(parsed)
        self.national_id_hash = national_id.lookup_hash(parsed)
        self.sex = parsed.legal_sex

    def get_national_id(self) -> national_id.NationalId | None:
        if not self.national_id_encrypted:
            return None
        return national_id.decrypt(self.national_id_encrypted)

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        return salted_hmac(
            "stegvis.accounts.User.session",
            f"{self.password}:{self.session_epoch}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()

    def end_all_sessions(self) -> None:
        """Invalidate every session of this user at their next request."""
        User.objects.filter(pk=self.pk).update(session_epoch=models.F("session_epoch") + 1)
        self.refresh_from_db(fields=["session_epoch"])

    def memberships_cached(self) -> list["Membership"]:
        """The user's memberships, fetched once per request-scoped user object."""
        if not hasattr(self, "_memberships_cache"):
            self.memberships_found(MEMBERSHIPS.instances(user=self.pk))
        return self._memberships_cache

    def memberships_found(self, memberships: list["Membership"]) -> None:
        """Keep memberships read with something else (a token's), each with `has_totp`."""
        for membership in memberships:
            membership.user = self  # as the related manager would have set it
        if memberships and not hasattr(self, "_mfa_satisfied"):
            self._mfa_satisfied = memberships[0].has_totp
        self._memberships_all = memberships
        self._memberships_cache = self._in_effect(memberships)

    def act_at(self, unit: int | None) -> None:
        """This request is a session signed in by e-ID with assignments, working under the
        one at `unit` (None: not picked yet). Only that assignment's membership acts."""
        self.acting_unit = unit
        self._memberships_cache = self._in_effect(self.memberships_cached_all())

    def memberships_cached_all(self) -> list["Membership"]:
        self.memberships_cached()
        return self._memberships_all

    def _in_effect(self, memberships: list["Membership"]) -> list["Membership"]:
        # A membership an assignment (medarbetaruppdrag) gives acts only in a session
        # signed in with that assignment and working under it: never through a token, a
        # password or another e-ID (stegvis/accounts/eid/assignments.py).
        unit = getattr(self, "acting_unit", None)
        return [m for m in memberships if not m.from_assignment or m.organisation_id == unit]

    @property
    def roles(self) -> set[str]:
        return {m.role for m in self.memberships_cached()}

    @property
    def is_patient(self) -> bool:
        return Role.PATIENT in self.roles

    @property
    def is_staff_member(self) -> bool:
        return bool(self.roles & STAFF_ROLES)


class Organisation(models.Model):
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=32, choices=OrganisationKind.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    jurisdiction = models.CharField(
        max_length=2, choices=Jurisdiction.choices, default=Jurisdiction.SWEDEN
    )
    organisation_number = models.CharField(max_length=20, blank=True)
    # What the agencies' messages name a unit by: its HSA-id and workplace code in Sweden
    # (Inera's catalogue), its HER-id in Norway (the health enterprise register), and the
    # address and telephone a certificate carries. Database defaults, as on User.
    hsa_id = models.CharField(_("HSA-id"), max_length=64, blank=True, db_default="")
    workplace_code = models.CharField(_("workplace code"), max_length=20, blank=True, db_default="")
    her_id = models.CharField(_("HER-id"), max_length=20, blank=True, db_default="")
    street_address = models.CharField(
        _("street address"), max_length=200, blank=True, db_default=""
    )
    postal_code = models.CharField(_("postal code"), max_length=10, blank=True, db_default="")
    city = models.CharField(_("city"), max_length=100, blank=True, db_default="")
    phone = models.CharField(_("telephone"), max_length=30, blank=True, db_default="")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class OpeningHours(models.Model):
    """One period a unit is open on a weekday (ISO: 1 is Monday); a unit with none keeps
    its country's default (stegvis/accounts/data/opening_hours.toml)."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="opening_hours"
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"))
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))

    class Meta:
        ordering = ["organisation", "weekday", "opens"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(weekday__gte=1, weekday__lte=7), name="opening_weekday_iso"
            ),
            models.CheckConstraint(
                condition=models.Q(closes__gt=models.F("opens")), name="opening_closes_after"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} {self.weekday} {self.opens}–{self.closes}"


class Membership(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    # Given by an assignment (medarbetaruppdrag) at the last sign-in by SITHS eID, and kept
    # in step with them at each: it acts in such a session only, under the one picked.
    from_assignment = models.BooleanField(default=False, db_default=False, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation", "role"], name="membership_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.role_title} @ {self.organisation}"

    @property
    def role_title(self) -> str:
        """The role as this organisation calls it (a Nav veileder, a nærmeste leder)."""
        return role_title(self.role, self.organisation)


def memberships_of(user):
    from allauth.mfa.models import Authenticator  # allauth's models load after ours

    # Whether the user has a second factor comes with each row: both are asked on every
    # staff request (stegvis/accounts/mfa.py), and one round trip answers both.
    totp = Authenticator.objects.filter(user_id=OuterRef("user_id"), type=Authenticator.Type.TOTP)
    return (
        Membership.objects.filter(user_id=user)
        .select_related("organisation")
        .annotate(has_totp=Exists(totp))
        .order_by("created_at")
    )


# Asked on every request of a signed-in user (stegvis/core/prepared.py).
MEMBERSHIPS = Prepared(memberships_of, related=("organisation",), annotations=("has_totp",))


class TokenScope(models.TextChoices):
    READ = "read", _("Read")
    WRITE = "write", _("Read and write")


TOKEN_PREFIX = "stv_"  # noqa: S105 (a label, not a secret)


def hash_token(raw: str) -> str:
    # The raw token is 32 random bytes, so a fast hash is as safe as a slow one here.
    return hashlib.sha256(raw.encode()).hexdigest()


def new_token(prefix: str) -> tuple[str, str, str]:
    """A fresh bearer token: (raw, kept hash, hint). The raw value is shown once, never kept;
    the hint (its first characters) tells a person's tokens apart."""
    raw = prefix + secrets.token_urlsafe(32)
    return raw, hash_token(raw), raw[: len(prefix) + 4]


class PersonalAccessTokenQuerySet(models.QuerySet):
    def usable(self, now: datetime | None = None) -> "PersonalAccessTokenQuerySet":
        now = now or timezone.now()
        return self.filter(revoked_at__isnull=True, expires_at__gt=now, user__is_active=True)


class PersonalAccessToken(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="access_tokens")
    name = models.CharField(_("name"), max_length=100)
    scope = models.CharField(
        _("scope"), max_length=8, choices=TokenScope.choices, default=TokenScope.READ
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    # The first characters, shown so a person can tell their tokens apart.
    hint = models.CharField(max_length=12, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    objects = PersonalAccessTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.hint}…)"

    @classmethod
    def issue(
        cls, *, user: User, name: str, scope: str, days: int
    ) -> tuple["PersonalAccessToken", str]:
        """Create a token; the raw value is returned once and never stored."""
        raw, token_hash, hint = new_token(TOKEN_PREFIX)
        token = cls.objects.create(
            user=user,
            name=name,
            scope=scope,
            token_hash=token_hash,
            hint=hint,
            expires_at=timezone.now() + timedelta(days=days),
        )
        return token, raw

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()
