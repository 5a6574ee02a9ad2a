-- The database roles of PRM, defined once. Run as the schema owner or a superuser by
-- docker-compose's first start (deploy/postgres-init.sh), by `make run` (scripts/services.py)
-- and after every `migrate` (prm/tenancy/rls.py, through prm/tenancy/roles.py).
--
--   prm_app       LOGIN: the runtime connection (DATABASE_URL), which serves tenant requests and
--                 tasks. Row-level security must hold for it whatever SQL it is made to run: no
--                 superuser, no BYPASSRLS, no CREATEROLE (it could grant itself a role that
--                 bypasses RLS), NOINHERIT, and a member of prm_partner only, so no SET ROLE or
--                 RESET ROLE takes it out of the policies.
--   prm_partner   NOLOGIN: what a partner user's transaction switches to; the partner policies
--                 are written for it.
--   prm_platform  LOGIN BYPASSRLS: the platform connection (DATABASE_PLATFORM_URL), a login of
--                 its own for platform_scope(). Granted to nobody: the runtime login cannot
--                 become it.
--
-- Idempotent: it creates what is missing and changes only what differs, so an owner that may not
-- manage roles runs it harmlessly once the roles are right (migrate does, every time). A change
-- the runner may not make is a WARNING naming the statement for a superuser to run, and
-- `manage.py check_rls` keeps failing until it is made. Run it in one transaction after setting,
-- with set_config(..., true):
--   prm.app_role, prm.partner_role, prm.platform_role   the names ('' = the defaults above)
--   prm.app_password, prm.platform_password             the logins' passwords ('' = leave as is)
DO $roles$
DECLARE
    app text := coalesce(nullif(current_setting('prm.app_role', true), ''), 'prm_app');
    partner text := coalesce(nullif(current_setting('prm.partner_role', true), ''), 'prm_partner');
    platform text := coalesce(nullif(current_setting('prm.platform_role', true), ''), 'prm_platform');
    wanted record;
    existing record;
    statement text;
    todo text[] := '{}';
    shown text[] := '{}';
    i integer;
BEGIN
    -- 1. The roles and their attributes. Superuser, CREATEDB, CREATEROLE and REPLICATION are off
    --    for all three; only the platform login bypasses row-level security.
    FOR wanted IN
        SELECT *
          FROM (VALUES (app, true, false, false, current_setting('prm.app_password', true)),
                       (partner, false, false, true, NULL),
                       (platform, true, true, true, current_setting('prm.platform_password', true)))
               AS v (name, login, bypassrls, inherit, password)
    LOOP
        SELECT * INTO existing FROM pg_roles WHERE rolname = wanted.name;
        IF NOT FOUND THEN
            statement := format(
                'CREATE ROLE %I %s %s %s NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION',
                wanted.name,
                CASE WHEN wanted.login THEN 'LOGIN' ELSE 'NOLOGIN' END,
                CASE WHEN wanted.bypassrls THEN 'BYPASSRLS' ELSE 'NOBYPASSRLS' END,
                CASE WHEN wanted.inherit THEN 'INHERIT' ELSE 'NOINHERIT' END);
        ELSE
            -- Only what differs: naming BYPASSRLS or SUPERUSER at all needs a superuser.
            statement := nullif(concat_ws(' ',
                CASE WHEN existing.rolsuper THEN 'NOSUPERUSER' END,
                CASE WHEN existing.rolcanlogin <> wanted.login
                     THEN CASE WHEN wanted.login THEN 'LOGIN' ELSE 'NOLOGIN' END END,
                CASE WHEN existing.rolbypassrls <> wanted.bypassrls
                     THEN CASE WHEN wanted.bypassrls THEN 'BYPASSRLS' ELSE 'NOBYPASSRLS' END END,
                CASE WHEN existing.rolinherit <> wanted.inherit
                     THEN CASE WHEN wanted.inherit THEN 'INHERIT' ELSE 'NOINHERIT' END END,
                CASE WHEN existing.rolcreatedb THEN 'NOCREATEDB' END,
                CASE WHEN existing.rolcreaterole THEN 'NOCREATEROLE' END,
                CASE WHEN existing.rolreplication THEN 'NOREPLICATION' END), '');
            statement := format('ALTER ROLE %I ', wanted.name) || statement;
        END IF;
        IF statement IS NOT NULL THEN
            todo := todo || statement;
            shown := shown || statement;
        END IF;
        IF coalesce(wanted.password, '') <> '' THEN
            todo := todo || format('ALTER ROLE %I PASSWORD %L', wanted.name, wanted.password);
            shown := shown || format('ALTER ROLE %I PASSWORD ...', wanted.name);
        END IF;
    END LOOP;

    -- 2. Memberships: the app may become the partner role ...
    IF NOT EXISTS (SELECT FROM pg_auth_members m
                     JOIN pg_roles g ON g.oid = m.roleid
                     JOIN pg_roles u ON u.oid = m.member
                    WHERE g.rolname = partner AND u.rolname = app) THEN
        todo := todo || format('GRANT %I TO %I', partner, app);
        shown := shown || todo[cardinality(todo)];
    END IF;
    -- ... and nothing that leaves row-level security: not the platform role (which earlier
    -- releases granted it), nor any role that is, or is a member of, a superuser, BYPASSRLS or
    -- CREATEROLE role.
    FOR existing IN
        SELECT g.rolname
          FROM pg_auth_members m
          JOIN pg_roles g ON g.oid = m.roleid
          JOIN pg_roles u ON u.oid = m.member
         WHERE u.rolname = app
           AND (g.rolname = platform
                OR EXISTS (SELECT FROM pg_roles r
                            WHERE (r.rolsuper OR r.rolbypassrls OR r.rolcreaterole)
                              AND pg_has_role(g.oid, r.oid, 'MEMBER')))
    LOOP
        todo := todo || format('REVOKE %I FROM %I', existing.rolname, app);
        shown := shown || todo[cardinality(todo)];
    END LOOP;

    -- 3. Both logins may connect to this database (PUBLIC may have lost CONNECT).
    FOR existing IN SELECT name FROM unnest(ARRAY[app, platform]) AS name LOOP
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = existing.name)
           OR NOT has_database_privilege(existing.name, current_database(), 'CONNECT') THEN
            todo := todo || format('GRANT CONNECT ON DATABASE %I TO %I', current_database(), existing.name);
            shown := shown || todo[cardinality(todo)];
        END IF;
    END LOOP;

    FOR i IN 1 .. coalesce(cardinality(todo), 0) LOOP
        BEGIN
            EXECUTE todo[i];
        EXCEPTION
            WHEN insufficient_privilege THEN
                RAISE WARNING 'PRM roles: % (%): a superuser must run it', shown[i], SQLERRM;
            WHEN duplicate_object OR unique_violation THEN
                NULL;  -- a concurrent run (parallel test workers) made it first
            WHEN internal_error THEN
                IF SQLERRM NOT LIKE '%concurrently updated%' THEN
                    RAISE;
                END IF;  -- a concurrent run made the same change
        END;
    END LOOP;
END
$roles$;
