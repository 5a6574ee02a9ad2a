"""Each person reads in their own language and time zone: their choice, else their vendor's
default, else (nobody signed in, on the bare domain) what the browser asks for. Stored events
and notifications are rendered in whoever reads them; e-mails in their recipient's language."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_noop

from prm.accounts.models import User
from prm.events import texts
from prm.events.models import Event
from prm.notifications.models import Notification
from prm.notifications.services import notify
from prm.tenancy.models import Tenant
from prm.tenancy.scope import platform_scope, tenant_scope
from prm.web.templatetags.l10n_tags import money
from scripts.i18n import compile_catalogues

from ..conftest import PLATFORM_HOST, make_client

pytestmark = pytest.mark.django_db

KIND = "partner.status_changed"


@pytest.fixture(scope="module", autouse=True)
def _compiled_catalogues():
    compile_catalogues()


def choose(member, *, language="", time_zone=""):
    with platform_scope():
        User.objects.filter(pk=member.user_id).update(language=language, time_zone=time_zone)


def vendor_speaks(side, language):
    with platform_scope():
        Tenant.objects.filter(pk=side.tenant.pk).update(default_language=language)
    from prm.tenancy import request_cache

    request_cache.tenants_changed()


def page(member, name="portal:profile"):
    return make_client(member).get(reverse(name))


# --- the language of a page -------------------------------------------------------------------------


def test_a_person_chooses_their_language_and_time_zone_on_their_page(acme):
    # given a partner user on their "Language and time zone" page
    client = make_client(acme.sales_rep)
    assert "Language and time zone" in client.get(reverse("portal:profile")).content.decode()
    # when they choose German and Berlin
    response = client.post(reverse("portal:profile"), {"language": "de", "time_zone": "Europe/Berlin"}, follow=True)
    # then it is saved, and said in German on a page that is German throughout
    html = response.content.decode()
    assert 'lang="de"' in html and "Ihre Sprache und Zeitzone sind gespeichert." in html
    assert response["Content-Language"] == "de"
    with platform_scope():
        user = User.objects.get(pk=acme.sales_rep.user_id)
    assert (user.language, user.time_zone) == ("de", "Europe/Berlin")


def test_an_unknown_language_or_zone_is_refused_on_the_field(acme):
    client = make_client(acme.manager)
    response = client.post(reverse("office:profile"), {"language": "xx", "time_zone": "Mars/Olympus"})
    assert response.status_code == 200
    with platform_scope():
        assert User.objects.get(pk=acme.manager.user_id).language == ""


def test_without_a_choice_the_vendors_language_applies_and_the_persons_choice_wins(acme):
    # given a vendor whose portal speaks German
    vendor_speaks(acme, "de")
    # then its people without a choice read German, and one who chose English reads English
    assert 'lang="de"' in page(acme.sales_rep).content.decode()
    choose(acme.partner_admin, language="en")
    assert 'lang="en"' in page(acme.partner_admin).content.decode()


def test_anonymous_pages_follow_the_vendor_then_the_browser(acme):
    # on a vendor's host, nobody signed in: the vendor's language
    vendor_speaks(acme, "de")
    response = make_client(None, host=f"{acme.tenant.slug}.localhost").get(
        reverse("account_login"), HTTP_ACCEPT_LANGUAGE="fr"
    )
    assert response["Content-Language"] == "de" and "Accept-Language" in response["Vary"]
    # on the bare domain: what the browser asks for, when the product speaks it
    response = make_client(None, host=PLATFORM_HOST).get(reverse("healthz"), HTTP_ACCEPT_LANGUAGE="ja,en;q=0.5")
    assert response["Content-Language"] == "ja"
    response = make_client(None, host=PLATFORM_HOST).get(reverse("healthz"), HTTP_ACCEPT_LANGUAGE="sv")
    assert response["Content-Language"] == "en"


def test_the_language_does_not_outlive_the_request(acme):
    # given a German reader's page was served on this thread
    choose(acme.sales_rep, language="de", time_zone="Asia/Tokyo")
    assert 'lang="de"' in page(acme.sales_rep).content.decode()
    # then work done next on the thread (a task, a test) speaks the defaults again
    assert translation.get_language() == "en"
    assert timezone.get_current_timezone_name() == "UTC"


# --- stored texts read in the reader's language ------------------------------------------------------


def test_a_notification_is_stored_once_and_read_in_each_readers_language(acme):
    with tenant_scope(acme.tenant):
        [note] = notify(
            recipients=[acme.manager],
            kind=KIND,
            title=gettext_noop("%(reference)s was submitted for review."),
            params={"reference": "DR-000042"},
        )
        note = Notification.objects.get(pk=note.pk)
    assert note.title_message == "%(reference)s was submitted for review."
    assert note.title == "DR-000042 was submitted for review."
    with translation.override("de"):
        assert note.title == "DR-000042 wurde zur Prüfung eingereicht."


def test_rows_written_before_keep_their_sentence(acme):
    with tenant_scope(acme.tenant):
        [note] = notify(recipients=[acme.manager], kind=KIND, title="Acme Partner 1 is now active", body="50 % off")
    with translation.override("de"):
        assert (note.title, note.body) == ("Acme Partner 1 is now active", "50 % off")


def test_parameters_are_written_for_the_reader(acme):
    params = texts.jsonable(
        {
            "day": date(2027, 3, 3),
            "due": datetime(2027, 3, 3, 13, 0, tzinfo=UTC),
            "amount": texts.money("1250.5", "EUR"),
            "what": texts.count_phrase("protection ends in %(count)s day", "protection ends in %(count)s days", 3),
        }
    )
    message = "%(day)s · %(due)s · %(amount)s · %(what)s"
    assert texts.render(message, params) == "3 March 2027 · 3 March 2027, 13:00 · €1,250.50 · protection ends in 3 days"
    with translation.override("de"):
        shown = texts.render(message, params)
    assert shown.startswith("3. März 2027 · 3. März 2027") and "1.250,50\xa0€" in shown
    assert shown.endswith("Schutz endet in 3 Tagen")


def test_an_event_keeps_the_actors_words_as_typed_after_its_message(acme):
    from prm.events.services import event_record

    with tenant_scope(acme.tenant), translation.override("de"):
        event = event_record(
            actor=acme.manager,
            target=acme.partner,
            verb="partner.status_changed",
            message=gettext_noop("Submitted for review."),
            note="  Bitte bis Freitag. ",
        )
    assert event.message == "Submitted for review."  # the id, not the writer's German
    assert Event(message=event.message, params=event.params, note=event.note).text == (
        "Submitted for review. Bitte bis Freitag."
    )
    with translation.override("de"):
        assert event.text == "Zur Prüfung eingereicht. Bitte bis Freitag."


def test_the_e_mail_is_written_in_its_recipients_language(acme, django_capture_on_commit_callbacks):
    # given a manager who reads German, notified while an English page is being served
    choose(acme.manager, language="de")
    with django_capture_on_commit_callbacks(execute=True), tenant_scope(acme.tenant):
        notify(
            recipients=[acme.manager],
            kind=KIND,
            title=gettext_noop("%(reference)s was submitted for review."),
            params={"reference": "DR-000042"},
        )
    # then the e-mail speaks German
    [email] = mail.outbox
    assert email.subject == "DR-000042 wurde zur Prüfung eingereicht."


def test_money_is_written_the_readers_way():
    assert money("1250.5", "USD") == "$1,250.50"
    with translation.override("de"):
        assert money("1250.5", "EUR") == "1.250,50\xa0€"
    with translation.override("ja"):
        assert money(1250, "JPY") == "￥1,250"
    assert money(None, "USD") == ""


def test_times_in_lists_are_the_readers_zone_and_format():
    from prm.web.views import shown_time

    moment = datetime(2027, 3, 3, 13, 0, tzinfo=UTC)
    with timezone.override("UTC"):
        shown = shown_time(moment)
    assert (shown.day, shown.clock) == ("3 Mar 2027", "13:00")
    with translation.override("de"), timezone.override("Asia/Tokyo"):
        shown = shown_time(moment)
    assert (shown.day, shown.clock) == ("03.03.2027", "22:00")


def test_a_time_zone_this_machine_does_not_know_falls_back_to_the_vendors(world):
    # given a zone saved where the tzdata was newer (this machine has never heard of it)
    member = world.acme.partner_admin
    User.objects.filter(pk=member.user_id).update(time_zone="Mars/Olympus_Mons")
    # then the person's pages still open, in the vendor's zone, and they can choose another
    client = make_client(member)
    assert client.get(reverse("portal:home")).status_code == 200
    assert client.get(reverse("portal:profile")).status_code == 200
