"""The MDF balance guards, held by the database: a statement that takes money out of a budget's
unallocated funds (an allocation) or out of a partner's allocation (a pre-approval) may not leave
either below zero. So an allocation never exceeds what the budget has left, and a pre-approved
request never exceeds what the allocation has left, whatever code (or two people at once) posts.

A statement-level trigger on the ledger's lines, with the inserted rows as a transition table. It
checks only the balances the statement drew from (a line with a negative amount on those
accounts), after taking a transaction-scoped advisory lock per budget: a second posting on the same
budget waits for the first to commit and then sums with it (each statement of a PL/pgSQL function
sees what committed before it ran, under READ COMMITTED)."""

from django.db import migrations

GUARDS = """
CREATE FUNCTION incentives_mdf_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    drawn record;
    left_over numeric;
BEGIN
    FOR drawn IN
        SELECT DISTINCT tenant_id, budget_id, account,
            CASE WHEN account = 'mdf_allocated' THEN partner_id END AS partner_id
        FROM inserted
        WHERE budget_id IS NOT NULL AND amount < 0 AND account IN ('mdf_unallocated', 'mdf_allocated')
        ORDER BY budget_id
    LOOP
        PERFORM pg_advisory_xact_lock(hashtextextended('incentives.mdf_budget:' || drawn.budget_id, 0));
        SELECT coalesce(sum(e.amount), 0) INTO left_over
        FROM incentives_ledgerentry e
        WHERE e.tenant_id = drawn.tenant_id AND e.budget_id = drawn.budget_id AND e.account = drawn.account
            AND (drawn.partner_id IS NULL OR e.partner_id = drawn.partner_id);
        IF left_over < 0 THEN
            RAISE EXCEPTION 'MDF budget % overdrawn on %: % left', drawn.budget_id, drawn.account, left_over
                USING ERRCODE = 'check_violation', CONSTRAINT = 'mdf_not_overdrawn';
        END IF;
    END LOOP;
    RETURN NULL;
END
$$;
CREATE TRIGGER incentives_mdf_guard AFTER INSERT ON incentives_ledgerentry
    REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION incentives_mdf_guard();
"""

UNDO = """
DROP TRIGGER IF EXISTS incentives_mdf_guard ON incentives_ledgerentry;
DROP FUNCTION IF EXISTS incentives_mdf_guard();
"""


class Migration(migrations.Migration):
    dependencies = [("incentives", "0007_mdf")]

    operations = [migrations.RunSQL(GUARDS, UNDO)]
