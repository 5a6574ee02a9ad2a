"""Isolation cases of e-learning: scorm (tests/learning/isolation.py merges them).

The player, its files and its commits belong to the learner alone: acme partner 1's sales rep
(whose enrolment the URL names) gets in; the partner's admin, like the other partner and the
other tenant, gets a 404. The commit answers JSON (200), not a redirect: its effect is tested in
tests/learning/test_scorm.py."""

from __future__ import annotations

import json

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from learning.models import Course, ScormPackage
from learning.services.scorm import scorm_course_create, scorm_package_upload
from prm.tenancy.scope import platform_scope, tenant_scope

from ..isolation import Case, in_platform, office_page, office_write, portal_page, portal_write
from .factories import LearnerEnrollmentFactory
from .scorm_package import make_scorm_zip

AUTHORS = ("admin", "marketing")
LEARNER = ("sales",)
NOT_THE_LEARNER = {"partner_admin": 404}


def zip_upload(**kwargs) -> SimpleUploadedFile:
    return SimpleUploadedFile("package.zip", make_scorm_zip(**kwargs), content_type="application/zip")


def uploaded(ctx, **kwargs) -> None:
    """Acme's marketing user uploaded a package (``ctx.package``)."""
    with tenant_scope(ctx.side.tenant):
        ctx.package = scorm_package_upload(actor=ctx.side.marketing, upload=zip_upload(**kwargs))


def scorm_course(ctx) -> None:
    """A published SCORM course (``ctx.course``, ``ctx.lesson``) and acme partner 1's sales rep
    enrolled in it (``ctx.enrollment``)."""
    uploaded(ctx)
    with tenant_scope(ctx.side.tenant):
        # A code of its own: a walk may set up several courses in one database.
        ctx.course = scorm_course_create(
            actor=ctx.side.marketing, package=ctx.package, code=f"scorm-{ctx.package.pk}", title="Matrix SCORM course"
        )
    with platform_scope():
        version = ctx.course.published_version
        ctx.lesson = version.lessons.get()
        # The catalogue's enrol action is the learner part's; the factory enrols here.
        ctx.enrollment = LearnerEnrollmentFactory(
            tenant=ctx.side.tenant, learner=ctx.side.sales_rep, version=version, course=ctx.course
        )


PLAYER = lambda ctx: [ctx.enrollment.pk, ctx.lesson.pk]  # noqa: E731
LAUNCH_FILE = lambda ctx: [ctx.enrollment.pk, ctx.lesson.pk, "index.html"]  # noqa: E731


@in_platform
def package_uploaded(ctx) -> bool:
    return ScormPackage.objects.filter(tenant=ctx.side.tenant, title="Matrix package").exists()


@in_platform
def course_created(ctx) -> bool:
    return Course.objects.filter(tenant=ctx.side.tenant, code="matrix-course").exists()


CASES: dict[str, Case] = {
    "office:learning_scorm_packages": office_page(setup=uploaded, contains="Selling the platform (SCORM)"),
    "office:learning_scorm_upload": office_write(
        allowed=AUTHORS,
        data=lambda ctx: {"package": zip_upload(), "title": "Matrix package"},
        effect=package_uploaded,
    ),
    "office:learning_scorm_course_create": office_write(
        allowed=AUTHORS,
        setup=uploaded,
        args=lambda ctx: [ctx.package.pk],
        data={"code": "matrix-course", "title": "Matrix course"},
        effect=course_created,
    ),
    "portal:learning_scorm_player": portal_page(
        allowed=LEARNER, expect=NOT_THE_LEARNER, setup=scorm_course, args=PLAYER, contains="Matrix SCORM course"
    ),
    "portal:learning_scorm_file": portal_page(
        allowed=LEARNER, expect=NOT_THE_LEARNER, setup=scorm_course, args=LAUNCH_FILE, contains="Finish"
    ),
    "portal:learning_scorm_commit": portal_write(
        allowed=LEARNER,
        expect={"sales": 200, **NOT_THE_LEARNER},
        setup=scorm_course,
        args=PLAYER,
        data=lambda ctx: {"cmi": json.dumps({"core": {"lesson_status": "incomplete"}})},
    ),
}


# --- for tests/hostile/test_fuzz_forms.py ---------------------------------------------------------


def _world_ctx(world):
    """acme's uploaded package and a SCORM course with partner 1's rep enrolled, built once per world."""
    ctx = getattr(world, "_learning_scorm", None)
    if ctx is None:
        from types import SimpleNamespace

        ctx = SimpleNamespace(side=world.acme)
        scorm_course(ctx)
        world._learning_scorm = ctx
    return ctx


FORM_VIEWS = {
    "office:learning_scorm_upload": (
        lambda w: w.acme.marketing,
        lambda w: reverse("office:learning_scorm_upload"),
        lambda w: {"package": zip_upload(), "title": "Fuzzed package"},
    ),
    "office:learning_scorm_course_create": (
        lambda w: w.acme.marketing,
        lambda w: reverse("office:learning_scorm_course_create", args=[_world_ctx(w).package.pk]),
        lambda w: {"code": "fuzzed-course", "title": "Fuzzed course"},
    ),
}
# The player's commits are JSON for the runtime, not a form: their bad input (NUL included) is
# tests/learning/test_scorm.py's.
NOT_FORMS = {"portal:learning_scorm_commit"}
