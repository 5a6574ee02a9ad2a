"""Where a registration came from (a partner's own, a vendor lead, a referral), for attribution; a
trigger keeps it as first written, whatever a service or an admin later saves."""

import django.db.models.deletion
from django.db import migrations, models

IMMUTABLE_SOURCE = """
CREATE FUNCTION deals_source_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'a deal''s source is immutable (deal %)', OLD.id USING ERRCODE = 'check_violation';
END $$;
CREATE TRIGGER deals_source_immutable BEFORE UPDATE ON deals_deal FOR EACH ROW
    WHEN (OLD.source IS DISTINCT FROM NEW.source
          OR OLD.source_lead_id IS DISTINCT FROM NEW.source_lead_id
          OR OLD.source_reference IS DISTINCT FROM NEW.source_reference
          OR OLD.source_campaign IS DISTINCT FROM NEW.source_campaign
          OR OLD.source_partner_id IS DISTINCT FROM NEW.source_partner_id)
    EXECUTE FUNCTION deals_source_immutable();
"""
DROP_IMMUTABLE_SOURCE = """
DROP TRIGGER IF EXISTS deals_source_immutable ON deals_deal;
DROP FUNCTION IF EXISTS deals_source_immutable();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_user_language_time_zone"),
        ("deals", "0006_office_deal_list_index"),
        ("partners", "0005_translatable_labels"),
        ("programs", "0006_translatable_labels"),
        ("tenancy", "0002_tenant_default_language"),
    ]

    operations = [
        migrations.AddField(
            model_name="deal",
            name="source",
            field=models.CharField(
                choices=[("partner", "Partner-sourced"), ("lead", "Vendor lead"), ("referral", "Referral")],
                default="partner",
                max_length=10,
            ),
        ),
        migrations.AddField(
            model_name="deal",
            name="source_campaign",
            field=models.CharField(blank=True, max_length=120),
        ),
        migrations.AddField(
            model_name="deal",
            name="source_lead_id",
            field=models.BigIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="deal",
            name="source_partner",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="partners.partner",
            ),
        ),
        migrations.AddField(
            model_name="deal",
            name="source_reference",
            field=models.CharField(blank=True, max_length=20),
        ),
        migrations.AddIndex(
            model_name="deal",
            index=models.Index(
                condition=models.Q(("source_lead_id__isnull", False)),
                fields=["tenant", "source_lead_id"],
                name="deal_source_lead_idx",
            ),
        ),
        migrations.RunSQL(IMMUTABLE_SOURCE, DROP_IMMUTABLE_SOURCE),
    ]
