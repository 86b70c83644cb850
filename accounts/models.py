"""Users (e-mail login), the firms they belong to, the roles they hold, and invitations."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, ClassVar

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from simple_history.models import HistoricalRecords

from accounts.validators import (
    KSIC_DIVISION_SECTIONS,
    validate_business_number,
    validate_hs_code,
    validate_ksic_division,
)

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class Region(models.TextChoices):
    """The 17 first-level administrative divisions of Korea."""

    SEOUL = "seoul", _("Seoul")
    BUSAN = "busan", _("Busan")
    DAEGU = "daegu", _("Daegu")
    INCHEON = "incheon", _("Incheon")
    GWANGJU = "gwangju", _("Gwangju")
    DAEJEON = "daejeon", _("Daejeon")
    ULSAN = "ulsan", _("Ulsan")
    SEJONG = "sejong", _("Sejong")
    GYEONGGI = "gyeonggi", _("Gyeonggi")
    GANGWON = "gangwon", _("Gangwon")
    CHUNGBUK = "chungbuk", _("North Chungcheong")
    CHUNGNAM = "chungnam", _("South Chungcheong")
    JEONBUK = "jeonbuk", _("North Jeolla")
    JEONNAM = "jeonnam", _("South Jeolla")
    GYEONGBUK = "gyeongbuk", _("North Gyeongsang")
    GYEONGNAM = "gyeongnam", _("South Gyeongsang")
    JEJU = "jeju", _("Jeju")


def validate_region_list(value: object) -> None:
    """A consultant's regions: a list of distinct Region codes."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValidationError(_("Regions must be a list of region codes."))
    unknown = sorted(set(value) - set(Region.values))
    if unknown:
        raise ValidationError(
            _("Unknown regions: %(codes)s."), params={"codes": ", ".join(unknown)}
        )
    if len(set(value)) != len(value):
        raise ValidationError(_("A region is listed twice."))


class Industry(models.TextChoices):
    """Sections of the Korean Standard Industrial Classification (KSIC, 10th revision)."""

    A = "A", _("Agriculture, forestry and fishing")
    B = "B", _("Mining and quarrying")
    C = "C", _("Manufacturing")
    D = "D", _("Electricity, gas, steam and air conditioning supply")
    E = "E", _("Water supply, sewage, waste management and remediation")
    F = "F", _("Construction")
    G = "G", _("Wholesale and retail trade")
    H = "H", _("Transportation and storage")
    I = "I", _("Accommodation and food service activities")  # noqa: E741
    J = "J", _("Information and communication")
    K = "K", _("Financial and insurance activities")
    L = "L", _("Real estate activities")
    M = "M", _("Professional, scientific and technical activities")
    N = "N", _("Business facilities management and business support services")
    O = "O", _("Public administration and defence")  # noqa: E741
    P = "P", _("Education")
    Q = "Q", _("Human health and social work activities")
    R = "R", _("Arts, sports and recreation related services")
    S = "S", _("Membership organisations, repair and other personal services")
    T = "T", _("Activities of households as employers")
    U = "U", _("Activities of extraterritorial organisations and bodies")


class PresenceAbroad(models.IntegerChoices):
    """How the firm is present abroad; the levels gate the deepening stages."""

    NONE = 0, _("None")
    AGENT = 1, _("An agent or distributor under contract")
    OFFICE = 2, _("A branch or representative office")
    SUBSIDIARY = 3, _("A subsidiary or production abroad")
    GROUP = 4, _("Subsidiaries or production in several regions, run as one group")


class Role(models.TextChoices):
    """Group names; permissions hang on the groups (see accounts.services.roles_sync)."""

    SME_MEMBER = "sme_member", _("SME member")
    CONSULTANT = "consultant", _("Consultant")
    LEAD_CONSULTANT = "lead_consultant", _("Lead consultant")
    STAFF = "staff", _("Agency staff")


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra: object) -> User:
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(
        self, email: str, password: str | None = None, **extra: object
    ) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(
        self, email: str, password: str | None = None, **extra: object
    ) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)


class Company(TimeStampedModel):
    name_ko = models.CharField(_("legal name (Korean)"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    business_number = models.CharField(
        _("business registration number"),
        max_length=10,
        unique=True,
        validators=[validate_business_number],
        help_text=_("10 digits, without hyphens."),
    )
    region = models.CharField(_("region"), max_length=20, choices=Region.choices)
    industry = models.CharField(
        _("industry (KSIC section)"), max_length=1, choices=Industry.choices
    )
    # Programs that target products name KSIC divisions; the section alone cannot
    # tell a battery maker from a bakery.
    industry_division = models.CharField(
        _("KSIC division"),
        max_length=2,
        blank=True,
        validators=[validate_ksic_division],
        help_text=_(
            "Optional: the first 2 digits of your KSIC code, for example 10 (food "
            "products) or 28 (electrical equipment). Programs for specific products "
            "use it."
        ),
    )
    employees = models.PositiveIntegerField(
        _("employees"), validators=[MaxValueValidator(1_000_000)]
    )
    annual_revenue_krw = models.PositiveBigIntegerField(
        _("annual revenue (KRW)"), validators=[MaxValueValidator(10**15)]
    )
    # The firm's export facts: the one source that both the diagnostic's stage gates
    # and program eligibility read (a submitted diagnostic keeps a snapshot).
    exports_last_year_usd = models.PositiveBigIntegerField(
        _("exports last year (USD)"), default=0, validators=[MaxValueValidator(10**12)]
    )
    export_markets = models.PositiveSmallIntegerField(
        _("countries exported to last year"),
        default=0,
        validators=[MaxValueValidator(250)],
    )
    export_years = models.PositiveSmallIntegerField(
        _("years of exporting"), default=0, validators=[MaxValueValidator(150)]
    )
    presence_abroad = models.PositiveSmallIntegerField(
        _("presence abroad"),
        choices=PresenceAbroad.choices,
        default=PresenceAbroad.NONE,
    )
    hs_code = models.CharField(
        _("main product's HS code"),
        max_length=10,
        blank=True,
        validators=[validate_hs_code],
        help_text=_("At least the 2-digit chapter; up to the 10-digit HSK code."),
    )
    year_founded = models.PositiveSmallIntegerField(
        _("year founded"), validators=[MinValueValidator(1900), MaxValueValidator(2100)]
    )
    target_markets = CountryField(_("target markets"), multiple=True, blank=True)
    website = models.URLField(_("website"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("company")
        verbose_name_plural = _("companies")
        ordering = ["name_ko"]
        indexes = [
            # The default order here and in admin, and the queue's sort by company.
            models.Index(fields=["name_ko", "id"], name="company_name"),
            # The agency's cache fingerprint reads the latest change on every agency
            # page (diagnostics.agency_cache): without it, a scan of every firm.
            models.Index(fields=["updated_at"], name="company_updated"),
        ]

    def __str__(self) -> str:
        return self.name_ko

    def get_absolute_url(self) -> str:
        return reverse("accounts:company")

    def clean(self) -> None:
        """Export figures that contradict each other are refused, each with a reason."""
        errors: dict[str, StrOrPromise] = {}
        exported = bool(self.exports_last_year_usd)
        if exported and not self.export_markets:
            errors["export_markets"] = _(
                "You entered exports last year: enter the number of countries they "
                "went to (at least 1)."
            )
        if not exported and self.export_markets:
            errors["export_markets"] = _(
                "Countries exported to last year needs exports last year above 0."
            )
        if exported and not self.export_years:
            errors["export_years"] = _(
                "You entered exports last year: count that year as at least 1 year "
                "of exporting."
            )
        division_section = KSIC_DIVISION_SECTIONS.get(self.industry_division)
        if division_section and self.industry and division_section != self.industry:
            errors["industry_division"] = _(
                "KSIC division %(division)s belongs to section %(section)s, not to "
                "the industry chosen above (%(industry)s)."
            ) % {
                "division": self.industry_division,
                "section": division_section,
                "industry": self.industry,
            }
        if errors:
            raise ValidationError(errors)

    @property
    def display_name(self) -> str:
        if get_language() == "en" and self.name_en:
            return self.name_en
        return self.name_ko


class User(AbstractUser):
    # Log-in is by e-mail: AbstractUser's username column is dropped (the stubs type
    # the attribute as that CharField).
    username = None  # type: ignore[assignment]
    email = models.EmailField(_("e-mail address"), unique=True)
    company = models.ForeignKey(
        Company,
        verbose_name=_("company"),
        related_name="members",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
    )
    # A consultant works on the firms of these regions (a list of Region codes);
    # without one they see no firm. A lead consultant's role grants every region.
    regions = models.JSONField(
        _("regions"), default=list, blank=True, validators=[validate_region_list]
    )
    preferred_language = models.CharField(
        _("preferred language"),
        max_length=5,
        default="ko",
        choices=[("ko", "한국어"), ("en", "English")],
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    # The stubs type AbstractUser.objects as auth's UserManager, whose create_user()
    # takes a username first; this model's manager creates users by e-mail.
    objects: ClassVar[UserManager] = UserManager()  # type: ignore[assignment]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.email

    def region_labels(self) -> list[str]:
        return [
            str(Region(code).label) for code in self.regions if code in Region.values
        ]

    def has_role(self, role: Role) -> bool:
        return self.groups.filter(name=role.value).exists()


# Long enough for a colleague back from a week away; short enough that a forwarded or
# forgotten link stops working soon.
INVITATION_MAX_AGE = timedelta(days=7)


class InvitationStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACCEPTED = "accepted", _("Accepted")
    REVOKED = "revoked", _("Revoked")


class Invitation(TimeStampedModel):
    """A firm member's invitation of a colleague, by e-mail, to join the firm.

    No account exists until the invitee accepts. An invitation past INVITATION_MAX_AGE
    stays `pending` in the table but can no longer be accepted (see `is_expired`).
    """

    company = models.ForeignKey(
        Company,
        verbose_name=_("company"),
        related_name="invitations",
        on_delete=models.CASCADE,
    )
    email = models.EmailField(_("e-mail address"))
    invited_by = models.ForeignKey(
        User,
        verbose_name=_("invited by"),
        related_name="+",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=InvitationStatus.choices,
        default=InvitationStatus.PENDING,
    )
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        User,
        verbose_name=_("accepted by"),
        related_name="+",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        User,
        verbose_name=_("revoked by"),
        related_name="+",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]
        constraints = [
            # A new invitation to the same address replaces the pending one, so that
            # only the latest link works and the team page lists the address once.
            models.UniqueConstraint(
                fields=["company", "email"],
                condition=Q(status="pending"),
                name="invitation_one_pending_per_address",
            ),
            models.CheckConstraint(
                condition=Q(status="accepted", accepted_at__isnull=False)
                | (~Q(status="accepted") & Q(accepted_at__isnull=True)),
                name="invitation_accepted_at_iff_accepted",
            ),
            models.CheckConstraint(
                condition=Q(status="revoked", revoked_at__isnull=False)
                | (~Q(status="revoked") & Q(revoked_at__isnull=True)),
                name="invitation_revoked_at_iff_revoked",
            ),
        ]
        # The per-firm rate limit counts a firm's invitations of the last day.
        indexes = [
            models.Index(
                fields=["company", "created_at"], name="invitation_company_created"
            )
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.company}"

    @property
    def expires_at(self) -> datetime:
        return self.created_at + INVITATION_MAX_AGE

    def is_expired(self, now: datetime | None = None) -> bool:
        return (now or timezone.now()) >= self.expires_at

    def is_acceptable(self, now: datetime | None = None) -> bool:
        return self.status == InvitationStatus.PENDING and not self.is_expired(now)
