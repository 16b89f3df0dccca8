"""An OpenID Connect provider (e-ID broker) is configured from the environment alone."""

from django.urls import reverse

import stegvis.settings as stegvis_settings


def test_no_provider_without_settings(monkeypatch):
    monkeypatch.delenv("STEGVIS_OIDC_SERVER_URL", raising=False)
    assert stegvis_settings._oidc_providers() == {}


def test_provider_from_environment_appears_on_the_sign_in_page(client, db, monkeypatch, settings):
    monkeypatch.setenv("STEGVIS_OIDC_SERVER_URL", "https://eid.example.org")
    monkeypatch.setenv("STEGVIS_OIDC_CLIENT_ID", "stegvis")
    monkeypatch.setenv("STEGVIS_OIDC_CLIENT_SECRET", "s3cret")
    monkeypatch.setenv("STEGVIS_OIDC_NAME", "BankID")
    providers = stegvis_settings._oidc_providers()
    app = providers["openid_connect"]["APPS"][0]
    assert app["settings"]["server_url"] == "https://eid.example.org"
    settings.SOCIALACCOUNT_PROVIDERS = providers
    html = client.get(reverse("account_login")).content.decode()
    assert "BankID" in html
    assert "/accounts/oidc/eid/login/" in html


def test_an_e_id_sign_in_may_lead_to_each_providers_page():
    """The sign-in form is posted to Stegvis and redirected to the provider: a browser
    refuses that redirect unless the page's form-action names the provider (it did, in
    Chromium, until this was there)."""
    providers = [
        {"issuer": "https://helseid-sts.nhn.no"},
        {"issuer": "https://idporten.no", "authorization_origin": "https://login.idporten.no"},
    ]
    assert stegvis_settings._eid_form_action(providers) == [
        "https://helseid-sts.nhn.no",
        "https://login.idporten.no",
    ]
    assert stegvis_settings._eid_form_action([]) == []
