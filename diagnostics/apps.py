from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class DiagnosticsConfig(AppConfig):
    name = "diagnostics"
    verbose_name = _("Diagnostics")

    def ready(self) -> None:
        from diagnostics.questionnaire import questionnaire_cache_clear

        # flush (tests, resets) emits post_migrate; cached versions may be gone.
        post_migrate.connect(
            questionnaire_cache_clear, dispatch_uid="questionnaire_cache"
        )
