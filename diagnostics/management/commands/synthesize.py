"""Synthetic firms and submitted diagnostics, for demos and load tests.

    manage.py synthesize --firms 20000 --diagnostics 100000 [--seed 1]
    manage.py synthesize --purge

Every firm it makes is named "합성기업 00001" / "Synthetic Firm 00001" (the prefix marks
synthetic rows; `--purge` removes exactly those, with their diagnostics). It refuses to
run where real firms exist unless `--allow-with-real-firms` is given: synthetic firms
would mix with real ones in the consultants' queue and in the agency's figures.

Each firm has a latent export maturity; its diagnostics (over the last three years, a
little more mature each time) answer the published questionnaire from it, and are
scored by the real method (diagnostics.scoring.score), so that stage, total score,
result and area scores agree as they do for a firm that submitted through the wizard.
Rows are written with bulk_create, in batches, one transaction per batch.
"""

from __future__ import annotations

import dataclasses
import math
import random
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import Company, Industry, PresenceAbroad, Region, Role, User
from accounts.validators import KSIC_DIVISION_SECTIONS, business_number_check_digit
from diagnostics import scoring
from diagnostics.models import (
    Answer,
    AreaScore,
    ConsultantRequest,
    ConsultantRequestStatus,
    Diagnostic,
    DiagnosticStatus,
    ReviewEvent,
    ReviewEventKind,
    ReviewStatus,
)
from diagnostics.questionnaire import published_version, questionnaire_content
from diagnostics.services import result_to_json

SYNTHETIC_PREFIX = "합성기업 "
SYNTHETIC_PREFIX_EN = "Synthetic Firm "
# Business numbers 899-00-00000 and up: an office code no real firm is issued here.
BUSINESS_NUMBER_BASE = 899_000_000

# Rough shares of Korean SMEs by region and by KSIC section (exporters lean to
# manufacturing and the capital area).
REGION_WEIGHTS = {
    Region.GYEONGGI: 26,
    Region.SEOUL: 20,
    Region.INCHEON: 6,
    Region.BUSAN: 7,
    Region.GYEONGNAM: 7,
    Region.DAEGU: 5,
    Region.GYEONGBUK: 5,
    Region.CHUNGNAM: 5,
    Region.CHUNGBUK: 4,
    Region.DAEJEON: 3,
    Region.GWANGJU: 3,
    Region.ULSAN: 2,
    Region.JEONBUK: 2,
    Region.JEONNAM: 2,
    Region.GANGWON: 1,
    Region.SEJONG: 1,
    Region.JEJU: 1,
}
INDUSTRY_WEIGHTS = {
    Industry.C: 55,
    Industry.G: 18,
    Industry.J: 8,
    Industry.M: 6,
    Industry.A: 3,
    Industry.H: 3,
    Industry.F: 2,
    Industry.I: 2,
    Industry.N: 2,
    Industry.Q: 1,
}
MARKETS = ["US", "CN", "VN", "JP", "DE", "IN", "ID", "TH", "AE", "MX", "PL", "AU"]


def is_synthetic() -> Q:
    return Q(name_ko__startswith=SYNTHETIC_PREFIX)


def synthetic_business_number(serial: int) -> str:
    base = f"{BUSINESS_NUMBER_BASE + serial:09d}"
    return base + business_number_check_digit(base)


def _clamp(value: float, low: float = 0.0, high: float = 1.0) -> float:
    return max(low, min(high, value))


class Command(BaseCommand):
    help = (
        "Create synthetic firms (named '합성기업 NNNNN') and scored, submitted "
        "diagnostics; --purge removes them."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--firms", type=int, default=200)
        parser.add_argument("--diagnostics", type=int, default=1000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--batch", type=int, default=2000)
        parser.add_argument(
            "--allow-with-real-firms",
            action="store_true",
            help="Run even though the database holds real (non-synthetic) firms.",
        )
        parser.add_argument(
            "--purge",
            action="store_true",
            help="Remove the synthetic firms and their diagnostics, nothing else.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["purge"]:
            self.purge()
            return
        firms, diagnostics = options["firms"], options["diagnostics"]
        if firms < 1 or diagnostics < 0:
            raise CommandError("--firms must be at least 1, --diagnostics at least 0.")
        real = Company.objects.exclude(is_synthetic()).count()
        if real and not options["allow_with_real_firms"]:
            raise CommandError(
                f"This database holds {real} real firm(s) (not named "
                f"'{SYNTHETIC_PREFIX.strip()} ...'). Synthetic firms and diagnostics "
                "would mix with them in the consultants' queue, the exports and the "
                "agency's figures. Run it on a database of its own, or pass "
                "--allow-with-real-firms if that is what you want."
            )
        version = published_version()
        if version is None:
            raise CommandError("No published questionnaire: run `manage.py seed`.")
        Synthesizer(
            command=self,
            version_id=version.pk,
            rng=random.Random(options["seed"]),
            batch=max(100, options["batch"]),
        ).run(firms=firms, diagnostics=diagnostics)

    def purge(self) -> None:
        diagnostics = Diagnostic.objects.filter(
            company__name_ko__startswith=SYNTHETIC_PREFIX
        )
        with transaction.atomic():
            # The rows hanging from the diagnostics first, one DELETE per table.
            for relation in Diagnostic._meta.related_objects:
                model = relation.related_model
                model._default_manager.filter(  # type: ignore[union-attr]
                    **{f"{relation.field.name}__in": diagnostics.values("pk")}
                ).delete()
            deleted, _ = diagnostics.delete()
            firms, _ = Company.objects.filter(is_synthetic()).delete()
        self.stdout.write(
            f"Removed {deleted} synthetic rows and {firms} synthetic firms."
        )


@dataclasses.dataclass
class Firm:
    company_id: int
    maturity: float
    figures: scoring.ExportFacts


class Synthesizer:
    def __init__(
        self,
        *,
        command: BaseCommand,
        version_id: int,
        rng: random.Random,
        batch: int,
    ) -> None:
        from diagnostics.models import QuestionnaireVersion

        self.command = command
        self.rng = rng
        self.batch = batch
        self.content = questionnaire_content(
            QuestionnaireVersion.objects.get(pk=version_id)
        )
        self.spec = self.content.spec
        self.area_ids = {
            code: area.pk for code, area in self.content.area_by_code.items()
        }
        # The options of each question from the weakest answer to the strongest.
        self.ranked = {
            q.id: sorted(
                (o for o in q.options if not o.not_applicable),
                key=lambda o: (o.points, o.id),
            )
            for q in self.spec.questions
        }
        self.asked = {
            track: scoring.questions_for_track(self.spec, track)
            for track in (None, scoring.DOMESTIC, scoring.EXPORTER)
        }
        self.consultants = list(
            User.objects.filter(
                company__isnull=True,
                is_active=True,
                groups__name__in=[Role.CONSULTANT, Role.LEAD_CONSULTANT],
            )
            .distinct()
            .values_list("pk", "regions")
        )
        self.now = timezone.now()

    def say(self, message: str) -> None:
        self.command.stdout.write(message)
        self.command.stdout.flush()

    # --- Firms ------------------------------------------------------------------------

    def make_firms(self, count: int) -> list[Firm]:
        first = Company.objects.filter(is_synthetic()).count() + 1
        taken = set(
            Company.objects.filter(business_number__startswith="899").values_list(
                "business_number", flat=True
            )
        )
        regions, region_weights = zip(*REGION_WEIGHTS.items(), strict=True)
        industries, industry_weights = zip(*INDUSTRY_WEIGHTS.items(), strict=True)
        divisions: dict[str, list[str]] = {}
        for division, section in KSIC_DIVISION_SECTIONS.items():
            divisions.setdefault(section, []).append(division)
        firms: list[Firm] = []
        serial = first
        while len(firms) < count:
            rows: list[Company] = []
            maturities: list[float] = []
            for _ in range(min(self.batch, count - len(firms))):
                number = synthetic_business_number(serial)
                while number in taken:
                    serial += 1
                    number = synthetic_business_number(serial)
                maturity = self.rng.betavariate(2.0, 2.2)
                figures = self.export_figures(maturity)
                industry = self.rng.choices(industries, industry_weights)[0]
                employees = int(5 + math.exp(self.rng.gauss(3 + 2 * maturity, 0.8)))
                rows.append(
                    Company(
                        name_ko=f"{SYNTHETIC_PREFIX}{serial:05d}",
                        name_en=f"{SYNTHETIC_PREFIX_EN}{serial:05d}",
                        business_number=number,
                        region=self.rng.choices(regions, region_weights)[0],
                        industry=industry,
                        industry_division=self.rng.choice(divisions[industry]),
                        employees=min(employees, 5000),
                        annual_revenue_krw=employees
                        * self.rng.randint(80_000_000, 400_000_000),
                        exports_last_year_usd=figures.exports_last_year_usd,
                        export_markets=figures.export_markets,
                        export_years=figures.export_years,
                        presence_abroad=figures.presence_level,
                        year_founded=self.rng.randint(1975, 2023),
                        target_markets=",".join(
                            sorted(self.rng.sample(MARKETS, self.rng.randint(0, 3)))
                        ),
                    )
                )
                maturities.append(maturity)
                serial += 1
            with transaction.atomic():
                created = Company.objects.bulk_create(rows)
            firms += [
                Firm(
                    company.pk,
                    maturity,
                    scoring.ExportFacts(
                        exports_last_year_usd=company.exports_last_year_usd,
                        export_markets=company.export_markets,
                        export_years=company.export_years,
                        presence_level=company.presence_abroad,
                    ),
                )
                for company, maturity in zip(created, maturities, strict=True)
            ]
        return firms

    def export_figures(self, maturity: float) -> scoring.ExportFacts:
        """Figures in step with the maturity: the mature export more, further."""
        if self.rng.random() > 0.15 + 0.85 * maturity:
            return scoring.ExportFacts()
        usd = int(math.exp(self.rng.gauss(10 + 7 * maturity, 1.2)))
        markets = max(1, int(self.rng.gauss(1 + 20 * maturity**2, 2)))
        presence = min(
            PresenceAbroad.GROUP, max(0, int(self.rng.gauss(5 * maturity - 1.2, 0.8)))
        )
        return scoring.ExportFacts(
            exports_last_year_usd=min(usd, 10**11),
            export_markets=min(markets, 120),
            export_years=max(1, int(self.rng.gauss(2 + 20 * maturity, 3))),
            presence_level=int(presence),
        )

    # --- Diagnostics ------------------------------------------------------------------

    def answers(self, maturity: float) -> dict[int, scoring.AnswerInput]:
        inputs: dict[int, scoring.AnswerInput] = {}
        for question in self.spec.questions:
            options = self.ranked[question.id]
            level = _clamp(maturity + self.rng.gauss(0, 0.22))
            option = options[min(len(options) - 1, int(level * len(options)))]
            if question.kind == scoring.QuestionKind.NUMBER:
                low = (
                    option.band_min
                    if option.band_min is not None
                    else question.number_min
                )
                inputs[question.id] = scoring.AnswerInput(number=Decimal(low or 0))
            else:
                inputs[question.id] = scoring.AnswerInput(option_id=option.id)
        return inputs

    def run(self, *, firms: int, diagnostics: int) -> None:
        started = timezone.now()
        made = self.make_firms(firms)
        self.say(f"{len(made)} synthetic firms.")
        # Round robin, then shuffled: every firm gets its share of diagnostics.
        owners = [made[i % len(made)] for i in range(diagnostics)]
        per_firm: dict[int, int] = {}
        for firm in owners:
            per_firm[firm.company_id] = per_firm.get(firm.company_id, 0) + 1
        seen: dict[int, int] = {}
        self.rng.shuffle(owners)
        written = 0
        for start in range(0, diagnostics, self.batch):
            chunk = owners[start : start + self.batch]
            planned = []
            for firm in chunk:
                index = seen.get(firm.company_id, 0)
                seen[firm.company_id] = index + 1
                planned.append(self.plan(firm, index, per_firm[firm.company_id]))
            self.write(planned)
            written += len(planned)
            self.say(f"  {written} / {diagnostics} diagnostics")
        seconds = (timezone.now() - started).total_seconds()
        self.say(
            f"Created {len(made)} synthetic firms and {written} diagnostics "
            f"in {seconds:.0f} s."
        )

    def plan(self, firm: Firm, index: int, of: int) -> dict[str, Any]:
        """One diagnostic: answers, its score, and where it stands in review."""
        # Spread over three years, oldest first for a firm; a firm matures a little.
        span = 3 * 365 * 24 * 3600
        slot = (index + self.rng.random()) / of
        submitted_at = self.now - timedelta(seconds=span * (1 - slot) + 60)
        maturity = _clamp(firm.maturity + 0.06 * index)
        answers = self.answers(maturity)
        result = scoring.score(self.spec, answers, firm.figures)
        track = scoring.track_for(self.spec, firm.figures)
        asked = self.asked[track]
        age_days = (self.now - submitted_at).days
        roll = self.rng.random()
        if age_days > 90:
            review = ReviewStatus.REVIEWED if roll < 0.8 else ReviewStatus.IN_REVIEW
        elif age_days > 14:
            review = ReviewStatus.IN_REVIEW if roll < 0.5 else ReviewStatus.NEW
        else:
            review = ReviewStatus.NEW if roll < 0.85 else ReviewStatus.IN_REVIEW
        # Most reviews take days, some weeks: the statistics' time-to-review figure.
        reviewed_at = None
        if review == ReviewStatus.REVIEWED:
            days = self.rng.choice((0.5, 1, 2, 3, 5, 7, 10, 14, 21, 30, 45))
            reviewed_at = submitted_at + timedelta(days=days)
        consultant = None
        if self.consultants and review != ReviewStatus.NEW and self.rng.random() < 0.6:
            consultant = self.rng.choice(self.consultants)[0]
        override = None
        if consultant and self.rng.random() < 0.05:
            override = _clamp(result.stage + self.rng.choice((-1, 1)), 1, 9)
        verified = 0
        if consultant and self.rng.random() < 0.2:
            verified = self.rng.randint(5, len(asked))
        request = None
        if self.rng.random() < 0.04:
            request = self.rng.choice(
                [
                    ConsultantRequestStatus.OPEN,
                    ConsultantRequestStatus.SCHEDULED,
                    ConsultantRequestStatus.DONE,
                ]
            )
        return {
            "diagnostic": Diagnostic(
                company_id=firm.company_id,
                version_id=self.content.version.pk,
                status=DiagnosticStatus.SUBMITTED,
                revision=len(self.content.areas),
                last_step=len(self.content.areas),
                submitted_at=submitted_at,
                stage=result.stage,
                total_score=result.total_score,
                result=result_to_json(result),
                export_facts=dataclasses.asdict(firm.figures),
                review_status=review,
                reviewed_at=reviewed_at,
                assigned_to_id=consultant,
                stage_override=int(override) if override is not None else None,
                verified_answers=verified,
            ),
            "answers": [(q, answers[q.id]) for q in asked],
            "area_scores": result.area_scores,
            "override": (result.stage, int(override), consultant)
            if override is not None and consultant is not None
            else None,
            "request": request,
        }

    @transaction.atomic
    def write(self, planned: list[dict[str, Any]]) -> None:
        created = Diagnostic.objects.bulk_create([p["diagnostic"] for p in planned])
        answers: list[Answer] = []
        scores: list[AreaScore] = []
        events: list[ReviewEvent] = []
        requests: list[ConsultantRequest] = []
        for diagnostic, plan in zip(created, planned, strict=True):
            verified_left = diagnostic.verified_answers
            for question, given in plan["answers"]:
                verified = verified_left > 0
                verified_left -= 1
                answers.append(
                    Answer(
                        diagnostic_id=diagnostic.pk,
                        question_id=question.id,
                        option_id=given.option_id,
                        number_value=given.number,
                        revision=1,
                        verified_by_id=diagnostic.assigned_to_id if verified else None,
                        verified_at=diagnostic.submitted_at if verified else None,
                    )
                )
            scores += [
                AreaScore(
                    diagnostic_id=diagnostic.pk,
                    area_id=self.area_ids[code],
                    score=value,
                )
                for code, value in plan["area_scores"].items()
            ]
            if plan["override"]:
                computed, override, actor = plan["override"]
                events.append(
                    ReviewEvent(
                        diagnostic_id=diagnostic.pk,
                        actor_id=actor,
                        kind=ReviewEventKind.OVERRIDE,
                        old_value=str(computed),
                        new_value=str(override),
                        reason="합성 데이터 (synthetic data)",
                    )
                )
            if plan["request"]:
                requests.append(
                    ConsultantRequest(
                        diagnostic_id=diagnostic.pk,
                        kind=self.rng.choice(["call", "visit"]),
                        preferred_time="평일 오후",
                        message="합성 데이터 (synthetic data)",
                        status=plan["request"],
                    )
                )
        Answer.objects.bulk_create(answers, batch_size=5000)
        AreaScore.objects.bulk_create(scores, batch_size=5000)
        ReviewEvent.objects.bulk_create(events)
        ConsultantRequest.objects.bulk_create(requests)
