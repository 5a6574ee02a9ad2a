"""Forms of the portal's deal pages: validation only. Choices come from lists the view has
already read (no query while a page renders); services re-check everything."""

from __future__ import annotations

import json
from types import SimpleNamespace

from django import forms
from django.utils.translation import gettext_lazy as _

from prm.countries import COUNTRY_CHOICES
from prm.tenancy.time import tenant_today
from programs.services.policy import format_money

from .models import DealStage, DealStatus

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
PAST_CLOSE_DATE = _("The expected close date cannot be in the past: enter today or a later date.")


def close_date_clean(value):
    """An expected close date is today or later, in the vendor's time zone (``deal_register``
    refuses it too); the error stands on the field, and what was typed stays."""
    if value is not None and value < tenant_today():
        raise forms.ValidationError(PAST_CLOSE_DATE, code="close_date_past")
    return value


class DealForm(forms.Form):
    """The registration: the end customer, the deal, its products (a formset of DealLineForm).
    The amount is the products' total: shown (and updated as lines are typed), never typed."""

    customer_name = forms.CharField(label=_("Company name"), max_length=200)
    customer_website = forms.CharField(
        label=_("Web domain"),
        max_length=253,
        required=False,
        help_text=_("e.g. initech.com — it identifies the customer."),
    )
    customer_country = forms.ChoiceField(label=_("Country"), choices=[("", _("Choose a country")), *COUNTRY_CHOICES])
    customer_address = forms.CharField(label=_("Address"), max_length=300, required=False)
    contact_name = forms.CharField(label=_("Contact name"), max_length=120, required=False)
    contact_email = forms.EmailField(label=_("Contact e-mail"), max_length=254, required=False)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=40, required=False)
    title = forms.CharField(label=_("Opportunity title"), max_length=200, required=False)
    amount = forms.DecimalField(
        label=_("Amount"),
        min_value=0,
        max_digits=14,
        decimal_places=2,
        localize=False,
        required=False,
        disabled=True,
        help_text=_("The total of the products below (quantity times unit price)."),
        widget=forms.NumberInput(attrs={"data-lines-total": ""}),
    )
    currency = forms.CharField(label=_("Currency"), min_length=3, max_length=3)
    expected_close_on = forms.DateField(label=_("Expected close date"), widget=_DATE)
    stage = forms.ChoiceField(label=_("Stage"), choices=DealStage.choices)
    notes = forms.CharField(label=_("Notes"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))

    customer_fields = (
        "customer_name",
        "customer_website",
        "customer_country",
        "customer_address",
        "contact_name",
        "contact_email",
        "contact_phone",
    )
    deal_fields = ("title", "amount", "currency", "expected_close_on", "stage", "notes")

    def __init__(self, *args, editable: frozenset[str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        # While the vendor asks for more information, only the fields it named may change.
        if editable is not None:
            for name, field in self.fields.items():
                field.disabled = field.disabled or name not in editable

    def clean_currency(self):
        currency = self.cleaned_data["currency"].strip().upper()
        if not currency.isalpha() or not currency.isascii():
            raise forms.ValidationError(_("A three-letter code, e.g. EUR."))
        return currency

    def clean_expected_close_on(self):
        value = self.cleaned_data["expected_close_on"]
        if self.fields["expected_close_on"].disabled:
            return value  # kept as it was: not the partner's to change now
        return close_date_clean(value)

    def _part(self, names) -> SimpleNamespace:
        # The shape templates/web/_form.html draws, for one fieldset of the form.
        return SimpleNamespace(visible_fields=[self[name] for name in names], hidden_fields=[], non_field_errors=[])

    @property
    def customer_part(self):
        return self._part(self.customer_fields)

    @property
    def deal_part(self):
        return self._part(self.deal_fields)


class DealLineForm(forms.Form):
    """One product of the registration; an empty row is ignored. The picker offers the products
    the partner may register; one it may not (a tampered row) is refused on its row, with why."""

    product = forms.TypedChoiceField(label=_("Product"), coerce=int, choices=(), required=False)
    quantity = forms.IntegerField(
        label=_("Quantity"),
        min_value=1,
        max_value=1_000_000,
        initial=1,
        required=False,
        widget=forms.NumberInput(attrs={"data-line-quantity": ""}),
    )
    unit_price = forms.DecimalField(
        label=_("Unit price"),
        min_value=0,
        max_digits=14,
        decimal_places=2,
        required=False,
        localize=False,
        help_text=_("Empty: the list price."),
        widget=forms.NumberInput(attrs={"data-line-price": "", "step": "0.01"}),
    )

    def __init__(self, *args, product_choices=(), products=None, refused=None, kept=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.products = products or {}
        self.refused = refused or {}
        field = self.fields["product"]
        # Every product of the catalogue is a valid choice (a refused one is refused below, with
        # its reason); the picker draws only those offered, and those a registration being
        # edited holds already (``kept``: shown, not dropped unseen, and refused on saving).
        field.choices = [("", _("Choose a product")), *product_choices, *((pk, "") for pk in self.refused)]
        field.widget.choices = [("", _("Choose a product")), *product_choices, *kept]
        field.widget.attrs["data-line-product"] = ""

    def clean(self):
        data = super().clean()
        if data.get("product") in (None, ""):
            return data
        chosen = data["product"]
        data["product"] = self.products.get(chosen)
        if data["product"] is None:
            reason = self.refused.get(chosen)
            if reason is not None:
                self.add_error("product", _("Not offered to your company: %(reason)s.") % {"reason": reason})
            else:
                self.add_error("product", _("Choose a product of the catalogue."))
        if not data.get("quantity"):
            data["quantity"] = 1
        return data


class BaseLineFormSet(forms.BaseFormSet):
    def __init__(self, *args, products=(), refused=None, kept=(), **kwargs):
        self.catalogue = {product.pk: product for product in products}
        self.product_choices = product_choices(products)
        self.refused = refused or {}
        self.kept = list(kept)
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {
            "product_choices": self.product_choices,
            "products": self.catalogue,
            "refused": self.refused,
            "kept": self.kept,
        }

    @property
    def empty_form(self):
        form = self.form(
            auto_id=self.auto_id,
            prefix=self.add_prefix("__prefix__"),
            empty_permitted=True,
            use_required_attribute=False,
            product_choices=self.product_choices,
            products=self.catalogue,
            refused=self.refused,
            kept=self.kept,
            renderer=self.renderer,
        )
        self.add_fields(form, None)
        return form

    @property
    def list_prices(self) -> str:
        """{product id: list price} as JSON, for the live total (deals/lines.js)."""
        return json.dumps({str(pk): str(product.list_price) for pk, product in self.catalogue.items()})

    def clean(self):
        if any(self.errors):
            return
        if not self.lines():
            raise forms.ValidationError(_("Add at least one product."))

    def lines(self) -> list[tuple]:
        """(product, quantity, unit price or None) of each filled row."""
        return [
            (form.cleaned_data["product"], form.cleaned_data["quantity"], form.cleaned_data.get("unit_price"))
            for form in self.forms
            if getattr(form, "cleaned_data", None) and form.cleaned_data.get("product")
        ]


LineFormSet = forms.formset_factory(DealLineForm, formset=BaseLineFormSet, extra=3, max_num=20)


class RegistrationForm:
    """The registration's form and its product lines, validated as one (a ``ServiceView`` takes
    one form): ``deal`` (a ``DealForm``, its fields limited to ``editable``) and ``lines`` (a
    ``LineFormSet``; None while the products may not change). ``offer`` is what the picker
    offers (``selectors.deals.ProductOffer``)."""

    def __init__(self, data=None, files=None, *, offer, initial=None, editable=None, line_initial=None):
        self.deal = DealForm(data, initial=initial, editable=editable)
        self.offer = offer
        self.lines = None
        if editable is None or "lines" in editable:
            held = {row["product"] for row in line_initial or ()}
            kept = [
                (pk, _("%(product)s (not offered to your company)") % {"product": name})
                for pk, name in offer.refused_names.items()
                if pk in held
            ]
            self.lines = LineFormSet(
                data, prefix="lines", initial=line_initial, products=offer.products, refused=offer.refused, kept=kept
            )

    def is_valid(self) -> bool:
        return self.deal.is_valid() and (self.lines is None or self.lines.is_valid())

    @property
    def cleaned_data(self) -> dict:
        """What may change: the fields not disabled."""
        return {name: value for name, value in self.deal.cleaned_data.items() if not self.deal.fields[name].disabled}

    def line_inputs(self) -> list[tuple] | None:
        return self.lines.lines() if self.lines is not None else None


def product_choices(products) -> list:
    """Products grouped by product line (optgroups), with their list price."""
    groups: dict[str, list] = {}
    for product in products:
        groups.setdefault(product.line.name, []).append(
            (product.pk, f"{product.name} ({product.sku}) · {format_money(product.list_price, product.currency)}")
        )
    return list(groups.items())


class DealFilterForm(forms.Form):
    """The list's query string; an invalid value means 'any', never an error page."""

    status = forms.ChoiceField(choices=[("", _("Any status")), *DealStatus.choices], required=False)
    stage = forms.ChoiceField(choices=[("", _("Any stage")), *DealStage.choices], required=False)
    q = forms.CharField(label=_("Customer"), max_length=100, required=False)

    def filters(self) -> dict:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {"status": data.get("status") or "", "stage": data.get("stage") or "", "search": data.get("q") or ""}


class StageForm(forms.Form):
    stage = forms.ChoiceField(label=_("Stage"), choices=DealStage.choices)


class ExtensionForm(forms.Form):
    days = forms.IntegerField(label=_("Days"), min_value=1, max_value=365, initial=30)
    reason = forms.CharField(label=_("Why"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class WonForm(forms.Form):
    amount = forms.DecimalField(label=_("Amount won"), min_value=0, max_digits=14, decimal_places=2, localize=False)
    won_on = forms.DateField(label=_("Closed on"), widget=_DATE)


class ReasonForm(forms.Form):
    """Lost or withdrawn: why."""

    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class MessageForm(forms.Form):
    body = forms.CharField(label=_("Message"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label=_("Document"),
        help_text=_("A PDF, PNG or JPEG file, up to 10 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg,application/pdf,image/png,image/jpeg"}),
    )
    name = forms.CharField(label=_("Name"), max_length=200, required=False)


class HintForm(forms.Form):
    """The live conflict hint's query string."""

    customer_name = forms.CharField(max_length=200, required=False)
    customer_website = forms.CharField(max_length=253, required=False)
    contact_email = forms.CharField(max_length=254, required=False)
