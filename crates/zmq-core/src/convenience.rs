//! pyzmq's conveniences: text, JSON and msgpack over a socket.
//!
//! Each helper encodes before it sends and decodes after it receives, so
//! it is exactly as cancel safe as [`Socket::send`] and [`Socket::recv`].
//! A message that does not decode comes back inside [`Error::Decode`],
//! untouched.

use std::future::Future;

use crate::error::{Error, Result, SendError};
use crate::message::{Frame, Multipart};
use crate::socket::Socket;

impl Socket {
    /// Sends `text` as a one-frame message (UTF-8).
    ///
    /// # Cancel safety
    ///
    /// As [`Socket::send`]: a dropped future sent nothing.
    ///
    /// # Examples
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use zmq_core::{Socket, SocketType};
    ///
    /// let (a, b) = (Socket::new(SocketType::PAIR)?, Socket::new(SocketType::PAIR)?);
    /// b.connect(&a.bind("inproc://send-string")?)?;
    /// a.send_string("καλημέρα").await?;
    /// assert_eq!(b.recv_string().await?, "καλημέρα");
    /// # Ok::<(), zmq_core::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn send_string(
        &self,
        text: impl Into<String>,
    ) -> impl Future<Output = Result<(), SendError>> + Send + '_ {
        self.send(Frame::from(text.into()))
    }

    /// Sends each string as one frame of a multipart message.
    ///
    /// # Cancel safety
    ///
    /// As [`Socket::send`]: a dropped future sent nothing.
    ///
    /// # Examples
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use zmq_core::{Socket, SocketType};
    ///
    /// let (a, b) = (Socket::new(SocketType::PAIR)?, Socket::new(SocketType::PAIR)?);
    /// b.connect(&a.bind("inproc://send-strings")?)?;
    /// a.send_strings(["topic", "body"]).await?;
    /// assert_eq!(b.recv_strings().await?, ["topic", "body"]);
    /// # Ok::<(), zmq_core::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn send_strings<I>(
        &self,
        parts: I,
    ) -> impl Future<Output = Result<(), SendError>> + Send + '_
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        let message: Multipart = parts.into_iter().map(Into::into).collect();
        self.send(message)
    }

    /// Receives a one-frame message as UTF-8 text.
    ///
    /// A message of several frames, or one that is not UTF-8, is an
    /// [`Error::Decode`] that carries the message.
    ///
    /// # Cancel safety
    ///
    /// As [`Socket::recv`]: a dropped future received nothing.
    ///
    /// # Examples
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use zmq_core::{Error, Socket, SocketType};
    ///
    /// let (a, b) = (Socket::new(SocketType::PAIR)?, Socket::new(SocketType::PAIR)?);
    /// b.connect(&a.bind("inproc://recv-string")?)?;
    /// a.send(&[0xffu8, 0xfe][..]).await?;
    /// match b.recv_string().await {
    ///     Err(Error::Decode { message, .. }) => assert_eq!(&message[0][..], &[0xff, 0xfe]),
    ///     other => panic!("{other:?}"),
    /// }
    /// # Ok::<(), zmq_core::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn recv_string(&self) -> Result<String> {
        let message = self.recv().await?;
        decode_single(message, "UTF-8", |bytes| {
            std::str::from_utf8(bytes)
                .map(str::to_owned)
                .map_err(|e| e.to_string())
        })
    }

    /// Receives a multipart message with every frame as UTF-8 text.
    ///
    /// # Cancel safety
    ///
    /// As [`Socket::recv`]: a dropped future received nothing.
    ///
    /// # Examples
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use zmq_core::{Socket, SocketType};
    ///
    /// let (a, b) = (Socket::new(SocketType::PAIR)?, Socket::new(SocketType::PAIR)?);
    /// b.connect(&a.bind("inproc://recv-strings")?)?;
    /// a.send(["a", "b", "c"]).await?;
    /// assert_eq!(b.recv_strings().await?.concat(), "abc");
    /// # Ok::<(), zmq_core::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn recv_strings(&self) -> Result<Vec<String>> {
        let message = self.recv().await?;
        let decoded: std::result::Result<Vec<String>, String> = message
            .iter()
            .map(|frame| {
                frame
                    .as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| "a frame is not valid UTF-8".to_owned())
            })
            .collect();
        decoded.map_err(|reason| Error::Decode {
            format: "UTF-8",
            reason,
            message,
        })
    }

    /// Sends `value` as one frame of JSON (serde_json).
    ///
    /// A value that does not serialize is an [`Error::Encode`] and nothing
    /// is sent.
    ///
    /// # Cancel safety
    ///
    /// As [`Socket::send`]: a dropped future sent nothing.
    ///
    /// # Examples
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use std::collections::BTreeMap;
    /// use zmq_core::{Socket, SocketType};
    ///
    /// let (a, b) = (Socket::new(SocketType::PAIR)?, Socket::new(SocketType::PAIR)?);
    /// b.connect(&a.bind("inproc://send-json")?)?;
    /// a.send_json(&BTreeMap::from([("answer", 42)])).await?;
    /// let value: BTreeMap<String, i32> = b.recv_json().await?;
    /// assert_eq!(value["answer"], 42);
    /// # Ok::<(), zmq_core::Error>(())
    /// # }).unwrap();
    /// ```
    #[cfg(feature = "json")]
    pub fn send_json<T>(&self, value: &T) -> impl Future<Output = Result<(), SendError>> + Send + '_
    where
        T: serde::Serialize + ?Sized,
    {
        let encoded = serde_json::to_vec(value).map_err(|e| Error::Encode {
            format: "JSON",
            reason: e.to_string(),
        });
        self.send_encoded(encoded)
    }

    /// Receives a one-frame message of JSON and deserializes it.
    ///
    /// A message that does not decode into `T` is an [`Error::Decode`]
    /// that carries the message.
    ///
    /// # Cancel safety
    ///
    /// As [`Socket::recv`]: a dropped future received nothing.
    ///
    /// # Examples
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use zmq_core::{Error, Socket, SocketType};
    ///
    /// let (a, b) = (Socket::new(SocketType::PAIR)?, Socket::new(SocketType::PAIR)?);
    /// b.connect(&a.bind("inproc://recv-json")?)?;
    /// a.send("not json").await?;
    /// assert!(matches!(b.recv_json::<u32>().await, Err(Error::Decode { .. })));
    /// # Ok::<(), zmq_core::Error>(())
    /// # }).unwrap();
    /// ```
    #[cfg(feature = "json")]
    pub async fn recv_json<T>(&self) -> Result<T>
    where
        T: serde::de::DeserializeOwned,
    {
        let message = self.recv().await?;
        decode_single(message, "JSON", |bytes| {
            serde_json::from_slice(bytes).map_err(|e| e.to_string())
        })
    }

    /// Sends `value` as one frame of msgpack (rmp-serde; structs as maps
    /// keyed by field name, as Python's msgpack reads them).
    ///
    /// # Cancel safety
    ///
    /// As [`Socket::send`]: a dropped future sent nothing.
    ///
    /// # Examples
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use zmq_core::{Socket, SocketType};
    ///
    /// let (a, b) = (Socket::new(SocketType::PAIR)?, Socket::new(SocketType::PAIR)?);
    /// b.connect(&a.bind("inproc://send-msgpack")?)?;
    /// a.send_msgpack(&(1u8, "two", [3.0f64])).await?;
    /// let value: (u8, String, Vec<f64>) = b.recv_msgpack().await?;
    /// assert_eq!(value, (1, "two".to_owned(), vec![3.0]));
    /// # Ok::<(), zmq_core::Error>(())
    /// # }).unwrap();
    /// ```
    #[cfg(feature = "msgpack")]
    pub fn send_msgpack<T>(
        &self,
        value: &T,
    ) -> impl Future<Output = Result<(), SendError>> + Send + '_
    where
        T: serde::Serialize + ?Sized,
    {
        let encoded = rmp_serde::to_vec_named(value).map_err(|e| Error::Encode {
            format: "msgpack",
            reason: e.to_string(),
        });
        self.send_encoded(encoded)
    }

    /// Receives a one-frame message of msgpack and deserializes it.
    ///
    /// # Cancel safety
    ///
    /// As [`Socket::recv`]: a dropped future received nothing.
    ///
    /// # Examples
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use zmq_core::{Error, Socket, SocketType};
    ///
    /// let (a, b) = (Socket::new(SocketType::PAIR)?, Socket::new(SocketType::PAIR)?);
    /// b.connect(&a.bind("inproc://recv-msgpack")?)?;
    /// a.send(&[0xc1u8][..]).await?; // 0xc1 is never valid msgpack
    /// assert!(matches!(b.recv_msgpack::<u32>().await, Err(Error::Decode { .. })));
    /// # Ok::<(), zmq_core::Error>(())
    /// # }).unwrap();
    /// ```
    #[cfg(feature = "msgpack")]
    pub async fn recv_msgpack<T>(&self) -> Result<T>
    where
        T: serde::de::DeserializeOwned,
    {
        let message = self.recv().await?;
        decode_single(message, "msgpack", |bytes| {
            rmp_serde::from_slice(bytes).map_err(|e| e.to_string())
        })
    }

    #[cfg(any(feature = "json", feature = "msgpack"))]
    async fn send_encoded(&self, encoded: Result<Vec<u8>>) -> Result<(), SendError> {
        match encoded {
            Ok(bytes) => self.send(bytes).await,
            Err(error) => Err(SendError {
                error,
                message: Multipart::new(),
            }),
        }
    }
}

/// Decodes a one-frame message, or hands the message back in the error.
fn decode_single<T>(
    message: Multipart,
    format: &'static str,
    decode: impl FnOnce(&[u8]) -> std::result::Result<T, String>,
) -> Result<T> {
    let decoded = match message.len() {
        1 => decode(&message[0]),
        frames => Err(format!("expected a one-frame message, got {frames} frames")),
    };
    decoded.map_err(|reason| Error::Decode {
        format,
        reason,
        message,
    })
}
