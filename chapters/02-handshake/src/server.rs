//! Routes, the registry of connected clients, and [`handle_connection`], which turns
//! chapter 01's raw TCP connection into an upgraded WebSocket connection (or an HTTP
//! answer) before a handler ever sees it.

use std::collections::BTreeMap;
use std::fmt;
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::process::ExitCode;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use ch01_raw_tcp::{ConnInfo, ServeOptions, bind, log, serve};

use crate::handshake::{Rejection, Upgrade, reason_phrase, response_101, validate_upgrade};
use crate::http::{HeadLimits, Request, path_of};
use crate::reader::{DEFAULT_HANDSHAKE_TIMEOUT, read_head};

/// A connection that completed the handshake, handed to a WebSocket route's handler.
#[derive(Debug)]
pub struct Upgraded {
    /// The socket; after the 101 it carries WebSocket frames.
    pub stream: TcpStream,
    /// Connection id and peer address (from chapter 01).
    pub info: ConnInfo,
    /// What the handshake said: path, key, chosen subprotocol, origin, ...
    pub upgrade: Upgrade,
    /// Bytes that arrived after the request head: the start of the client's first frames.
    /// A frame reader must consume these before reading the socket.
    pub leftover: Vec<u8>,
    /// Every connected WebSocket client, this one included.
    pub registry: Registry,
}

/// A connected WebSocket client, as the [`Registry`] lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientInfo {
    /// The connection id (`[conn N]` in the log).
    pub id: u64,
    /// The client's address.
    pub peer: SocketAddr,
    /// The request target it connected to, e.g. `/echo`.
    pub path: String,
    /// The subprotocol agreed on, if any.
    pub protocol: Option<String>,
    /// When the handshake completed.
    pub connected_at: SystemTime,
}

/// The clients connected right now: a shared map from id to [`ClientInfo`]. Cloning a
/// `Registry` is cheap and every clone sees the same map, so every connection thread can
/// hold one (chapter 08 uses it to broadcast).
#[derive(Debug, Clone, Default)]
pub struct Registry {
    clients: Arc<Mutex<BTreeMap<u64, ClientInfo>>>,
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Self {
        Registry::default()
    }

    fn map(&self) -> std::sync::MutexGuard<'_, BTreeMap<u64, ClientInfo>> {
        // A thread that panicked while holding the lock cannot have left the map half
        // updated (every operation is a single insert/remove), so poisoning is ignored.
        self.clients.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Adds (or replaces) a client.
    pub fn insert(&self, client: ClientInfo) {
        self.map().insert(client.id, client);
    }

    /// Removes a client, returning it if it was there.
    pub fn remove(&self, id: u64) -> Option<ClientInfo> {
        self.map().remove(&id)
    }

    /// Adds a client and returns a guard that removes it when dropped, even if the
    /// handler panics.
    pub fn register(&self, client: ClientInfo) -> Registration {
        let id = client.id;
        self.insert(client);
        Registration {
            registry: self.clone(),
            id,
        }
    }

    /// One client by id.
    pub fn get(&self, id: u64) -> Option<ClientInfo> {
        self.map().get(&id).cloned()
    }

    /// Every client, in connection order.
    pub fn list(&self) -> Vec<ClientInfo> {
        self.map().values().cloned().collect()
    }

    /// How many clients are connected.
    pub fn len(&self) -> usize {
        self.map().len()
    }

    /// Whether no client is connected.
    pub fn is_empty(&self) -> bool {
        self.map().is_empty()
    }
}

/// Removes its client from the [`Registry`] when dropped.
#[derive(Debug)]
pub struct Registration {
    registry: Registry,
    id: u64,
}

impl Drop for Registration {
    fn drop(&mut self) {
        self.registry.remove(self.id);
    }
}

/// What a WebSocket route runs once the handshake is done.
pub type WebSocketHandler = dyn Fn(Upgraded) + Send + Sync + 'static;

/// A route's own policy, asked after the request passed every check of §4.2.1 and
/// before the 101 is sent: `Err` is sent instead of the 101 (chapter 08 refuses pages
/// from other sites by their `Origin` with a 403).
pub type UpgradeCheck = dyn Fn(&Upgrade) -> Result<(), Rejection> + Send + Sync + 'static;

#[derive(Clone)]
enum Route {
    WebSocket {
        protocols: Vec<String>,
        check: Option<Arc<UpgradeCheck>>,
        handler: Arc<WebSocketHandler>,
    },
    Page {
        content_type: String,
        body: Arc<[u8]>,
    },
}

/// Maps request paths to WebSocket handlers or static pages.
///
/// ```no_run
/// use ch02_handshake::{Router, ServeOptions, bind};
///
/// let router = Router::new()
///     .websocket("/echo", &["chat.v1"], |upgraded| println!("{} upgraded", upgraded.info.id))
///     .page("/", "text/html; charset=utf-8", "<h1>hello</h1>");
/// router.serve(bind("127.0.0.1:0")?, ServeOptions::default())?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone)]
pub struct Router {
    routes: Vec<(String, Route)>,
    registry: Registry,
    limits: HeadLimits,
    handshake_timeout: Duration,
}

impl fmt::Debug for Router {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Router")
            .field("routes", &self.describe_routes())
            .field("limits", &self.limits)
            .field("handshake_timeout", &self.handshake_timeout)
            .field("clients", &self.registry.len())
            .finish()
    }
}

impl Default for Router {
    fn default() -> Self {
        Router::new()
    }
}

impl Router {
    /// No routes, default [`HeadLimits`], a 10 s handshake deadline, an empty registry.
    pub fn new() -> Self {
        Router {
            routes: Vec::new(),
            registry: Registry::new(),
            limits: HeadLimits::default(),
            handshake_timeout: DEFAULT_HANDSHAKE_TIMEOUT,
        }
    }

    /// A WebSocket endpoint at `path` speaking `protocols` (subprotocols; may be empty).
    pub fn websocket<H>(mut self, path: &str, protocols: &[&str], handler: H) -> Self
    where
        H: Fn(Upgraded) + Send + Sync + 'static,
    {
        let protocols = protocols.iter().map(ToString::to_string).collect();
        self.routes.push((
            path.to_string(),
            Route::WebSocket {
                protocols,
                check: None,
                handler: Arc::new(handler),
            },
        ));
        self
    }

    /// Like [`Router::websocket`], but `check` may refuse a valid handshake before the
    /// 101 is sent; its [`Rejection`] is the HTTP answer.
    pub fn websocket_checked<C, H>(
        mut self,
        path: &str,
        protocols: &[&str],
        check: C,
        handler: H,
    ) -> Self
    where
        C: Fn(&Upgrade) -> Result<(), Rejection> + Send + Sync + 'static,
        H: Fn(Upgraded) + Send + Sync + 'static,
    {
        self = self.websocket(path, protocols, handler);
        if let Some((_, Route::WebSocket { check: slot, .. })) = self.routes.last_mut() {
            *slot = Some(Arc::new(check));
        }
        self
    }

    /// A static page at `path` (answers GET and HEAD).
    pub fn page(mut self, path: &str, content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        let body: Vec<u8> = body.into();
        self.routes.push((
            path.to_string(),
            Route::Page {
                content_type: content_type.to_string(),
                body: body.into(),
            },
        ));
        self
    }

    /// Replaces the request head limits.
    pub fn limits(mut self, limits: HeadLimits) -> Self {
        self.limits = limits;
        self
    }

    /// Replaces the handshake deadline.
    pub fn handshake_timeout(mut self, timeout: Duration) -> Self {
        self.handshake_timeout = timeout;
        self
    }

    /// The registry of connected clients (a clone sharing the same map).
    pub fn registry(&self) -> Registry {
        self.registry.clone()
    }

    /// `/echo (WebSocket), / (page)`, for logs and 404 bodies.
    pub fn describe_routes(&self) -> String {
        let described: Vec<String> = self
            .routes
            .iter()
            .map(|(path, route)| match route {
                Route::WebSocket { .. } => format!("{path} (WebSocket)"),
                Route::Page { .. } => format!("{path} (page)"),
            })
            .collect();
        described.join(", ")
    }

    fn find(&self, path: &str) -> Option<&Route> {
        self.routes
            .iter()
            .find(|(route_path, _)| route_path == path)
            .map(|(_, route)| route)
    }

    /// Serves this router on `listener` with chapter 01's accept loop.
    pub fn serve(self, listener: TcpListener, options: ServeOptions) -> io::Result<()> {
        let router = Arc::new(self);
        serve(listener, options, move |stream, info| {
            handle_connection(&router, stream, info);
        })
    }

    /// What a chapter server's `main` ends with: bind `addr` (chapter 01's [`bind`], which
    /// prints `listening on ws://HOST:PORT`), serve, and turn the outcome into the exit
    /// code. A failure is one line on stderr, `error: cannot listen on ADDR: ...` or
    /// `error: ...`, and exit code 1.
    pub fn run(self, addr: &str, options: ServeOptions) -> ExitCode {
        match bind(addr) {
            Ok(listener) => self.run_on(listener, options),
            Err(error) => {
                eprintln!("error: cannot listen on {addr}: {error}");
                ExitCode::FAILURE
            }
        }
    }

    /// Like [`Router::run`], on a listener the caller bound (to learn its address first).
    pub fn run_on(self, listener: TcpListener, options: ServeOptions) -> ExitCode {
        match self.serve(listener, options) {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("error: {error}");
                ExitCode::FAILURE
            }
        }
    }
}

// ANCHOR: handle_connection
/// Reads the request head, routes it, and either answers with a page or an error, or
/// completes the WebSocket handshake and runs the route's handler with the connection
/// registered for as long as the handler runs.
pub fn handle_connection(router: &Router, mut stream: TcpStream, info: ConnInfo) {
    let (request, leftover) = match read_head(&mut stream, &router.limits, router.handshake_timeout)
    {
        Ok(head) => head,
        Err(error) => {
            log(info.id, format_args!("no valid request head: {error}"));
            if error.deserves_response() {
                reject(&mut stream, &info, &Rejection::from(&error));
            }
            return;
        }
    };
    let request_line = format!("{} {} {}", request.method, request.target, request.version);
    let Some(route) = router.find(path_of(&request.target)) else {
        let routes = router.describe_routes();
        let reason = format!("no route for {}; this server has {routes}", request.path());
        log(info.id, format_args!("{request_line} → 404"));
        reject(&mut stream, &info, &Rejection::not_found(reason));
        return;
    };
    match route {
        Route::Page { content_type, body } => serve_page(
            &mut stream,
            &info,
            &request,
            &request_line,
            content_type,
            body,
        ),
        Route::WebSocket {
            protocols,
            check,
            handler,
        } => {
            let supported: Vec<&str> = protocols.iter().map(String::as_str).collect();
            let checked = validate_upgrade(&request, &supported).and_then(|upgrade| match check {
                Some(check) => check(&upgrade).map(|()| upgrade),
                None => Ok(upgrade),
            });
            let upgrade = match checked {
                Ok(upgrade) => upgrade,
                Err(rejection) => {
                    log(
                        info.id,
                        format_args!("{request_line} rejected: {rejection}"),
                    );
                    reject(&mut stream, &info, &rejection);
                    return;
                }
            };
            if let Err(error) = stream.write_all(&response_101(&upgrade)) {
                log(
                    info.id,
                    format_args!("{request_line}: sending 101 failed: {error}"),
                );
                return;
            }
            log(
                info.id,
                format_args!(
                    "{request_line} → 101 Switching Protocols (key {}, accept {}, protocol {})",
                    upgrade.key,
                    upgrade.accept,
                    upgrade.protocol.as_deref().unwrap_or("none"),
                ),
            );
            // From here on the connection is a WebSocket: list it while its handler runs.
            let _registration = router.registry.register(ClientInfo {
                id: info.id,
                peer: info.peer,
                path: upgrade.path.clone(),
                protocol: upgrade.protocol.clone(),
                connected_at: SystemTime::now(),
            });
            handler(Upgraded {
                stream,
                info,
                upgrade,
                leftover,
                registry: router.registry.clone(),
            });
        }
    }
}
// ANCHOR_END: handle_connection

fn serve_page(
    stream: &mut TcpStream,
    info: &ConnInfo,
    request: &Request,
    request_line: &str,
    content_type: &str,
    body: &[u8],
) {
    if request.method != "GET" && request.method != "HEAD" {
        log(info.id, format_args!("{request_line} → 405"));
        let rejection = Rejection::method_not_allowed(
            format!("{} serves GET and HEAD only", request.path()),
            "GET, HEAD",
        );
        reject(stream, info, &rejection);
        return;
    }
    let head = format!(
        "HTTP/1.1 200 {}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n",
        reason_phrase(200),
        body.len()
    );
    let mut response = head.into_bytes();
    if request.method == "GET" {
        response.extend_from_slice(body);
    }
    log(
        info.id,
        format_args!("{request_line} → 200 ({} bytes)", body.len()),
    );
    if let Err(error) = stream.write_all(&response) {
        log(info.id, format_args!("sending the page failed: {error}"));
        return;
    }
    close_gracefully(stream);
}

/// Sends a rejection and closes the connection so that the client can read it.
fn reject(stream: &mut TcpStream, info: &ConnInfo, rejection: &Rejection) {
    if let Err(error) = stream.write_all(&rejection.to_http()) {
        log(
            info.id,
            format_args!("sending {} failed: {error}", rejection.status),
        );
        return;
    }
    close_gracefully(stream);
}

/// How long [`close_gracefully`] waits for the peer to close after our answer.
const LINGER: Duration = Duration::from_secs(1);

/// Closes our sending side, then reads (and discards) what the peer still sends, for at
/// most [`LINGER`] and 64 KiB. If we closed the socket while unread bytes were waiting
/// (the rest of an oversized head, say), the kernel would answer with a TCP reset, which
/// can destroy our response before the client reads it.
fn close_gracefully(stream: &mut TcpStream) {
    let _ = stream.flush();
    let _ = stream.shutdown(Shutdown::Write);
    let deadline = Instant::now() + LINGER;
    let mut discarded = 0;
    let mut sink = [0u8; 4096];
    while discarded < 64 * 1024 {
        let remaining = deadline.saturating_duration_since(Instant::now());
        if remaining.is_zero() || stream.set_read_timeout(Some(remaining)).is_err() {
            return;
        }
        match stream.read(&mut sink) {
            Ok(0) | Err(_) => return,
            Ok(n) => discarded += n,
        }
    }
}
