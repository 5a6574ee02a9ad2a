"""The ledger's double entry, held by the database: a statement that inserts ledger lines must leave
every transaction it touches balanced (its lines add up to zero in each currency), so a posting
writes all its lines in one statement. A statement-level trigger with the inserted rows as a
transition table: one check per statement, not per line."""

from django.db import migrations

BALANCED = """
CREATE FUNCTION incentives_ledger_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    off record;
BEGIN
    SELECT e.transaction_id, e.currency, sum(e.amount) AS total, count(*) AS lines INTO off
    FROM incentives_ledgerentry e
    WHERE e.transaction_id IN (SELECT DISTINCT transaction_id FROM inserted)
    GROUP BY e.transaction_id, e.currency
    HAVING sum(e.amount) <> 0 OR count(*) < 2
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'ledger transaction % does not balance in %: its lines add up to %',
            off.transaction_id, off.currency, off.total
            USING ERRCODE = 'check_violation', CONSTRAINT = 'ledger_balanced';
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER incentives_ledger_balanced AFTER INSERT ON incentives_ledgerentry
    REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION incentives_ledger_balanced();
"""

UNDO = """
DROP TRIGGER IF EXISTS incentives_ledger_balanced ON incentives_ledgerentry;
DROP FUNCTION IF EXISTS incentives_ledger_balanced();
"""


class Migration(migrations.Migration):
    dependencies = [("incentives", "0001_ledger")]

    operations = [migrations.RunSQL(BALANCED, UNDO)]
