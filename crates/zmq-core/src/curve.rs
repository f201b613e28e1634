//! CURVE keys: generating key pairs, Z85 text, deriving a public key from a
//! secret key, and certificate files in ZeroMQ's format (zcert).
//!
//! A [`CurveKey`] is 32 raw bytes; its text form is Z85 (40 characters). A
//! [`CurveKeyPair`] is what a CURVE server or client holds. Certificates are
//! a pair of text files, as written by czmq's `zcert_save`: `name.key` holds
//! the public key (exchange it), `name.key_secret` both keys (keep it; it is
//! written with mode 0600 on unix).
//!
//! Socket-level use: [`Socket::set_curve_server_keys`](crate::Socket::set_curve_server_keys)
//! and [`Socket::set_curve_client_keys`](crate::Socket::set_curve_client_keys).
//!
//! # Examples
//!
//! ```
//! use zmq_core::curve::{CurveKey, CurveKeyPair};
//!
//! let keys = CurveKeyPair::generate()?;
//! let text = keys.public.to_z85();
//! assert_eq!(text.len(), 40);
//! assert_eq!(CurveKey::from_z85(&text)?, keys.public);
//! # Ok::<(), zmq_core::curve::CurveError>(())
//! ```

use std::ffi::{CString, c_char, c_int};
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

/// The length of a CURVE key, in bytes.
pub const KEY_LEN: usize = 32;

/// The length of a CURVE key in Z85 text, in characters.
pub const Z85_KEY_LEN: usize = 40;

/// The Z85 alphabet (ZeroMQ RFC 32).
const Z85_ALPHABET: &[u8; 85] =
    b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";

/// What went wrong with a key, a key's text or a certificate file.
///
/// # Examples
///
/// ```
/// use zmq_core::curve::{CurveError, CurveKey};
///
/// let err = CurveKey::from_z85("too short").unwrap_err();
/// assert!(matches!(err, CurveError::Z85Length { len: 9 }));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CurveError {
    /// Z85 text of a key must be exactly 40 characters.
    #[error("a CURVE key in Z85 is 40 characters, got {len}")]
    Z85Length {
        /// The length of the text given, in bytes.
        len: usize,
    },
    /// A character outside the Z85 alphabet, or a group of five characters
    /// whose value does not fit 32 bits.
    #[error("invalid Z85 text at byte {position}")]
    Z85Alphabet {
        /// Where in the text, in bytes from the start.
        position: usize,
    },
    /// Raw key bytes must be exactly 32 bytes.
    #[error("a CURVE key is 32 bytes, got {len}")]
    KeyLength {
        /// The number of bytes given.
        len: usize,
    },
    /// libzmq failed to generate or derive a key (for example a libzmq
    /// without CURVE).
    #[error("libzmq: {0}")]
    Zmq(#[from] zmq::Error),
    /// Reading or writing a certificate file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: io::Error,
    },
    /// A certificate file that is not in ZeroMQ's format, or lacks a key.
    #[error("{path}: malformed certificate: {reason}")]
    MalformedCertificate {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
}

/// One CURVE key (public or secret): 32 bytes.
///
/// Its `Debug` never shows the bytes (the key may be secret); use
/// [`CurveKey::to_z85`] to print a public key. Comparison takes the same
/// time wherever the keys differ.
///
/// # Examples
///
/// ```
/// use zmq_core::curve::CurveKey;
///
/// // The test key of ZeroMQ RFC 32.
/// let key = CurveKey::from_z85("rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7")?;
/// assert_eq!(key.to_z85(), "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7");
/// assert_eq!(format!("{key:?}"), "CurveKey(..)");
/// assert_eq!(CurveKey::from_bytes(*key.as_bytes()), key);
/// # Ok::<(), zmq_core::curve::CurveError>(())
/// ```
#[derive(Clone, Copy, Eq)]
pub struct CurveKey([u8; KEY_LEN]);

impl CurveKey {
    /// A key from its 32 raw bytes.
    ///
    /// # Examples
    ///
    /// ```
    /// let key = zmq_core::curve::CurveKey::from_bytes([7; 32]);
    /// assert_eq!(key.as_bytes(), &[7; 32]);
    /// ```
    pub const fn from_bytes(bytes: [u8; KEY_LEN]) -> CurveKey {
        CurveKey(bytes)
    }

    /// A key from a slice that must be exactly 32 bytes long.
    ///
    /// # Examples
    ///
    /// ```
    /// use zmq_core::curve::{CurveError, CurveKey};
    ///
    /// assert!(CurveKey::from_slice(&[1; 32]).is_ok());
    /// assert!(matches!(CurveKey::from_slice(&[1; 31]), Err(CurveError::KeyLength { len: 31 })));
    /// ```
    pub fn from_slice(bytes: &[u8]) -> Result<CurveKey, CurveError> {
        let bytes: [u8; KEY_LEN] = bytes
            .try_into()
            .map_err(|_| CurveError::KeyLength { len: bytes.len() })?;
        Ok(CurveKey(bytes))
    }

    /// The 32 raw bytes.
    ///
    /// # Examples
    ///
    /// See [`CurveKey::from_bytes`].
    pub const fn as_bytes(&self) -> &[u8; KEY_LEN] {
        &self.0
    }

    /// The key as Z85 text (40 characters), as libzmq's `ZMQ_CURVE_*KEY`
    /// options and certificate files take it.
    ///
    /// # Examples
    ///
    /// See [`CurveKey`].
    pub fn to_z85(&self) -> String {
        z85_encode(&self.0)
    }

    /// A key from Z85 text: exactly 40 characters of the Z85 alphabet.
    ///
    /// # Examples
    ///
    /// ```
    /// use zmq_core::curve::{CurveError, CurveKey};
    ///
    /// let bad = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf\"";
    /// assert!(matches!(CurveKey::from_z85(bad), Err(CurveError::Z85Alphabet { position: 39 })));
    /// ```
    pub fn from_z85(text: &str) -> Result<CurveKey, CurveError> {
        if text.len() != Z85_KEY_LEN {
            return Err(CurveError::Z85Length { len: text.len() });
        }
        let mut key = [0u8; KEY_LEN];
        for (group, (chars, out)) in text
            .as_bytes()
            .chunks_exact(5)
            .zip(key.chunks_exact_mut(4))
            .enumerate()
        {
            let mut value: u64 = 0;
            for (offset, &c) in chars.iter().enumerate() {
                let digit =
                    Z85_ALPHABET
                        .iter()
                        .position(|&a| a == c)
                        .ok_or(CurveError::Z85Alphabet {
                            position: group * 5 + offset,
                        })?;
                value = value * 85 + digit as u64;
            }
            let value = u32::try_from(value).map_err(|_| CurveError::Z85Alphabet {
                position: group * 5,
            })?;
            out.copy_from_slice(&value.to_be_bytes());
        }
        Ok(CurveKey(key))
    }
}

impl PartialEq for CurveKey {
    fn eq(&self, other: &CurveKey) -> bool {
        // Every byte is looked at, whatever differs: no early exit.
        self.0
            .iter()
            .zip(other.0.iter())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
    }
}

impl fmt::Debug for CurveKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CurveKey(..)")
    }
}

/// A CURVE key pair: what a CURVE server, or a client, holds.
///
/// Its `Debug` shows the public key in Z85 and never the secret key.
///
/// # Examples
///
/// ```
/// use zmq_core::curve::{CurveKeyPair, public_from_secret};
///
/// let keys = CurveKeyPair::generate()?;
/// assert_eq!(public_from_secret(&keys.secret)?, keys.public);
/// assert!(!format!("{keys:?}").contains(&keys.secret.to_z85()));
/// # Ok::<(), zmq_core::curve::CurveError>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct CurveKeyPair {
    /// The public key: give it to peers.
    pub public: CurveKey,
    /// The secret key: keep it.
    pub secret: CurveKey,
}

impl CurveKeyPair {
    /// A new random key pair (libzmq's `zmq_curve_keypair`).
    ///
    /// # Examples
    ///
    /// See [`CurveKeyPair`].
    pub fn generate() -> Result<CurveKeyPair, CurveError> {
        let pair = zmq::CurveKeyPair::new()?;
        Ok(CurveKeyPair {
            public: CurveKey(pair.public_key),
            secret: CurveKey(pair.secret_key),
        })
    }

    /// The pair of `secret` and the public key derived from it.
    ///
    /// # Examples
    ///
    /// ```
    /// use zmq_core::curve::CurveKeyPair;
    ///
    /// let keys = CurveKeyPair::generate()?;
    /// assert_eq!(CurveKeyPair::from_secret(keys.secret)?, keys);
    /// # Ok::<(), zmq_core::curve::CurveError>(())
    /// ```
    pub fn from_secret(secret: CurveKey) -> Result<CurveKeyPair, CurveError> {
        Ok(CurveKeyPair {
            public: public_from_secret(&secret)?,
            secret,
        })
    }

    /// Writes the pair as a ZeroMQ certificate: `<stem>.key` with the public
    /// key and `<stem>.key_secret` with both (mode 0600 on unix). Existing
    /// files are replaced. Returns the paths of the public and the secret
    /// file.
    ///
    /// # Examples
    ///
    /// ```
    /// use zmq_core::curve::{CurveKeyPair, load_keypair, load_public};
    ///
    /// let dir = std::env::temp_dir().join(format!("zmq-core-doc-cert-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir).unwrap();
    /// let keys = CurveKeyPair::generate()?;
    /// let (public_file, secret_file) = keys.save(dir.join("server"))?;
    /// assert_eq!(load_public(&public_file)?, keys.public);
    /// assert_eq!(load_keypair(&secret_file)?, keys);
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// # Ok::<(), zmq_core::curve::CurveError>(())
    /// ```
    pub fn save(&self, stem: impl AsRef<Path>) -> Result<(PathBuf, PathBuf), CurveError> {
        let stem = stem.as_ref();
        let public_path = with_suffix(stem, ".key");
        let secret_path = with_suffix(stem, ".key_secret");
        let date = today();
        let public = format!(
            "{}metadata\ncurve\n    public-key = \"{}\"\n",
            header(&date, "Public", PUBLIC_NOTE),
            self.public.to_z85()
        );
        let secret = format!(
            "{}metadata\ncurve\n    public-key = \"{}\"\n    secret-key = \"{}\"\n",
            header(&date, "Secret", SECRET_NOTE),
            self.public.to_z85(),
            self.secret.to_z85()
        );
        write_file(&public_path, &public, false)?;
        write_file(&secret_path, &secret, true)?;
        Ok((public_path, secret_path))
    }
}

impl fmt::Debug for CurveKeyPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CurveKeyPair")
            .field("public", &self.public.to_z85())
            .finish_non_exhaustive()
    }
}

// `zmq-sys` 0.12 declares `zmq_curve_public` but does not export it; the
// symbol is in the libzmq that `zmq-sys` links. Signature from `zmq.h`.
unsafe extern "C" {
    fn zmq_curve_public(z85_public_key: *mut c_char, z85_secret_key: *const c_char) -> c_int;
}

/// The public key that belongs to `secret` (libzmq's `zmq_curve_public`).
///
/// # Examples
///
/// See [`CurveKeyPair`].
pub fn public_from_secret(secret: &CurveKey) -> Result<CurveKey, CurveError> {
    let secret_text = CString::new(secret.to_z85()).expect("Z85 text has no NUL byte");
    let mut public_text = [0u8; Z85_KEY_LEN + 1];
    // SAFETY: `public_text` has room for the 40 characters and the NUL that
    // zmq_curve_public writes; `secret_text` is a NUL-terminated string of 40
    // Z85 characters that lives across the call and is only read.
    let rc = unsafe {
        zmq_curve_public(
            public_text.as_mut_ptr().cast::<c_char>(),
            secret_text.as_ptr(),
        )
    };
    if rc != 0 {
        return Err(CurveError::Zmq(crate::socket::last_error()));
    }
    let text = std::str::from_utf8(&public_text[..Z85_KEY_LEN])
        .map_err(|_| CurveError::Z85Alphabet { position: 0 })?;
    CurveKey::from_z85(text)
}

/// Reads the public key of a certificate file (either file of a pair:
/// `name.key` or `name.key_secret`).
///
/// # Examples
///
/// See [`CurveKeyPair::save`].
pub fn load_public(path: impl AsRef<Path>) -> Result<CurveKey, CurveError> {
    let path = path.as_ref();
    let cert = parse_certificate(path)?;
    cert.public
        .ok_or_else(|| malformed(path, "no public-key in the curve section"))
}

/// Reads a key pair from a secret certificate file (`name.key_secret`). The
/// public key written there must belong to the secret key.
///
/// # Examples
///
/// See [`CurveKeyPair::save`].
pub fn load_keypair(secret_path: impl AsRef<Path>) -> Result<CurveKeyPair, CurveError> {
    let path = secret_path.as_ref();
    let cert = parse_certificate(path)?;
    let secret = cert
        .secret
        .ok_or_else(|| malformed(path, "no secret-key in the curve section"))?;
    let public = cert
        .public
        .ok_or_else(|| malformed(path, "no public-key in the curve section"))?;
    let pair = CurveKeyPair::from_secret(secret)?;
    if pair.public != public {
        return Err(malformed(
            path,
            "the public-key does not belong to the secret-key",
        ));
    }
    Ok(pair)
}

const PUBLIC_NOTE: &str = "#   Exchange securely, or use a secure mechanism to verify the contents\n\
#   of this file after exchange. Store public certificates in your home\n\
#   directory, in the .curve subdirectory.\n";
const SECRET_NOTE: &str = "#   THIS FILE IS SECRET. Keep it out of version control and backups;\n\
#   only the public certificate (the .key file) may be shared.\n";

fn header(date: &str, kind: &str, note: &str) -> String {
    format!(
        "#   ****  Generated on {date} by zmq-core  ****\n\
         #   ZeroMQ CURVE {kind} Certificate\n{note}\n"
    )
}

/// `stem` with `suffix` appended to its file name (not replacing an
/// extension: `server.v2` gives `server.v2.key`).
fn with_suffix(stem: &Path, suffix: &str) -> PathBuf {
    let mut name = stem.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

fn write_file(path: &Path, text: &str, secret: bool) -> Result<(), CurveError> {
    use std::io::Write;

    let io_error = |source| CurveError::Io {
        path: path.to_owned(),
        source,
    };
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    if secret {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = secret;
    let mut file = options.open(path).map_err(io_error)?;
    #[cfg(unix)]
    if secret {
        // The mode given to open applies only to a new file: an existing one
        // keeps its permissions unless set here.
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))
            .map_err(io_error)?;
    }
    file.write_all(text.as_bytes()).map_err(io_error)?;
    file.sync_all().map_err(io_error)
}

/// The keys found in a certificate file.
struct Certificate {
    public: Option<CurveKey>,
    secret: Option<CurveKey>,
}

fn malformed(path: &Path, reason: impl Into<String>) -> CurveError {
    CurveError::MalformedCertificate {
        path: path.to_owned(),
        reason: reason.into(),
    }
}

/// Reads the `curve` section of a ZPL certificate file (the subset of ZPL
/// that zcert writes: comments, sections by indentation, `name = "value"`).
fn parse_certificate(path: &Path) -> Result<Certificate, CurveError> {
    let bytes = std::fs::read(path).map_err(|source| CurveError::Io {
        path: path.to_owned(),
        source,
    })?;
    let text = std::str::from_utf8(&bytes).map_err(|_| malformed(path, "not UTF-8 text"))?;
    let mut cert = Certificate {
        public: None,
        secret: None,
    };
    let mut in_curve = false;
    let mut saw_curve = false;
    for (number, line) in text.lines().enumerate() {
        let number = number + 1;
        let content = strip_comment(line).trim_end();
        if content.trim().is_empty() {
            continue;
        }
        let indented = content.starts_with([' ', '\t']);
        let content = content.trim();
        if !indented {
            // A top-level section name.
            in_curve = content == "curve";
            saw_curve |= in_curve;
            continue;
        }
        if !in_curve {
            continue;
        }
        let (name, value) = content
            .split_once('=')
            .ok_or_else(|| malformed(path, format!("line {number}: expected name = \"value\"")))?;
        let value = value.trim();
        let value = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .unwrap_or(value);
        let key = || {
            CurveKey::from_z85(value)
                .map_err(|err| malformed(path, format!("line {number}: {err}")))
        };
        match name.trim() {
            "public-key" => cert.public = Some(key()?),
            "secret-key" => cert.secret = Some(key()?),
            _ => {}
        }
    }
    if !saw_curve {
        return Err(malformed(path, "no curve section"));
    }
    Ok(cert)
}

/// `line` without its `#` comment; a `#` inside a quoted value (Z85 has
/// one) is not a comment.
fn strip_comment(line: &str) -> &str {
    let mut quoted = false;
    for (index, c) in line.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '#' if !quoted => return &line[..index],
            _ => {}
        }
    }
    line
}

fn z85_encode(bytes: &[u8; KEY_LEN]) -> String {
    let mut text = String::with_capacity(Z85_KEY_LEN);
    for chunk in bytes.chunks_exact(4) {
        let mut value = u32::from_be_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
        let mut digits = [0u8; 5];
        for digit in digits.iter_mut().rev() {
            *digit = Z85_ALPHABET[(value % 85) as usize];
            value /= 85;
        }
        text.extend(digits.iter().map(|&d| d as char));
    }
    text
}

/// Today's date (UTC) as `YYYY-MM-DD`, for the certificate header.
fn today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (y, m, d) = civil_from_days((secs / 86_400) as i64);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Howard Hinnant's `civil_from_days`: days since 1970-01-01 to a date.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc32_test_vector_round_trips() {
        // ZeroMQ RFC 32's test vector: 8 bytes and their Z85 text.
        let mut bytes = [0u8; KEY_LEN];
        bytes[..8].copy_from_slice(&[0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B]);
        let text = CurveKey(bytes).to_z85();
        assert!(text.starts_with("HelloWorld"), "{text}");
        assert_eq!(CurveKey::from_z85(&text).unwrap(), CurveKey(bytes));
    }

    #[test]
    fn z85_value_overflow_is_rejected() {
        // "%%%%%" is 84 * (85^4 + ... + 1) > u32::MAX.
        let text = format!("%%%%%{}", "0".repeat(35));
        assert!(matches!(
            CurveKey::from_z85(&text),
            Err(CurveError::Z85Alphabet { position: 0 })
        ));
    }

    #[test]
    fn dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(19_723), (2024, 1, 1));
        assert_eq!(civil_from_days(19_782), (2024, 2, 29));
    }
}
