"""A tally of each partner's offers on its latest day and in its latest month (the tenant's
calendar), kept by a trigger on every offer written, for the daily quota and the monthly cap; the
offers already there are counted once (a table owner subject to row-level security counts none:
the tallies then start from this migration, which only the current day's and month's caps feel)."""

import django.db.models.deletion
from django.db import migrations, models

TALLY = """
CREATE FUNCTION leads_offer_tally() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    zone text;
    on_day date;
BEGIN
    SELECT time_zone INTO zone FROM tenancy_tenant WHERE id = NEW.tenant_id;
    on_day := (NEW.offered_at AT TIME ZONE coalesce(nullif(zone, ''), 'UTC'))::date;
    INSERT INTO leads_leadoffertally AS t (tenant_id, partner_id, day, offers_on_day, month, offers_in_month)
    VALUES (NEW.tenant_id, NEW.partner_id, on_day, 1, date_trunc('month', on_day)::date, 1)
    ON CONFLICT (tenant_id, partner_id) DO UPDATE SET
        offers_on_day = CASE WHEN t.day = EXCLUDED.day THEN t.offers_on_day + 1
                             WHEN t.day > EXCLUDED.day THEN t.offers_on_day ELSE 1 END,
        day = greatest(t.day, EXCLUDED.day),
        offers_in_month = CASE WHEN t.month = EXCLUDED.month THEN t.offers_in_month + 1
                               WHEN t.month > EXCLUDED.month THEN t.offers_in_month ELSE 1 END,
        month = greatest(t.month, EXCLUDED.month);
    RETURN NULL;
END $$;
CREATE TRIGGER leads_offer_tally AFTER INSERT ON leads_leadoffer FOR EACH ROW EXECUTE FUNCTION leads_offer_tally();

WITH offers AS (
    SELECT o.tenant_id, o.partner_id,
           (o.offered_at AT TIME ZONE coalesce(nullif(z.time_zone, ''), 'UTC'))::date AS on_day
      FROM leads_leadoffer o JOIN tenancy_tenant z ON z.id = o.tenant_id
), latest AS (
    SELECT tenant_id, partner_id, max(on_day) AS day, date_trunc('month', max(on_day))::date AS month
      FROM offers GROUP BY tenant_id, partner_id
)
INSERT INTO leads_leadoffertally (tenant_id, partner_id, day, offers_on_day, month, offers_in_month)
SELECT l.tenant_id, l.partner_id, l.day, count(*) FILTER (WHERE o.on_day = l.day),
       l.month, count(*) FILTER (WHERE o.on_day >= l.month)
  FROM latest l JOIN offers o ON o.tenant_id = l.tenant_id AND o.partner_id = l.partner_id
 GROUP BY l.tenant_id, l.partner_id, l.day, l.month;
"""
DROP_TALLY = """
DROP TRIGGER IF EXISTS leads_offer_tally ON leads_leadoffer;
DROP FUNCTION IF EXISTS leads_offer_tally();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("leads", "0002_lead_waiting_index"),
        ("partners", "0006_partnerlocation"),
        ("tenancy", "0002_tenant_default_language"),
    ]

    operations = [
        migrations.CreateModel(
            name="LeadOfferTally",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("day", models.DateField(verbose_name="day")),
                ("offers_on_day", models.PositiveIntegerField(default=0, verbose_name="offers that day")),
                ("month", models.DateField(verbose_name="month")),
                ("offers_in_month", models.PositiveIntegerField(default=0, verbose_name="offers that month")),
                (
                    "partner",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="partners.partner",
                        verbose_name="partner",
                    ),
                ),
                (
                    "tenant",
                    models.ForeignKey(
                        db_index=False,
                        editable=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="tenancy.tenant",
                    ),
                ),
            ],
            options={
                "verbose_name": "lead offer tally",
                "verbose_name_plural": "lead offer tallies",
                "constraints": [models.UniqueConstraint(fields=("tenant", "partner"), name="lead_offer_tally_unique")],
            },
        ),
        migrations.RunSQL(TALLY, DROP_TALLY),
    ]
