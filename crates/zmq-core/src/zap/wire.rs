//! ZAP 1.0 (ZeroMQ RFC 27) frames as a ROUTER sees them: parsing requests
//! without trusting them, and building replies.

use crate::curve::{CurveKey, KEY_LEN};
use crate::message::{Frame, Multipart};

use super::policy::{ZapMechanism, ZapRequest};

/// The only ZAP version.
pub(crate) const VERSION: &[u8] = b"1.0";

/// Where to send a reply: the ROUTER's peer and the request's id.
#[derive(Debug)]
pub(crate) struct Envelope {
    routing_id: Frame,
    request_id: Vec<u8>,
}

/// What a received message turned out to be.
#[derive(Debug)]
pub(crate) enum Parsed {
    /// A well-formed request.
    Request(Envelope, ZapRequest),
    /// Not a ZAP request; `envelope` if a reply can still be addressed.
    Malformed {
        envelope: Option<Envelope>,
        reason: String,
    },
}

/// Parses `[routing id, "", version, request id, domain, address, identity,
/// mechanism, credentials...]`.
pub(crate) fn parse(message: &Multipart) -> Parsed {
    let frames: Vec<&[u8]> = message.iter().map(|frame| &frame[..]).collect();
    // A reply needs the peer, the empty delimiter and the request id.
    let envelope = match (message.get(0), frames.get(1), frames.get(3)) {
        (Some(routing_id), Some([]), Some(request_id)) => Some(Envelope {
            routing_id: routing_id.clone(),
            request_id: request_id.to_vec(),
        }),
        _ => None,
    };
    let malformed =
        |envelope: Option<Envelope>, reason: String| Parsed::Malformed { envelope, reason };
    let Some(envelope) = envelope else {
        return malformed(
            None,
            format!(
                "{} frames without a delimiter and a request id",
                frames.len()
            ),
        );
    };
    if frames.len() < 8 {
        return malformed(
            Some(envelope),
            format!("{} frames, a ZAP request has at least 8", frames.len()),
        );
    }
    if frames[2] != VERSION {
        return malformed(
            Some(envelope),
            format!("ZAP version {:?}", String::from_utf8_lossy(frames[2])),
        );
    }
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
    let credentials = &frames[8..];
    let (mechanism, plain_raw) = match (frames[7], credentials) {
        (b"NULL", []) => (ZapMechanism::Null, None),
        (b"PLAIN", [username, password]) => (
            ZapMechanism::Plain {
                username: text(username),
                password: text(password),
            },
            Some((username.to_vec(), password.to_vec())),
        ),
        (b"CURVE", [key]) if key.len() == KEY_LEN => match CurveKey::from_slice(key) {
            Ok(public_key) => (ZapMechanism::Curve { public_key }, None),
            Err(error) => return malformed(Some(envelope), error.to_string()),
        },
        (name @ (b"NULL" | b"PLAIN" | b"CURVE"), _) => {
            return malformed(
                Some(envelope),
                format!(
                    "{} with {} credential frames of {:?} bytes",
                    text(name),
                    credentials.len(),
                    credentials.iter().map(|c| c.len()).collect::<Vec<_>>()
                ),
            );
        }
        (name, _) => (ZapMechanism::Other { name: text(name) }, None),
    };
    let request = ZapRequest {
        domain: text(frames[4]),
        address: text(frames[5]),
        routing_id: frames[6].to_vec(),
        mechanism,
        request_id: envelope.request_id.clone(),
        plain_raw,
    };
    Parsed::Request(envelope, request)
}

/// `[routing id, "", "1.0", request id, status code, status text, user id,
/// metadata]`, with empty metadata.
pub(crate) fn reply(envelope: &Envelope, status: u16, text: &str, user_id: &str) -> Multipart {
    let mut message = Multipart::new();
    message.push_back(envelope.routing_id.clone());
    message.push_back(Frame::new());
    message.push_back(VERSION);
    message.push_back(envelope.request_id.clone());
    message.push_back(status.to_string());
    message.push_back(text);
    message.push_back(user_id);
    message.push_back(Frame::new());
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(frames: &[&[u8]]) -> Multipart {
        frames.iter().map(|frame| frame.to_vec()).collect()
    }

    #[test]
    fn a_plain_request_parses_and_keeps_raw_credentials() {
        let message = request(&[
            b"peer",
            b"",
            b"1.0",
            b"1",
            b"global",
            b"127.0.0.1",
            b"",
            b"PLAIN",
            b"u",
            b"\xff",
        ]);
        let Parsed::Request(envelope, parsed) = parse(&message) else {
            panic!("not parsed");
        };
        assert_eq!(parsed.domain, "global");
        assert_eq!(parsed.plain_raw, Some((b"u".to_vec(), b"\xff".to_vec())));
        let reply = reply(&envelope, 400, "no", "");
        assert_eq!(reply.len(), 8);
        assert_eq!(reply[0], "peer");
        assert_eq!(reply[3], "1");
        assert_eq!(reply[4], "400");
    }

    #[test]
    fn truncated_and_odd_requests_are_malformed_never_a_panic() {
        let cases: &[&[&[u8]]] = &[
            &[],
            &[b"peer"],
            &[b"peer", b"x", b"1.0", b"1"],
            &[b"peer", b"", b"1.0", b"1"],
            &[b"peer", b"", b"2.0", b"1", b"", b"", b"", b"NULL"],
            &[b"peer", b"", b"1.0", b"1", b"", b"", b"", b"PLAIN", b"u"],
            &[
                b"peer", b"", b"1.0", b"1", b"", b"", b"", b"CURVE", b"short",
            ],
            &[b"peer", b"", b"1.0", b"1", b"", b"", b"", b"NULL", b"extra"],
        ];
        for (index, frames) in cases.iter().enumerate() {
            let parsed = parse(&request(frames));
            assert!(
                matches!(parsed, Parsed::Malformed { .. }),
                "case {index}: {parsed:?}"
            );
            if let Parsed::Malformed { envelope, .. } = parsed {
                assert_eq!(envelope.is_some(), index >= 3, "case {index}");
            }
        }
    }
}
