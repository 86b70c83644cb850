"""Re-queue PDF reports whose job was lost; the same service the beat schedule runs."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from diagnostics.reports import reports_sweep


class Command(BaseCommand):
    help = (
        "Re-queue reports stuck in queued or rendering (a lost message or worker) and "
        "mark failed those that cannot finish."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        outcome = reports_sweep()
        self.stdout.write(
            f"Re-queued {outcome.requeued} report(s); marked {outcome.failed} failed."
        )
