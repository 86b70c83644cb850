"""The consultants' queue: the filters of the URL contract, sorting and counts.

One FilterSet reads the query string (see docs in the common brief: status, stage,
phase, region, industry, submitted_from/to, mine, requested, q, sort) over the
diagnostics in the user's scope; the queue page and the exports both use it.
"""

from __future__ import annotations

import datetime
from typing import Any

import django_filters
from django import forms
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Industry, Region, User
from accounts.validators import normalize_business_number
from diagnostics.access import diagnostics_in_scope, sees_all_regions
from diagnostics.agency_cache import cached_figures, scope_of
from diagnostics.models import (
    ConsultantRequest,
    ConsultantRequestStatus,
    Diagnostic,
    Phase,
    ReviewStatus,
)

QUEUE_PAGE_SIZE = 25
# The questions of a diagnostic, for the share of answers a consultant verified.
QUESTION_COUNT = 45

# The stages of each phase (the stage rules of every version agree).
PHASE_STAGES: dict[str, tuple[int, int]] = {
    Phase.PREPARATION: (1, 3),
    Phase.USE: (4, 6),
    Phase.DEEPENING: (7, 9),
}

OPEN_REQUEST_STATUSES = (
    ConsultantRequestStatus.OPEN,
    ConsultantRequestStatus.SCHEDULED,
)

# sort value -> ORDER BY, the primary key last so that pages never overlap.
SORTS: dict[str, tuple[str, ...]] = {
    "-submitted": ("-submitted_at", "-pk"),
    "submitted": ("submitted_at", "pk"),
    "-stage": ("-queue_stage", "-submitted_at", "-pk"),
    # Lowest stage first, and within a stage the oldest first: the exact reverse of
    # "-stage", so that both read one index (diag_queue_stage) forwards or backwards.
    "stage": ("queue_stage", "submitted_at", "pk"),
    "company": ("company__name_ko", "-submitted_at", "-pk"),
    "-company": ("-company__name_ko", "-submitted_at", "-pk"),
}
DEFAULT_SORT = "-submitted"
SORT_CHOICES = [
    ("-submitted", _("Newest first")),
    ("submitted", _("Oldest first")),
    ("-stage", _("Highest stage first")),
    ("stage", _("Lowest stage first")),
    ("company", _("Company name (ㄱ-ㅎ, A-Z)")),
    ("-company", _("Company name (reverse)")),
]


SELECT = forms.Select(attrs={"class": "form-select"})


class FlagInput(forms.CheckboxInput):
    """A checkbox sent as `1`; only 1 (or a browser's `on`) turns its filter on."""

    def __init__(self) -> None:
        super().__init__(attrs={"value": "1", "class": "form-check-input"})

    def value_from_datadict(self, data: Any, files: Any, name: str) -> bool:
        return data.get(name) in {"1", "on", "true", "True"}


def phase_of(stage: int | None) -> str:
    for phase, (low, high) in PHASE_STAGES.items():
        if stage is not None and low <= stage <= high:
            return phase
    return ""


def open_request_exists() -> Exists:
    return Exists(
        ConsultantRequest.objects.filter(
            diagnostic=OuterRef("pk"), status__in=OPEN_REQUEST_STATUSES
        )
    )


def queue_queryset(user: User) -> QuerySet[Diagnostic]:
    """The diagnostics in the user's scope, with what the queue filters and sorts on."""
    return diagnostics_in_scope(user).annotate(
        queue_stage=Coalesce("stage_override", "stage"),
        has_open_request=open_request_exists(),
    )


def _effective_stage_is(stage: int) -> Q:
    return Q(stage_override=stage) | Q(stage_override__isnull=True, stage=stage)


def _local_midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


class QueueFilter(django_filters.FilterSet):
    """The queue's query string. Pass the user: it decides the regions offered."""

    q = django_filters.CharFilter(
        label=_("Company name or business number"),
        method="filter_search",
        max_length=100,
        widget=forms.TextInput(attrs={"class": "form-control", "type": "search"}),
    )
    status = django_filters.ChoiceFilter(
        label=_("Review status"),
        field_name="review_status",
        choices=ReviewStatus.choices,
        empty_label=_("Any status"),
        widget=SELECT,
    )
    stage = django_filters.ChoiceFilter(
        label=_("Stage"),
        choices=[(str(n), str(n)) for n in range(1, 10)],
        method="filter_stage",
        empty_label=_("Any stage"),
        widget=SELECT,
    )
    phase = django_filters.ChoiceFilter(
        label=_("Phase"),
        choices=Phase.choices,
        method="filter_phase",
        empty_label=_("Any phase"),
        widget=SELECT,
    )
    region = django_filters.ChoiceFilter(
        label=_("Region"),
        field_name="company__region",
        choices=Region.choices,
        empty_label=_("Any of my regions"),
        widget=SELECT,
    )
    industry = django_filters.ChoiceFilter(
        label=_("Industry"),
        field_name="company__industry",
        choices=Industry.choices,
        empty_label=_("Any industry"),
        widget=SELECT,
    )
    submitted_from = django_filters.DateFilter(
        label=_("Submitted from"),
        method="filter_submitted_from",
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}),
    )
    submitted_to = django_filters.DateFilter(
        label=_("Submitted until"),
        method="filter_submitted_to",
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}),
    )
    mine = django_filters.BooleanFilter(
        label=_("Assigned to me"),
        method="filter_mine",
        widget=FlagInput(),
    )
    requested = django_filters.BooleanFilter(
        label=_("Asked for a consultant"),
        method="filter_requested",
        widget=FlagInput(),
    )
    sort = django_filters.ChoiceFilter(
        label=_("Sort"),
        choices=SORT_CHOICES,
        method="filter_sort",
        empty_label=None,
        widget=SELECT,
    )

    class Meta:
        model = Diagnostic
        fields: list[str] = []

    def __init__(
        self,
        data: QueryDict | dict[str, Any] | None = None,
        *,
        user: User,
        queryset: QuerySet[Diagnostic] | None = None,
        **kwargs: Any,
    ) -> None:
        self.user = user
        if queryset is None:
            queryset = queue_queryset(user)
        super().__init__(data, queryset=queryset, **kwargs)
        region = self.filters["region"]
        if sees_all_regions(user):
            region.extra["empty_label"] = _("Any region")
        else:
            region.extra["choices"] = [
                (code, label) for code, label in Region.choices if code in user.regions
            ]
        self.filters["sort"].extra["required"] = False

    # The sort applies last, whatever the order of the parameters.
    def filter_queryset(self, queryset: QuerySet[Diagnostic]) -> QuerySet[Diagnostic]:
        queryset = super().filter_queryset(queryset)
        sort = self.form.cleaned_data.get("sort") or DEFAULT_SORT
        return queryset.order_by(*SORTS[sort])

    @property
    def qs(self) -> QuerySet[Diagnostic]:
        if not self.is_bound:
            return self.queryset.order_by(*SORTS[DEFAULT_SORT])
        return super().qs

    def filter_sort(
        self, queryset: QuerySet[Diagnostic], name: str, value: str
    ) -> QuerySet[Diagnostic]:
        return queryset  # see filter_queryset

    def filter_search(
        self, queryset: QuerySet[Diagnostic], name: str, value: str
    ) -> QuerySet[Diagnostic]:
        value = value.strip()
        if not value:
            return queryset
        match = Q(company__name_ko__icontains=value) | Q(
            company__name_en__icontains=value
        )
        digits = normalize_business_number(value)
        if digits.isdigit():
            match |= Q(company__business_number__contains=digits)
        return queryset.filter(match)

    def filter_stage(
        self, queryset: QuerySet[Diagnostic], name: str, value: str
    ) -> QuerySet[Diagnostic]:
        return queryset.filter(_effective_stage_is(int(value)))

    def filter_phase(
        self, queryset: QuerySet[Diagnostic], name: str, value: str
    ) -> QuerySet[Diagnostic]:
        low, high = PHASE_STAGES[value]
        return queryset.filter(
            Q(stage_override__range=(low, high))
            | Q(stage_override__isnull=True, stage__range=(low, high))
        )

    def filter_submitted_from(
        self, queryset: QuerySet[Diagnostic], name: str, value: datetime.date
    ) -> QuerySet[Diagnostic]:
        return queryset.filter(submitted_at__gte=_local_midnight(value))

    def filter_submitted_to(
        self, queryset: QuerySet[Diagnostic], name: str, value: datetime.date
    ) -> QuerySet[Diagnostic]:
        # The whole of the last day, in the site's time zone.
        next_day = value + datetime.timedelta(days=1)
        return queryset.filter(submitted_at__lt=_local_midnight(next_day))

    def filter_mine(
        self, queryset: QuerySet[Diagnostic], name: str, value: bool | None
    ) -> QuerySet[Diagnostic]:
        return queryset.filter(assigned_to=self.user) if value else queryset

    def filter_requested(
        self, queryset: QuerySet[Diagnostic], name: str, value: bool | None
    ) -> QuerySet[Diagnostic]:
        return queryset.filter(open_request_exists()) if value else queryset

    def error_messages(self) -> list[str]:
        """Each invalid parameter, by its label, with what is wrong (ignored meanwhile)."""
        found = []
        for name, errors in self.form.errors.items():
            label = self.form.fields[name].label if name in self.form.fields else name
            found += [f"{label}: {error}" for error in errors]
        return found


def queue_counts(filterset: QueueFilter) -> dict[str, int]:
    """Diagnostics per review status, and in all, under every filter but the status.

    One aggregate query; the filters already cleaned are applied again, less two.
    """
    queryset = filterset.queryset
    applied: dict[str, Any] = {}
    if filterset.is_bound:
        for name, value in filterset.form.cleaned_data.items():
            if name not in {"status", "sort"}:
                queryset = filterset.filters[name].filter(queryset, value)
                applied[name] = value
    # "Assigned to me" makes the figures the user's own.
    mine = filterset.user.pk if applied.get("mine") else None
    parts = [scope_of(filterset.user), applied, mine]

    def count() -> dict[str, int]:
        counts = queryset.order_by().aggregate(
            total=Count("pk"),
            **{
                status: Count("pk", filter=Q(review_status=status))
                for status in ReviewStatus.values
            },
        )
        return {key: value or 0 for key, value in counts.items()}

    return cached_figures("queue-counts", parts, count)
