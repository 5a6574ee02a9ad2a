from .idps import oidc_idp, saml_idp, saml_idp_server  # noqa: F401 - fixtures for the tests here
