//! The one mapping of transport failures and unreadable answers onto [`eip_core::Error`].

use std::time::Duration;

use eip_core::{Error, ProviderKind, ServiceError};
use url::Url;

/// How far an attempt got when it failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Phase {
    /// Sending the request, up to the status line.
    Send,
    /// Reading the body, after the status line arrived: the request was processed.
    Body,
}

/// Maps a `reqwest` failure. The URL is dropped from the error first (under query signing it
/// holds the signature and the security token), and any copy of it in the message is removed.
pub(crate) fn from_reqwest(
    operation: &str,
    error: reqwest::Error,
    elapsed: Duration,
    phase: Phase,
    url: &Url,
) -> Error {
    let error = error.without_url();
    // A connect failure (refused, unreachable, TLS handshake, connect timeout) never sent a
    // byte of the request; anything later may have reached the cloud.
    let maybe_sent = phase == Phase::Body || !error.is_connect();
    if error.is_timeout() {
        return Error::Timeout {
            operation: operation.to_owned(),
            elapsed,
            maybe_sent,
        };
    }
    let what = match (phase, error.is_connect()) {
        (Phase::Body, _) => "reading the answer failed",
        (Phase::Send, true) => "cannot connect",
        (Phase::Send, false) => "sending failed",
    };
    let chain = std::iter::successors(Some(&error as &dyn std::error::Error), |e| e.source())
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(": ");
    Error::Transport {
        operation: operation.to_owned(),
        message: format!("{what}: {}", scrub(&chain, url)),
        maybe_sent,
        source: Some(Box::new(error)),
    }
}

/// `text` without the URL, its query or its path (defensive: no layer below is known to
/// write them into messages, but one that did would leak a signature).
fn scrub(text: &str, url: &Url) -> String {
    let mut clean = text.replace(url.as_str(), "<url>");
    if let Some(query) = url.query().filter(|q| !q.is_empty()) {
        clean = clean.replace(query, "<query>");
    }
    clean
}

/// A short, printable start of a body, for messages and logs: at most 160 characters, runs
/// of whitespace (CR and LF included) folded into one space, every other control character
/// and every bidirectional-text control escaped as `\u{..}`, so a server's text cannot move a
/// terminal's cursor, set its title or clipboard (ESC, BEL, OSC 52) or reorder what is shown.
/// An empty body is `(empty body)`.
///
/// ```
/// let page = b"<html>\r\n  <title>502 Bad Gateway</title>\x1b]52;c;evil\x07</html>";
/// let text = eip_http::snippet(page);
/// assert_eq!(text, r"<html> <title>502 Bad Gateway</title>\u{1b}]52;c;evil\u{7}</html>");
/// ```
pub fn snippet(body: &[u8]) -> String {
    const MAX_CHARS: usize = 160;
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() {
        return "(empty body)".to_owned();
    }
    let clean = clean(text, MAX_CHARS);
    if text.chars().count() > MAX_CHARS {
        format!("{clean}…")
    } else {
        clean
    }
}

/// `text`, at most `max_chars` characters of it, with whitespace folded and controls escaped
/// (the rule of [`snippet`]).
pub(crate) fn clean(text: &str, max_chars: usize) -> String {
    let mut out = String::with_capacity(text.len().min(max_chars.saturating_mul(2)));
    let mut last_space = false;
    for c in text.chars().take(max_chars) {
        if c.is_whitespace() {
            if !last_space {
                out.push(' ');
            }
            last_space = true;
            continue;
        }
        last_space = false;
        if c.is_control() || is_bidi_control(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out.trim_end().to_owned()
}

/// The Unicode bidirectional formatting characters (embeddings, overrides, isolates, marks).
fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
    )
}

/// The error a non-2xx answer means when its body is not the cloud's error JSON (an HTML page
/// from a gateway or proxy, an empty or truncated body), the same on every cloud:
///
/// - 429 → [`Error::RateLimited`] (with `retry_after`);
/// - 5xx → [`Error::Service`], retryable, code `HTTP 502` (so a read is retried, and a write
///   whose answer this was is settled by reading back);
/// - anything else → [`Error::InvalidResponse`] naming the status.
///
/// The message is a [`snippet`] of the body.
pub fn unreadable_answer(
    provider: ProviderKind,
    operation: &str,
    status: u16,
    request_id: Option<String>,
    retry_after: Option<Duration>,
    body: &[u8],
) -> Error {
    let service = || {
        let mut service =
            ServiceError::new(provider, operation, format!("HTTP {status}"), snippet(body));
        service.http_status = Some(status);
        service.request_id = request_id.clone();
        Box::new(service)
    };
    match status {
        429 => Error::RateLimited {
            retry_after,
            service: Some(service()),
        },
        500..=599 => Error::Service {
            retryable: true,
            service: service(),
        },
        _ => Error::InvalidResponse {
            operation: operation.to_owned(),
            reason: format!("the answer is not the API's JSON: {}", snippet(body)),
            http_status: Some(status),
            request_id,
        },
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    const P: ProviderKind = ProviderKind::new("test");

    #[test]
    fn snippets_are_short_printable_and_escaped() {
        assert_eq!(snippet(b""), "(empty body)");
        assert_eq!(snippet(b"  \r\n "), "(empty body)");
        assert_eq!(snippet(b"a\r\nb\tc"), "a b c");
        assert_eq!(snippet("x\u{202E}y".as_bytes()), r"x\u{202e}y");
        assert_eq!(snippet(b"\x1b[2J"), r"\u{1b}[2J");
        let long = "é".repeat(1_000);
        let text = snippet(long.as_bytes());
        assert_eq!(text.chars().count(), 161);
        assert!(text.ends_with('…'));
        assert_eq!(snippet(&[0xff, b'a']), "\u{fffd}a");
    }

    #[test]
    fn unreadable_answers_follow_one_rule() {
        let kind = |status| {
            let e = unreadable_answer(P, "Op", status, Some("r-1".into()), None, b"<html>x</html>");
            (
                e.kind_name(),
                e.is_retryable(),
                e.request_id().map(str::to_owned),
            )
        };
        assert_eq!(kind(502), ("service", true, Some("r-1".into())));
        assert_eq!(kind(429), ("rate_limited", true, Some("r-1".into())));
        assert_eq!(kind(404), ("invalid_response", false, Some("r-1".into())));
        assert_eq!(kind(400), ("invalid_response", false, Some("r-1".into())));
        match unreadable_answer(P, "Op", 503, None, None, b"down") {
            Error::Service { service, .. } => {
                assert_eq!(
                    (service.code.as_str(), service.message.as_str()),
                    ("HTTP 503", "down")
                );
                assert_eq!(service.http_status, Some(503));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn scrub_removes_url_and_query() {
        let url = Url::parse("http://127.0.0.1:1/p?Signature=abc&SecurityToken=tok").unwrap();
        let text = format!("error for {url} with Signature=abc&SecurityToken=tok");
        let clean = scrub(&text, &url);
        assert!(!clean.contains("abc") && !clean.contains("tok"), "{clean}");
    }
}
