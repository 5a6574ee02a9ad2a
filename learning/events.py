"""Event verbs of e-learning and certification (``prm.events.verbs``). Scorecards and incentives
subscribe to ``CERTIFICATE_AWARDED`` and ``COMPETENCY_GAINED`` / ``COMPETENCY_LOST``."""

from django.utils.translation import gettext_lazy as _

from prm.events.verbs import verb

COURSE_CREATED = verb("course.created", _("Course created"))
COURSE_EDITED = verb("course.edited", _("Course edited"))
COURSE_PUBLISHED = verb("course.published", _("Course published"))
COURSE_ARCHIVED = verb("course.archived", _("Course archived"))
SCORM_UPLOADED = verb("scorm.uploaded", _("SCORM package uploaded"))
ENROLLED = verb("learning.enrolled", _("Enrolled in a course"))
COURSE_COMPLETED = verb("learning.completed", _("Course completed"))
QUIZ_PASSED = verb("quiz.passed", _("Quiz passed"))
QUIZ_FAILED = verb("quiz.failed", _("Quiz failed"))
CERTIFICATE_AWARDED = verb("certificate.awarded", _("Certificate awarded"))
CERTIFICATE_RENEWED = verb("certificate.renewed", _("Certificate renewed"))
CERTIFICATE_EXPIRED = verb("certificate.expired", _("Certificate expired"))
CERTIFICATE_REVOKED = verb("certificate.revoked", _("Certificate revoked"))
CERTIFICATE_REMINDED = verb("certificate.reminded", _("Certificate expiry reminder"))
COMPETENCY_GAINED = verb("competency.gained", _("Competency gained"))
COMPETENCY_LOST = verb("competency.lost", _("Competency lost"))
