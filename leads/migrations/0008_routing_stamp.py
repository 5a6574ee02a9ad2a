"""The routing stamp: a trigger on every table the routing engine's partner side reads moves it at
the commit of a transaction that changed one of them (once per transaction; at once for a
TRUNCATE), to the transaction's id, so that the engine knows when its memoised answers end
(``leads.models.RoutingStamp``, ``leads.services.routing._partner_side``). Another marks the
transaction itself (``leads.routing_changed``, a setting local to it, undone with a rolled-back
savepoint) as soon as a statement changes one of them: its own routing then judges afresh.

Deferred to the commit: the stamp's row is locked only for the commit's last moment, after every
other lock the transaction takes (taken in the middle of a transaction, it would be held across
its later statements, serialising every change to partners and deadlocking two that each changed
one partner and then the other's). An id is never reused, so a stamp never comes back to a value
an answer was memoised under."""

from django.db import migrations, models

# The tables of leads.services.routing.PARTNER_SIDE_TABLES when this migration was written
# (tests/leads/test_routing_memo.py checks every table of that list has the triggers).
TABLES = (
    "partners_partner",
    "programs_enrollment",
    "programs_tier",
    "programs_partnerlicence",
    "programs_territorygrant",
    "programs_region",
)

STAMP = """
CREATE FUNCTION leads_routing_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('leads.routing_stamped', true) IS DISTINCT FROM 'on' THEN
        INSERT INTO leads_routingstamp (id, stamp) VALUES (1, pg_current_xact_id()::text::bigint)
        ON CONFLICT (id) DO UPDATE SET stamp = EXCLUDED.stamp;
        PERFORM set_config('leads.routing_stamped', 'on', true);
    END IF;
    RETURN NULL;
END $$;
CREATE FUNCTION leads_routing_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config('leads.routing_changed', 'on', true);
    RETURN NULL;
END $$;
INSERT INTO leads_routingstamp (id, stamp) VALUES (1, pg_current_xact_id()::text::bigint);
""" + "".join(  # noqa: S608 (the table names above)
    f"""
CREATE CONSTRAINT TRIGGER leads_routing_stamp AFTER INSERT OR UPDATE OR DELETE ON {table}
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION leads_routing_stamp();
CREATE TRIGGER leads_routing_stamp_truncate AFTER TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION leads_routing_stamp();
CREATE TRIGGER leads_routing_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION leads_routing_changed();
"""
    for table in TABLES
)
DROP_STAMP = (
    "".join(
        f"""
DROP TRIGGER IF EXISTS leads_routing_stamp ON {table};
DROP TRIGGER IF EXISTS leads_routing_stamp_truncate ON {table};
DROP TRIGGER IF EXISTS leads_routing_changed ON {table};
"""
        for table in TABLES
    )
    + "DROP FUNCTION IF EXISTS leads_routing_stamp(); DROP FUNCTION IF EXISTS leads_routing_changed();"
)


class Migration(migrations.Migration):
    dependencies = [
        ("leads", "0007_rule_partner_tags"),
        ("partners", "0007_partner_tags"),
        ("programs", "0007_target_tags_review_cadence"),
    ]

    operations = [
        migrations.CreateModel(
            name="RoutingStamp",
            fields=[
                ("id", models.PositiveSmallIntegerField(default=1, primary_key=True, serialize=False)),
                ("stamp", models.BigIntegerField()),
            ],
        ),
        migrations.RunSQL(STAMP, DROP_STAMP),
    ]
