"""The test identity providers work, on their own (no product): an OpenID Connect
authorization-code flow with a plain HTTP client, and python3-saml as an SP against the SAML IdP."""

from __future__ import annotations

import base64
import hashlib
import secrets
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pytest
from onelogin.saml2.auth import OneLogin_Saml2_Auth
from onelogin.saml2.constants import OneLogin_Saml2_Constants
from onelogin.saml2.idp_metadata_parser import OneLogin_Saml2_IdPMetadataParser

from .forms import parse_form
from .idps import SignInFailed

# --- OpenID Connect ------------------------------------------------------------------------------

CALLBACK = "http://acme.localhost/accounts/oidc/acme-okta/login/callback/"


def _verified_id_token(oidc_idp, id_token: str, client_id: str) -> dict:
    keys = httpx.get(oidc_idp.jwks_uri).json()["keys"]
    kid = jwt.get_unverified_header(id_token)["kid"]
    key = next(jwt.PyJWK(k) for k in keys if k["kid"] == kid)
    return jwt.decode(id_token, key.key, algorithms=["RS256"], audience=client_id, issuer=oidc_idp.issuer)


def _exchange(oidc_idp, code: str, client_id: str, client_secret: str, **extra) -> dict:
    response = httpx.post(
        oidc_idp.token_endpoint,
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": CALLBACK,
            "client_id": client_id,
            "client_secret": client_secret,
            **extra,
        },
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_oidc_discovery_is_where_allauth_looks(oidc_idp):
    # allauth's openid_connect provider: server_url + "/.well-known/openid-configuration".
    config = httpx.get(oidc_idp.issuer + "/.well-known/openid-configuration").json()

    assert config["issuer"] == oidc_idp.issuer
    assert config["authorization_endpoint"] == oidc_idp.authorization_endpoint
    assert config["token_endpoint"] == oidc_idp.token_endpoint
    assert config["userinfo_endpoint"] == oidc_idp.userinfo_endpoint
    assert config["jwks_uri"] == oidc_idp.jwks_uri
    assert "RS256" in config["id_token_signing_alg_values_supported"]
    assert {"openid", "email", "profile"} <= set(config["scopes_supported"])
    assert {"email", "email_verified", "given_name", "family_name"} <= set(config["claims_supported"])
    assert "client_secret_post" in config["token_endpoint_auth_methods_supported"]


def test_oidc_authorization_code_flow(oidc_idp):
    oidc_idp.add_user("ada@vendor.example", "correct horse", "Ada", "Lovelace")
    client_id, client_secret = oidc_idp.add_client(CALLBACK)

    with httpx.Client() as browser:
        # Sign in at the IdP: its session cookie and CSRF token.
        page = browser.get(oidc_idp.login_url)
        assert page.status_code == 200
        assert "Username" in page.text and "Password" in page.text and "Sign in" in page.text
        action, fields = parse_form(page.text)
        fields.update(username="ada@vendor.example", password="correct horse")
        signed_in = browser.post(page.url.join(action), data=fields)
        assert signed_in.status_code == 302, signed_in.text
        assert "idp_sessionid" in browser.cookies

        # Authorize: no consent screen, straight back to the redirect URI with a code.
        state, nonce = secrets.token_urlsafe(8), secrets.token_urlsafe(8)
        authorized = browser.get(
            oidc_idp.authorization_endpoint,
            params={
                "response_type": "code",
                "client_id": client_id,
                "redirect_uri": CALLBACK,
                "scope": "openid email profile",
                "state": state,
                "nonce": nonce,
            },
        )
    assert authorized.status_code == 302, authorized.text
    location = authorized.headers["Location"]
    assert location.startswith(CALLBACK + "?")
    query = parse_qs(urlsplit(location).query)
    assert query["state"] == [state]

    tokens = _exchange(oidc_idp, query["code"][0], client_id, client_secret)
    claims = _verified_id_token(oidc_idp, tokens["id_token"], client_id)
    assert claims["email"] == "ada@vendor.example"
    assert claims["email_verified"] is True
    assert claims["given_name"] == "Ada" and claims["family_name"] == "Lovelace" and claims["name"] == "Ada Lovelace"
    assert claims["nonce"] == nonce
    assert claims["sub"]

    # allauth prefers the userinfo endpoint's claims (fetch_userinfo defaults to True).
    userinfo = httpx.get(oidc_idp.userinfo_endpoint, headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert userinfo.status_code == 200
    assert userinfo.json()["email"] == "ada@vendor.example"
    assert userinfo.json()["email_verified"] is True
    assert userinfo.json()["sub"] == claims["sub"]


def test_oidc_sign_in_helper_with_pkce_and_an_unverified_address(oidc_idp):
    oidc_idp.add_user("bob@vendor.example", "pw-bob", email_verified=False)
    client_id, client_secret = oidc_idp.add_client(CALLBACK)
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    authorize_url = str(
        httpx.URL(
            oidc_idp.authorization_endpoint,
            params={
                "response_type": "code",
                "client_id": client_id,
                "redirect_uri": CALLBACK,
                "scope": "openid email profile",
                "state": "s1",
                "code_challenge": challenge,
                "code_challenge_method": "S256",
            },
        )
    )

    callback = oidc_idp.sign_in(authorize_url, "bob@vendor.example", "pw-bob")

    query = parse_qs(urlsplit(callback).query)
    assert callback.startswith(CALLBACK) and query["state"] == ["s1"]
    tokens = _exchange(oidc_idp, query["code"][0], client_id, client_secret, code_verifier=verifier)
    claims = _verified_id_token(oidc_idp, tokens["id_token"], client_id)
    assert claims["email"] == "bob@vendor.example"
    assert claims["email_verified"] is False


def test_oidc_refuses_a_wrong_password_and_an_unregistered_redirect_uri(oidc_idp):
    oidc_idp.add_user("eve@vendor.example", "right")
    client_id, _ = oidc_idp.add_client(CALLBACK)
    params = {"response_type": "code", "client_id": client_id, "scope": "openid email", "state": "x"}

    with pytest.raises(SignInFailed):
        oidc_idp.sign_in(
            str(httpx.URL(oidc_idp.authorization_endpoint, params={**params, "redirect_uri": CALLBACK})),
            "eve@vendor.example",
            "wrong",
        )

    elsewhere = {**params, "redirect_uri": "http://evil.localhost/callback/"}
    with pytest.raises(AssertionError, match="unexpected answer"):  # an error page, no redirect
        oidc_idp.sign_in(
            str(httpx.URL(oidc_idp.authorization_endpoint, params=elsewhere)), "eve@vendor.example", "right"
        )


# --- SAML 2.0 ------------------------------------------------------------------------------------

SP_ENTITY_ID = "http://acme.localhost/accounts/saml/acme-partner/metadata/"
ACS_URL = "http://acme.localhost/accounts/saml/acme-partner/acs/"


def _sp_settings(saml_idp) -> dict:
    # As allauth's build_saml_config makes them (strict), with both signatures wanted.
    return {
        "strict": True,
        "sp": {
            "entityId": SP_ENTITY_ID,
            "assertionConsumerService": {"url": ACS_URL, "binding": OneLogin_Saml2_Constants.BINDING_HTTP_POST},
        },
        "idp": {
            "entityId": saml_idp.entity_id,
            "singleSignOnService": {"url": saml_idp.sso_url},
            "x509cert": saml_idp.x509cert,
        },
        "security": {
            "authnRequestsSigned": False,
            "wantAssertionsSigned": True,
            "wantMessagesSigned": True,
            "wantAttributeStatement": True,
            "allowRepeatAttributeName": True,
            "rejectDeprecatedAlgorithm": True,
            "signatureAlgorithm": OneLogin_Saml2_Constants.RSA_SHA256,
            "digestAlgorithm": OneLogin_Saml2_Constants.SHA256,
            "requestedAuthnContext": False,
        },
    }


def _start_login(saml_idp) -> tuple[str, str]:
    """What the SP's login view does: the redirect to the IdP, and the request's ID."""
    request = {"https": "off", "http_host": "acme.localhost", "script_name": "/accounts/saml/acme-partner/login/"}
    auth = OneLogin_Saml2_Auth(request, _sp_settings(saml_idp))
    redirect = auth.login(return_to="/after/")
    return redirect, auth.get_last_request_id()


def _process(saml_idp, post_data: dict, request_id: str | None) -> OneLogin_Saml2_Auth:
    """What the SP's ACS view does."""
    request = {
        "https": "off",
        "http_host": "acme.localhost",
        "script_name": "/accounts/saml/acme-partner/acs/",
        "post_data": post_data,
    }
    auth = OneLogin_Saml2_Auth(request, _sp_settings(saml_idp))
    auth.process_response(request_id=request_id)
    return auth


def test_saml_sp_initiated_sign_in(saml_idp):
    saml_idp.add_user("pat@partner.example", "s3cret", "Pat", "Partner")
    redirect, request_id = _start_login(saml_idp)
    assert redirect.startswith(saml_idp.sso_url + "?SAMLRequest=")

    with httpx.Client() as browser:
        page = browser.get(redirect)
        assert page.status_code == 200
        assert "Email" in page.text and "Password" in page.text and "Sign in" in page.text
        action, fields = parse_form(page.text)
        assert fields["RelayState"] == "/after/"
        fields.update(email="pat@partner.example", password="s3cret")
        answer = browser.post(page.url.join(action), data=fields)
    assert answer.status_code == 200
    assert "Continue" in answer.text
    acs, posted = parse_form(answer.text)
    assert acs == ACS_URL
    assert posted["RelayState"] == "/after/"

    auth = _process(saml_idp, posted, request_id)

    assert auth.get_errors() == [], auth.get_last_error_reason()
    assert auth.is_authenticated()
    assert auth.get_nameid() == "pat@partner.example"
    assert auth.get_nameid_format() == OneLogin_Saml2_Constants.NAMEID_EMAIL_ADDRESS
    assert auth.get_last_response_in_response_to() == request_id
    attributes = auth.get_attributes()
    assert attributes["email"] == ["pat@partner.example"]
    assert attributes["first_name"] == ["Pat"] and attributes["last_name"] == ["Partner"]
    assert attributes["http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress"] == ["pat@partner.example"]
    assert attributes["urn:oid:0.9.2342.19200300.100.1.3"] == ["pat@partner.example"]
    assert attributes["urn:oid:2.5.4.42"] == ["Pat"] and attributes["urn:oid:2.5.4.4"] == ["Partner"]
    assert attributes["http://schemas.auth0.com/email_verified"] == ["true"]


def test_saml_metadata_describes_the_idp(saml_idp):
    parsed = OneLogin_Saml2_IdPMetadataParser.parse_remote(saml_idp.metadata_url, entity_id=saml_idp.entity_id)["idp"]

    assert parsed["entityId"] == saml_idp.entity_id
    assert parsed["singleSignOnService"]["url"] == saml_idp.sso_url
    assert parsed["x509cert"] == saml_idp.x509cert
    assert saml_idp.cert_pem.startswith("-----BEGIN CERTIFICATE-----")


def test_saml_wrong_password_shows_the_form_again(saml_idp):
    saml_idp.add_user("kim@partner.example", "right")
    redirect, _ = _start_login(saml_idp)

    with pytest.raises(SignInFailed, match="Wrong e-mail or password"):
        saml_idp.sign_in(redirect, "kim@partner.example", "wrong")


@pytest.mark.parametrize(
    ("knob", "value", "error"),
    [
        ("untrusted_key", True, "Signature validation failed"),
        ("sign_assertion", False, "The Assertion of the Response is not signed"),
        ("sign_response", False, "The Message of the Response is not signed"),
        ("time_offset", -3600, "Could not validate timestamp: expired"),
        ("audience", "http://other.localhost/metadata/", "is not a valid audience"),
    ],
)
def test_saml_knobs_make_responses_the_sp_refuses(saml_idp, knob, value, error):
    saml_idp.add_user("lee@partner.example", "pw")
    redirect, request_id = _start_login(saml_idp)
    setattr(saml_idp, knob, value)

    _, posted = saml_idp.sign_in(redirect, "lee@partner.example", "pw")
    auth = _process(saml_idp, posted, request_id)

    assert auth.get_errors() == ["invalid_response"]
    assert error in auth.get_last_error_reason()


def test_saml_idp_initiated_response(saml_idp):
    saml_idp.add_user("ida@partner.example", "pw", email_verified="false")

    response = saml_idp.make_response("ida@partner.example", acs_url=ACS_URL, audience=SP_ENTITY_ID)
    auth = _process(saml_idp, {"SAMLResponse": response}, None)

    assert auth.get_errors() == [], auth.get_last_error_reason()
    assert auth.get_last_response_in_response_to() is None
    assert auth.get_attributes()["http://schemas.auth0.com/email_verified"] == ["false"]
    assert "first_name" not in auth.get_attributes()  # empty values are left out
