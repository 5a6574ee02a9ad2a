"""Lead distribution: the schema of leads, offers, routing rules and their rotation, capacities, the routing log, imports."""

import django.contrib.postgres.fields
import django.core.validators
import django.db.models.deletion
from django.db import migrations, models

import prm.web.files


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("accounts", "0005_user_language_time_zone"),
        ("deals", "0007_deal_source"),
        ("partners", "0006_partnerlocation"),
        ("programs", "0006_translatable_labels"),
        ("tenancy", "0002_tenant_default_language"),
    ]

    operations = [
        migrations.CreateModel(
            name="LeadImport",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
                (
                    "document",
                    models.FileField(max_length=300, upload_to=prm.web.files.private_upload_path, verbose_name="file"),
                ),
                ("file_name", models.CharField(max_length=200, verbose_name="file name")),
                ("file_format", models.CharField(max_length=8, verbose_name="format")),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("uploaded", "Uploaded: map the columns"),
                            ("validated", "Checked: confirm to import"),
                            ("importing", "Importing"),
                            ("done", "Imported"),
                            ("failed", "Failed"),
                        ],
                        default="uploaded",
                        max_length=10,
                        verbose_name="status",
                    ),
                ),
                ("campaign", models.CharField(blank=True, max_length=120, verbose_name="campaign")),
                ("route_after_import", models.BooleanField(default=True, verbose_name="route the leads once imported")),
                ("headers", models.JSONField(blank=True, default=list)),
                ("mapping", models.JSONField(blank=True, default=dict)),
                ("total_rows", models.PositiveIntegerField(default=0)),
                ("valid_rows", models.PositiveIntegerField(default=0)),
                ("rejected", models.JSONField(blank=True, default=list)),
                ("processed_rows", models.PositiveIntegerField(default=0)),
                ("leads_created", models.PositiveIntegerField(default=0)),
                ("leads_merged", models.PositiveIntegerField(default=0)),
                ("leads_flagged", models.PositiveIntegerField(default=0)),
                ("started_at", models.DateTimeField(blank=True, null=True)),
                ("finished_at", models.DateTimeField(blank=True, null=True)),
                ("error", models.TextField(blank=True)),
                (
                    "created_by",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="accounts.membership",
                    ),
                ),
                (
                    "tenant",
                    models.ForeignKey(
                        db_index=False,
                        editable=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="tenancy.tenant",
                    ),
                ),
            ],
            options={
                "verbose_name": "lead import",
                "verbose_name_plural": "lead imports",
            },
        ),
        migrations.CreateModel(
            name="Lead",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("reference", models.CharField(editable=False, max_length=20, verbose_name="reference")),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("new", "New"),
                            ("pending_review", "Referral awaiting review"),
                            ("awaiting_contact", "Accepted referral: waiting for the contact details"),
                            ("offered", "Offered"),
                            ("accepted", "Accepted"),
                            ("working", "Being worked"),
                            ("converted", "Converted to a deal"),
                            ("won", "Won"),
                            ("lost", "Lost"),
                            ("queued", "In the vendor's queue"),
                            ("duplicate", "Duplicate"),
                            ("disqualified", "Disqualified"),
                        ],
                        default="new",
                        max_length=16,
                        verbose_name="status",
                    ),
                ),
                (
                    "stage",
                    models.CharField(
                        choices=[
                            ("not_contacted", "Not contacted yet"),
                            ("contacted", "Contacted"),
                            ("meeting", "Meeting booked"),
                            ("qualified", "Qualified"),
                            ("nurture", "Nurturing"),
                        ],
                        default="not_contacted",
                        max_length=16,
                        verbose_name="stage",
                    ),
                ),
                (
                    "queue_reason",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("no_rule", "No rule matched"),
                            ("no_candidate", "No partner could take it"),
                            ("max_offers", "Offered the maximum number of times"),
                            ("returned", "Returned by the partner"),
                            ("flagged", "Flagged as spam or a duplicate by a partner"),
                            ("manual", "Held by staff"),
                        ],
                        max_length=12,
                        verbose_name="why in the queue",
                    ),
                ),
                (
                    "source",
                    models.CharField(
                        choices=[
                            ("import", "Import"),
                            ("web_form", "Web form"),
                            ("api", "API"),
                            ("referral", "Partner referral"),
                            ("locator", "Partner locator"),
                            ("manual", "Entered by staff"),
                        ],
                        max_length=10,
                        verbose_name="source",
                    ),
                ),
                ("campaign", models.CharField(blank=True, max_length=120, verbose_name="campaign")),
                ("company", models.CharField(max_length=200, verbose_name="company")),
                ("company_key", models.CharField(editable=False, max_length=200)),
                ("website", models.CharField(blank=True, max_length=253, verbose_name="website")),
                ("domain", models.CharField(blank=True, editable=False, max_length=253)),
                ("contact_name", models.CharField(blank=True, max_length=120, verbose_name="contact name")),
                ("email", models.EmailField(blank=True, max_length=254, verbose_name="e-mail")),
                ("phone", models.CharField(blank=True, max_length=40, verbose_name="phone")),
                ("job_title", models.CharField(blank=True, max_length=120, verbose_name="job title")),
                (
                    "contact_withheld",
                    models.BooleanField(
                        default=False,
                        help_text="A referral whose contact details the partner shares only once the vendor accepts it.",
                        verbose_name="contact withheld",
                    ),
                ),
                ("country", models.CharField(blank=True, max_length=2, verbose_name="country")),
                ("region_code", models.CharField(blank=True, max_length=40, verbose_name="region")),
                ("postal_code", models.CharField(blank=True, max_length=20, verbose_name="postal code")),
                ("city", models.CharField(blank=True, max_length=100, verbose_name="city")),
                ("latitude", models.FloatField(blank=True, null=True)),
                ("longitude", models.FloatField(blank=True, null=True)),
                ("industry", models.CharField(blank=True, max_length=60, verbose_name="industry")),
                ("description", models.TextField(blank=True, verbose_name="what they need")),
                (
                    "estimated_value",
                    models.DecimalField(
                        blank=True,
                        decimal_places=2,
                        max_digits=14,
                        null=True,
                        validators=[django.core.validators.MinValueValidator(0)],
                        verbose_name="estimated value",
                    ),
                ),
                ("currency", models.CharField(blank=True, max_length=3, verbose_name="currency")),
                ("offer_count", models.PositiveSmallIntegerField(default=0)),
                ("accepted_at", models.DateTimeField(blank=True, null=True)),
                ("next_step", models.CharField(blank=True, max_length=200, verbose_name="next step")),
                (
                    "expected_value",
                    models.DecimalField(
                        blank=True,
                        decimal_places=2,
                        max_digits=14,
                        null=True,
                        validators=[django.core.validators.MinValueValidator(0)],
                        verbose_name="expected value",
                    ),
                ),
                ("converted_at", models.DateTimeField(blank=True, null=True)),
                ("won_amount", models.DecimalField(blank=True, decimal_places=2, max_digits=14, null=True)),
                ("won_on", models.DateField(blank=True, null=True)),
                ("duplicate_count", models.PositiveIntegerField(default=0)),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="received")),
                ("updated_at", models.DateTimeField(auto_now=True)),
                ("closed_at", models.DateTimeField(blank=True, null=True)),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="accounts.membership",
                    ),
                ),
                (
                    "deal",
                    models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="deals.deal",
                    ),
                ),
                (
                    "duplicate_of",
                    models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="leads.lead",
                    ),
                ),
                (
                    "offered_to",
                    models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="partners.partner",
                    ),
                ),
                (
                    "owner",
                    models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="accounts.membership",
                        verbose_name="assigned to",
                    ),
                ),
                (
                    "partner",
                    models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="partners.partner",
                        verbose_name="partner",
                    ),
                ),
                (
                    "product_line",
                    models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="programs.productline",
                        verbose_name="product line",
                    ),
                ),
                (
                    "program",
                    models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="programs.program",
                    ),
                ),
                (
                    "source_partner",
                    models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="partners.partner",
                        verbose_name="referred by",
                    ),
                ),
                (
                    "tenant",
                    models.ForeignKey(
                        db_index=False,
                        editable=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="tenancy.tenant",
                    ),
                ),
                (
                    "lead_import",
                    models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="leads.leadimport",
                    ),
                ),
            ],
            options={
                "verbose_name": "lead",
                "verbose_name_plural": "leads",
            },
        ),
        migrations.CreateModel(
            name="LeadMessage",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("body", models.TextField(verbose_name="message")),
                ("internal", models.BooleanField(default=False, verbose_name="internal note")),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "author",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="accounts.membership",
                    ),
                ),
                (
                    "lead",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="messages",
                        to="leads.lead",
                    ),
                ),
                (
                    "partner",
                    models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="partners.partner",
                    ),
                ),
                (
                    "tenant",
                    models.ForeignKey(
                        db_index=False,
                        editable=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="tenancy.tenant",
                    ),
                ),
            ],
        ),
        migrations.CreateModel(
            name="LeadProgramSettings",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "acceptance_hours",
                    models.PositiveSmallIntegerField(
                        default=48,
                        validators=[
                            django.core.validators.MinValueValidator(1),
                            django.core.validators.MaxValueValidator(720),
                        ],
                        verbose_name="acceptance window (business hours)",
                    ),
                ),
                (
                    "max_offers",
                    models.PositiveSmallIntegerField(
                        default=3,
                        validators=[django.core.validators.MinValueValidator(1)],
                        verbose_name="offers before the lead returns to the queue",
                    ),
                ),
                (
                    "program",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="programs.program",
                        verbose_name="program",
                    ),
                ),
                (
                    "tenant",
                    models.ForeignKey(
                        db_index=False,
                        editable=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="tenancy.tenant",
                    ),
                ),
            ],
            options={
                "verbose_name": "program lead settings",
                "verbose_name_plural": "program lead settings",
            },
        ),
        migrations.CreateModel(
            name="LeadSettings",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "duplicate_window_days",
                    models.PositiveSmallIntegerField(
                        default=30,
                        help_text="A lead with the same e-mail or company domain as one received within this many days is a duplicate.",
                        verbose_name="duplicate window (days)",
                    ),
                ),
                (
                    "merge_duplicates",
                    models.BooleanField(
                        default=True,
                        help_text="Merge a duplicate into the earlier lead; otherwise keep it, flagged, out of routing.",
                        verbose_name="merge duplicates",
                    ),
                ),
                ("web_form_enabled", models.BooleanField(default=True, verbose_name="public web-to-lead form")),
                ("web_form_intro", models.TextField(blank=True, verbose_name="introduction on the web-to-lead form")),
                ("referrals_enabled", models.BooleanField(default=True, verbose_name="partners may refer leads")),
                (
                    "default_acceptance_hours",
                    models.PositiveSmallIntegerField(
                        default=48,
                        help_text="For programs without their own lead settings.",
                        validators=[
                            django.core.validators.MinValueValidator(1),
                            django.core.validators.MaxValueValidator(720),
                        ],
                        verbose_name="acceptance window (business hours)",
                    ),
                ),
                (
                    "default_max_offers",
                    models.PositiveSmallIntegerField(
                        default=3,
                        validators=[django.core.validators.MinValueValidator(1)],
                        verbose_name="offers before the lead returns to the queue",
                    ),
                ),
                (
                    "tenant",
                    models.ForeignKey(
                        db_index=False,
                        editable=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="tenancy.tenant",
                    ),
                ),
            ],
            options={
                "verbose_name": "lead settings",
                "verbose_name_plural": "lead settings",
            },
        ),
        migrations.CreateModel(
            name="NamedAccount",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=200, verbose_name="company")),
                ("name_key", models.CharField(editable=False, max_length=200)),
                ("domain", models.CharField(blank=True, max_length=253, verbose_name="web domain")),
                ("note", models.CharField(blank=True, max_length=200, verbose_name="note")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
                (
                    "partner",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="partners.partner",
                        verbose_name="partner",
                    ),
                ),
                (
                    "tenant",
                    models.ForeignKey(
                        db_index=False,
                        editable=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="tenancy.tenant",
                    ),
                ),
            ],
            options={
                "verbose_name": "named account",
                "verbose_name_plural": "named accounts",
            },
        ),
        migrations.CreateModel(
            name="RoutingRule",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=120, verbose_name="name")),
                (
                    "priority",
                    models.PositiveSmallIntegerField(
                        default=100, help_text="Lower is tried first.", verbose_name="priority"
                    ),
                ),
                ("is_active", models.BooleanField(default=True, verbose_name="active")),
                ("is_fallback", models.BooleanField(default=False, verbose_name="fall-back")),
                (
                    "strategy",
                    models.CharField(
                        choices=[
                            ("round_robin", "Weighted round robin"),
                            ("nearest", "Nearest first (weight breaks ties)"),
                        ],
                        default="round_robin",
                        max_length=12,
                        verbose_name="strategy",
                    ),
                ),
                (
                    "countries",
                    django.contrib.postgres.fields.ArrayField(
                        base_field=models.CharField(max_length=2),
                        blank=True,
                        default=list,
                        size=None,
                        verbose_name="countries",
                    ),
                ),
                (
                    "region_codes",
                    django.contrib.postgres.fields.ArrayField(
                        base_field=models.CharField(max_length=40),
                        blank=True,
                        default=list,
                        size=None,
                        verbose_name="regions",
                    ),
                ),
                (
                    "postal_prefixes",
                    django.contrib.postgres.fields.ArrayField(
                        base_field=models.CharField(max_length=10),
                        blank=True,
                        default=list,
                        size=None,
                        verbose_name="postal-code prefixes",
                    ),
                ),
                (
                    "industries",
                    django.contrib.postgres.fields.ArrayField(
                        base_field=models.CharField(max_length=60),
                        blank=True,
                        default=list,
                        size=None,
                        verbose_name="industries",
                    ),
                ),
                (
                    "product_line_ids",
                    django.contrib.postgres.fields.ArrayField(
                        base_field=models.BigIntegerField(),
                        blank=True,
                        default=list,
                        size=None,
                        verbose_name="product lines",
                    ),
                ),
                (
                    "certification_codes",
                    django.contrib.postgres.fields.ArrayField(
                        base_field=models.CharField(max_length=40),
                        blank=True,
                        default=list,
                        size=None,
                        verbose_name="required certifications",
                    ),
                ),
                (
                    "competency_codes",
                    django.contrib.postgres.fields.ArrayField(
                        base_field=models.CharField(max_length=40),
                        blank=True,
                        default=list,
                        size=None,
                        verbose_name="required competencies",
                    ),
                ),
                (
                    "max_distance_km",
                    models.PositiveIntegerField(
                        blank=True,
                        help_text="Nearest first only: farther partners are skipped.",
                        null=True,
                        verbose_name="maximum distance (km)",
                    ),
                ),
                ("clock", models.BigIntegerField(default=0, editable=False)),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
                (
                    "min_tier",
                    models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="programs.tier",
                        verbose_name="minimum tier",
                    ),
                ),
                (
                    "program",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="programs.program",
                        verbose_name="program",
                    ),
                ),
                (
                    "tenant",
                    models.ForeignKey(
                        db_index=False,
                        editable=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="tenancy.tenant",
                    ),
                ),
            ],
            options={
                "verbose_name": "routing rule",
                "verbose_name_plural": "routing rules",
                "ordering": ["priority", "id"],
            },
        ),
        migrations.CreateModel(
            name="RoutingDecision",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("created_at", models.DateTimeField()),
                ("trigger", models.CharField(max_length=16)),
                (
                    "outcome",
                    models.CharField(
                        choices=[
                            ("offered", "Offered to a partner"),
                            ("pinned", "Offered to the named account's partner"),
                            ("queued", "Returned to the vendor's queue"),
                        ],
                        max_length=8,
                    ),
                ),
                ("log", models.JSONField(default=dict)),
                ("duration_ms", models.FloatField(default=0)),
                (
                    "lead",
                    models.ForeignKey(
                        db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="leads.lead"
                    ),
                ),
                (
                    "partner",
                    models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="partners.partner",
                    ),
                ),
                (
                    "tenant",
                    models.ForeignKey(
                        db_index=False,
                        editable=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="tenancy.tenant",
                    ),
                ),
                (
                    "rule",
                    models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="leads.routingrule",
                    ),
                ),
            ],
        ),
        migrations.CreateModel(
            name="RotationState",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("pass_value", models.BigIntegerField(default=0)),
                ("served", models.PositiveIntegerField(default=0)),
                ("last_served_at", models.DateTimeField(blank=True, null=True)),
                (
                    "partner",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="partners.partner",
                    ),
                ),
                (
                    "tenant",
                    models.ForeignKey(
                        db_index=False,
                        editable=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="tenancy.tenant",
                    ),
                ),
                (
                    "rule",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="leads.routingrule",
                    ),
                ),
            ],
        ),
        migrations.CreateModel(
            name="LeadOffer",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("pending", "Waiting for an answer"),
                            ("accepted", "Accepted"),
                            ("declined", "Declined"),
                            ("expired", "Timed out"),
                            ("withdrawn", "Withdrawn by the vendor"),
                            ("returned", "Returned after acceptance"),
                        ],
                        default="pending",
                        max_length=10,
                        verbose_name="status",
                    ),
                ),
                ("rule_name", models.CharField(blank=True, max_length=120)),
                (
                    "strategy",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("round_robin", "Weighted round robin"),
                            ("nearest", "Nearest first (weight breaks ties)"),
                        ],
                        max_length=12,
                    ),
                ),
                ("pinned", models.BooleanField(default=False)),
                ("weight", models.PositiveSmallIntegerField(default=1)),
                ("distance_km", models.FloatField(blank=True, null=True)),
                ("offered_at", models.DateTimeField(verbose_name="offered")),
                ("due_at", models.DateTimeField(verbose_name="answer by")),
                ("remind_at", models.DateTimeField(blank=True, null=True)),
                ("reminded_at", models.DateTimeField(blank=True, null=True)),
                ("opened_at", models.DateTimeField(blank=True, null=True, verbose_name="first opened")),
                ("responded_at", models.DateTimeField(blank=True, null=True)),
                (
                    "decline_reason",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("territory", "Not in our territory"),
                            ("not_a_fit", "Not a fit for our business"),
                            ("capacity", "No capacity right now"),
                            ("existing", "Already our customer or in our pipeline"),
                            ("bad_data", "Contact details are wrong"),
                            ("spam", "Spam"),
                            ("duplicate", "Duplicate of a lead we have"),
                            ("other", "Other"),
                        ],
                        max_length=10,
                        verbose_name="reason",
                    ),
                ),
                ("decline_note", models.TextField(blank=True, verbose_name="note")),
                (
                    "lead",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="offers",
                        to="leads.lead",
                    ),
                ),
                (
                    "opened_by",
                    models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="accounts.membership",
                    ),
                ),
                (
                    "partner",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="partners.partner",
                    ),
                ),
                (
                    "responded_by",
                    models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="accounts.membership",
                    ),
                ),
                (
                    "tenant",
                    models.ForeignKey(
                        db_index=False,
                        editable=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="tenancy.tenant",
                    ),
                ),
                (
                    "decision",
                    models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="leads.routingdecision",
                    ),
                ),
                (
                    "rule",
                    models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="leads.routingrule",
                    ),
                ),
            ],
            options={
                "verbose_name": "lead offer",
                "verbose_name_plural": "lead offers",
            },
        ),
        migrations.CreateModel(
            name="LeadCapacity",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("monthly_cap", models.PositiveIntegerField(blank=True, null=True, verbose_name="monthly cap")),
                ("daily_quota", models.PositiveIntegerField(blank=True, null=True, verbose_name="daily quota")),
                ("paused", models.BooleanField(default=False, verbose_name="paused")),
                ("paused_reason", models.CharField(blank=True, max_length=200, verbose_name="why paused")),
                ("away_from", models.DateField(blank=True, null=True, verbose_name="out of office from")),
                ("away_until", models.DateField(blank=True, null=True, verbose_name="out of office until")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated at")),
                (
                    "partner",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="partners.partner",
                        verbose_name="partner",
                    ),
                ),
                (
                    "tenant",
                    models.ForeignKey(
                        db_index=False,
                        editable=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="tenancy.tenant",
                    ),
                ),
            ],
            options={
                "verbose_name": "lead capacity",
                "verbose_name_plural": "lead capacities",
                "constraints": [models.UniqueConstraint(fields=("tenant", "partner"), name="lead_capacity_unique")],
            },
        ),
        migrations.AddIndex(
            model_name="leadimport",
            index=models.Index(fields=["tenant", "created_at"], name="lead_import_created_idx"),
        ),
        migrations.AddIndex(
            model_name="lead",
            index=models.Index(fields=["tenant", "status", "-created_at"], name="lead_status_idx"),
        ),
        migrations.AddIndex(
            model_name="lead",
            index=models.Index(fields=["tenant", "-created_at"], name="lead_created_idx"),
        ),
        migrations.AddIndex(
            model_name="lead",
            index=models.Index(fields=["tenant", "partner", "status"], name="lead_partner_idx"),
        ),
        migrations.AddIndex(
            model_name="lead",
            index=models.Index(fields=["tenant", "source_partner"], name="lead_referrer_idx"),
        ),
        migrations.AddIndex(
            model_name="lead",
            index=models.Index(fields=["tenant", "offered_to"], name="lead_offered_idx"),
        ),
        migrations.AddIndex(
            model_name="lead",
            index=models.Index(fields=["tenant", "email", "created_at"], name="lead_email_idx"),
        ),
        migrations.AddIndex(
            model_name="lead",
            index=models.Index(fields=["tenant", "domain", "created_at"], name="lead_domain_idx"),
        ),
        migrations.AddConstraint(
            model_name="lead",
            constraint=models.UniqueConstraint(fields=("tenant", "reference"), name="lead_reference_unique"),
        ),
        migrations.AddConstraint(
            model_name="lead",
            constraint=models.CheckConstraint(
                condition=models.Q(("partner__isnull", True), ("accepted_at__isnull", False), _connector="OR"),
                name="lead_partner_accepted",
            ),
        ),
        migrations.AddIndex(
            model_name="leadmessage",
            index=models.Index(fields=["tenant", "lead", "created_at"], name="lead_message_lead_idx"),
        ),
        migrations.AddConstraint(
            model_name="leadprogramsettings",
            constraint=models.UniqueConstraint(fields=("tenant", "program"), name="lead_program_settings_unique"),
        ),
        migrations.AddConstraint(
            model_name="leadsettings",
            constraint=models.UniqueConstraint(fields=("tenant",), name="lead_settings_unique"),
        ),
        migrations.AddIndex(
            model_name="namedaccount",
            index=models.Index(fields=["tenant", "name_key"], name="lead_named_key_idx"),
        ),
        migrations.AddIndex(
            model_name="namedaccount",
            index=models.Index(fields=["tenant", "domain"], name="lead_named_domain_idx"),
        ),
        migrations.AddIndex(
            model_name="routingrule",
            index=models.Index(fields=["tenant", "is_active", "priority"], name="lead_rule_priority_idx"),
        ),
        migrations.AddIndex(
            model_name="routingdecision",
            index=models.Index(fields=["tenant", "lead", "created_at"], name="lead_decision_lead_idx"),
        ),
        migrations.AddIndex(
            model_name="routingdecision",
            index=models.Index(fields=["tenant", "created_at"], name="lead_decision_created_idx"),
        ),
        migrations.AddConstraint(
            model_name="rotationstate",
            constraint=models.UniqueConstraint(fields=("tenant", "rule", "partner"), name="lead_rotation_unique"),
        ),
        migrations.AddIndex(
            model_name="leadoffer",
            index=models.Index(
                condition=models.Q(("status", "pending")), fields=["tenant", "due_at"], name="lead_offer_due_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="leadoffer",
            index=models.Index(
                condition=models.Q(("reminded_at__isnull", True), ("status", "pending")),
                fields=["tenant", "remind_at"],
                name="lead_offer_remind_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="leadoffer",
            index=models.Index(fields=["tenant", "partner", "offered_at"], name="lead_offer_partner_idx"),
        ),
        migrations.AddIndex(
            model_name="leadoffer",
            index=models.Index(fields=["tenant", "lead"], name="lead_offer_lead_idx"),
        ),
        migrations.AddIndex(
            model_name="leadoffer",
            index=models.Index(fields=["tenant", "offered_at"], name="lead_offer_offered_idx"),
        ),
        migrations.AddConstraint(
            model_name="leadoffer",
            constraint=models.UniqueConstraint(fields=("tenant", "lead", "partner"), name="lead_offer_once"),
        ),
        migrations.AddConstraint(
            model_name="leadoffer",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status", "pending")), fields=("tenant", "lead"), name="lead_offer_one_pending"
            ),
        ),
        migrations.AddConstraint(
            model_name="leadoffer",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status", "accepted")), fields=("tenant", "lead"), name="lead_offer_one_accepted"
            ),
        ),
    ]
