//! The transport's pump takes the messages that are waiting in batches and
//! hands them to the protocol in one go: the guarantees of one callback per
//! message must hold within a batch too. A pause of reading from
//! `msg_received` stops delivery at once (the rest of the batch is held, in
//! order, until resume), and a callback queued by `msg_received` (a write
//! that pauses writing) runs before the next message.

use std::time::Duration;

use smol::channel::{Receiver, Sender, unbounded};
use zmq_core::transport::{
    CallbackResult, Endpoints, ZmqProtocol, ZmqTransport, create_zmq_connection,
};
use zmq_core::{Error, Multipart, Socket, SocketType};
use zmq_test_support::{Rt, Transport, WAIT, sleep, timeout, within};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[derive(Debug)]
enum Record {
    Msg(u32),
    PauseWriting,
    ResumeWriting,
    Lost,
}

/// Records its callbacks; pauses reading after every `pause_every`
/// messages, and writes every message back if `echo`.
struct Scripted {
    records: Sender<Record>,
    transport: Option<ZmqTransport>,
    pause_every: Option<u32>,
    echo: bool,
    seen: u32,
}

impl ZmqProtocol for Scripted {
    fn connection_made(&mut self, transport: &ZmqTransport) {
        if self.echo {
            // Every echo that is buffered counts over a high-water mark of
            // 0: the first one pauses writing, inside msg_received. Set
            // here, before the pump starts.
            let _ = transport.set_write_buffer_limits(Some(0), None);
        }
        self.transport = Some(transport.clone());
    }

    fn msg_received(&mut self, message: Multipart) -> CallbackResult {
        let number = u32::from_be_bytes(message[0][..].try_into()?);
        self.records.try_send(Record::Msg(number))?;
        self.seen += 1;
        if let Some(transport) = &self.transport {
            if self.pause_every.is_some_and(|every| self.seen % every == 0) {
                transport.pause_reading();
            }
            if self.echo {
                transport.write(message)?;
            }
        }
        Ok(())
    }

    fn pause_writing(&mut self) {
        let _ = self.records.try_send(Record::PauseWriting);
    }

    fn resume_writing(&mut self) {
        let _ = self.records.try_send(Record::ResumeWriting);
    }

    fn connection_lost(&mut self, _error: Option<Error>) {
        self.transport = None;
        let _ = self.records.try_send(Record::Lost);
    }
}

/// The high-water marks from a preloaded socket to its peer.
const FILL_MARK: i32 = 10;

/// A socket of `socket_type` that already holds `count` numbered messages
/// from a peer (returned too), so that the transport made over it finds a
/// batch waiting at once.
async fn preloaded(
    socket_type: SocketType,
    peer_type: SocketType,
    count: u32,
) -> Result<(Socket, Socket), BoxError> {
    let socket = Socket::new(socket_type)?;
    socket.set_rcvhwm(0)?;
    // Small marks the other way, so that a test can fill it.
    socket.set_sndhwm(FILL_MARK)?;
    let endpoint = socket.bind(&Transport::Inproc.endpoint())?;
    let peer = Socket::new(peer_type)?;
    peer.set_sndhwm(0)?;
    peer.set_rcvhwm(FILL_MARK)?;
    peer.connect(&endpoint)?;
    for number in 0..count {
        peer.send(number.to_be_bytes().to_vec()).await?;
    }
    // inproc: the messages are in the socket's pipe once sent.
    Ok((socket, peer))
}

fn scripted(
    rt: Rt,
    socket_type: SocketType,
    socket: Socket,
    pause_every: Option<u32>,
    echo: bool,
) -> Result<(ZmqTransport, Receiver<Record>), BoxError> {
    let (sender, records) = unbounded();
    let (transport, _protocol) = create_zmq_connection(
        move || Scripted {
            records: sender,
            transport: None,
            pause_every,
            echo,
            seen: 0,
        },
        socket_type,
        &Endpoints::new(),
        Some(socket),
        rt.runtime(),
    )?;
    Ok((transport, records))
}

async fn next_record(records: &Receiver<Record>) -> Result<Record, BoxError> {
    Ok(within(WAIT, "a protocol callback", records.recv()).await??)
}

zmq_test_support::on_every_executor! {
    async fn a_pause_from_msg_received_stops_delivery_at_once_and_resume_goes_on_in_order(rt) {
        const MESSAGES: u32 = 600;
        const EVERY: u32 = 100;
        let (socket, _peer) = preloaded(SocketType::PULL, SocketType::PUSH, MESSAGES).await?;
        let (transport, records) = scripted(rt, SocketType::PULL, socket, Some(EVERY), false)?;
        let mut expected = 0;
        while expected < MESSAGES {
            for _ in 0..EVERY {
                match next_record(&records).await? {
                    Record::Msg(number) => assert_eq!(number, expected, "in order, none lost"),
                    other => return Err(format!("expected message {expected}, got {other:?}").into()),
                }
                expected += 1;
            }
            // Paused by the last callback: nothing more, however much of
            // the batch is left.
            assert!(transport.is_reading_paused());
            if let Some(Ok(record)) = timeout(Duration::from_millis(100), records.recv()).await {
                return Err(format!("delivered while paused: {record:?}").into());
            }
            transport.resume_reading();
        }
        transport.close();
        assert!(matches!(next_record(&records).await?, Record::Lost));
        Ok(())
    }

    async fn a_callback_queued_by_msg_received_runs_before_the_next_message(rt) {
        const MESSAGES: u32 = 50;
        let (socket, peer) = preloaded(SocketType::PAIR, SocketType::PAIR, MESSAGES).await?;
        // A write goes straight to the socket when it can (as in aiozmq):
        // fill the way to the peer, so that every echo is buffered and the
        // first one pauses writing.
        let mut fillers = 0;
        while socket.try_send(Vec::<u8>::new()).is_ok() {
            fillers += 1;
        }
        assert!(fillers <= 4 * FILL_MARK, "{fillers} fillers");
        let (transport, records) = scripted(rt, SocketType::PAIR, socket, None, true)?;
        let mut seen = Vec::new();
        while seen.iter().filter(|record| matches!(record, Record::Msg(_))).count() < MESSAGES as usize {
            seen.push(next_record(&records).await?);
        }
        assert!(
            matches!(seen[..2], [Record::Msg(0), Record::PauseWriting]),
            "pause_writing queued by the first message runs before the second: {:?}",
            &seen[..seen.len().min(4)]
        );
        let numbers: Vec<u32> = seen.iter().filter_map(|record| match record {
            Record::Msg(number) => Some(*number),
            _ => None,
        }).collect();
        assert_eq!(numbers, (0..MESSAGES).collect::<Vec<_>>(), "in order, none lost");
        // Every echo arrives, in order, after the fillers.
        for _ in 0..fillers {
            let filler = within(WAIT, "a filler", peer.recv()).await??;
            assert!(filler[0].is_empty());
        }
        for number in 0..MESSAGES {
            let echo = within(WAIT, "an echo", peer.recv()).await??;
            assert_eq!(echo[0][..], number.to_be_bytes());
        }
        sleep(Duration::from_millis(10)).await;
        transport.close();
        Ok(())
    }
}
