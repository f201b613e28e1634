//! `Socket::set_reactor`: a socket made before its event loop moves its
//! readiness to another reactor and keeps its endpoints and queued
//! messages; a failed move changes nothing.

use std::io;
use std::os::fd::OwnedFd;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use zmq_core::reactor::{FdReactor, FdRegistration, Reactor, ReadableFuture};
use zmq_core::{Error, Socket, SocketType};
use zmq_test_support::{TRANSPORTS, Transport, WAIT, on_every_executor, sleep, within};

/// async-io underneath, counting registrations and waits.
#[derive(Debug, Default, Clone)]
struct Counting {
    registrations: Arc<AtomicUsize>,
    waits: Arc<AtomicUsize>,
}

#[derive(Debug)]
struct CountedRegistration {
    fd: async_io::Async<OwnedFd>,
    waits: Arc<AtomicUsize>,
}

impl FdReactor for Counting {
    fn register(&self, fd: OwnedFd) -> io::Result<Box<dyn FdRegistration>> {
        self.registrations.fetch_add(1, Ordering::SeqCst);
        Ok(Box::new(CountedRegistration {
            fd: async_io::Async::new_nonblocking(fd)?,
            waits: Arc::clone(&self.waits),
        }))
    }
}

impl FdRegistration for CountedRegistration {
    fn readable(&self) -> ReadableFuture<'_> {
        self.waits.fetch_add(1, Ordering::SeqCst);
        Box::pin(self.fd.readable())
    }
}

/// A reactor that cannot watch anything.
#[derive(Debug)]
struct Refusing;

impl FdReactor for Refusing {
    fn register(&self, _fd: OwnedFd) -> io::Result<Box<dyn FdRegistration>> {
        Err(io::Error::other("this reactor watches nothing"))
    }
}

on_every_executor! {
    async fn a_moved_socket_keeps_its_queue_and_waits_through_the_new_reactor(rt) {
        for transport in TRANSPORTS {
            let counting = Counting::default();
            let mut pull = Socket::new(SocketType::PULL)?;
            let endpoint = pull.bind(&transport.endpoint())?;
            let push = Socket::new(SocketType::PUSH)?;
            push.connect(&endpoint)?;
            within(WAIT, "queued send", push.send("before the move")).await??;

            pull.set_reactor(&Reactor::custom(counting.clone()))?;
            assert_eq!(counting.registrations.load(Ordering::SeqCst), 1);
            assert!(pull.bindings().contains(&endpoint));
            let message = within(WAIT, "queued message", pull.recv()).await??;
            assert_eq!(message[0], "before the move");

            // Nothing queued: this receive parks on the new registration.
            let sender = rt.spawn(async move {
                sleep(Duration::from_millis(50)).await;
                push.send("after the move").await.map_err(|error| error.to_string())
            });
            let message = within(WAIT, "parked receive", pull.recv()).await??;
            assert_eq!(message[0], "after the move");
            within(WAIT, "sender", sender).await??;
            assert!(counting.waits.load(Ordering::SeqCst) >= 1, "waited through the new reactor");
        }
        Ok(())
    }

    async fn a_failed_move_leaves_the_socket_working_on_its_reactor(_rt) {
        let mut pair = Socket::new(SocketType::PAIR)?;
        let endpoint = pair.bind(&Transport::Inproc.endpoint())?;
        let peer = Socket::new(SocketType::PAIR)?;
        peer.connect(&endpoint)?;

        let error = pair.set_reactor(&Reactor::custom(Refusing)).expect_err("refused");
        assert!(matches!(error, Error::Io(_)), "{error:?}");
        within(WAIT, "send", peer.send("still here")).await??;
        let message = within(WAIT, "recv", pair.recv()).await??;
        assert_eq!(message[0], "still here");
        Ok(())
    }
}

#[test]
fn moving_a_closed_socket_is_closed() {
    let counting = Counting::default();
    let mut socket = Socket::new(SocketType::PAIR).expect("socket");
    socket.close();
    let error = socket
        .set_reactor(&Reactor::custom(counting.clone()))
        .expect_err("closed");
    assert!(matches!(error, Error::Closed), "{error:?}");
    assert_eq!(counting.registrations.load(Ordering::SeqCst), 0);
}
