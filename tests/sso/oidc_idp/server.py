"""Run the test OpenID Connect provider: ``python -m oidc_idp.server`` (with tests/sso on the path).

Binds 127.0.0.1 on a free port, creates its tables, prints ``READY <port>`` and serves with a
threaded ``wsgiref`` server until killed.
"""

import contextlib
import os
import sys
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server
from wsgiref.util import setup_testing_defaults


class ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):
        pass


def warm_up(app, port: int) -> None:
    """One request to each kind of page, in process: the lazy imports (views, oauthlib, the
    template engine) happen before ``READY``, not in a test's first request."""
    for path in ("/o/.well-known/openid-configuration", "/o/.well-known/jwks.json", "/accounts/login/"):
        environ = {"PATH_INFO": path, "SERVER_PORT": str(port), "HTTP_HOST": f"127.0.0.1:{port}"}
        setup_testing_defaults(environ)
        b"".join(app(environ, lambda status, headers, exc_info=None: None))


def main() -> None:
    httpd = make_server("127.0.0.1", 0, None, server_class=ThreadingWSGIServer, handler_class=QuietHandler)
    port = httpd.server_port
    os.environ["OIDC_IDP_ISSUER"] = f"http://127.0.0.1:{port}/o"
    os.environ["DJANGO_SETTINGS_MODULE"] = "oidc_idp.settings"

    import django
    from django.core.management import call_command
    from django.core.wsgi import get_wsgi_application

    django.setup()
    call_command("migrate", run_syncdb=True, verbosity=0, interactive=False)
    app = get_wsgi_application()
    warm_up(app, port)
    httpd.set_app(app)
    print(f"READY {port}", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        httpd.serve_forever()
    sys.exit(0)


if __name__ == "__main__":
    main()
