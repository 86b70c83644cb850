"""A consultant works on one or more regions: `User.region` becomes `User.regions`."""

from django.db import migrations, models

import accounts.models


def copy_region_to_regions(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    for user in User.objects.exclude(region="").only("pk", "region"):
        user.regions = [user.region]
        user.save(update_fields=["regions"])


def copy_first_region_back(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    for user in User.objects.exclude(regions=[]).only("pk", "regions"):
        user.region = user.regions[0]
        user.save(update_fields=["region"])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_company_industry_division"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="regions",
            field=models.JSONField(
                blank=True,
                default=list,
                validators=[accounts.models.validate_region_list],
                verbose_name="regions",
            ),
        ),
        migrations.RunPython(copy_region_to_regions, copy_first_region_back),
        migrations.RemoveField(model_name="user", name="region"),
    ]
