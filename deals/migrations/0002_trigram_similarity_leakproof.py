"""Let conflict checks use the trigram indexes under row-level security.

PostgreSQL evaluates row-level-security policies before any condition whose function is not
LEAKPROOF, so it cannot use an index for such a condition: pg_trgm's ``%`` (similarity_op) is not
marked LEAKPROOF, and a name search over a million registrations became a sequential scan. The
function only computes a similarity and compares it with a threshold: it raises no error and
reveals nothing about its arguments beyond its boolean result, which is what LEAKPROOF means.

Only a superuser may mark a function LEAKPROOF. The schema owner of a typical deployment (the
compose file's, the embedded server's, the tests') is one; where it is not, the migration says so
and conflict checks still work, without the index.
"""

from django.db import migrations

FORWARD = """
DO $$
BEGIN
  IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
    ALTER FUNCTION similarity_op(text, text) LEAKPROOF;
  ELSE
    RAISE WARNING 'prm: % is not a superuser, so pg_trgm''s similarity_op stays NOT LEAKPROOF: deal '
      'conflict checks will not use the trigram indexes under row-level security. A superuser can run: '
      'ALTER FUNCTION similarity_op(text, text) LEAKPROOF;', current_user;
  END IF;
END $$;
"""

BACKWARD = """
DO $$
BEGIN
  IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
    ALTER FUNCTION similarity_op(text, text) NOT LEAKPROOF;
  END IF;
END $$;
"""


class Migration(migrations.Migration):
    dependencies = [("deals", "0001_initial")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
