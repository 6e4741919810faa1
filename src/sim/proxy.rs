//! The public TCP front door. Each client connection is relayed to the internal tiny_http
//! server over its own upstream connection, which lets a `drop` fault close the *client's*
//! connection without sending a response (tiny_http itself cannot abort a connection).

use std::collections::HashMap;
use std::io;
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread;

/// Open client connections, keyed by the local address of their upstream connection (which
/// is what tiny_http reports as the request's remote address).
#[derive(Debug, Default)]
pub struct ConnectionTable {
    clients: Mutex<HashMap<SocketAddr, TcpStream>>,
}

impl ConnectionTable {
    fn register(&self, upstream_local: SocketAddr, client: TcpStream) {
        self.clients
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(upstream_local, client);
    }

    fn unregister(&self, upstream_local: SocketAddr) {
        self.clients
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&upstream_local);
    }

    /// Closes the client connection relayed through `upstream_local`; false if unknown.
    pub fn drop_connection(&self, upstream_local: SocketAddr) -> bool {
        let clients = self.clients.lock().unwrap_or_else(PoisonError::into_inner);
        match clients.get(&upstream_local) {
            Some(client) => client.shutdown(Shutdown::Both).is_ok(),
            None => false,
        }
    }

    /// Closes every client connection (used when the simulator stops).
    pub fn close_all(&self) {
        let clients = self.clients.lock().unwrap_or_else(PoisonError::into_inner);
        for client in clients.values() {
            let _ = client.shutdown(Shutdown::Both);
        }
    }
}

/// Accepts client connections on `listener` until `stopping` is set, relaying each to
/// `upstream` on its own threads.
pub fn spawn_front_door(
    listener: TcpListener,
    upstream: SocketAddr,
    table: Arc<ConnectionTable>,
    stopping: Arc<AtomicBool>,
) {
    thread::spawn(move || {
        for client in listener.incoming() {
            if stopping.load(Ordering::SeqCst) {
                break;
            }
            let Ok(client) = client else { continue };
            let table = Arc::clone(&table);
            thread::spawn(move || {
                let _ = relay(client, upstream, &table);
            });
        }
    });
}

fn relay(client: TcpStream, upstream: SocketAddr, table: &ConnectionTable) -> io::Result<()> {
    let server = TcpStream::connect(upstream)?;
    client.set_nodelay(true)?;
    server.set_nodelay(true)?;
    let key = server.local_addr()?;
    table.register(key, client.try_clone()?);
    let mut client_reader = client.try_clone()?;
    let mut server_writer = server.try_clone()?;
    let upward = thread::spawn(move || {
        let _ = io::copy(&mut client_reader, &mut server_writer);
        let _ = server_writer.shutdown(Shutdown::Write);
    });
    let mut server_reader = server;
    let mut client_writer = client;
    let _ = io::copy(&mut server_reader, &mut client_writer);
    let _ = client_writer.shutdown(Shutdown::Both);
    let _ = upward.join();
    table.unregister(key);
    Ok(())
}
