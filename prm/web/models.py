"""What the shell keeps for people: the filters they saved on list pages."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from prm.tenancy.models import TenantOwned

SAVED_FILTER_NAME_MAX = 60
SAVED_FILTER_QUERY_MAX = 2000


class SavedFilter(TenantOwned):
    """A list page's filters saved under a name by a staff member (``owner``), offered as a link
    above that list (``page``: the key a list page declares with ``saved_filters.filter_page``).
    ``query`` is the query string as the page's filter form cleaned it when it was saved; it is
    validated again by that form whenever it is applied. ``shared``: every member who may open
    the page sees it too; only the owner deletes it."""

    owner = models.ForeignKey("accounts.Membership", on_delete=models.CASCADE, related_name="+", db_index=False)
    page = models.CharField(max_length=40)
    name = models.CharField(_("name"), max_length=SAVED_FILTER_NAME_MAX)
    query = models.CharField(max_length=SAVED_FILTER_QUERY_MAX)
    shared = models.BooleanField(_("shared with the back office"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    # Staff's own: a partner user's transaction reads none (the second layer under the views).
    rls_partner_predicate = "false"

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            # One name per person and page: saving under a name again replaces its filters.
            models.UniqueConstraint(fields=["tenant", "owner", "page", "name"], name="saved_filter_name_uniq"),
        ]
        indexes = [
            # The chips above a list: the page's filters of the tenant (the owner's and the shared).
            models.Index(fields=["tenant", "page", "name"], name="saved_filter_page_idx"),
        ]

    def __str__(self):
        return self.name
