"""Domain errors: raised by services, shown to users as messages by views.

Their message is a sentence in the acting person's language: services write it with
``gettext`` at the moment they refuse (the request's language is active), and
``scripts/check_translatable.py`` flags a literal passed without it."""

from django.utils.translation import gettext


class DomainError(Exception):
    """A request the domain refuses. ``str(error)`` is a sentence a user can act on."""

    code = "domain_error"

    def __init__(self, message: str, *, code: str | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


class InvalidTransition(DomainError):
    """The object is not in a state that allows this (often: someone else just acted on it)."""

    code = "invalid_transition"


class PolicyViolation(DomainError):
    """A business rule forbids it."""

    code = "policy_violation"


class NotAllowed(DomainError):
    """The acting membership lacks the capability (services re-check what views checked)."""

    code = "not_allowed"


class CrossTenantReference(DomainError):
    """An object of another tenant (or partner) was passed in: never honoured."""

    code = "cross_tenant_reference"


def assert_same_tenant(*objects) -> None:
    tenants = {getattr(obj, "tenant_id", None) for obj in objects if obj is not None}
    if len(tenants) > 1:
        raise CrossTenantReference(gettext("These objects belong to different portals."))
