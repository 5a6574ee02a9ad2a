"""Notifications store message ids and parameters, rendered in the reader's language.

The existing columns are renamed: their finished English sentences stay valid message ids
without parameters (``texts.render`` shows them as they are)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0001_initial"),
    ]

    operations = [
        migrations.RenameField(model_name="notification", old_name="title", new_name="title_message"),
        migrations.RenameField(model_name="notification", old_name="body", new_name="body_message"),
        migrations.AddField(model_name="notification", name="params", field=models.JSONField(blank=True, default=dict)),
        migrations.AddField(
            model_name="notification",
            name="note",
            field=models.TextField(blank=True, default=""),
            preserve_default=False,
        ),
    ]
