"""Every Entra ID (AADSTS) error explained, and :class:`AuthError`, the one exception auth raises.

Look a code up::

    >>> from grooper_nb.errors.aadsts import explain
    >>> e = explain(7000215)
    >>> e.name
    'InvalidClientSecret'
    >>> print(e.fix)  # doctest: +ELLIPSIS
    Copy the secret's *Value* ...

Every flow in :mod:`grooper_nb.auth.flows` raises :class:`AuthError` on failure (an
:class:`~grooper_nb.errors.base.ExplainedError`). It keeps what Microsoft sent (``codes``, ``error``,
``description``, ``trace_id``, ``correlation_id``, ``timestamp``, ``suberror``), adds the catalogue's
``meaning``, ``grooper_cause`` and ``fix``, plus local ``hints`` (see :mod:`grooper_nb.auth.hints`), and
renders as HTML in a notebook with a link to ``https://login.microsoftonline.com/error?code=N``. Its
message never contains a token, secret or password: the server's description is scrubbed first.

The catalogue below is one small declarative entry per code: the codes of Microsoft's error-code
reference (https://learn.microsoft.com/entra/identity-platform/reference-error-codes, message texts
from there) that a Grooper setup meets, plus a few codes the flows meet that the reference's table
lacks (1002012, 500131, 90119, 90120) and the codeless OAuth errors of the device-code and authorize
endpoints (https://learn.microsoft.com/entra/identity-platform/v2-oauth2-device-code). "Cause" is the
likely cause *in a Grooper setup*: the app "Grooper Azure AD Connector 2021" used by Grooper's Exchange
(EWS, delegated ``EWS.AccessAsUser.All offline_access``), SharePoint (``Files.ReadWrite.All
Sites.ReadWrite.All offline_access``) and OneDrive (Graph) connections, or a server-to-server app.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, ClassVar

from grooper_nb._redact import Secret
from grooper_nb.errors.base import ExplainedError, Explanation, scrub

__all__ = [
    "CATALOGUE",
    "OAUTH_ERRORS",
    "AuthError",
    "Explanation",
    "error_page_url",
    "explain",
]

ERROR_PAGE = "https://login.microsoftonline.com/error?code={code}"


def error_page_url(code: int) -> str:
    """Microsoft's public lookup page for an AADSTS code."""
    return ERROR_PAGE.format(code=int(code))


def _e(code: int | None, name: str, error: str, *, meaning: str, cause: str, fix: str) -> Explanation:
    docs = error_page_url(code) if code is not None else None
    return Explanation(code, name, error, meaning, cause, fix, docs)


# One entry per code: _e(code, name, typical OAuth error, meaning=Microsoft's, cause=Grooper's, fix=steps).
# fmt: off
_ENTRIES: tuple[Explanation, ...] = (
    # ---- redirect URI / reply address ---------------------------------------------------------
    _e(50011, "InvalidReplyTo", "invalid_request",
       meaning="The redirect URI sent in the request does not match any redirect URI registered for the "
               "app.",
       cause="The redirect URI Grooper (or this notebook) sends differs from the app registration: often "
             "only by a trailing slash, http vs https, localhost vs 127.0.0.1, a port, or the platform "
             "(Web vs Mobile and desktop).",
       fix="Register the exact URI shown in the hints under Authentication in the app registration (Mobile "
           "and desktop applications for http://localhost), or send one that is registered."),
    _e(500113, "NoReplyAddress", "",
       meaning="No reply address is registered for the application.",
       cause="The Grooper app registration has no redirect URI at all, so no interactive sign-in can "
             "finish.",
       fix="Add http://localhost and https://login.microsoftonline.com/common/oauth2/nativeclient under "
           "Authentication > Mobile and desktop applications."),
    _e(900971, "NoReplyAddressProvided", "invalid_request",
       meaning="No reply address (redirect_uri) was provided in the request.",
       cause="The sign-in request was built without a redirect URI.",
       fix="Pass redirect_uri (the profile's redirect_uri, default http://localhost)."),
    _e(70004, "InvalidRedirectUri", "invalid_request",
       meaning="The app returned an invalid redirect URI.",
       cause="The redirect URI is malformed or uses a scheme Entra does not allow for this platform.",
       fix="Use http://localhost (any port) for desktop/notebook sign-in, or an https URI for Web apps."),
    # ---- users --------------------------------------------------------------------------------
    _e(50020, "UserUnauthorized", "",
       meaning="The user's account does not exist in this tenant and cannot sign in to the app.",
       cause="The person signing in belongs to another tenant (or is a personal Microsoft account), while "
             "the profile points at the customer's tenant.",
       fix="Sign in with an account of this tenant, invite the user as a guest, or use the correct tenant."),
    _e(50034, "UserAccountNotFound", "invalid_grant",
       meaning="The user account does not exist in the directory.",
       cause="The UPN is misspelled, or it belongs to a different tenant than the profile's.",
       fix="Check the UPN (user@tenant.onmicrosoft.com or the verified domain) and the profile's tenant."),
    _e(50053, "IdsLocked", "invalid_grant",
       meaning="The account is locked: too many failed sign-ins, or sign-in from a blocked IP.",
       cause="Repeated ROPC attempts with a wrong password (for example a stale password in a Grooper "
             "connection or script) locked the account.",
       fix="Wait for the lockout to end or have an admin unlock it; check the sign-in logs. Stop retrying "
           "with the wrong password."),
    _e(50055, "InvalidPasswordExpiredPassword", "invalid_grant",
       meaning="The user's password has expired.",
       cause="The service account used for the Grooper connection has an expiring password.",
       fix="Reset the password interactively; consider a delegated sign-in that stores a refresh token."),
    _e(50056, "InvalidOrNullPassword", "invalid_grant",
       meaning="Invalid or null password: the password is not in the directory for this user.",
       cause="ROPC was tried for a user without a cloud password (federated or passwordless).",
       fix="Use an interactive flow (auth code or device code) instead of ROPC."),
    _e(50057, "UserDisabled", "invalid_grant",
       meaning="The user account is disabled.",
       cause="The mailbox or service account the Grooper connection signs in with was disabled (often a "
             "departed employee's account).",
       fix="Re-enable the account (Entra admin center > Users > Account enabled) or sign in with another "
           "account, then re-authorize the Grooper connection."),
    _e(50058, "UserInformationNotProvided", "login_required",
       meaning="No session: the user is not signed in and the request did not allow a prompt.",
       cause="A silent sign-in (prompt=none) found no browser session.",
       fix="Run an interactive flow (auth code or device code)."),
    _e(50059, "MissingTenantRealmAndNoUserInformationProvided", "invalid_request",
       meaning="The tenant could not be identified from the request.",
       cause="The profile used /common with a single-tenant app or with a flow that needs a tenant.",
       fix="Set the tenant (GUID or domain) in the profile instead of common."),
    _e(50076, "UserStrongAuthClientAuthNRequired", "invalid_grant",
       meaning="Multi-factor authentication is required (Conditional Access, per-user MFA, or location).",
       cause="The user must do MFA, which ROPC (username + password) and a refresh without a fresh MFA "
             "cannot satisfy. Typical when a Grooper connection was set up with a password.",
       fix="Sign in interactively (auth code or device code) so the user can complete MFA; do not use "
           "ROPC."),
    _e(50079, "UserStrongAuthEnrollmentRequired", "interaction_required",
       meaning="The user must register for multi-factor authentication.",
       cause="The account was never enrolled in MFA and policy now requires it.",
       fix="Have the user sign in interactively once and register security info."),
    _e(50074, "UserStrongAuthClientAuthNRequiredInterrupt", "interaction_required",
       meaning="Strong authentication is required and the user did not pass the MFA challenge.",
       cause="The MFA prompt was cancelled or failed during sign-in.",
       fix="Sign in again interactively and complete the MFA challenge."),
    _e(50072, "UserStrongAuthEnrollmentRequiredInterrupt", "interaction_required",
       meaning="The user needs to enroll for second-factor authentication (interactive).",
       cause="The account has no MFA method registered.",
       fix="Sign in interactively and register an MFA method."),
    _e(50089, "FlowTokenExpired", "invalid_grant",
       meaning="The authentication flow token expired.",
       cause="The sign-in page stayed open too long before the user finished.",
       fix="Start the sign-in again."),
    _e(50105, "EntitlementGrantsNotFound", "invalid_grant",
       meaning="The user is not assigned to a role for the app (assignment required).",
       cause="The Grooper enterprise app has 'Assignment required' on and the user is not assigned.",
       fix="Assign the user (or a group) to the enterprise app, or turn off assignment required."),
    _e(50126, "InvalidUserNameOrPassword", "invalid_grant",
       meaning="Error validating credentials: invalid username or password.",
       cause="The UPN or password used for ROPC is wrong.",
       fix="Check the username and password; prefer an interactive flow."),
    _e(50128, "InvalidDomainName", "invalid_request",
       meaning="Invalid domain name: no tenant information found in the request or credentials.",
       cause="The tenant domain in the profile does not exist (typo, or a domain not verified in Entra).",
       fix="Use the tenant GUID or a verified domain such as contoso.onmicrosoft.com."),
    _e(50173, "FreshTokenNeeded", "invalid_grant",
       meaning="The grant expired because it was revoked; a fresh sign-in is needed.",
       cause="The refresh token Grooper stored was revoked: password change, an admin revoked sessions, or "
             "the user signed out everywhere.",
       fix="Sign in again interactively and re-authorize the Grooper connection."),
    _e(50194, "SingleTenantAppOnCommon", "invalid_request",
       meaning="The app is not multi-tenant; /common and /organizations are not supported for it.",
       cause="The profile uses /common (or /organizations) but the app is registered single-tenant.",
       fix="Use the tenant-specific authority (set the tenant), or make the app multi-tenant."),
    _e(50196, "LoopDetected", "invalid_grant",
       meaning="A client loop was detected: too many identical requests.",
       cause="A script or connection retries token requests without caching the token.",
       fix="Cache tokens (this workbench's token cache) and stop tight retry loops."),
    _e(501481, "InvalidCodeVerifier", "invalid_grant",
       meaning="The code_verifier does not match the code_challenge of the authorization request.",
       cause="The auth code was redeemed with a different PKCE verifier than the one that started the flow "
             "(for example a code pasted into a different flow object).",
       fix="Finish the flow with the same flow object that produced the sign-in link; start over if "
           "unsure."),
    _e(53000, "DeviceNotCompliant", "interaction_required",
       meaning="Conditional Access requires a compliant (managed) device.",
       cause="The machine running Grooper or the notebook is not Intune-compliant.",
       fix="Sign in from a compliant device or ask the admin to exclude the service scenario."),
    _e(53003, "BlockedByConditionalAccess", "access_denied",
       meaning="A Conditional Access policy blocked the token.",
       cause="A CA policy (location, device, app) blocks the Grooper app or this user.",
       fix="Read the sign-in log entry (use the correlation ID) and adjust or exclude in the CA policy."),
    _e(530035, "BlockedBySecurityDefaults", "",
       meaning="Access blocked by security defaults (legacy or unsafe authentication).",
       cause="Security defaults are on, which blocks legacy authentication patterns such as ROPC.",
       fix="Use an interactive flow with MFA or a certificate-based server-to-server app."),
    _e(54005, "AuthCodeAlreadyRedeemed", "invalid_grant",
       meaning="The authorization code was already redeemed.",
       cause="The same redirect URL was pasted or submitted twice.",
       fix="Start a new sign-in; use the refresh token (silent) for later tokens."),
    # ---- consent ------------------------------------------------------------------------------
    _e(65001, "DelegationDoesNotExist", "invalid_grant",
       meaning="The user or an administrator has not consented to the app for the requested permissions.",
       cause="Nobody granted the Grooper app the requested permissions in this tenant (for example "
             "EWS.AccessAsUser.All or Sites.ReadWrite.All), and user consent is disabled or not possible.",
       fix="Grant admin consent: open grooper_nb.auth.flows.admin_consent_url(profile) as a "
           "Global/Privileged Role Administrator, or 'Grant admin consent' on the API permissions page."),
    _e(65004, "UserDeclinedConsent", "access_denied",
       meaning="The user declined to consent to the app.",
       cause="The person pressed Cancel on the consent page.",
       fix="Sign in again and accept, or have an admin grant tenant-wide consent."),
    _e(65005, "MisconfiguredApplication", "unauthorized_client",
       meaning="The app's required permission list does not contain the requested resource, or it is "
               "invalid.",
       cause="A scope was requested (for example Exchange's EWS.AccessAsUser.All) that is not listed in "
             "the app's API permissions.",
       fix="Add the permission under API permissions (Office 365 Exchange Online / Microsoft Graph / "
           "SharePoint) and grant consent."),
    _e(650052, "ServiceNotSubscribed", "invalid_client",
       meaning="The app needs a service the organization has not subscribed to or enabled.",
       cause="The tenant has no Exchange Online or SharePoint Online licence/service for the scope "
             "requested.",
       fix="Enable or license the service, or request scopes only for services the tenant has."),
    _e(650056, "MisconfiguredApplicationNoPermissions", "invalid_client",
       meaning="Misconfigured application: no permissions listed for the resource, or no admin consent.",
       cause="The app registration lacks API permissions for the resource, or they were never consented.",
       fix="Add the API permissions and grant admin consent "
           "(grooper_nb.auth.flows.admin_consent_url(profile))."),
    _e(650057, "InvalidResourceNotInRequiredAccess", "invalid_client",
       meaning="The client requested a resource that is not listed in its requested permissions.",
       cause="A token was requested for an API (e.g. outlook.office365.com or the SharePoint host) that "
             "the app registration does not list.",
       fix="Add a permission for that API in the app registration and grant consent."),
    _e(90094, "AdminConsentRequired", "consent_required",
       meaning="Administrator consent is required.",
       cause="The requested permissions (Files.ReadWrite.All, Sites.ReadWrite.All, EWS.AccessAsUser.All, "
             "any application permission) need an admin, and no admin has consented for the tenant.",
       fix="Have an administrator open grooper_nb.auth.flows.admin_consent_url(profile) and accept, then "
           "retry."),
    _e(90095, "AdminConsentRequiredRequestAccess", "",
       meaning="Admin consent workflow: the user requested approval instead of getting a token.",
       cause="The tenant's admin consent workflow is on; the request is waiting for an admin.",
       fix="An admin approves the request (Enterprise apps > Admin consent requests), then retry."),
    _e(90099, "AppNotAuthorizedInTenant", "",
       meaning="The application has not been authorized in the tenant (partner delegated admin).",
       cause="A partner/CSP account tried to use the app in a customer tenant where it is not authorized.",
       fix="Sign in with an account of the customer tenant, or have that tenant's admin consent."),
    # ---- grants and tokens -------------------------------------------------------------------
    _e(70000, "InvalidGrant", "invalid_grant",
       meaning="The grant is invalid (for example the refresh token is not valid or bound elsewhere).",
       cause="The refresh token stored by Grooper or in the cache is corrupted or belongs to another app.",
       fix="Sign in again interactively."),
    _e(70001, "UnauthorizedClient", "unauthorized_client",
       meaning="The application is disabled.",
       cause="The Grooper enterprise app was disabled for sign-in in this tenant.",
       fix="Enterprise apps > the app > Properties > Enabled for users to sign-in = Yes."),
    _e(70002, "InvalidClient", "invalid_client",
       meaning="Error validating the client's credentials.",
       cause="The client secret or certificate Grooper sends does not belong to this app.",
       fix="Check the client ID and the secret value/certificate of the same app registration."),
    _e(70003, "UnsupportedGrantType", "unsupported_grant_type",
       meaning="The app used a grant type that is not supported.",
       cause="A flow not supported on this endpoint was attempted.",
       fix="Use a supported grant (auth code, device code, client credentials, refresh token, OBO)."),
    _e(70005, "UnsupportedResponseType", "unsupported_response_type",
       meaning="The response type is not supported (for example implicit 'token' not enabled).",
       cause="An implicit-grant request was sent to an app without implicit grant.",
       fix="Use the authorization code flow (response_type=code)."),
    _e(700054, "IdTokenNotEnabled", "unsupported_response_type",
       meaning="response_type 'id_token' is not enabled for the application.",
       cause="A hybrid/implicit sign-in asked for an ID token from the authorize endpoint.",
       fix="Use the auth code flow, or enable ID tokens under Authentication."),
    _e(70007, "UnsupportedResponseMode", "invalid_request",
       meaning="The app returned an unsupported response_mode value.",
       cause="The sign-in request used a response mode the endpoint does not accept.",
       fix="Use response_mode=query or form_post."),
    _e(70008, "ExpiredOrRevokedGrant", "invalid_grant",
       meaning="The refresh token or authorization code expired (inactivity) or was revoked.",
       cause="Grooper's stored refresh token was not used for a long time, or the code is older than 10 "
             "min.",
       fix="Sign in again and re-authorize the Grooper connection."),
    _e(700082, "ExpiredOrRevokedGrantInactiveToken", "invalid_grant",
       meaning="The refresh token expired due to inactivity (default 90 days).",
       cause="The Grooper Exchange/SharePoint connection was not used for ~90 days, so its refresh token "
             "died.",
       fix="Re-authorize the connection (interactive sign-in); schedule use at least every few weeks."),
    _e(700084, "SpaRefreshTokenExpired", "invalid_grant",
       meaning="The refresh token was issued to a single-page app and has a fixed 24 h lifetime.",
       cause="The redirect URI is registered as SPA, so refresh tokens last only a day.",
       fix="Register the redirect URI as Mobile and desktop (or Web) instead of SPA."),
    _e(70011, "InvalidScope", "invalid_scope",
       meaning="The scope requested is not valid.",
       cause="A malformed scope (e.g. 'https://https://graph…', a typo), or a delegated scope name used "
             "with client credentials.",
       fix="Client credentials and OBO need '{resource}/.default' (e.g. "
           "https://graph.microsoft.com/.default); delegated flows need real scope names of one resource."),
    _e(700022, "InvalidMultipleResourcesScope", "invalid_scope",
       meaning="The scope contains more than one resource.",
       cause="Scopes for Exchange and Graph (or SharePoint) were requested in one token request.",
       fix="Request one resource per token (EWS and SharePoint/Graph tokens separately)."),
    _e(700023, "InvalidResourcelessScope", "invalid_scope",
       meaning="The scope is not valid for a resource-less request.",
       cause="A scope without a resource was sent where a resource was needed.",
       fix="Prefix the scope with its resource, e.g. https://outlook.office365.com/EWS.AccessAsUser.All."),
    _e(1002012, "ClientCredentialsNeedDefaultScope", "invalid_scope",
       meaning="Client credential flows must have a scope value with '/.default' suffixed to the resource.",
       cause="A delegated scope name (e.g. Mail.Read or Files.ReadWrite.All) was sent with client "
             "credentials.",
       fix="Use '{resource}/.default': https://graph.microsoft.com/.default, "
           "https://outlook.office365.com/.default or https://{tenant}.sharepoint.com/.default."),
    # ---- device code ----------------------------------------------------------------------------
    _e(70016, "AuthorizationPending", "authorization_pending",
       meaning="Device flow: the user has not finished signing in yet.",
       cause="Normal while the device-code flow waits; only an error if polling stopped.",
       fix="Keep polling after the given interval (the LoginPanel does this in the background)."),
    _e(70018, "BadVerificationCode", "bad_verification_code",
       meaning="The user typed a wrong user code on the device-login page.",
       cause="The code on the device-login page was mistyped or from an older attempt.",
       fix="Copy the current code from the panel and enter it again."),
    _e(70019, "CodeExpired", "expired_token",
       meaning="The device code expired before anyone signed in.",
       cause="Nobody completed the device-login page within the code's lifetime (15 min).",
       fix="Start the device-code flow again."),
    _e(90119, "UserCodeNullOrEmpty", "invalid_request",
       meaning="Device flow: the user code is null or empty.",
       cause="The device-login page was submitted without a code.",
       fix="Enter the code shown in the panel."),
    _e(90120, "DeviceFlowAlreadyUsed", "invalid_grant",
       meaning="The device flow request was already authorized or declined.",
       cause="The code was used twice.",
       fix="Start a new device-code flow."),
    _e(70043, "BadTokenDueToSignInFrequency", "invalid_grant",
       meaning="The refresh token expired or is invalid due to Conditional Access sign-in frequency.",
       cause="A CA policy forces re-authentication every N hours, which unattended Grooper imports hit.",
       fix="Sign in again; for unattended imports use a server-to-server app or exclude it from the "
           "policy."),
    # ---- application / client identity ---------------------------------------------------------
    _e(700016, "UnauthorizedClient_DoesNotMatchRequest", "unauthorized_client",
       meaning="The application with this client ID was not found in the directory (tenant).",
       cause="Wrong client ID (typo, the object ID instead of the Application (client) ID), wrong tenant, "
             "or the multi-tenant Grooper app was never consented in this customer tenant, so it has no "
             "service principal there.",
       fix="Copy the Application (client) ID from the app's Overview page; check the tenant; for a "
           "multi-tenant app have an admin consent in this tenant first "
           "(grooper_nb.auth.flows.admin_consent_url(profile))."),
    _e(700011, "UnauthorizedClientAppNotFoundInOrgIdTenant", "unauthorized_client",
       meaning="The application was not found in the tenant.",
       cause="Same as 700016: wrong client ID or tenant, or no service principal in this tenant.",
       fix="Check client ID and tenant; consent the app in the tenant."),
    _e(700024, "ClientAssertionNotWithinValidTimeRange", "invalid_client",
       meaning="The client assertion is not within its valid time range.",
       cause="The clock of the machine running Grooper is off, or a stale signed assertion was reused.",
       fix="Sync the clock (NTP); let MSAL create fresh assertions."),
    _e(700025, "InvalidClientPublicClientWithCredential", "invalid_client",
       meaning="The client is public, so neither client_assertion nor client_secret may be presented.",
       cause="A secret or certificate was sent for an app configured as a public client.",
       fix="Use the profile without a credential (public client), or make the app confidential."),
    _e(700027, "ClientAssertionSignatureInvalid", "invalid_client",
       meaning="The client assertion failed signature validation (unknown or wrong certificate).",
       cause="The certificate used to sign is not uploaded to the app registration, or the private key "
             "does not belong to the uploaded certificate.",
       fix="Upload the certificate (.cer/.pem, public part) under Certificates & secrets, and sign with "
           "its private key; compare thumbprints."),
    _e(700030, "InvalidCertificateSubjectName", "invalid_client",
       meaning="Invalid certificate: the subject name is not authorized (subject name/issuer auth).",
       cause="SNI authentication was used but the app is not configured for the certificate's subject.",
       fix="Upload the certificate itself, or configure trusted subject names."),
    _e(7000112, "UnauthorizedClientApplicationDisabled", "unauthorized_client",
       meaning="The application is disabled.",
       cause="The app (or its service principal) was disabled by an admin.",
       fix="Enable the enterprise app for sign-in."),
    # Not on Microsoft's error-code page; Entra's real answers carry it, e.g. the response quoted in
    # https://github.com/Azure/Commercial-Marketplace-SaaS-Accelerator/issues/830
    _e(7000229, "MissingServicePrincipal", "invalid_client",
       meaning="The app has no service principal (enterprise application) in this tenant.",
       cause="Grooper's connector, or another multi-tenant app, asked for an app-only token in a tenant "
             "where nobody has consented to it yet, so the tenant has no enterprise app for it.",
       fix="Have an administrator consent once (grooper_nb.auth.flows.admin_consent_url(profile)), or "
           "create the service principal: az ad sp create --id <client id>; then grant its permissions."),
    _e(7000114, "ApplicationOnBehalfOfNotAllowed", "unauthorized_client",
       meaning="The application is not allowed to make application on-behalf-of calls.",
       cause="OBO was tried with an app-only token (client credentials) as the assertion.",
       fix="OBO needs a user's delegated token whose aud is the middle-tier API."),
    _e(7000215, "InvalidClientSecret", "invalid_client",
       meaning="Invalid client secret provided.",
       cause="Very often the secret's *ID* (a GUID) was pasted instead of its *Value*, or the value "
             "belongs to another app registration, or it was mistyped.",
       fix="Copy the secret's *Value* (shown only once, right after creation) from Certificates & secrets; "
           "if it is lost, create a new secret."),
    _e(7000218, "MissingClientCredential", "invalid_client",
       meaning="The request body must contain client_assertion or client_secret.",
       cause="A public-client flow (device code, ROPC without secret) was used with an app whose 'Allow "
             "public client flows' is off — the Grooper connector app is confidential.",
       fix="Use a flow with the app's secret/certificate (auth code, client credentials), or enable 'Allow "
           "public client flows' under Authentication, or use a public client app for device code."),
    _e(7000222, "InvalidClientSecretExpiredKeysProvided", "invalid_client",
       meaning="The provided client secret keys are expired.",
       cause="The Grooper app's client secret passed its expiry date (secrets last at most 24 months), so "
             "every Grooper connection using it fails at once.",
       fix="Create a new secret (Certificates & secrets > New client secret), update it in Grooper and in "
           "GROOPER_NB_CLIENT_SECRET; or switch to a certificate."),
    _e(700005, "InvalidGrantRedeemAgainstWrongTenant", "invalid_grant",
       meaning="The authorization code was issued for another tenant.",
       cause="The code was redeemed at a different tenant's endpoint than the one that issued it.",
       fix="Use the same tenant (authority) for the sign-in link and the redemption."),
    # ---- tenant / request ------------------------------------------------------------------------
    _e(90002, "InvalidTenantName", "invalid_request",
       meaning="The tenant was not found: it does not exist or has no active subscription.",
       cause="The tenant GUID/domain in the profile is wrong, or belongs to a national cloud (US Gov, "
             "China) while the profile uses the global cloud.",
       fix="Use the Directory (tenant) ID from the app's Overview page, and the right cloud "
           "(GROOPER_NB_CLOUD=usgov|usgov-dod|china)."),
    _e(90009, "TokenForItselfMissingIdenticalAppIdentifier", "invalid_request",
       meaning="The app requests a token for itself with a non-GUID resource identifier.",
       cause="A token was requested for the app's own API with its URI instead of its client ID.",
       fix="Use the app ID (GUID) as resource, or api://{client_id}/.default."),
    _e(90014, "MissingRequiredField", "invalid_request",
       meaning="A required field is missing in the credential.",
       cause="The request lacked a field (e.g. an empty secret value from an unset environment variable).",
       fix="Check GROOPER_NB_* settings; none may be empty."),
    _e(900144, "MissingRequiredParameter", "invalid_request",
       meaning="The request body must contain a required parameter (grant_type, client_id, scope, ...).",
       cause="A hand-built token request missed a parameter, or a legacy ACS-style call was used.",
       fix="Use the flows in grooper_nb.auth.flows, which send every parameter."),
    _e(9001023, "GrantTypeNotSupportedOverCommon", "invalid_request",
       meaning="The grant type is not supported over the /common or /consumers endpoints.",
       cause="ROPC or client credentials were sent to /common.",
       fix="Set the tenant (GUID or domain) or use /organizations."),
    _e(9002313, "InvalidRequest", "invalid_request",
       meaning="The request is malformed or invalid.",
       cause="A parameter is malformed (often the redirect URI or scope encoding).",
       fix="Compare the request with the flow's documented parameters."),
    _e(9002331, "EntraOnlyAppOnConsumers", "invalid_request",
       meaning="The app is configured for Microsoft Entra users only; do not use /consumers.",
       cause="The authority is /consumers but the Grooper app accepts only work/school accounts.",
       fix="Use the tenant or /organizations."),
    _e(9002332, "EntraOnlyAppOnConsumersEndpoint", "invalid_request",
       meaning="The app is configured for Microsoft Entra users only; the /consumers endpoint cannot be "
               "used.",
       cause="Same as 9002331.",
       fix="Use the tenant or /organizations."),
    _e(901002, "ResourceParameterNotSupported", "invalid_request",
       meaning="The 'resource' request parameter is not supported on the v2.0 endpoint.",
       cause="A v1-style request (resource=...) was sent to the v2.0 endpoint.",
       fix="Use scope={resource}/.default instead of resource=."),
    _e(500011, "InvalidResourceServicePrincipalNotFound", "invalid_resource",
       meaning="The resource principal was not found in the tenant.",
       cause="Wrong resource URI: the SharePoint host (contoso.sharepoint.com vs a custom domain), a typo "
             "such as https://https://graph..., or the tenant has no Exchange/SharePoint.",
       fix="Use the tenant's {name}.sharepoint.com host or outlook.office365.com exactly; check the "
           "tenant."),
    _e(500131, "AssertionAudienceMismatch", "invalid_grant",
       meaning="The assertion audience does not match the client app presenting it.",
       cause="OBO was tried with a token issued for another API (e.g. a Graph token) instead of the middle "
             "tier.",
       fix="Get the user token for api://{middle-tier client id}/access_as_user, then exchange it."),
    _e(500133, "AssertionExpired", "invalid_grant",
       meaning="The assertion is not within its valid time range (the user token for OBO expired).",
       cause="The incoming user token used for on-behalf-of is expired.",
       fix="Get a fresh user token and retry the OBO exchange."),
    _e(1002016, "TlsVersionDeprecated", "",
       meaning="TLS 1.0/1.1 or 3DES is used; TLS 1.2 is required.",
       cause="An old .NET/Windows Server running Grooper negotiates TLS 1.0/1.1.",
       fix="Enable TLS 1.2 (SchUseStrongCrypto for .NET Framework) on that server."),
    _e(16000, "InteractionRequired", "interaction_required",
       meaning="The user account from the identity provider does not exist in the tenant (interaction "
               "required).",
       cause="A cached account from another tenant was used silently.",
       fix="Sign in interactively with an account of this tenant."),
    _e(50001, "InvalidResource", "invalid_resource",
       meaning="The resource is disabled or does not exist.",
       cause="The scope's resource (API) is not available in the tenant.",
       fix="Check the resource URI and that the service exists in the tenant."),
    _e(50012, "AuthenticationFailed", "invalid_client",
       meaning="Authentication failed: invalid client assertion signature or unauthorized certificate.",
       cause="The certificate's thumbprint is not registered on the app, or the assertion is malformed.",
       fix="Upload the certificate to the app registration; sign with the matching private key."),
    _e(50013, "InvalidAssertion", "invalid_grant",
       meaning="The assertion is invalid (expired, malformed, wrong issuer, or bad signature).",
       cause="The user token passed to on-behalf-of is not a valid token for this tenant.",
       fix="Pass the user's access token for the middle-tier API, unmodified and unexpired."),
    _e(50027, "InvalidJwtToken", "invalid_request",
       meaning="Invalid JWT token.",
       cause="A malformed token or assertion was sent (truncated or not a JWT).",
       fix="Send the complete token; do not copy it from a masked display."),
    _e(50097, "DeviceAuthenticationRequired", "interaction_required",
       meaning="Device authentication is required.",
       cause="A policy requires a registered device.",
       fix="Sign in from a registered/joined device."),
    _e(50133, "SsoArtifactInvalidOrExpired", "interaction_required",
       meaning="The session is invalid due to expiration or a recent password change.",
       cause="The user changed their password; cached sessions and refresh tokens are no longer valid.",
       fix="Sign in again interactively."),
    _e(50132, "SsoArtifactRevoked", "interaction_required",
       meaning="The session is not valid due to a password change/expiration or sign-out.",
       cause="Same as 50133.",
       fix="Sign in again interactively."),
    _e(90055, "TenantThrottlingError", "temporarily_unavailable",
       meaning="Too many requests for the tenant.",
       cause="Many token requests in a short time (e.g. imports requesting a token per document).",
       fix="Cache tokens and back off; retry later."),
    _e(90033, "MsodsServiceUnavailable", "temporarily_unavailable",
       meaning="A transient Microsoft service error.",
       cause="Temporary Entra ID problem.",
       fix="Retry after a short delay."),
    _e(90006, "ExternalServerRetryableError", "temporarily_unavailable",
       meaning="A transient Microsoft service error.",
       cause="Temporary Entra ID problem.",
       fix="Retry after a short delay."),
    _e(90024, "RequestBudgetExceededError", "temporarily_unavailable",
       meaning="A transient error (request budget exceeded).",
       cause="Temporary Entra ID problem.",
       fix="Retry after a short delay."),
)

# fmt: on

CATALOGUE: Mapping[int, Explanation] = MappingProxyType({int(e.code or 0): e for e in _ENTRIES})

# fmt: off
# Errors that come without an AADSTS code (device-code poll results, authorize redirects, local failures).
OAUTH_ERRORS: Mapping[str, Explanation] = MappingProxyType(
    {
        e.name: e
        for e in (
            _e(None, "authorization_declined", "authorization_declined",
               meaning="The user declined the device-code sign-in.",
               cause="Someone pressed 'No'/'Cancel' on the device-login page.",
               fix="Start the device-code flow again and approve it."),
            _e(None, "expired_token", "expired_token",
               meaning="The device code expired before anyone signed in.",
               cause="Nobody completed the device-login page within the code's lifetime.",
               fix="Start the device-code flow again."),
            _e(None, "access_denied", "access_denied",
               meaning="The user or an administrator denied the request.",
               cause="Consent was declined, or a policy blocked the sign-in on the authorize page.",
               fix="Sign in again and accept; for tenant-wide permissions ask an admin to consent."),
            _e(None, "no_cached_token", "no_cached_token",
               meaning="Nothing in the token cache can serve this request silently.",
               cause="This account never signed in with these scopes on this machine (or the cache was "
                     "cleared).",
               fix="Run an interactive flow (auth code or device code) first; later cells can use "
                   "silent()."),
            _e(None, "network_error", "network_error",
               meaning="The identity endpoint could not be reached.",
               cause="No network, a proxy that blocks login.microsoftonline.com, or TLS trust problems (a "
                     "corporate proxy's CA not in the bundle).",
               fix="Check the proxy (HTTPS_PROXY) and CA bundle (REQUESTS_CA_BUNDLE); for the sandbox, "
                   "check `python -m grooper_nb.sandbox status`."),
            _e(None, "state_mismatch", "state_mismatch",
               meaning="The redirect URL does not belong to this sign-in (its state does not match).",
               cause="The pasted URL came from another (older) sign-in attempt.",
               fix="Start the sign-in again and paste the URL of that attempt."),
            _e(None, "no_browser", "no_browser",
               meaning="No web browser could be opened where the kernel runs.",
               cause="The kernel runs on a server, in a container, on JupyterHub or in WSL without a "
                     "browser, so the local-browser variant of the auth code flow cannot work there.",
               fix="Use auth_code_start(profile, scopes) (open the link anywhere, paste the final URL back) "
                   "or device_code(profile, scopes)."),
            _e(None, "timeout", "timeout",
               meaning="Nobody finished the browser sign-in in time.",
               cause="The browser window was not completed or the redirect did not reach this kernel.",
               fix="Run the flow again; on a remote kernel use the paste-the-redirect variant."),
            _e(None, "invalid_client", "invalid_client",
               meaning="The flow needs the app to prove who it is (a client secret or certificate), and the "
                       "profile has no usable credential.",
               cause="A profile without a credential (a public client, or GROOPER_NB_CLIENT_SECRET / "
                     "GROOPER_NB_CERTIFICATE not set) was used for client credentials or on-behalf-of.",
               fix="Give the profile the app's secret value (GROOPER_NB_CLIENT_SECRET) or certificate "
                   "(GROOPER_NB_CERTIFICATE); for a seeded sandbox app, connect(app, "
                   "credential='secret') or credential='certificate'."),
            _e(None, "invalid_request", "invalid_request",
               meaning="Something the request needs is missing or cannot be used; the description names it.",
               cause="The flow was handed an empty or incomplete value; the message above names it.",
               fix="Pass what the message names, whole (e.g. the entire address the browser ended on)."),
            _e(None, "invalid_scope", "invalid_scope",
               meaning="No requested scope names an API, so nobody can say which API the token is for.",
               cause="The scopes were empty (or only openid/profile/offline_access), e.g. an empty scopes "
                     "box or scopes=None.",
               fix="Pass the API's scopes: https://graph.microsoft.com/.default for client credentials, "
                   "https://outlook.office365.com/EWS.AccessAsUser.All for Grooper's Exchange "
                   "connection, User.Read for a plain sign-in."),
            _e(None, "client_error", "client_error",
               meaning="The flow stopped because of an unexpected error on this machine, not because of an "
                       "answer from Entra ID.",
               cause="Something in the notebook kernel raised: a browser launcher, a callback, a file or a "
                     "value of the wrong type passed to the flow.",
               fix="Read the description (exception type and message), fix what it names and run the "
                   "flow again; report it if it looks like a bug in grooper-nb."),
            _e(None, "temporarily_unavailable", "temporarily_unavailable",
               meaning="The identity endpoint answered with something that is not a usable OAuth "
                       "response (MSAL could not read it), or is temporarily unavailable.",
               cause="A transient Entra ID problem, or an error page from a proxy between the kernel and "
                     "login.microsoftonline.com.",
               fix="Retry after a short delay; if it persists, read the description and check the proxy "
                   "(HTTPS_PROXY)."),
        )
    }
)
# fmt: on

_CODE_IN_TEXT = re.compile(r"AADSTS(\d{5,8})")


def explain(code: int | str) -> Explanation | None:
    """The catalogue entry for an AADSTS number (``7000215``, ``"AADSTS7000215"``) or an OAuth error."""
    if isinstance(code, str):
        m = _CODE_IN_TEXT.search(code)
        if m:
            code = int(m.group(1))
        elif code.strip().isdigit():
            code = int(code.strip())
        else:
            return OAUTH_ERRORS.get(code.strip())
    return CATALOGUE.get(int(code))


def _description_text(description: str) -> str:
    """Microsoft's description without the trailing Trace/Correlation/Timestamp lines."""
    first = re.split(r"\r?\n(?:Trace ID|Correlation ID|Timestamp):", description, maxsplit=1)[0]
    return first.strip()


@dataclass(eq=False)
class AuthError(ExplainedError):
    """A failed sign-in or token request, explained.

    Attributes keep what Microsoft sent (``codes``, ``error``, ``description``, ``trace_id``,
    ``correlation_id``, ``timestamp``, ``suberror``, ``claims``) plus the catalogue's explanation
    (``meaning``, ``grooper_cause``, ``fix``) and local ``hints``. ``flow`` names the flow that failed.
    In a notebook the error renders as an HTML card; ``str(err)`` is a one-paragraph summary::

        try:
            client_credentials(profile)
        except AuthError as err:
            err            # HTML card in Jupyter
            err.code       # 7000215
            err.fix        # what to do
    """

    source: ClassVar[str] = "aadsts"
    label: ClassVar[str] = "Entra ID"

    codes: tuple[int, ...] = ()
    suberror: str | None = None
    claims: str | None = None
    flow: str | None = None
    found_here: bool = False  # detected by grooper-nb, not answered by Entra ID: its words, not Microsoft's

    def __post_init__(self) -> None:
        self.codes = tuple(int(c) for c in self.codes)
        if not self.codes and self.description:
            self.codes = tuple(int(c) for c in _CODE_IN_TEXT.findall(self.description)[:1])
        super().__post_init__()

    # -- construction ------------------------------------------------------------------------------
    @classmethod
    def from_response(
        cls,
        result: Mapping[str, Any],
        *,
        flow: str | None = None,
        secrets: Iterable[str | Secret | None] = (),
        hints: Iterable[str] = (),
    ) -> AuthError:
        """Build from an MSAL result dict / Entra error body (``{"error": ..., "error_codes": ...}``).

        ``secrets`` are values that must be scrubbed from the description if the server echoed them.
        """
        description = scrub(str(result.get("error_description") or ""), secrets)
        return cls(
            error=str(result.get("error") or "unknown_error"),
            description=description,
            codes=tuple(result.get("error_codes") or ()),
            trace_id=result.get("trace_id"),
            correlation_id=result.get("correlation_id"),
            timestamp=result.get("timestamp"),
            suberror=result.get("suberror"),
            claims=result.get("claims"),
            flow=flow,
            hints=list(hints),
        )

    @classmethod
    def local(cls, error: str, description: str = "", *, flow: str | None = None, hints=()) -> AuthError:
        """An error detected on this side (timeout, cancelled, network, state mismatch)."""
        return cls(error=error, description=description, flow=flow, hints=list(hints), found_here=True)

    # -- explanation --------------------------------------------------------------------------------
    @property
    def code(self) -> int | None:
        """The first AADSTS code, or None."""
        return self.codes[0] if self.codes else None

    @property
    def explanation(self) -> Explanation | None:
        for c in self.codes:
            if c in CATALOGUE:
                return CATALOGUE[c]
        if self.codes:
            return None  # an AADSTS code we lack: Microsoft's own text beats a generic entry
        return OAUTH_ERRORS.get(self.error)

    @property
    def grooper_cause(self) -> str:
        e = self.explanation
        return e.cause if e else "Not in the catalogue; see Microsoft's description and the error page."

    @property
    def fix(self) -> str:
        e = self.explanation
        return e.fix if e else "Look the code up on Microsoft's error page and in the sign-in logs."

    @property
    def error_uri(self) -> str | None:
        return error_page_url(self.code) if self.code is not None else None

    @property
    def docs_url(self) -> str | None:
        return self.error_uri

    def _said(self) -> str:
        # A local error's description is the specific message: it leads the card instead.
        return "" if self.found_here else _description_text(self.description)

    @property
    def headline(self) -> str:
        """The one sentence to lead with: a local error's own message, else the catalogue's meaning."""
        return self.description if self.found_here and self.description else self.meaning

    def _lead_html(self) -> str:
        if not (self.found_here and self.description):
            return ""
        return f'<div class="grooper-nb-local-message"><b>{html.escape(self.description)}</b></div>'

    def to_dict(self) -> dict[str, Any]:
        """Plain fields (for a DataFrame row or a log record); contains no secret."""
        return {
            "flow": self.flow,
            "error": self.error,
            "code": self.code,
            "codes": list(self.codes),
            "name": self.explanation.name if self.explanation else None,
            "meaning": self.meaning,
            "grooper_cause": self.grooper_cause,
            "fix": self.fix,
            "hints": list(self.hints),
            "description": _description_text(self.description),
            "suberror": self.suberror,
            "trace_id": self.trace_id,
            "correlation_id": self.correlation_id,
            "timestamp": self.timestamp,
        }

    # -- display ----------------------------------------------------------------------------------
    def _title(self) -> str:
        head = f"AADSTS{self.code}" if self.code is not None else self.error
        e = self.explanation
        name = f" {e.name}" if e and e.code is not None else ""
        err = f" ({self.error})" if self.code is not None else ""
        return f"{head}{name}{err}"

    def _prefix(self) -> str:
        return f"[{self.flow}] " if self.flow else ""

    def _ids(self) -> list[tuple[str, Any]]:
        return [
            ("trace ID", self.trace_id),
            ("correlation ID", self.correlation_id),
            ("timestamp", self.timestamp),
        ]

    def _html_ids(self) -> list[tuple[str, Any]]:
        return [*self._ids(), ("suberror", self.suberror)]

    def _link_text(self) -> str:
        return f"Microsoft's page for AADSTS{self.code}"

    def _css_class(self) -> str:
        return "grooper-nb-autherror"

    def _context_html(self) -> str:
        return f" during <b>{html.escape(self.flow)}</b>" if self.flow else ""

    def __repr__(self) -> str:
        return f"AuthError({self._title()!r}, flow={self.flow!r}, correlation_id={self.correlation_id!r})"

    def __reduce__(self):
        return (_rebuild_auth_error, (self.to_state(),))

    def to_state(self) -> dict[str, Any]:
        return {
            "error": self.error,
            "description": self.description,
            "codes": self.codes,
            "trace_id": self.trace_id,
            "correlation_id": self.correlation_id,
            "timestamp": self.timestamp,
            "suberror": self.suberror,
            "claims": self.claims,
            "flow": self.flow,
            "hints": list(self.hints),
        }


def _rebuild_auth_error(state: dict[str, Any]) -> AuthError:
    return AuthError(**state)


def parse_error_body(text: str) -> dict[str, Any] | None:
    """The JSON error object inside ``text`` (an HTTP body or an MSAL message quoting one), or None."""
    start = text.find("{")
    while start != -1:
        try:
            obj, _ = json.JSONDecoder().raw_decode(text[start:])
        except ValueError:
            start = text.find("{", start + 1)
            continue
        if isinstance(obj, dict) and "error" in obj:
            return obj
        start = text.find("{", start + 1)
    return None
