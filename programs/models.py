"""Partner programs, their ordered tiers, and which partner sits in which tier of which program.

The requirements, benefits and requalification machinery build on these (see the Programs issue).
"""

from django.core.validators import RegexValidator
from django.db import models

from prm.tenancy.models import TenantOwned


class Program(TenantOwned):
    """A partner program (e.g. "Resell", "Managed services") that targets segments of partners."""

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=80, db_index=False)  # the (tenant, slug) constraint indexes it
    description = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["tenant", "slug"], name="program_slug_unique")]

    def __str__(self):
        return self.name


class Tier(TenantOwned):
    """One level of a program; ``rank`` orders them (higher is better)."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="tiers", db_index=False)
    name = models.CharField(max_length=60)
    rank = models.PositiveSmallIntegerField()
    color = models.CharField(
        max_length=7, default="#6c757d", validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$", "A colour like #c0a040.")]
    )

    class Meta:
        ordering = ["program__name", "rank"]
        constraints = [
            # One rank per program: the tier ladder is a strict order.
            models.UniqueConstraint(fields=["tenant", "program", "rank"], name="tier_rank_unique"),
        ]

    def __str__(self):
        return f"{self.program.name} {self.name}" if self.program_id else self.name


class Enrollment(TenantOwned):
    """A partner's place in one program: its current tier there."""

    partner = models.ForeignKey(
        "partners.Partner", on_delete=models.CASCADE, related_name="enrollments", db_index=False
    )
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="enrollments", db_index=False)
    tier = models.ForeignKey(Tier, on_delete=models.PROTECT, related_name="enrollments", db_index=False)
    enrolled_at = models.DateTimeField(auto_now_add=True)

    rls_partner_predicate = "partner_id = %(partner)s"

    class Meta:
        constraints = [
            # A partner is in a program once.
            models.UniqueConstraint(fields=["tenant", "partner", "program"], name="enrollment_unique"),
        ]
        indexes = [
            # The directory's tier filter: partners in a tier.
            models.Index(fields=["tenant", "tier", "partner"], name="enrollment_tier_idx"),
        ]

    def __str__(self):
        return f"{self.partner} in {self.tier}"
