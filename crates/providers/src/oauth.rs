//! Generic OAuth 2.0 authorization-code flow over the `oauth2` crate, with its HTTP going through
//! our [`HttpSender`]. Provider quirks are chosen in [`for_provider`].

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU16, Ordering};

use chrono::{DateTime, Utc};
use domain::Provider;
use oauth2::basic::{BasicErrorResponse, BasicErrorResponseType};
use oauth2::{
    AsyncHttpClient, AuthType, AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken,
    EndpointNotSet, EndpointSet, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, RefreshToken,
    RequestTokenError, Scope, TokenResponse, TokenUrl,
};
use secrecy::{ExposeSecret, SecretString};
use url::Url;

use crate::error::{ProviderError, truncate_body};
use crate::http::{HttpSender, error_from_response};
use crate::{ProviderCredentials, ProviderEndpoints};

/// Tokens from a code exchange or a refresh.
#[derive(Debug, Clone)]
pub struct TokenSet {
    pub access_token: SecretString,
    /// `None` when the provider did not send one (on refresh: keep the old one).
    pub refresh_token: Option<SecretString>,
    pub expires_at: Option<DateTime<Utc>>,
    pub scope: Option<String>,
    /// Every other field of the token response, untouched.
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// Where to send the user, and the PKCE verifier to keep (with the state) until the callback.
#[derive(Debug, Clone)]
pub struct AuthorizeRequest {
    pub url: Url,
    pub pkce_verifier: Option<SecretString>,
}

/// How the client authenticates at the token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientAuth {
    /// `client_id` and `client_secret` in the form body.
    RequestBody,
    /// HTTP Basic `client_id:client_secret`.
    BasicHeader,
}

/// How a token is revoked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RevokeStyle {
    /// RFC 7009: form `token=..` with client authentication.
    Rfc7009,
    /// `POST {revoke_url}?access_token=..` (Oura).
    AccessTokenQuery,
}

/// Token-response fields beyond the standard ones (`x_user_id`, `user_id`, `athlete`, …), kept
/// because several providers put the account id there.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct ExtraFields {
    #[serde(flatten)]
    pub fields: serde_json::Map<String, serde_json::Value>,
}

impl oauth2::ExtraTokenFields for ExtraFields {}

type TokenResponseWithExtras =
    oauth2::StandardTokenResponse<ExtraFields, oauth2::basic::BasicTokenType>;

type ConfiguredClient = oauth2::Client<
    BasicErrorResponse,
    TokenResponseWithExtras,
    oauth2::basic::BasicTokenIntrospectionResponse,
    oauth2::StandardRevocableToken,
    oauth2::basic::BasicRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
>;

/// One provider's OAuth application.
#[derive(Debug, Clone)]
pub struct OAuthClient {
    inner: ConfiguredClient,
    scopes: Vec<String>,
    use_pkce: bool,
    client_auth: ClientAuth,
    client_id: String,
    client_secret: SecretString,
    revoke: Option<(Url, RevokeStyle)>,
    label: &'static str,
    sender: HttpSender,
}

impl OAuthClient {
    pub fn new(
        endpoints: &ProviderEndpoints,
        credentials: &ProviderCredentials,
        client_auth: ClientAuth,
        use_pkce: bool,
        sender: HttpSender,
    ) -> Result<Self, ProviderError> {
        let inner = oauth2::Client::new(ClientId::new(credentials.client_id.clone()))
            .set_client_secret(ClientSecret::new(
                credentials.client_secret.expose_secret().to_owned(),
            ))
            .set_auth_uri(AuthUrl::from_url(endpoints.authorize_url.clone()))
            .set_token_uri(TokenUrl::from_url(endpoints.token_url.clone()))
            .set_redirect_uri(RedirectUrl::from_url(credentials.redirect_url.clone()))
            .set_auth_type(match client_auth {
                ClientAuth::RequestBody => AuthType::RequestBody,
                ClientAuth::BasicHeader => AuthType::BasicAuth,
            });
        Ok(Self {
            inner,
            scopes: credentials.scopes.clone(),
            use_pkce,
            client_auth,
            client_id: credentials.client_id.clone(),
            client_secret: credentials.client_secret.clone(),
            revoke: endpoints
                .revoke_url
                .clone()
                .map(|u| (u, RevokeStyle::Rfc7009)),
            label: "oauth",
            sender,
        })
    }

    /// Names the provider in logs and sets its revocation style.
    pub(crate) fn with_provider(mut self, provider: Provider, revoke: RevokeStyle) -> Self {
        self.label = provider.as_str();
        self.revoke = self.revoke.map(|(url, _)| (url, revoke));
        self
    }

    /// `response_type=code`, `client_id`, `redirect_uri`, space-separated `scope`, `state`, and an
    /// S256 PKCE challenge when enabled.
    pub fn authorize_url(&self, state: &str) -> AuthorizeRequest {
        let mut request = self
            .inner
            .authorize_url(|| CsrfToken::new(state.to_owned()))
            .add_scopes(self.scopes.iter().cloned().map(Scope::new));
        let mut pkce_verifier = None;
        if self.use_pkce {
            let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
            request = request.set_pkce_challenge(challenge);
            pkce_verifier = Some(SecretString::from(verifier.into_secret()));
        }
        let (url, _state) = request.url();
        AuthorizeRequest { url, pkce_verifier }
    }

    /// Exchanges an authorization code. `now` stamps `expires_at`.
    pub async fn exchange_code(
        &self,
        code: &str,
        pkce_verifier: Option<&SecretString>,
        now: DateTime<Utc>,
    ) -> Result<TokenSet, ProviderError> {
        let http = self.adapter();
        let mut exchange = self
            .inner
            .exchange_code(AuthorizationCode::new(code.to_owned()));
        if let Some(verifier) = pkce_verifier {
            exchange = exchange
                .set_pkce_verifier(PkceCodeVerifier::new(verifier.expose_secret().to_owned()));
        }
        let result = exchange.request_async(&http).await;
        token_result(result, &http.last_status, now)
    }

    /// Uses a refresh token. `invalid_grant` is [`ProviderError::RefreshRejected`].
    pub async fn refresh(
        &self,
        refresh_token: &SecretString,
        now: DateTime<Utc>,
    ) -> Result<TokenSet, ProviderError> {
        let http = self.adapter();
        let token = RefreshToken::new(refresh_token.expose_secret().to_owned());
        let result = self
            .inner
            .exchange_refresh_token(&token)
            .request_async(&http)
            .await;
        token_result(result, &http.last_status, now)
    }

    /// Revokes a token at the provider, if it has a revocation endpoint (else `Ok`).
    pub async fn revoke(&self, token: &SecretString) -> Result<(), ProviderError> {
        let Some((url, style)) = &self.revoke else {
            return Ok(());
        };
        let client = self.sender.client();
        let builder = match style {
            RevokeStyle::AccessTokenQuery => client
                .post(url.clone())
                .query(&[("access_token", token.expose_secret())]),
            RevokeStyle::Rfc7009 => {
                let mut form = vec![("token", token.expose_secret())];
                let builder = client.post(url.clone());
                match self.client_auth {
                    ClientAuth::BasicHeader => builder
                        .basic_auth(&self.client_id, Some(self.client_secret.expose_secret()))
                        .form(&form),
                    ClientAuth::RequestBody => {
                        form.push(("client_id", &self.client_id));
                        form.push(("client_secret", self.client_secret.expose_secret()));
                        builder.form(&form)
                    }
                }
            }
        };
        let request = builder
            .build()
            .map_err(|e| ProviderError::Transport(e.without_url().to_string()))?;
        let response = self
            .sender
            .execute(self.label, "oauth_revoke", request)
            .await?;
        if response.status().is_success() {
            Ok(())
        } else {
            Err(error_from_response(response).await)
        }
    }

    fn adapter(&self) -> HttpAdapter {
        HttpAdapter {
            sender: self.sender.clone(),
            label: self.label,
            last_status: AtomicU16::new(0),
        }
    }
}

/// The `oauth2` HTTP client: our sender, with 429/5xx mapped to errors and 4xx passed back for
/// `oauth2` to parse. Records the final status for error mapping. A struct rather than a closure
/// so that the token futures stay `Send`.
struct HttpAdapter {
    sender: HttpSender,
    label: &'static str,
    last_status: AtomicU16,
}

impl<'c> AsyncHttpClient<'c> for HttpAdapter {
    type Error = ProviderError;
    type Future =
        Pin<Box<dyn Future<Output = Result<oauth2::HttpResponse, ProviderError>> + Send + 'c>>;

    fn call(&'c self, request: oauth2::HttpRequest) -> Self::Future {
        Box::pin(async move {
            let request = reqwest::Request::try_from(request)
                .map_err(|e| ProviderError::Transport(e.without_url().to_string()))?;
            let response = self
                .sender
                .execute(self.label, "oauth_token", request)
                .await?;
            let status = response.status();
            self.last_status.store(status.as_u16(), Ordering::Relaxed);
            if status == reqwest::StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
                return Err(error_from_response(response).await);
            }
            let mut builder = http::Response::builder().status(status);
            if let Some(headers) = builder.headers_mut() {
                headers.extend(response.headers().clone());
            }
            let body = crate::http::read_body(response).await?;
            builder
                .body(body)
                .map_err(|e| ProviderError::InvalidResponse(e.to_string()))
        })
    }
}

/// The provider's quirks (client authentication, PKCE, revocation) applied to the generic client.
pub fn for_provider(
    provider: Provider,
    endpoints: &ProviderEndpoints,
    credentials: &ProviderCredentials,
    sender: HttpSender,
) -> Result<OAuthClient, ProviderError> {
    match provider {
        Provider::Oura => crate::oura::oauth::client(endpoints, credentials, sender),
        other => Ok(OAuthClient::new(
            endpoints,
            credentials,
            ClientAuth::BasicHeader,
            false,
            sender,
        )?
        .with_provider(other, RevokeStyle::Rfc7009)),
    }
}

type TokenError = RequestTokenError<ProviderError, BasicErrorResponse>;

fn token_result(
    result: Result<TokenResponseWithExtras, TokenError>,
    last_status: &AtomicU16,
    now: DateTime<Utc>,
) -> Result<TokenSet, ProviderError> {
    let status = last_status.load(Ordering::Relaxed);
    let response = result.map_err(|e| map_token_error(e, status))?;
    let expires_at = response
        .expires_in()
        .and_then(|d| chrono::Duration::from_std(d).ok())
        .and_then(|d| now.checked_add_signed(d));
    let scope = response
        .scopes()
        .map(|s| s.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" "));
    Ok(TokenSet {
        access_token: SecretString::from(response.access_token().secret().to_owned()),
        refresh_token: response
            .refresh_token()
            .map(|t| SecretString::from(t.secret().to_owned())),
        expires_at,
        scope,
        extra: response.extra_fields().fields.clone(),
    })
}

fn map_token_error(error: TokenError, status: u16) -> ProviderError {
    match error {
        RequestTokenError::ServerResponse(response) => {
            let detail = match response.error_description() {
                Some(description) => format!("{}: {description}", response.error()),
                None => response.error().to_string(),
            };
            match response.error() {
                BasicErrorResponseType::InvalidGrant => ProviderError::RefreshRejected(detail),
                _ => ProviderError::Status {
                    status,
                    body: truncate_body(detail.as_bytes()),
                },
            }
        }
        RequestTokenError::Request(error) => error,
        RequestTokenError::Parse(error, _) if (200..300).contains(&status) => {
            ProviderError::InvalidResponse(format!("token response: {error}"))
        }
        RequestTokenError::Other(message) if (200..300).contains(&status) => {
            ProviderError::InvalidResponse(message)
        }
        // A non-standard error body: like Open Wearables, 400/401 from the token endpoint means
        // the grant is gone (e.g. Oura's "Token Already Used Or Revoked").
        RequestTokenError::Parse(_, body) => rejected_or_status(status, truncate_body(&body)),
        RequestTokenError::Other(message) => rejected_or_status(status, message),
    }
}

fn rejected_or_status(status: u16, body: String) -> ProviderError {
    match status {
        400 | 401 => ProviderError::RefreshRejected(body),
        _ => ProviderError::Status { status, body },
    }
}
