from django.apps import AppConfig


class ProgramsConfig(AppConfig):
    name = "programs"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.utils.translation import gettext_lazy as _

        from prm.accounts.access import OFFICE, PORTAL
        from prm.accounts.hooks import partner_users_changed
        from prm.web.menu import menu_entry

        from . import events, extensions, notifications, permissions  # noqa: F401  (declares verbs, kinds, capabilities)
        from .services.evaluation import tier_evaluate_soon

        # Active partner users are a tier metric: a change re-measures the partner after commit.
        partner_users_changed.connect(tier_evaluate_soon)
        # The policy screen memoises each product line with its rules (services.policy).
        from django.db.models.signals import post_delete, post_save

        from .models import AuthorizationRule, ProductLine, Tier

        for model in (ProductLine, AuthorizationRule, Tier):
            post_save.connect(_catalogue_changed, sender=model, dispatch_uid=f"programs.screen.save.{model.__name__}")
            post_delete.connect(
                _catalogue_changed, sender=model, dispatch_uid=f"programs.screen.delete.{model.__name__}"
            )
        # The tier facet of the partner directory, the record's Programs tab, the portal's tier card.
        extensions.register()

        group = _("Programs")
        for order, label, url_name in (
            (50, _("Tier reviews"), "office:tier_reviews"),
            (51, _("Licences to verify"), "office:licence_queue"),
            (52, _("Policy check"), "office:policy_check"),
        ):
            menu_entry(
                area=OFFICE,
                label=label,
                url_name=url_name,
                capability=permissions.PROGRAMS_VIEW,
                order=order,
                group=group,
            )
        menu_entry(
            area=PORTAL, label=_("Your tier"), url_name="portal:program", capability=permissions.PROGRAM_VIEW, order=20
        )
        menu_entry(
            area=PORTAL, label=_("Products"), url_name="portal:products", capability=permissions.PRODUCTS_VIEW, order=30
        )
        # Licences are a company matter: every partner user reads them; partner admins upload.
        from partners.permissions import COMPANY_VIEW

        menu_entry(area=PORTAL, label=_("Licences"), url_name="portal:licences", capability=COMPANY_VIEW, order=60)


def _catalogue_changed(sender, instance, **kwargs) -> None:
    from prm.memo import reference_changed

    reference_changed(tenant_id=instance.tenant_id)
