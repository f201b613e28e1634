//! The `Poller` over a large, changing set of sockets and descriptors.

use std::io::Write;
use std::os::unix::net::UnixStream;
use std::sync::Arc;
use std::time::Duration;

use zmq_core::{PollEvents, Poller, Socket, SocketType};
use zmq_test_support::{Transport, WAIT};

zmq_test_support::on_every_executor! {
    async fn registrations_change_between_polls(_rt) {
        let mut poller = Poller::new();
        let pull = Arc::new(Socket::new(SocketType::PULL)?);
        let endpoint = pull.bind(&Transport::Inproc.endpoint())?;
        let push = Arc::new(Socket::new(SocketType::PUSH)?);
        push.connect(&endpoint)?;

        let pull_key = poller.add_socket(Arc::clone(&pull), PollEvents::POLLIN);
        let push_key = poller.add_socket(Arc::clone(&push), PollEvents::POLLOUT);
        assert_eq!(poller.poll(Some(WAIT)).await?, vec![(push_key, PollEvents::POLLOUT)]);

        push.send("x").await?;
        let ready = poller.poll(Some(WAIT)).await?;
        assert_eq!(ready, vec![(pull_key, PollEvents::POLLIN), (push_key, PollEvents::POLLOUT)]);

        assert!(poller.modify(pull_key, PollEvents::empty()));
        assert!(poller.remove(push_key));
        assert!(poller.poll(Some(Duration::from_millis(20))).await?.is_empty());
        assert!(poller.modify(pull_key, PollEvents::POLLIN));
        assert_eq!(poller.poll(Some(WAIT)).await?, vec![(pull_key, PollEvents::POLLIN)]);

        // A plain descriptor alongside the sockets.
        let (mut writer, reader) = UnixStream::pair()?;
        let fd_key = poller.add_fd(&reader, PollEvents::POLLIN)?;
        pull.try_recv()?;
        assert!(poller.poll(Some(Duration::from_millis(20))).await?.is_empty());
        writer.write_all(b"!")?;
        assert_eq!(poller.poll(Some(WAIT)).await?, vec![(fd_key, PollEvents::POLLIN)]);

        // A closed socket reports an error instead of failing the poll.
        pull.close();
        let ready = poller.poll(Some(WAIT)).await?;
        assert_eq!(ready[0], (pull_key, PollEvents::POLLERR));
        assert_eq!(poller.len(), 2);
        Ok(())
    }
}
