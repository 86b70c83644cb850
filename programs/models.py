"""The catalog of support programs and the recommendations stored with diagnostics."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_countries.fields import CountryField
from simple_history.models import HistoricalRecords

from accounts.models import Company, TimeStampedModel
from accounts.validators import HS_CHAPTERS, KSIC_DIVISION_SECTIONS
from diagnostics.models import Area, BilingualMixin

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class SupportType(models.TextChoices):
    MARKET_RESEARCH = "market_research", _("Market research")
    BUYER_MATCHING = "buyer_matching", _("Buyer matching")
    EXHIBITIONS = "exhibitions", _("Exhibitions and trade missions")
    BRANCH_OFFICE = "branch_office", _("Overseas branch office")
    MARKETING_ONLINE = "marketing_online", _("Marketing and online export")
    TRADE_FINANCE = "trade_finance", _("Trade finance and insurance")
    CERTIFICATION = "certification", _("Certification")
    IP_LEGAL = "ip_legal", _("Intellectual property and legal")
    TRAINING = "training", _("Training")
    MENTORING = "mentoring", _("Mentoring and consulting")
    LOGISTICS = "logistics", _("Logistics")


class Institution(BilingualMixin, TimeStampedModel):
    code = models.SlugField(_("code"), max_length=30, unique=True)
    name_ko = models.CharField(_("name (Korean)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    abbreviation = models.CharField(_("abbreviation"), max_length=20)
    website = models.URLField(_("website"), blank=True)
    contact = models.CharField(_("contact"), max_length=200, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("institution")
        verbose_name_plural = _("institutions")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.abbreviation


class Program(BilingualMixin, TimeStampedModel):
    institution = models.ForeignKey(
        Institution,
        verbose_name=_("institution"),
        related_name="programs",
        on_delete=models.PROTECT,
    )
    code = models.SlugField(_("code"), max_length=60, unique=True)
    name_ko = models.CharField(_("name (Korean)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    description_ko = models.TextField(_("description (Korean)"))
    description_en = models.TextField(_("description (English)"))
    support_type = models.CharField(
        _("support type"), max_length=20, choices=SupportType.choices
    )
    # Comma-free list of Bottleneck values ("technology", "funds", ...).
    bottlenecks = models.JSONField(_("bottlenecks addressed"), default=list, blank=True)
    # Codes of the diagnostic's areas the program helps ("finance", "market", ...).
    areas = models.JSONField(_("areas addressed"), default=list, blank=True)
    # The tiers of one program (the export voucher's five) are one entry each and
    # share a family code: a firm is recommended at most one tier.
    family = models.SlugField(
        _("family"),
        max_length=60,
        blank=True,
        help_text=_(
            "Tiers of one program share this code; a firm is recommended one tier."
        ),
    )
    includes_diagnosis = models.BooleanField(
        _("begins with a diagnosis of the firm"),
        default=False,
        help_text=_(
            "Listed after the others for a firm that has just completed the diagnostic."
        ),
    )

    # Eligibility rules; an empty rule admits every firm.
    stage_min = models.PositiveSmallIntegerField(
        _("lowest stage"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(9)],
    )
    stage_max = models.PositiveSmallIntegerField(
        _("highest stage"),
        default=9,
        validators=[MinValueValidator(1), MaxValueValidator(9)],
    )
    export_min_usd = models.PositiveBigIntegerField(
        _("minimum annual exports (USD)"), null=True, blank=True
    )
    export_max_usd = models.PositiveBigIntegerField(
        _("maximum annual exports (USD, exclusive)"), null=True, blank=True
    )
    max_employees = models.PositiveIntegerField(
        _("maximum employees"), null=True, blank=True
    )
    max_revenue_krw = models.PositiveBigIntegerField(
        _("maximum annual revenue (KRW)"), null=True, blank=True
    )
    exported_last_year = models.BooleanField(
        _("exports last year"),
        null=True,
        blank=True,
        choices=[
            (True, _("Only firms that exported last year")),
            (False, _("Only firms that did not export last year")),
        ],
    )
    age_min_years = models.PositiveSmallIntegerField(
        _("minimum years since founding"), null=True, blank=True
    )
    age_max_years = models.PositiveSmallIntegerField(
        _("maximum years since founding"),
        null=True,
        blank=True,
        help_text=_(
            "Years counted by calendar year: 7 admits a firm founded 7 years ago."
        ),
    )
    industries = models.JSONField(
        _("industries (KSIC sections)"), default=list, blank=True
    )
    ksic_divisions = models.JSONField(
        _("products: KSIC divisions"), default=list, blank=True
    )
    hs_chapters = models.JSONField(_("products: HS chapters"), default=list, blank=True)
    target_markets = CountryField(_("target markets"), multiple=True, blank=True)
    regions = models.JSONField(_("regions"), default=list, blank=True)

    fee_min_krw = models.PositiveBigIntegerField(_("fee from (KRW)"), default=0)
    # Blank: the program charges a cost that varies (a co-payment, a premium, loan
    # interest) or is not published; 0: free of charge.
    fee_max_krw = models.PositiveBigIntegerField(
        _("fee up to (KRW)"),
        null=True,
        blank=True,
        default=0,
        help_text=_("0: free. Blank: a cost that varies or is not published."),
    )
    capacity = models.PositiveIntegerField(_("capacity (firms)"), null=True, blank=True)
    application_opens = models.DateField(_("applications open"), null=True, blank=True)
    application_closes = models.DateField(
        _("applications close"), null=True, blank=True
    )
    # Months in which the program usually takes applications, every year.
    application_months = models.JSONField(
        _("usual application months"), default=list, blank=True
    )
    application_url = models.URLField(_("application URL"), max_length=500, blank=True)
    contact = models.CharField(_("contact"), max_length=200, blank=True)
    how_to_apply_ko = models.TextField(_("how to apply (Korean)"), blank=True)
    how_to_apply_en = models.TextField(_("how to apply (English)"), blank=True)
    is_active = models.BooleanField(pgettext_lazy("program", "active"), default=True)
    # Where the entry's facts come from and when a person last compared them.
    source_url = models.URLField(_("source"), max_length=500, blank=True)
    checked_on = models.DateField(_("checked on"), null=True, blank=True)
    verified = models.BooleanField(
        _("verified"),
        default=True,
        help_text=_(
            "Untick when part of the entry could not be confirmed at the source."
        ),
    )
    verification_note = models.TextField(_("what is not verified"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("program")
        verbose_name_plural = _("programs")
        ordering = ["institution", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    stage_min__gte=1,
                    stage_max__lte=9,
                    stage_min__lte=models.F("stage_max"),
                ),
                name="program_stage_range_valid",
            ),
            models.CheckConstraint(
                condition=Q(fee_max_krw__isnull=True)
                | Q(fee_min_krw__lte=models.F("fee_max_krw")),
                name="program_fee_range_valid",
            ),
            models.CheckConstraint(
                condition=Q(export_min_usd__isnull=True)
                | Q(export_max_usd__isnull=True)
                | Q(export_min_usd__lt=models.F("export_max_usd")),
                name="program_export_range_valid",
            ),
            models.CheckConstraint(
                condition=Q(application_opens__isnull=True)
                | Q(application_closes__isnull=True)
                | Q(application_opens__lte=models.F("application_closes")),
                name="program_window_valid",
            ),
            models.CheckConstraint(
                condition=Q(age_min_years__isnull=True)
                | Q(age_max_years__isnull=True)
                | Q(age_min_years__lte=models.F("age_max_years")),
                name="program_age_range_valid",
            ),
            models.CheckConstraint(
                condition=Q(verified=True) | ~Q(verification_note=""),
                name="program_unverified_has_note",
            ),
        ]
        indexes = [models.Index(fields=["is_active"], name="program_active")]

    def __str__(self) -> str:
        return self.name_ko

    def clean(self) -> None:
        """The list fields hold known codes; an unverified entry says what is unsure."""
        errors: dict[str, StrOrPromise] = {}
        divisions = self.ksic_divisions or []
        unknown = [code for code in divisions if code not in KSIC_DIVISION_SECTIONS]
        if unknown:
            errors["ksic_divisions"] = _("Unknown KSIC division(s): %(codes)s.") % {
                "codes": ", ".join(map(str, unknown))
            }
        chapters = self.hs_chapters or []
        unknown = [code for code in chapters if code not in HS_CHAPTERS]
        if unknown:
            errors["hs_chapters"] = _("Unknown HS chapter(s): %(codes)s.") % {
                "codes": ", ".join(map(str, unknown))
            }
        areas = set(self.areas or [])
        if areas:
            known = set(
                Area.objects.filter(code__in=areas).values_list("code", flat=True)
            )
            if areas - known:
                errors["areas"] = _("Unknown area(s) of the diagnostic: %(codes)s.") % {
                    "codes": ", ".join(sorted(map(str, areas - known)))
                }
        months = self.application_months or []
        if any(not isinstance(m, int) or not 1 <= m <= 12 for m in months):
            errors["application_months"] = _("Months run from 1 to 12.")
        else:
            # A set in calendar order, whatever order it was typed or imported in.
            self.application_months = sorted(set(months))
        if self.industries and divisions and not self.hs_chapters:
            sections = {KSIC_DIVISION_SECTIONS.get(code) for code in divisions}
            if not sections & set(self.industries):
                errors["ksic_divisions"] = _(
                    "None of these divisions belongs to the industries chosen: no "
                    "firm could qualify."
                )
        if not self.verified and not self.verification_note.strip():
            errors["verification_note"] = _(
                "Say what could not be verified, or tick “verified”."
            )
        if errors:
            raise ValidationError(errors)


class Recommendation(models.Model):
    """A program recommended to (or narrowly missed by) a firm, frozen with its reasons.

    The program's name and institution are copied so that a later catalog edit never
    rewrites what the firm was told.
    """

    class Kind(models.TextChoices):
        RECOMMENDED = "recommended", _("Recommended")
        NEAR_MISS = "near_miss", _("Near miss")

    diagnostic = models.ForeignKey(
        "diagnostics.Diagnostic",
        related_name="recommendations",
        on_delete=models.CASCADE,
    )
    program = models.ForeignKey(
        Program, related_name="recommendations", on_delete=models.SET_NULL, null=True
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    rank = models.PositiveSmallIntegerField()
    fit_score = models.DecimalField(max_digits=7, decimal_places=2)
    program_snapshot = models.JSONField()
    reasons_ko = models.JSONField(default=list)
    reasons_en = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["diagnostic", "kind", "rank"]
        permissions = [
            ("refresh_recommendations", "Can refresh a diagnostic's recommendations"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["diagnostic", "kind", "rank"], name="recommendation_unique_rank"
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.diagnostic_id} #{self.rank} {self.program_snapshot.get('code', '')}"
        )

    def reasons(self, language: str) -> list[str]:
        return self.reasons_en if language == "en" else self.reasons_ko

    def snapshot(self, key: str, language: str) -> str:
        value = self.program_snapshot.get(f"{key}_{'en' if language == 'en' else 'ko'}")
        return value or self.program_snapshot.get(f"{key}_ko", "")


class RecommendationRefresh(models.Model):
    """Audit of a deliberate re-computation of a diagnostic's recommendations."""

    diagnostic = models.ForeignKey(
        "diagnostics.Diagnostic",
        related_name="recommendation_refreshes",
        on_delete=models.CASCADE,
    )
    refreshed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, related_name="+", on_delete=models.SET_NULL, null=True
    )
    refreshed_at = models.DateTimeField(auto_now_add=True)
    previous = models.JSONField(
        help_text="The program codes and ranks before the refresh."
    )
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-refreshed_at"]

    def __str__(self) -> str:
        return f"{self.diagnostic_id} @ {self.refreshed_at:%Y-%m-%d %H:%M}"


class UptakeStatus(models.TextChoices):
    APPLIED = "applied", _("Applied")
    RECEIVED = "received", _("Received support")
    NOT_RELEVANT = "not_relevant", _("Not relevant for us")


class ProgramUptake(TimeStampedModel):
    """What a firm did with a program recommended to it: the agency's measure of fit.

    One row per firm and program, whichever diagnostic recommended it: a firm that
    applied for the export voucher has applied, whatever it answers next year.
    `recommendation` is the recommendation the firm answered last.
    """

    company = models.ForeignKey(
        Company,
        verbose_name=_("company"),
        related_name="program_uptakes",
        on_delete=models.CASCADE,
    )
    # Programs are retired by deactivating them; deleting one must not erase what
    # firms did with it.
    program = models.ForeignKey(
        Program,
        verbose_name=_("program"),
        related_name="uptakes",
        on_delete=models.PROTECT,
    )
    recommendation = models.ForeignKey(
        Recommendation,
        verbose_name=_("recommendation"),
        related_name="uptakes",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )
    status = models.CharField(_("status"), max_length=15, choices=UptakeStatus.choices)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        related_name="+",
        on_delete=models.SET_NULL,
        null=True,
    )

    class Meta:
        verbose_name = _("program uptake")
        verbose_name_plural = _("program uptakes")
        constraints = [
            models.UniqueConstraint(
                fields=["company", "program"], name="uptake_one_per_program"
            ),
        ]
        indexes = [
            models.Index(fields=["program", "status"], name="uptake_program_status"),
        ]

    def __str__(self) -> str:
        return f"{self.company_id}/{self.program_id}: {self.status}"
