//! A real SMTP server on loopback (mailin-embedded) that keeps every message it receives.

use std::net::{IpAddr, TcpListener};
use std::sync::{Arc, Mutex};

use mailin_embedded::response::OK;
use mailin_embedded::{Handler, Response, Server, SslConfig};

/// One message as the server received it.
#[derive(Debug, Clone, Default)]
pub struct Received {
    /// The envelope sender.
    pub from: String,
    /// The envelope recipients.
    pub to: Vec<String>,
    /// The raw message: headers and body.
    pub data: String,
}

#[derive(Clone)]
struct Keeper {
    current: Received,
    inbox: Arc<Mutex<Vec<Received>>>,
}

impl Handler for Keeper {
    fn mail(&mut self, _ip: IpAddr, _domain: &str, from: &str) -> Response {
        self.current = Received {
            from: from.to_string(),
            ..Received::default()
        };
        OK
    }

    fn rcpt(&mut self, to: &str) -> Response {
        self.current.to.push(to.to_string());
        OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.current.data.push_str(&String::from_utf8_lossy(buf));
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        let message = std::mem::take(&mut self.current);
        self.inbox
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(message);
        OK
    }
}

/// A running SMTP server; it serves until the test process ends.
pub struct SmtpServer {
    /// The port it listens on, on 127.0.0.1.
    pub port: u16,
    inbox: Arc<Mutex<Vec<Received>>>,
}

impl SmtpServer {
    /// Starts a plain SMTP server on a free loopback port.
    pub fn start() -> SmtpServer {
        SmtpServer::start_with(SslConfig::None)
    }

    /// Starts an SMTP server that offers STARTTLS with a self-signed certificate for
    /// 127.0.0.1, made for this server.
    pub fn start_with_starttls() -> SmtpServer {
        // The SMTP server's TLS library needs one process-wide crypto provider chosen.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let certified = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string()])
            .expect("certificate generated");
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let folder = std::env::temp_dir().join(format!("smtp-tls-{}-{stamp}", std::process::id()));
        std::fs::create_dir_all(&folder).expect("temp folder");
        let cert_path = folder.join("cert.pem");
        let key_path = folder.join("key.pem");
        std::fs::write(&cert_path, certified.cert.pem()).expect("cert written");
        std::fs::write(&key_path, certified.signing_key.serialize_pem()).expect("key written");
        SmtpServer::start_with(SslConfig::SelfSigned {
            cert_path: cert_path.to_string_lossy().into_owned(),
            key_path: key_path.to_string_lossy().into_owned(),
        })
    }

    fn start_with(ssl: SslConfig) -> SmtpServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("free port");
        let port = listener.local_addr().expect("address").port();
        let inbox = Arc::new(Mutex::new(Vec::new()));
        let keeper = Keeper {
            current: Received::default(),
            inbox: Arc::clone(&inbox),
        };
        let mut server = Server::new(keeper);
        server
            .with_name("smtp.test")
            .with_ssl(ssl)
            .expect("TLS set up");
        server.with_tcp_listener(listener);
        std::thread::spawn(move || {
            let _ = server.serve();
        });
        SmtpServer { port, inbox }
    }

    /// Every message received so far.
    pub fn received(&self) -> Vec<Received> {
        self.inbox
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}
