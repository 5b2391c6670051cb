"""A small httpx wrapper for the live sources: rate limit, capped retries, secrets kept out of sight."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx

from resources.sources.base import BadBodyError, RawPayload, SourceError, TransientSourceError
from resources.sources.parsing import decode_body

logger = logging.getLogger(__name__)

# Query parameters whose values are secrets: never logged, never in an error or a recorded url.
SECRET_PARAMS: frozenset[str] = frozenset({"apikey", "api_key", "key", "token", "access_token"})


_SECRET_IN_TEXT = re.compile(
    r"(?i)\b(" + "|".join(sorted(SECRET_PARAMS, key=len, reverse=True)) + r")=([^&\s\"'>]+)"
)


class RedactSecretsFilter(logging.Filter):
    """Rewrites log records so secret query parameters (apiKey=...) never reach a handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact the formatted message in place; always keep the record."""
        message = record.getMessage()
        redacted = _SECRET_IN_TEXT.sub(r"\1=***", message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


def install_log_redaction(logger_names: tuple[str, ...] = ("httpx", "httpcore")) -> None:
    """Attach RedactSecretsFilter to httpx's loggers (which log full request urls); idempotent."""
    for name in logger_names:
        target = logging.getLogger(name)
        if not any(isinstance(f, RedactSecretsFilter) for f in target.filters):
            target.addFilter(RedactSecretsFilter())


class HttpStatusError(SourceError):
    """A non-retryable HTTP status (4xx other than 429); `status_code` says which."""

    def __init__(self, source: str, message: str, *, url: str | None, status_code: int) -> None:
        super().__init__(source, message, url=url)
        self.status_code = status_code


@dataclass(frozen=True)
class HttpResult:
    """A successful JSON response: verbatim body, decoded data, and the url with secrets removed."""

    url: str
    status_code: int
    content: bytes
    content_type: str
    data: Any
    headers: Mapping[str, str] = field(default_factory=dict)


def redact_url(url: str | httpx.URL, secret_params: frozenset[str] = SECRET_PARAMS) -> str:
    """Return the url without any secret query parameter (e.g. apiKey)."""
    parts = urlsplit(str(url))
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if k.lower() not in secret_params
    ]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), parts.fragment))


@dataclass
class HttpConfig:
    """Per-source HTTP settings (the lead wires these from settings)."""

    base_url: str
    headers: Mapping[str, str] = field(default_factory=dict)
    timeout_s: float = 20.0
    min_interval_s: float = 0.0
    max_attempts: int = 4
    backoff_base_s: float = 1.0
    backoff_max_s: float = 30.0


class HttpClient:
    """GET JSON from one source with a minimum interval between requests and capped retries."""

    def __init__(
        self,
        source: str,
        config: HttpConfig,
        *,
        default_params: Mapping[str, str] | None = None,
        secret_params: frozenset[str] = SECRET_PARAMS,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.source = source
        self.config = config
        self._default_params = dict(default_params or {})
        self._secret_params = frozenset(p.lower() for p in secret_params)
        self._secret_values: tuple[str, ...] = ()
        self._remember_secrets(self._default_params)
        self._sleep = sleep
        self._clock = clock
        self._last_request: float | None = None
        self._client = httpx.Client(
            base_url=config.base_url,
            headers=dict(config.headers),
            timeout=config.timeout_s,
            transport=transport,
            follow_redirects=True,
        )

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the underlying connection pool."""
        self._client.close()

    def _remember_secrets(self, params: Mapping[str, Any]) -> None:
        """Note the values of secret parameters so they can be scrubbed from any text."""
        found = tuple(str(v) for k, v in params.items() if k.lower() in self._secret_params and v)
        new = tuple(v for v in found if v not in self._secret_values)
        if new:
            self._secret_values += new
            install_log_redaction()

    def redact(self, text: str) -> str:
        """Remove every secret value this client knows from a piece of text."""
        for secret in self._secret_values:
            text = text.replace(secret, "***")
        return text

    def get_json(self, path: str, params: Mapping[str, Any] | None = None) -> HttpResult:
        """GET `path` and return its JSON body; retries 429/5xx/timeouts, raises SourceError otherwise."""
        response, safe_url = self._get(path, params)
        return self._result(response, safe_url)

    def get_bytes(
        self, path: str, params: Mapping[str, Any] | None = None, *, content_type: str = ""
    ) -> HttpResult:
        """GET `path` and return its body verbatim (a PDF, say); `data` is None.

        With `content_type`, a 2xx body whose Content-Type names something else (an HTML error
        page served with 200) raises BadBodyError carrying the body.
        """
        response, safe_url = self._get(path, params)
        got = response.headers.get("content-type", "")
        if content_type and content_type not in got.lower():
            problem = f"{got or 'no content type'} instead of {content_type}"
            raise self._bad_body(response, safe_url, f"{problem} (HTTP {response.status_code})")
        return _http_result(response, safe_url, None, "application/octet-stream")

    def _get(self, path: str, params: Mapping[str, Any] | None) -> tuple[httpx.Response, str]:
        """Send a GET with rate limit and capped retries; the 2xx response and the redacted url."""
        query = {
            **self._default_params,
            **{k: v for k, v in (params or {}).items() if v is not None},
        }
        self._remember_secrets(query)
        request = self._client.build_request("GET", path, params=query)
        safe_url = redact_url(request.url, self._secret_params)
        attempts = max(1, self.config.max_attempts)
        last_problem = "no attempt made"
        for attempt in range(1, attempts + 1):
            self._wait_for_slot()
            try:
                response = self._client.send(request)
            except (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError) as exc:
                last_problem = self.redact(f"{type(exc).__name__}: {exc}")
                retry_after = None
            except httpx.HTTPError as exc:
                problem = self.redact(f"{type(exc).__name__}: {exc}")
                raise SourceError(self.source, f"request failed: {problem}", url=safe_url) from None
            else:
                if response.status_code == 429 or response.status_code >= 500:
                    last_problem = f"HTTP {response.status_code}"
                    retry_after = _retry_after_seconds(response)
                elif response.status_code >= 400:
                    snippet = self.redact(" ".join(response.text[:200].split()))
                    raise HttpStatusError(
                        self.source,
                        f"HTTP {response.status_code} (not retried): {snippet!r}",
                        url=safe_url,
                        status_code=response.status_code,
                    )
                else:
                    return response, safe_url
            if attempt < attempts:
                delay = self._backoff(attempt, retry_after)
                logger.warning(
                    "%s: %s on %s (attempt %d/%d), retrying in %.1fs",
                    self.source,
                    last_problem,
                    safe_url,
                    attempt,
                    attempts,
                    delay,
                )
                self._sleep(delay)
        raise TransientSourceError(
            self.source, f"gave up after {attempts} attempts: {last_problem}", url=safe_url
        )

    def _result(self, response: httpx.Response, safe_url: str) -> HttpResult:
        """Validate a 2xx body as JSON and wrap it."""
        content_type = response.headers.get("content-type", "")
        if "text/html" in content_type.lower() and response.content.strip():
            raise self._bad_body(
                response, safe_url, f"HTML page instead of JSON (HTTP {response.status_code})"
            )
        try:
            data = decode_body(response.content, self.source, safe_url)
        except SourceError as exc:
            message = str(exc).removeprefix(f"[{self.source}] ").removesuffix(f" ({safe_url})")
            raise self._bad_body(response, safe_url, message) from None
        return _http_result(response, safe_url, data, "application/json")

    def _bad_body(self, response: httpx.Response, safe_url: str, message: str) -> BadBodyError:
        """The error for an unusable 2xx body, carrying the body and its Content-Type."""
        return BadBodyError(
            self.source,
            message,
            url=safe_url,
            content=response.content,
            content_type=response.headers.get("content-type", ""),
        )

    def _wait_for_slot(self) -> None:
        """Sleep until at least min_interval_s has passed since the previous request."""
        now = self._clock()
        if self._last_request is not None and self.config.min_interval_s > 0:
            wait = self.config.min_interval_s - (now - self._last_request)
            if wait > 0:
                self._sleep(wait)
                now = self._clock()
        self._last_request = now

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        """Exponential backoff for the given attempt, honouring Retry-After, capped."""
        delay = float(self.config.backoff_base_s * (2 ** (attempt - 1)))
        if retry_after is not None:
            delay = max(delay, retry_after)
        return min(delay, self.config.backoff_max_s)


def _http_result(
    response: httpx.Response, safe_url: str, data: Any, default_type: str
) -> HttpResult:
    """A 2xx response as an HttpResult (Content-Type without parameters, `default_type` if none)."""
    content_type = response.headers.get("content-type", "").split(";")[0].strip()
    return HttpResult(
        url=safe_url,
        status_code=response.status_code,
        content=response.content,
        content_type=content_type or default_type,
        data=data,
        headers={k.lower(): v for k, v in response.headers.items()},
    )


def utcnow() -> datetime:
    """The current UTC time (the sources' clock unless a test pins one)."""
    return datetime.now(UTC)


class HttpSource:
    """What the live sources share: one HttpClient, a clock, and payloads kept verbatim.

    A subclass sets `name` and `kinds` and fetches with `self._client`; `_payload` wraps each
    response as the RawPayload the raw store keeps.
    """

    name: str
    kinds: tuple[str, ...]

    def __init__(
        self, client: HttpClient | None, config: HttpConfig, now: Callable[[], datetime]
    ) -> None:
        self._client = client or HttpClient(self.name, config)
        self._now = now

    def close(self) -> None:
        """Close the HTTP client."""
        self._client.close()

    def _require_kind(self, kind: str) -> None:
        """ValueError when this source does not serve `kind`."""
        if kind not in self.kinds:
            raise ValueError(f"{self.name} does not serve kind {kind!r}; it serves {self.kinds}")

    def _payload(
        self,
        result: HttpResult,
        kind: str,
        game_date: date,
        meta: Mapping[str, str],
        content_type: str | None = None,
    ) -> RawPayload:
        """One response as a RawPayload fetched now (`content_type` overrides the response's)."""
        return RawPayload(
            source=self.name,
            kind=kind,
            game_date=game_date,
            content=result.content,
            fetched_at=self._now(),
            content_type=content_type or result.content_type,
            url=result.url,
            meta=dict(meta),
        )


def _retry_after_seconds(response: httpx.Response) -> float | None:
    """The Retry-After header in seconds, when it is a number."""
    value = response.headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None
