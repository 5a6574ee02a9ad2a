"""The check for user-facing text outside the translation functions finds what a reader would
see untranslated, and leaves alone what is marked, hidden or not text."""

from __future__ import annotations

from scripts.check_translatable import Finding, allowed, check_python_source, check_template_source


def texts(findings) -> list[str]:
    return [finding.text for finding in findings]


# --- templates ------------------------------------------------------------------------------------


def test_plain_text_and_visible_attributes_in_a_template_are_found():
    # given a template with a heading, a button's tooltip and an image's alt text written as is
    source = '<h1>Deal registrations</h1>\n<a title="Open the deal" href="{{ url }}"><img alt="Logo" src="x.png"></a>'
    # when it is checked
    found = check_template_source(source, "deals/templates/deals/list.html")
    # then each is reported with its line
    assert texts(found) == ["Deal registrations", "Open the deal", "Logo"]
    assert [f.line for f in found] == [1, 2, 2]


def test_marked_text_variables_tags_comments_scripts_and_punctuation_pass():
    # given a template whose words all go through the translation tags
    source = """{% load i18n %}{# a comment with words #}
<h1 class="h3" aria-label="{% translate 'Deals' %}">{% translate "Deal registrations" %}</h1>
{% blocktranslate trimmed count counter=n %}
  One deal
{% plural %}
  {{ counter }} deals
{% endblocktranslate %}
{% comment %}Words nobody sees{% endcomment %}
<p>{{ deal.customer_name }} · {{ deal.amount|money:deal.currency }} - 12 %</p>
<script type="application/json">{"words": "not shown"}</script><style>.a::after { content: "x"; }</style>
<input type="hidden" name="intent" value="submit"><div class="d-flex" data-role="hint"></div>"""
    # when it is checked
    # then nothing is reported
    assert check_template_source(source, "deals/templates/deals/list.html") == []


def test_a_word_beside_a_variable_is_found():
    # given a sentence built around a variable outside blocktranslate
    found = check_template_source("<p>Protected until {{ deal.protected_until }}.</p>", "x.html")
    # then its words are reported (they belong in a blocktranslate)
    assert texts(found) == ["Protected until ."]


# --- Python ---------------------------------------------------------------------------------------


FAILING = """
from django import forms
from django.contrib import messages
from django.db import models
from prm.errors import PolicyViolation


class Stage(models.TextChoices):
    OPEN = "open", "Open"


class DealForm(forms.Form):
    name = forms.CharField(label="Company name", help_text=f"At most {200} characters")
    kind = forms.ChoiceField(choices=[("a", "First"), ("b", "Second")])


class Deal(models.Model):
    name = models.CharField("customer name", max_length=20)

    class Meta:
        verbose_name = "deal"


def view(request):
    messages.success(request, "Saved.")
    raise PolicyViolation("Enter an amount.")


def clean():
    raise forms.ValidationError("A three-letter code.")


def send(deal):
    notify(recipients=[], kind="deal.won", title="Deal won", body="Well done " + deal.name)
"""

PASSING = """
from django import forms
from django.contrib import messages
from django.db import models
from django.utils.translation import gettext, gettext_lazy as _, gettext_noop, ngettext
from prm.errors import PolicyViolation


class Stage(models.TextChoices):
    OPEN = "open", _("Open")


class DealForm(forms.Form):
    name = forms.CharField(label=_("Company name"), help_text=_("At most %(n)s characters") % {"n": 200})
    kind = forms.ChoiceField(choices=[("a", _("First")), ("b", _("Second"))])
    code = forms.CharField(label=LABEL, max_length=3)


class Deal(models.Model):
    name = models.CharField(_("customer name"), max_length=20)
    partner = models.ForeignKey("partners.Partner", on_delete=models.CASCADE)

    class Meta:
        verbose_name = _("deal")


def view(request, count):
    messages.success(request, ngettext("%(n)s deal saved.", "%(n)s deals saved.", count) % {"n": count})
    raise PolicyViolation(gettext("Enter an amount."), code="amount")


def send(deal):
    notify(recipients=[], kind="deal.won", title=gettext_noop("%(deal)s: won"), params={"deal": deal.name})
    logger.info("Deal %s won", deal.pk)  # a log line is not for users
"""


def test_literals_handed_to_user_facing_sinks_are_found():
    # given a module that writes labels, choices, messages, errors and notifications as is
    found = check_python_source(FAILING, "deals/example.py")
    # then every one of them is reported
    assert sorted(texts(found)) == sorted(
        [
            "Open",
            "Company name",
            "At most  characters",
            "First",
            "Second",
            "customer name",
            "deal",
            "Saved.",
            "Enter an amount.",
            "A three-letter code.",
            "Deal won",
            "Well done ",
        ]
    )


def test_translated_literals_variables_logs_and_relations_pass():
    # given the same module written with the translation functions
    # then nothing is reported
    assert check_python_source(PASSING, "deals/example.py") == []


def test_the_allowlist_names_a_file_and_a_text_or_every_text_of_a_file():
    finding = Finding("prm/web/admin_config.py", 3, "label", "PRM")
    assert allowed(finding, [("prm/web/admin_*.py", "PRM")])
    assert allowed(finding, [("prm/web/admin_config.py", "*")])
    assert not allowed(finding, [("prm/web/admin_config.py", "Other")])
    assert not allowed(finding, [("deals/*.py", "*")])
