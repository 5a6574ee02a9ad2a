"""The back office's deal list (every submitted registration, newest first) walks this index and
stops at its page; without it PostgreSQL sorts every registration of the tenant (a million in the
bench: 440 ms per page). Built CONCURRENTLY, so a live installation keeps taking registrations
while it is built."""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("deals", "0005_pipeline_snapshot"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="deal",
            index=models.Index(
                condition=models.Q(("status", "draft"), _negated=True),
                fields=["tenant", "-created_at", "-id"],
                name="deal_office_list_idx",
            ),
        ),
    ]
