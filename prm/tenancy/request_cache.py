"""What every request resolves before its view, from caches: its tenant, the member's membership
(with its partner) and the member's unread-notification count.

Without them a signed-in page paid, before doing anything of its own, for the tenant looked up
by host, the membership and its partner, and the unread count: three queries per request.

* **The tenant** is kept per process, by host. Each request reads one version token from Redis
  (``req:<database>:tenants``); any change to any tenant (a save or delete, from a service, the admin
  or a command) sets a new token, and a process whose copy carries another token reads the
  tenant again. So switching a tenant off, or moving its domain, takes effect on the next
  request in every process.
* **The membership** (with its partner, without its user) is kept in Redis per tenant and user,
  stamped with the tenant's people version (``req:<database>:people:<tenant>``) at the moment it was
  read from the database. Any change to a membership or a partner of the tenant sets a new
  people version, and a stamped copy that does not match is ignored: a deactivated membership,
  a changed role, a suspended partner take effect on the next request. The version is read
  before the database, so a copy read just before a change commits carries the old version and
  is ignored after it.
* **The unread count** is kept in Redis per tenant and user for ``UNREAD_TTL`` seconds, and
  deleted when a notification for the member is created or the member marks some read. A count
  computed by a request that raced a new notification may show one less for up to
  ``UNREAD_TTL`` seconds: the bell is a hint, the notifications page is the truth.

Versions are set at once and again when the transaction that made the change commits (a request
that read the old rows in between would otherwise stamp them with the new version). Redis out
of reach: every read misses and the request reads the database, as before the caches; nothing
is trusted without its version.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Iterable

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save

from prm.web.cache import current_version, namespace, new_version, now_and_after_commit

# How long a copy may live with nothing changing (the versions decide before that).
# A version change lost to a Redis outage (the write failed while Redis kept its data) leaves a
# copy in use at most this long: a copy is read again after it, whatever the versions say.
MEMBERSHIP_TTL = 5 * 60
TENANT_TTL = 5 * 60
UNREAD_TTL = 60
VERSION_TTL = 7 * 24 * 3600  # a version gone is a new one: every copy misses, nothing stale returns


# Keys carry the database's name (``prm.web.cache.namespace``): two installations on one Redis
# (`make run` and the bench) never read each other's.
def tenants_version_key() -> str:
    return f"req:{namespace()}:tenants"


def people_version_key(tenant_id: int) -> str:
    return f"req:{namespace()}:people:{tenant_id}"


def membership_key(tenant_id: int, user_id: int) -> str:
    return f"req:{namespace()}:member:{tenant_id}:{user_id}"


def unread_key(tenant_id: int, user_id: int) -> str:
    return f"req:{namespace()}:unread:{tenant_id}:{user_id}"


# --- invalidation -----------------------------------------------------------------------------


def tenants_changed(*, using: str | None = None) -> None:
    """A tenant row changed: every process reads its tenants again."""
    key = tenants_version_key()
    now_and_after_commit(lambda: new_version(key, timeout=VERSION_TTL), using=using)


def people_changed(*, tenant_id: int, using: str | None = None) -> None:
    """A membership or a partner of the tenant changed: every cached membership of it is stale."""
    key = people_version_key(tenant_id)
    now_and_after_commit(lambda: new_version(key, timeout=VERSION_TTL), using=using)


def unread_changed(*, tenant_id: int, user_ids: Iterable[int], using: str | None = None) -> None:
    """Notifications of these members were created or read: their counts are stale."""
    keys = [unread_key(tenant_id, user_id) for user_id in set(user_ids)]
    if keys:
        now_and_after_commit(lambda: cache.delete_many(keys), using=using)


def watch_people(model) -> None:
    """Saving or deleting a row of ``model`` (memberships, partners: what a cached membership
    holds) makes the tenant's cached memberships stale, whoever writes it (a service, the admin,
    a command). Set-based updates send no signal: the services that make them save the partner
    in the same transaction (partners.services.partner_change_status)."""

    def changed(sender, instance, using=None, **kwargs):
        if instance.tenant_id is not None:
            people_changed(tenant_id=instance.tenant_id, using=using)

    for signal in (post_save, post_delete):
        signal.connect(changed, sender=model, weak=False, dispatch_uid=f"request_cache_{model._meta.label}")


def watch_tenants(model) -> None:
    def changed(sender, using=None, **kwargs):
        tenants_changed(using=using)

    for signal in (post_save, post_delete):
        signal.connect(changed, sender=model, weak=False, dispatch_uid="request_cache_tenants")


# --- the tenant, per process ------------------------------------------------------------------

# host -> (tenant or None, the tenants version it was read under, when it was read)
_tenants_by_host: dict[str, tuple[object, str, float]] = {}


def tenants_version() -> str | None:
    return current_version(tenants_version_key(), timeout=VERSION_TTL)


def cached_tenant(host: str):
    """(tenant, version) this process holds for the host, or None (none, or older than
    ``TENANT_TTL``)."""
    held = _tenants_by_host.get(host)
    if held is None or time.monotonic() - held[2] > TENANT_TTL:
        return None
    return held[0], held[1]


def remember_tenant(host: str, tenant, version: str | None) -> None:
    if version is not None:
        _tenants_by_host[host] = (tenant, version, time.monotonic())


def tenant_copy(tenant):
    """The request's own copy: a view that changes ``request.tenant`` changes no other request's."""
    return copy.copy(tenant) if tenant is not None else None


# --- membership and unread count, one round trip ------------------------------------------------


class Lookup:
    """The cache entries a signed-in request needs, fetched with one ``get_many``."""

    __slots__ = ("found", "tenant_id", "user_id")

    def __init__(self, *, tenant_id: int | None, user_id: int | None):
        self.tenant_id, self.user_id = tenant_id, user_id
        keys = [tenants_version_key()]
        if tenant_id is not None and user_id is not None:
            keys += [people_version_key(tenant_id), membership_key(tenant_id, user_id), unread_key(tenant_id, user_id)]
        self.found = cache.get_many(keys)

    @property
    def tenants_version(self) -> str | None:
        return self.found.get(tenants_version_key())

    def membership(self):
        """(True, membership or None) from a copy stamped with the current people version;
        (False, None) when there is none to trust."""
        version = self.found.get(people_version_key(self.tenant_id))
        entry = self.found.get(membership_key(self.tenant_id, self.user_id))
        if version is None or entry is None or entry[0] != version:
            return False, None
        return True, entry[1]

    def people_version(self) -> str | None:
        """The version a membership read from the database now is stamped with (read before it)."""
        version = self.found.get(people_version_key(self.tenant_id))
        if version is None:
            version = current_version(people_version_key(self.tenant_id), timeout=VERSION_TTL)
        return version

    def unread(self) -> int | None:
        return self.found.get(unread_key(self.tenant_id, self.user_id))


def remember_membership(*, tenant_id: int, user_id: int, version: str | None, membership) -> None:
    if version is None:
        return
    if membership is not None:
        # Without its user: the request has the user, read fresh (its password, its state).
        membership = copy.copy(membership)
        membership._state = copy.copy(membership._state)
        membership._state.fields_cache = {
            name: value for name, value in membership._state.fields_cache.items() if name != "user"
        }
    cache.set(membership_key(tenant_id, user_id), (version, membership), timeout=MEMBERSHIP_TTL)


def remember_unread(*, tenant_id: int, user_id: int, count: int) -> None:
    cache.set(unread_key(tenant_id, user_id), count, timeout=UNREAD_TTL)
