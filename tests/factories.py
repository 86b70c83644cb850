"""factory_boy factories for the cast of users, their companies and invitations."""

from __future__ import annotations

import factory

from accounts.models import Company, Invitation, Role, User
from accounts.services import user_assign_role
from accounts.validators import business_number_check_digit

# Valid business registration numbers (NTS check digit), handed out in turn.
_BASES = [f"{n:09d}" for n in range(101_810_000, 101_820_000)]


class CompanyFactory(factory.django.DjangoModelFactory[Company]):
    class Meta:
        model = Company

    name_ko = factory.Sequence(lambda n: f"테스트기업{n}")
    name_en = factory.Sequence(lambda n: f"Test Company {n}")
    business_number = factory.Sequence(
        lambda n: _BASES[n] + business_number_check_digit(_BASES[n])
    )
    region = "seoul"
    industry = "C"
    employees = 30
    annual_revenue_krw = 5_000_000_000
    exports_last_year_usd = 120_000
    export_markets = 2
    export_years = 3
    year_founded = 2010
    target_markets = ["US", "VN"]


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    # factory_boy calls a post-generation hook with the built user, not the factory.
    @factory.post_generation
    def role(
        user: User, create: bool, extracted: Role | None, **kwargs: object
    ) -> None:
        if create and extracted:
            user_assign_role(user=user, role=extracted)
        if create:
            user.save()


PASSWORD = "correct-horse-battery"


class InvitationFactory(factory.django.DjangoModelFactory[Invitation]):
    """A pending invitation row, without the e-mail (services.invitation_create sends)."""

    class Meta:
        model = Invitation

    company = factory.SubFactory(CompanyFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@example.com")
