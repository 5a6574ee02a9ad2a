"""Django's makemessages, knowing the product's own marker of plural phrases stored in events and
notifications (``prm.events.texts.count_phrase(singular, plural, count)``), so that both forms
reach the catalogues. Run through ``scripts/i18n.py extract``."""

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    xgettext_options = [*makemessages.Command.xgettext_options, "--keyword=count_phrase:1,2"]
