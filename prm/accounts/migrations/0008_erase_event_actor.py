"""The one change an event may get: its actor's name, when that person is erased on request
(prm/accounts/privacy.py). The app's role has no UPDATE on events; this function, owned by the
schema owner, changes only ``actor_label`` and only of the current tenant's events (row-level
security is forced on the table, for its owner too)."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION prm_erase_event_actor(p_membership bigint, p_label text) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    changed integer;
BEGIN
    UPDATE events_event SET actor_label = p_label
    WHERE actor_id = p_membership
      AND tenant_id = nullif(current_setting('prm.tenant_id', true), '')::bigint;
    GET DIAGNOSTICS changed = ROW_COUNT;
    RETURN changed;
END
$$;
"""


class Migration(migrations.Migration):
    dependencies = [("accounts", "0007_sso"), ("events", "0003_api_feed")]

    operations = [migrations.RunSQL(CREATE, "DROP FUNCTION IF EXISTS prm_erase_event_actor(bigint, text);")]
