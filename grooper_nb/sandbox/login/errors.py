"""AADSTS errors as Entra ID returns them (https://learn.microsoft.com/entra/identity-platform/reference-error-codes).

One declarative table, :data:`CATALOGUE`: code -> OAuth ``error``, HTTP status, message template (with
``{placeholders}``) and ``suberror``. Code raises :class:`AADSTSError` where the misuse is detected; the
Flask apps turn it into

* a JSON body (token-type endpoints;
  https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow#error-response-1)::

      {"error",
       "error_description": "AADSTSnnnn: msg\\r\\nTrace ID: …\\r\\nCorrelation ID: …\\r\\nTimestamp: …",
       "error_codes": [n], "timestamp": "YYYY-MM-DD HH:MM:SSZ", "trace_id", "correlation_id", "error_uri"}

  (+ ``suberror`` where Entra sends one), status 401 for ``invalid_client`` and 400 otherwise; the
  ``correlation_id`` echoes the request's ``client-request-id`` header when it is a GUID;
* or an HTML error page (``login/__init__.py``, ``templates/error.html``) for errors that Entra shows
  instead of redirecting, because
  the redirect URI cannot be trusted (50011, 700016 and 90002 on ``/authorize``: RFC 6749 section 4.1.2.1).
  The page embeds the same body as ``<script type="application/json" id="error-details">`` (Entra's own
  pages carry their details in a ``$Config`` script block).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

__all__ = ["CATALOGUE", "AADSTSError", "Entry", "error_body", "error_headers"]


@dataclass(frozen=True)
class Entry:
    """One AADSTS code: the OAuth ``error`` it rides on, its message template, Entra's ``suberror``.

    The HTTP status follows from ``error``: 401 for ``invalid_client``, 400 for everything else
    (RFC 6749 section 5.2).
    """

    error: str
    message: str
    suberror: str | None = None


_INVALID_USER_CODE_HINT = "To sign into this application, the account must be added to the directory."

CATALOGUE: dict[int, Entry] = {
    50011: Entry(
        "invalid_request",
        "The redirect URI '{redirect_uri}' specified in the request does not match the redirect URIs "
        "configured for the application '{client_id}'. Make sure the redirect URI sent in the request "
        "matches one added to your application in the Azure portal. Navigate to "
        "https://aka.ms/redirectUriMismatchError to learn more about how to fix this.",
    ),
    50034: Entry(
        "invalid_grant",
        "The user account {{EUII Hidden}} does not exist in the {domain} directory. "
        + _INVALID_USER_CODE_HINT,
    ),
    50194: Entry(
        "invalid_request",
        "Application '{client_id}'({client_name}) is not configured as a multi-tenant application. Usage of "
        "the /common endpoint is not supported for such applications created after '10/15/2018'. Use a "
        "tenant-specific endpoint or configure the application to be multi-tenant.",
    ),
    50053: Entry(
        "invalid_grant",
        "The account is locked, you've tried to sign in too many times with an incorrect user ID or "
        "password.",
    ),
    50057: Entry("invalid_grant", "The user account is disabled."),
    50058: Entry("login_required", "A silent sign-in request was sent but no user is signed in."),
    50076: Entry(
        "invalid_grant",
        "Due to a configuration change made by your administrator, or because you moved to a new location, "
        "you must use multi-factor authentication to access '{resource}'.",
        suberror="basic_action",
    ),
    50126: Entry("invalid_grant", "Error validating credentials due to invalid username or password."),
    50173: Entry(
        "invalid_grant",
        "The provided grant has expired due to it being revoked, a fresh auth token is needed. The user "
        "might have changed or reset their password. The grant was issued on '{issued}' and the "
        "TokensValidFrom date (before which tokens are not valid) for this user is '{valid_from}'.",
    ),
    54005: Entry(
        "invalid_grant",
        "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an "
        "existing refresh token.",
    ),
    65001: Entry(
        "invalid_grant",
        "The user or administrator has not consented to use the application with ID '{client_id}' named "
        "'{client_name}'. Send an interactive authorization request for this user and resource.",
        suberror="consent_required",
    ),
    65004: Entry("access_denied", "User declined to consent to access the app."),
    70000: Entry("invalid_grant", "The request was denied because one or more grants are invalid."),
    70003: Entry("unsupported_grant_type", "The app requested an unsupported grant type '{grant_type}'."),
    70008: Entry(
        "invalid_grant",
        "The provided authorization code or refresh token has expired due to inactivity. Send a new "
        "interactive authorization request for this user and resource.",
    ),
    70005: Entry(
        "unsupported_response_type", "response_type '{response_type}' is not enabled for the application."
    ),
    70007: Entry(
        "invalid_request",
        "The provided value '{response_mode}' for the input parameter 'response_mode' is not supported. "
        "Expected 'query', 'fragment' or 'form_post'.",
    ),
    700054: Entry(
        "unsupported_response_type", "response_type 'id_token' is not enabled for the application."
    ),
    70011: Entry(
        "invalid_scope",
        "The provided value for the input parameter 'scope' is not valid. The scope {scope} is not valid."
        "{detail}",
    ),
    70016: Entry(
        "authorization_pending", "OAuth 2.0 device flow error. Authorization is pending. Continue polling."
    ),
    70018: Entry(
        "bad_verification_code",
        "Invalid verification code. The code entered by the user doesn't match the one issued.",
    ),
    70019: Entry("expired_token", "Verification code expired."),
    70020: Entry("authorization_declined", "The user declined the authorization request."),
    90002: Entry(
        "invalid_request",
        "Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into "
        "the correct cloud. Check with your subscription administrator, this may happen if there are no "
        "active subscriptions for the tenant.",
    ),
    90094: Entry(
        "consent_required",
        "The grant requires admin permission. Ask an administrator to grant permission to '{client_name}'.",
    ),
    500011: Entry(
        "invalid_resource",
        "The resource principal named {resource} was not found in the tenant named {tenant_name}. This can "
        "happen if the application has not been installed by the administrator of the tenant or consented "
        "to by any user in the tenant. You might have sent your authentication request to the wrong tenant.",
    ),
    500112: Entry(
        "invalid_grant",
        "The reply address '{redirect_uri}' does not match the reply address '{expected}' provided when "
        "requesting Authorization code.",
    ),
    500131: Entry(
        "invalid_grant",
        "Assertion audience does not match the Client app presenting the assertion. The audience in the "
        "assertion was '{audience}' and the expected audience is '{client_id}' or one of the Application "
        "Id URIs of this application.",
    ),
    500133: Entry(
        "invalid_grant",
        "Assertion is not within its valid time range. Ensure that the access token is not expired before "
        "using it for user assertion, or request a new token.",
    ),
    50013: Entry("invalid_grant", "Assertion failed signature validation. [Reason - {detail}]"),
    50149: Entry("invalid_request", "Invalid Code_Challenge_method parameter."),
    501491: Entry("invalid_request", "Invalid size of Code_Challenge parameter."),
    501481: Entry(
        "invalid_grant",
        "The Code_Verifier does not match the code_challenge supplied in the authorization request.",
    ),
    700016: Entry(
        "unauthorized_client",
        "Application with identifier '{client_id}' was not found in the directory '{tenant_name}'. This can "
        "happen if the application has not been installed by the administrator of the tenant or consented "
        "to by any user in the tenant. You may have sent your authentication request to the wrong tenant.",
    ),
    700022: Entry(
        "invalid_scope",
        "The provided value for the input parameter scope is not valid because it contains more than one "
        "resource. Scope {scope} is not valid.",
    ),
    700024: Entry(
        "invalid_client",
        "Client assertion is not within its valid time range. Current time: {current}, assertion valid from "
        "{valid_from}, expiry time of assertion {expiry}. Review the documentation at "
        "https://learn.microsoft.com/entra/identity-platform/certificate-credentials .",
    ),
    700025: Entry(
        "invalid_client",
        "Client is public so neither 'client_assertion' nor 'client_secret' should be presented.",
    ),
    700027: Entry("invalid_client", "{detail}"),
    700082: Entry(
        "invalid_grant",
        "The refresh token has expired due to inactivity. The token was issued on {issued} and was inactive "
        "for {inactive}.",
    ),
    7000112: Entry("unauthorized_client", "Application '{client_id}'({client_name}) is disabled."),
    7000114: Entry(
        "unauthorized_client",
        "Application '{client_id}' is not allowed to make application on-behalf-of calls.",
    ),
    # A client (a multi-tenant app) whose service principal the tenant lacks, i.e. no one consented to it
    # there yet: the code, error and message as Entra's real responses carry them (quoted, for one, in
    # github.com/Azure/Commercial-Marketplace-SaaS-Accelerator/issues/830); the code is not in the
    # reference page https://learn.microsoft.com/entra/identity-platform/reference-error-codes .
    7000229: Entry(
        "invalid_client",
        "The client application {client_id} is missing service principal in the tenant {tenant}. See "
        "instructions here: https://go.microsoft.com/fwlink/?linkid=2225119",
    ),
    7000215: Entry(
        "invalid_client",
        "Invalid client secret provided. Ensure the secret being sent in the request is the client secret "
        "value, not the client secret ID, for a secret added to app '{client_id}'.",
    ),
    7000218: Entry(
        "invalid_client",
        "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
    ),
    7000222: Entry(
        "invalid_client",
        "The provided client secret keys for app '{client_id}' are expired. Visit the Azure portal to create "
        "new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials "
        "for added security: https://aka.ms/certCreds.",
    ),
    9002313: Entry("invalid_request", "Invalid request. Request is malformed or invalid.{detail}"),
    90014: Entry(
        "invalid_request",
        "The required field '{field}' is missing from the credential. Ensure that you have all the necessary "
        "parameters for the login request.",
    ),
    900144: Entry("invalid_request", "The request body must contain the following parameter: '{param}'."),
    901002: Entry("invalid_request", "The 'resource' request parameter is not supported."),
    9002331: Entry(
        "invalid_request",
        "Application '{client_id}'({client_name}) is configured for use by Azure Active Directory users "
        "only. Please do not use the /consumers endpoint to serve this request.",
    ),
    50059: Entry(
        "invalid_request",
        "No tenant-identifying information found in either the request or implied by any provided "
        "credentials.",
    ),
    9001023: Entry(
        "invalid_request",
        "The grant type is not supported over the /common or /consumers endpoints. Please use the "
        "/organizations or tenant-specific endpoint.",
    ),
    1002012: Entry(
        "invalid_scope",
        "The provided value for scope {scope} is not valid. Client credential flows must have a scope value "
        "with /.default suffixed to the resource identifier (application ID URI).",
    ),
}


class _Params(dict):
    """Message parameters; an optional one (``{detail}``) that was not given reads as nothing."""

    def __missing__(self, key: str) -> str:
        return ""


class AADSTSError(Exception):
    """An Entra error, raised where the misuse is detected; rendered by :func:`error_body`.

    ``AADSTSError(50126)`` or ``AADSTSError(700016, client_id=..., tenant_name=...)``; ``error=`` overrides
    the catalogue's OAuth error (e.g. 50076 rides on ``interaction_required`` for refresh, 90002 on
    ``invalid_tenant`` for discovery).
    """

    def __init__(self, code: int, *, error: str | None = None, **params: Any):
        entry = CATALOGUE[code]
        self.code = code
        self.error = error or entry.error
        self.suberror = entry.suberror
        self.status = 401 if self.error == "invalid_client" else 400
        self.message = entry.message.format_map(_Params({k: _capped(v) for k, v in params.items()}))
        super().__init__(f"AADSTS{code}: {self.message}")


_MAX_ECHO = 512  # characters of one echoed value (a client_id, a redirect URI, a scope list)


def _capped(value: Any) -> Any:
    """``value`` as echoed in a message: a request's own text cut to :data:`_MAX_ECHO` characters, so a
    megabyte ``client_id`` does not come back as a megabyte error."""
    if isinstance(value, str) and len(value) > _MAX_ECHO:
        return value[:_MAX_ECHO] + "..."
    return value


def _correlation_id(client_request_id: str | None) -> str:
    if client_request_id:
        try:
            return str(uuid.UUID(client_request_id))
        except ValueError:
            pass
    return str(uuid.uuid4())


def error_body(exc: AADSTSError, client_request_id: str | None = None) -> dict[str, Any]:
    """The JSON body Entra sends for ``exc``."""
    trace_id = str(uuid.uuid4())
    correlation_id = _correlation_id(client_request_id)
    timestamp = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ")
    body: dict[str, Any] = {
        "error": exc.error,
        "error_description": (
            f"AADSTS{exc.code}: {exc.message}\r\nTrace ID: {trace_id}\r\n"
            f"Correlation ID: {correlation_id}\r\nTimestamp: {timestamp}"
        ),
        "error_codes": [exc.code],
        "timestamp": timestamp,
        "trace_id": trace_id,
        "correlation_id": correlation_id,
        "error_uri": f"https://login.microsoftonline.com/error?code={exc.code}",
    }
    if exc.suberror:
        body["suberror"] = exc.suberror
    return body


def error_headers(body: dict[str, Any]) -> dict[str, str]:
    """Headers real ESTS puts on error responses."""
    return {
        "Cache-Control": "no-store, no-cache",
        "Pragma": "no-cache",
        "x-ms-request-id": body["trace_id"],
        "x-ms-ests-server": "2.1.sandbox - local",
        "x-ms-clitelem": f"1,{body['error_codes'][0]},0,,",
    }
