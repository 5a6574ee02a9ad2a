"""SCORM 1.2: a vendor's zip is judged before anything is stored, a learner's runtime data is
saved on the server and handed back on the next launch, and a completed package counts once,
like a passed quiz. Other people's enrolments, and paths out of the package, are a 404."""

from __future__ import annotations

import io
import json
import os
import time
from decimal import Decimal
from types import SimpleNamespace
from zipfile import ZipFile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from learning.models import Course, Enrollment, LessonProgress, ScormPackage, ScormSession
from learning.scorm import package_dir, package_file
from learning.services.scorm import scorm_course_create, scorm_package_upload, scorm_session_commit
from prm.errors import NotAllowed, PolicyViolation
from prm.events.models import Event, OutboxMessage
from prm.tenancy.scope import platform_scope, tenant_scope

from ..concurrency import race
from ..conftest import body
from ..query_budget import assert_list_page, cost
from .factories import QuestionFactory
from .isolation_scorm import scorm_course, uploaded, zip_upload
from .scorm_package import make_scorm_zip

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def scorm_root(settings, tmp_path):
    settings.PRM_SCORM_ROOT = tmp_path / "scorm"
    return settings.PRM_SCORM_ROOT


def _ctx(world):
    ctx = SimpleNamespace(side=world.acme)
    scorm_course(ctx)
    return ctx


def _commit(client, ctx, cmi, *, enrollment=None, lesson=None):
    url = reverse("portal:learning_scorm_commit", args=[(enrollment or ctx.enrollment).pk, (lesson or ctx.lesson).pk])
    return client.post(url, json.dumps({"cmi": cmi}), content_type="application/json")


def _player(ctx) -> str:
    return reverse("portal:learning_scorm_player", args=[ctx.enrollment.pk, ctx.lesson.pk])


def _file(ctx, path: str) -> str:
    return reverse("portal:learning_scorm_file", args=[ctx.enrollment.pk, ctx.lesson.pk, path])


def _stored_dirs(root) -> list:
    return sorted(str(path.relative_to(root)) for path in root.glob("*/*")) if root.exists() else []


PASSED = {"core": {"lesson_status": "passed", "score": {"raw": "90", "min": "0", "max": "100"}}}


# --- upload ------------------------------------------------------------------------------------


def test_an_author_uploads_a_package_and_makes_a_course_of_it(world, client_for, scorm_root):
    # given acme's marketing user in the back office
    client = client_for(world.acme.marketing)
    # when they upload a SCORM 1.2 zip
    response = client.post(
        reverse("office:learning_scorm_upload"), {"package": zip_upload(title="Firewall basics"), "title": ""}
    )
    # then it is recorded with what its manifest says, and its files are unpacked in the tenant's folder
    assert response.status_code == 302
    with platform_scope():
        package = ScormPackage.objects.get(tenant=world.acme.tenant)
    assert (package.title, package.launch_path, package.file_count) == ("Firewall basics", "index.html", 4)
    assert package.storage_path.startswith(f"{world.acme.tenant.pk}/")
    assert (package_dir(package.storage_path) / "index.html").is_file()
    assert (package_dir(package.storage_path) / "assets" / "style.css").is_file()
    page = body(client.get(response["Location"]))
    assert "Firewall basics was uploaded" in page
    # and when they make a course of it
    response = client.post(
        reverse("office:learning_scorm_course_create", args=[package.pk]), {"code": "firewall-basics", "title": ""}
    )
    # then a published course with one SCORM lesson playing the package exists
    assert response.status_code == 302
    assert "is published" in body(client.get(response["Location"]))
    with platform_scope():
        course = Course.objects.get(tenant=world.acme.tenant, code="firewall-basics")
        lesson = course.published_version.lessons.get()
    assert course.status == "published" and course.title == "Firewall basics"
    assert (lesson.kind, lesson.scorm_package_id) == ("scorm", package.pk)


def test_a_course_code_taken_is_refused_with_what_was_typed(world, client_for):
    # given a package and a course made of it already
    ctx = _ctx(world)
    client = client_for(world.acme.marketing)
    # when the author makes another course with the same code
    response = client.post(
        reverse("office:learning_scorm_course_create", args=[ctx.package.pk]),
        {"code": ctx.course.code, "title": "Second try"},
    )
    # then the page says so and keeps the title typed
    page = body(response)
    assert response.status_code == 200
    assert f"A course with the code {ctx.course.code} exists already." in page
    assert 'value="Second try"' in page


REFUSALS = {
    "no_manifest": "no imsmanifest.xml at its root",
    "traversal": "a path that leads out of its folder (assets/../../evil.html)",
    "absolute": "an absolute path (/etc/evil.html)",
    "backslash": "a name with a backslash",
    "symlink": "a symbolic link (assets/link)",
    "duplicate": "the name assets/style.css twice",
    "oversize": "The package is too large",
    "bomb": "refused as a zip bomb",
    "not_zip": "This is not a zip file.",
    "doctype": "declares a DOCTYPE",
    "missing_launch": "launch file index.html is not in the zip",
    "scorm2004": "only SCORM 1.2 packages are supported",
    "not_sco": "is not a SCO",
}


@pytest.mark.parametrize("bad", sorted(REFUSALS))
def test_a_bad_package_is_refused_with_a_clear_sentence_and_nothing_stored(bad, world, settings, scorm_root):
    # given a malformed package (and, for the oversized one, a small upload limit)
    settings.PRM_SCORM_MAX_UPLOAD_BYTES = 100 * 1024
    upload = SimpleUploadedFile("package.zip", make_scorm_zip(bad=bad), content_type="application/zip")
    # when an author uploads it
    with tenant_scope(world.acme.tenant), pytest.raises(PolicyViolation) as refused:
        scorm_package_upload(actor=world.acme.marketing, upload=upload)
    # then the refusal names the problem, and neither a row nor a file was left behind
    assert REFUSALS[bad] in refused.value.message
    with platform_scope():
        assert not ScormPackage.objects.exists()
    assert _stored_dirs(scorm_root) == []
    assert not any(path.is_file() for path in scorm_root.rglob("*")) if scorm_root.exists() else True


def test_the_upload_page_shows_the_refusal_and_keeps_the_title(world, client_for, scorm_root):
    # given acme's admin
    client = client_for(world.acme.admin)
    # when they upload a zip that climbs out of its folder
    response = client.post(
        reverse("office:learning_scorm_upload"), {"package": zip_upload(bad="traversal"), "title": "My package"}
    )
    # then the page comes back with the sentence and the title typed, and nothing is stored
    page = body(response)
    assert response.status_code == 200
    assert "leads out of its folder" in page
    assert 'value="My package"' in page
    with platform_scope():
        assert not ScormPackage.objects.exists()
    assert _stored_dirs(scorm_root) == []


def test_a_package_whose_file_lies_about_its_size_leaves_nothing(world, scorm_root):
    # given a zip whose directory says a file is smaller than it unpacks to
    data = bytearray(make_scorm_zip())
    # the central directory's "uncompressed size" of scorm.js, made smaller than the file
    info = ZipFile(io.BytesIO(bytes(data))).getinfo("scorm.js")
    central = data.rfind(b"PK\x01\x02", 0, data.rfind(b"scorm.js"))
    data[central + 24 : central + 28] = (info.file_size - 10).to_bytes(4, "little")
    upload = SimpleUploadedFile("package.zip", bytes(data), content_type="application/zip")
    # when it is uploaded
    with tenant_scope(world.acme.tenant), pytest.raises(PolicyViolation) as refused:
        scorm_package_upload(actor=world.acme.marketing, upload=upload)
    # then it is refused and no folder stays, not even the temporary one
    assert "damaged" in refused.value.message or "more than it declares" in refused.value.message
    assert list((scorm_root / str(world.acme.tenant.pk)).iterdir()) == []


def test_only_authors_upload(world):
    # given acme's channel manager (reads learning, does not author it)
    with tenant_scope(world.acme.tenant), pytest.raises(NotAllowed):
        scorm_package_upload(actor=world.acme.manager, upload=zip_upload())


# --- the player and its files ---------------------------------------------------------------------


def test_the_player_frames_the_package_from_the_same_host(world, client_for):
    # given acme partner 1's sales rep enrolled in a SCORM course
    ctx = _ctx(world)
    client = client_for(world.acme.sales_rep)
    # when they open the player
    page = body(client.get(_player(ctx)))
    # then the runtime and the player script are loaded from static files, the package's launch
    # file is the frame's address, and the saved data (none yet) is handed over as JSON
    assert "vendor/scorm-again/scorm12.min.js" in page
    assert "learning/scorm_player.js" in page
    assert f'data-launch-url="{_file(ctx, "index.html")}"' in page
    assert '"entry": "ab-initio"' in page
    assert "Not started" in page


def test_package_files_are_served_with_their_type_and_their_own_policy(world, client_for):
    ctx = _ctx(world)
    client = client_for(world.acme.sales_rep)
    # when the frame asks for the launch file and the script
    page = client.get(_file(ctx, "index.html"))
    script = client.get(_file(ctx, "scorm.js"))
    # then each has its type, is never sniffed, may be framed by our pages only, and may run
    # the inline scripts SCORM content has
    assert page["Content-Type"].startswith("text/html")
    assert script["Content-Type"].startswith("text/javascript")
    assert page["X-Content-Type-Options"] == "nosniff"
    assert page["X-Frame-Options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in page["Content-Security-Policy"]
    assert "LMSInitialize" in body(script)


@pytest.mark.parametrize(
    "path",
    [
        "../../../../etc/passwd",
        "assets/../../index.html",
        "%2e%2e/%2e%2e/etc/passwd",
        "/etc/passwd",
        "assets",
        "nope.html",
    ],
)
def test_a_path_out_of_the_package_or_to_nothing_is_a_404(path, world, client_for):
    # given a learner of a SCORM course
    ctx = _ctx(world)
    client = client_for(world.acme.sales_rep)
    # when a file outside the package (or a folder, or nothing) is asked for
    url = reverse("portal:learning_scorm_player", args=[ctx.enrollment.pk, ctx.lesson.pk]) + "files/" + path
    # then it is a 404
    assert client.get(url).status_code == 404


def test_package_file_stays_inside_its_folder(world):
    ctx = SimpleNamespace(side=world.acme)
    uploaded(ctx)
    storage = ctx.package.storage_path
    assert package_file(storage, "index.html") is not None
    assert package_file(storage, "assets/./style.css") is not None
    for path in ("../x", "assets/../../x", "/etc/passwd", "C:/x", "a\\b", "a\x00b", "", ".", "assets"):
        assert package_file(storage, path) is None, path


def test_another_learner_gets_a_404_and_saves_nothing(world, client_for):
    # given acme partner 1's sales rep's enrolment
    ctx = _ctx(world)
    # when their partner admin, the other partner's admin or globex's admin try the player, its
    # files and a commit
    for member in (world.acme.partner_admin, world.acme.partner_admins[1], world.globex.partner_admin):
        client = (
            client_for(member) if member.tenant_id == world.acme.tenant.pk else client_for(member, host=world.acme.host)
        )
        assert client.get(_player(ctx)).status_code == 404
        assert client.get(_file(ctx, "index.html")).status_code == 404
        assert _commit(client, ctx, PASSED).status_code == 404
    # then nothing was saved
    with platform_scope():
        assert not ScormSession.objects.exists()
        assert Enrollment.objects.get(pk=ctx.enrollment.pk).status == "in_progress"


# --- commits -----------------------------------------------------------------------------------


def test_a_commit_is_saved_and_handed_back_on_the_next_launch(world, client_for):
    # given a learner who saved their place in the package
    ctx = _ctx(world)
    client = client_for(world.acme.sales_rep)
    cmi = {
        "core": {"lesson_status": "incomplete", "lesson_location": "page-2", "exit": "suspend", "score": {"raw": ""}},
        "suspend_data": "step=2;answers=a,b",
        "interactions": {},
    }
    response = _commit(client, ctx, cmi)
    assert response.status_code == 200
    assert response.json()["result"] is True and response.json()["status_label"] == "In progress"
    # when they open the player again (another device: the data comes from the server)
    page = body(client_for(world.acme.sales_rep).get(_player(ctx)))
    # then the runtime is loaded with where they were
    resume = json.loads(page.split('id="scorm-cmi" type="application/json">', 1)[1].split("</script>", 1)[0])
    assert resume["suspend_data"] == "step=2;answers=a,b"
    assert resume["core"]["lesson_location"] == "page-2"
    assert resume["core"]["entry"] == "resume"
    assert resume["core"]["lesson_status"] == "incomplete"
    with platform_scope():
        session = ScormSession.objects.get()
    assert (session.commits, session.cmi["core"]["exit"], session.completed_at) == (1, "suspend", None)


def test_a_completed_package_completes_the_course_once(world, client_for):
    # given a learner of a SCORM course without a native quiz
    ctx = _ctx(world)
    client = client_for(world.acme.sales_rep)
    # when the package reports a pass with a score of 90, twice (LMSCommit, then LMSFinish)
    first = _commit(client, ctx, PASSED)
    second = _commit(client, ctx, PASSED)
    # then the enrolment is completed at 100 % with the score, and everything happened once
    assert first.json()["course_completed"] and second.json()["completed"]
    with platform_scope():
        enrollment = Enrollment.objects.get(pk=ctx.enrollment.pk)
        assert (enrollment.status, enrollment.progress_percent, enrollment.best_score) == (
            "completed",
            100,
            Decimal("90.00"),
        )
        assert enrollment.quiz_passed_at is not None
        assert LessonProgress.objects.filter(enrollment=enrollment).count() == 1
        assert Event.objects.filter(verb="learning.completed", object_id=enrollment.pk).count() == 1
        assert Event.objects.filter(verb="quiz.passed", object_id=enrollment.pk).count() == 1
        assert OutboxMessage.objects.filter(task_name="learning.certifications_check").count() == 1
        assert ScormSession.objects.get().commits == 2
    # and the player says so
    page = body(client.get(_player(ctx)))
    assert "Passed" in page and "Course completed" in page


def test_a_package_in_a_course_with_a_quiz_is_one_lesson(world, client_for):
    # given a SCORM course whose version also has a native question
    ctx = _ctx(world)
    with platform_scope():
        QuestionFactory(tenant=world.acme.tenant, version=ctx.course.published_version)
    # when the package reports a pass
    _commit(client_for(world.acme.sales_rep), ctx, PASSED)
    # then the lesson is done but the course waits for its quiz
    with platform_scope():
        enrollment = Enrollment.objects.get(pk=ctx.enrollment.pk)
    assert (enrollment.status, enrollment.progress_percent, enrollment.quiz_passed_at) == ("in_progress", 50, None)


@pytest.mark.parametrize(
    ("cmi", "message"),
    [
        ({"core": {"lesson_status": "incomplete"}, "suspend_data": "x" * 4097}, "longer than 4096 characters"),
        ({"core": {"lesson_location": "p" * 256}}, "longer than 255 characters"),
        ({"core": {"lesson_status": "done"}}, "is not a SCORM 1.2 status"),
        ({"core": {"lesson_status": "passed", "score": {"raw": "190"}}}, "between 0 and 100"),
        ({"core": {"lesson_status": "passed", "score": {"raw": "ninety"}}}, "must be a number"),
        ({"core": {}, "interactions": {"0": {"id": "x" * 70_000}}}, "too large"),
    ],
)
def test_a_bad_commit_is_refused_with_a_message_and_nothing_saved(cmi, message, world, client_for):
    ctx = _ctx(world)
    response = _commit(client_for(world.acme.sales_rep), ctx, cmi)
    assert response.status_code == 400
    assert message in response.json()["message"]
    with platform_scope():
        assert not ScormSession.objects.exists()
        assert Enrollment.objects.get(pk=ctx.enrollment.pk).status == "in_progress"


def test_a_commit_that_is_not_json_is_refused(world, client_for):
    ctx = _ctx(world)
    url = reverse("portal:learning_scorm_commit", args=[ctx.enrollment.pk, ctx.lesson.pk])
    response = client_for(world.acme.sales_rep).post(url, "{not json", content_type="application/json")
    assert response.status_code == 400
    assert "not valid JSON" in response.json()["message"]


def test_the_service_refuses_a_lesson_of_another_course(world):
    # given two SCORM courses, the learner enrolled in the first
    ctx = _ctx(world)
    other = SimpleNamespace(side=world.acme)
    uploaded(other)
    with tenant_scope(world.acme.tenant):
        course = scorm_course_create(actor=world.acme.marketing, package=other.package, code="other", title="Other")
    with platform_scope():
        lesson = course.published_version.lessons.get()
    # when a commit names the other course's lesson
    with tenant_scope(world.acme.tenant, partner=world.acme.partner), pytest.raises(PolicyViolation):
        scorm_session_commit(actor=world.acme.sales_rep, enrollment=ctx.enrollment, lesson=lesson, cmi=PASSED)


# --- the list's cost -----------------------------------------------------------------------------


def _packages(world, n):
    with platform_scope():
        for i in range(n):
            ScormPackage.objects.create(
                tenant=world.acme.tenant,
                title=f"Package {i}",
                launch_path="index.html",
                storage_path=f"{world.acme.tenant.pk}/p{i}",
                sha256="0" * 64,
                uploaded_by=world.acme.marketing,
            )
    return world.acme.marketing, reverse("office:learning_scorm_packages")


def test_the_package_list_costs_the_same_for_5_and_25_rows(world, no_queries_from_templates):
    # The page of rows and its capped count, whatever the number of rows.
    member, path = _packages(world, 5)
    few = cost(member, path)
    _packages(world, 20)
    many = cost(member, path)
    assert_list_page(few, many, pinned=5, row=r'<tr id="package-', rows=(5, 25), what="SCORM packages")


def test_folders_no_package_names_are_removed_by_the_next_upload(world, scorm_root):
    # given a package, and a folder an hour old that no row names (its upload rolled back)
    ctx = SimpleNamespace(side=world.acme)
    uploaded(ctx)
    orphan = scorm_root / str(world.acme.tenant.pk) / "deadbeef"
    (orphan / "assets").mkdir(parents=True)
    (orphan / "index.html").write_text("left behind")
    old = time.time() - 2 * 3600
    for path in (orphan, package_dir(ctx.package.storage_path)):
        os.utime(path, (old, old))
    # when the next package is uploaded
    uploaded(ctx)
    # then the orphan is gone, and both packages' files are still there
    assert not orphan.exists()
    with platform_scope():
        paths = list(ScormPackage.objects.values_list("storage_path", flat=True))
    assert len(paths) == 2
    assert all((package_dir(path) / "index.html").is_file() for path in paths)


@pytest.mark.django_db(transaction=True)
def test_two_commits_completing_the_lesson_at_once_count_it_once(world):
    # given a learner whose package commits twice at the same moment (two tabs, or LMSCommit
    # racing LMSFinish), both reporting the first pass
    ctx = _ctx(world)

    def commit():
        scorm_session_commit(actor=world.acme.sales_rep, enrollment=ctx.enrollment, lesson=ctx.lesson, cmi=PASSED)

    # when they run together
    outcomes = race({"first": commit, "second": commit}, tenant=world.acme.tenant)
    # then both are saved in one session, and the lesson and the course are completed once
    assert outcomes == {"first": "done", "second": "done"}
    with platform_scope():
        assert ScormSession.objects.get().commits == 2
        assert LessonProgress.objects.count() == 1
        assert Event.objects.filter(verb="learning.completed").count() == 1
        assert Event.objects.filter(verb="quiz.passed").count() == 1
        assert Enrollment.objects.get(pk=ctx.enrollment.pk).status == "completed"


@pytest.mark.parametrize(
    "cmi",
    [
        {"core": {"lesson_status": "incomplete", "lesson_location": "p\x00"}},
        {"core": {"lesson_status": "incomplete"}, "suspend_data": "a\x00b"},
        {"core": {"lesson_status": "incomplete"}, "comments": "\x00"},
        {"core\x00": {}},
    ],
)
def test_a_nul_character_in_a_commit_is_refused_not_a_server_error(cmi, world, client_for):
    # given a learner's player (PostgreSQL stores no NUL, in text or in JSON)
    ctx = _ctx(world)
    # when the runtime sends a NUL anywhere in the data
    response = _commit(client_for(world.acme.sales_rep), ctx, cmi)
    # then it is refused with a message, and nothing is half-saved
    assert response.status_code == 400, response.content
    assert response.json()["message"]
    with platform_scope():
        assert not ScormSession.objects.exists()
