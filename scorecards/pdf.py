"""A held relationship review's summary as a PDF (weasyprint), for both sides: the partner, the
day, who organised and held it, the agenda it started from (scorecard, plans, open items and
issues), the notes, the ratings on the agreement's criteria and the action items with their
owners and due dates. In the vendor's language and time zone. Nothing is fetched: weasyprint's
URL fetcher accepts ``data:`` URIs only."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone, translation

from prm.tenancy.models import Tenant

from .models import ActionItem, RelationshipReview
from .selectors.reviews import agenda_shown, ratings_for_review
from .services.reviews import review_attendees, review_day


def render_review_summary_pdf(review: RelationshipReview) -> bytes:
    from weasyprint import HTML, URLFetcher

    tenant = Tenant.objects.get(pk=review.tenant_id)
    language = tenant.default_language or "en"
    with translation.override(language), timezone.override(tenant.time_zone):
        actions = list(
            ActionItem.objects.filter(review=review)
            .select_related("owner__user", "completed_by__user")
            .order_by("due_on", "id")
        )
        html = render_to_string(
            "scorecards/reviews/summary_pdf.html",
            {
                "tenant": tenant,
                "review": review,
                "partner": review.partner,
                "day": review_day(review),
                "attendees": review_attendees(review),
                "agenda": agenda_shown(review.agenda),
                "ratings": ratings_for_review(review),
                "actions": actions,
                "rendered_at": timezone.now(),
                "language": language,
            },
        )
        return HTML(string=html, url_fetcher=URLFetcher(allowed_protocols={"data"})).write_pdf()
