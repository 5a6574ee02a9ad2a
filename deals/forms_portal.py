"""Forms of the portal's deal pages: validation only. Choices come from lists the view has
already read (no query while a page renders); services re-check everything."""

from __future__ import annotations

from types import SimpleNamespace

from django import forms
from django.utils.translation import gettext_lazy as _

from prm.countries import COUNTRY_CHOICES
from programs.services.policy import format_money

from .models import DealStage, DealStatus

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class DealForm(forms.Form):
    """The registration: the end customer, the deal, its products (a formset of DealLineForm)."""

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
    amount = forms.DecimalField(label=_("Amount"), min_value=0, max_digits=14, decimal_places=2, localize=False)
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
                field.disabled = name not in editable

    def clean_currency(self):
        currency = self.cleaned_data["currency"].strip().upper()
        if not currency.isalpha() or not currency.isascii():
            raise forms.ValidationError("A three-letter code, e.g. EUR.")
        return currency

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
    """One product of the registration; an empty row is ignored."""

    product = forms.TypedChoiceField(label="Product", coerce=int, choices=(), required=False)
    quantity = forms.IntegerField(label="Quantity", min_value=1, max_value=1_000_000, initial=1, required=False)
    unit_price = forms.DecimalField(
        label="Unit price",
        min_value=0,
        max_digits=14,
        decimal_places=2,
        required=False,
        localize=False,
        help_text="Empty: the list price.",
    )

    def __init__(self, *args, product_choices=(), products=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].choices = [("", "Choose a product"), *product_choices]
        self.products = products or {}

    def clean(self):
        data = super().clean()
        if data.get("product") in (None, ""):
            return data
        data["product"] = self.products.get(data["product"])
        if data["product"] is None:
            self.add_error("product", "Choose a product of the catalogue.")
        if not data.get("quantity"):
            data["quantity"] = 1
        return data


class BaseLineFormSet(forms.BaseFormSet):
    def __init__(self, *args, products=(), **kwargs):
        self.catalogue = {product.pk: product for product in products}
        self.product_choices = product_choices(products)
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {"product_choices": self.product_choices, "products": self.catalogue}

    @property
    def empty_form(self):
        form = self.form(
            auto_id=self.auto_id,
            prefix=self.add_prefix("__prefix__"),
            empty_permitted=True,
            use_required_attribute=False,
            product_choices=self.product_choices,
            products=self.catalogue,
            renderer=self.renderer,
        )
        self.add_fields(form, None)
        return form

    def clean(self):
        if any(self.errors):
            return
        if not self.lines():
            raise forms.ValidationError("Add at least one product.")

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
    ``LineFormSet``; None while the products may not change)."""

    def __init__(self, data=None, files=None, *, products, initial=None, editable=None, line_initial=None):
        self.deal = DealForm(data, initial=initial, editable=editable)
        self.lines = None
        if editable is None or "lines" in editable:
            self.lines = LineFormSet(data, prefix="lines", initial=line_initial, products=products)

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

    status = forms.ChoiceField(choices=[("", "Any status"), *DealStatus.choices], required=False)
    stage = forms.ChoiceField(choices=[("", "Any stage"), *DealStage.choices], required=False)
    q = forms.CharField(label="Customer", max_length=100, required=False)

    def filters(self) -> dict:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {"status": data.get("status") or "", "stage": data.get("stage") or "", "search": data.get("q") or ""}


class StageForm(forms.Form):
    stage = forms.ChoiceField(label="Stage", choices=DealStage.choices)


class ExtensionForm(forms.Form):
    days = forms.IntegerField(label="Days", min_value=1, max_value=365, initial=30)
    reason = forms.CharField(label="Why", max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class WonForm(forms.Form):
    amount = forms.DecimalField(label="Amount won", min_value=0, max_digits=14, decimal_places=2, localize=False)
    won_on = forms.DateField(label="Closed on", widget=_DATE)


class ReasonForm(forms.Form):
    """Lost or withdrawn: why."""

    reason = forms.CharField(label="Reason", max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class MessageForm(forms.Form):
    body = forms.CharField(label="Message", max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label="Document",
        help_text="A PDF, PNG or JPEG file, up to 10 MB.",
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg,application/pdf,image/png,image/jpeg"}),
    )
    name = forms.CharField(label="Name", max_length=200, required=False)


class HintForm(forms.Form):
    """The live conflict hint's query string."""

    customer_name = forms.CharField(max_length=200, required=False)
    customer_website = forms.CharField(max_length=253, required=False)
    contact_email = forms.CharField(max_length=254, required=False)
