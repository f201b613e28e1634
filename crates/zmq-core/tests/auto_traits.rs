//! Compile-time pins of the auto traits of every public handle and future:
//! a change that makes a future `!Send` or a socket `!Sync` fails to build.

use static_assertions::{assert_impl_all, assert_not_impl_any};
use zmq_core::{
    Context, Error, Frame, Multipart, PollKey, Poller, Proxy, ProxyStatistics, ProxySteering,
    ReadyFuture, RecvFuture, ReleaseTracker, SendError, SendFuture, Socket, SocketType,
};

assert_impl_all!(Socket: Send, Sync, std::fmt::Debug);
// Shared through an `Arc`, never duplicated: one handle closes the socket.
assert_not_impl_any!(Socket: Clone);

assert_impl_all!(SendFuture<'static>: Send, Sync, Unpin, std::fmt::Debug);
assert_impl_all!(RecvFuture<'static>: Send, Sync, Unpin, std::fmt::Debug);

assert_impl_all!(ReadyFuture<'static>: Send, Sync, Unpin, std::fmt::Debug);

assert_impl_all!(Poller: Send, Sync, std::fmt::Debug);
assert_impl_all!(PollKey: Send, Sync, Copy, Ord, std::hash::Hash);
assert_impl_all!(Proxy: Send, Sync, std::fmt::Debug);
assert_impl_all!(ProxySteering: Send, Sync, Clone, std::fmt::Debug);
assert_impl_all!(ProxyStatistics: Send, Sync, Copy);
assert_impl_all!(ReleaseTracker: Send, Sync, Clone, std::fmt::Debug);

assert_impl_all!(Context: Send, Sync, Clone, std::fmt::Debug);
assert_impl_all!(zmq_core::reactor::Reactor: Send, Sync, Clone, std::fmt::Debug);
// Restores a thread-local on drop: stays on its thread.
assert_not_impl_any!(zmq_core::reactor::EnterGuard: Send, Sync);
assert_impl_all!(Frame: Send, Sync, Clone, Unpin);
assert_impl_all!(Multipart: Send, Sync, Clone, Unpin);
assert_impl_all!(zmq_core::message::Iter<'static>: Send, Sync, Clone, std::fmt::Debug);
assert_impl_all!(zmq_core::message::IterMut<'static>: Send, Sync, std::fmt::Debug);
assert_impl_all!(zmq_core::message::IntoIter: Send, Sync, Clone, std::fmt::Debug);
assert_impl_all!(Error: Send, Sync, std::error::Error);
assert_impl_all!(SendError: Send, Sync, std::error::Error);
assert_impl_all!(SocketType: Send, Sync, Copy);

/// The futures of `async` code built on a socket are `Send` too: they can
/// be spawned on a multi-threaded executor.
#[test]
fn async_code_over_a_socket_is_send() {
    fn assert_send<T: Send>(_: &T) {}
    let socket = Socket::new(SocketType::PAIR).expect("socket");
    let echo = async {
        let message = socket.recv().await?;
        socket.send(message).await?;
        Ok::<(), Error>(())
    };
    assert_send(&echo);
}

/// The proxy, poller and helper futures can be spawned on a multi-threaded
/// executor.
#[test]
fn proxy_poller_and_helper_futures_are_send() {
    fn assert_send<T: Send>(_: &T) {}
    let socket = || std::sync::Arc::new(Socket::new(SocketType::PAIR).expect("socket"));
    let proxy = Proxy::new(socket(), socket()).run();
    assert_send(&proxy);
    let poller = Poller::new();
    assert_send(&poller.poll(None));
    let pair = socket();
    assert_send(&pair.recv_string());
    assert_send(&pair.send_json(&1));
    assert_send(&pair.recv_msgpack::<u8>());
}
