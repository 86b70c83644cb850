"""The consultants' queue at 100,000 diagnostics: a covering index for the counts.

EXPLAIN ANALYZE on scripts/bench_workspace.py's data (see the queue section of the
report of issue 13): the counts of a consultant's queue (submitted diagnostics of the
firms of their regions, per review status) scanned the whole table, wide with each
result's JSON; with this index they read the index alone and join the firms. The
review status is a key column, not an INCLUDE one, so that SQLite takes it too.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("diagnostics", "0010_override_permission"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="diagnostic",
            index=models.Index(
                fields=["status", "company", "review_status"],
                name="diag_queue_scope",
            ),
        ),
    ]
