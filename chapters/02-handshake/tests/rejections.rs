//! Every way a handshake can be refused, one test each, against the real `ch02-handshake`
//! binary over TCP: the status, the headers that status requires, and a one-line reason.
#![allow(clippy::unwrap_used)] // in tests a panic is the failure report

mod common;

use common::{RFC_KEY, assert_refusal, exchange, handshake_request};
use wsbook_peers::Server;

fn server() -> Server {
    Server::start(env!("CARGO_BIN_EXE_ch02-handshake"), &["--hold", "0.2"])
}

#[test]
fn post_gets_405_with_allow_get() {
    let server = server();
    let mut request = handshake_request("/echo", &[], "");
    request.splice(0..3, b"POST".iter().copied());
    let response = exchange(server.addr, &request);
    assert_refusal(&response, 405, "GET request, not POST");
    assert_eq!(response.header("Allow"), Some("GET"));
    assert!(
        server.wait_for_log("rejected: 405", std::time::Duration::from_secs(2)),
        "{}",
        server.log()
    );
}

#[test]
fn http_1_0_gets_400() {
    let server = server();
    let request = String::from_utf8(handshake_request("/echo", &[], ""))
        .unwrap()
        .replace("HTTP/1.1", "HTTP/1.0");
    assert_refusal(
        &exchange(server.addr, request.as_bytes()),
        400,
        "needs HTTP/1.1 or later",
    );
}

#[test]
fn plain_get_without_upgrade_gets_426_naming_websocket_and_version_13() {
    let server = server();
    let response = exchange(
        server.addr,
        &handshake_request("/echo", &["Upgrade", "Connection"], ""),
    );
    assert_refusal(&response, 426, "WebSocket endpoint");
    assert_eq!(response.header("Upgrade"), Some("websocket"));
    assert_eq!(response.header("Sec-WebSocket-Version"), Some("13"));
}

#[test]
fn upgrade_to_another_protocol_gets_400() {
    let server = server();
    let response = exchange(
        server.addr,
        &handshake_request("/echo", &["Upgrade"], "Upgrade: h2c\r\n"),
    );
    assert_refusal(&response, 400, "Upgrade header must contain websocket");
}

#[test]
fn connection_without_upgrade_gets_400() {
    let server = server();
    let response = exchange(
        server.addr,
        &handshake_request("/echo", &["Connection"], "Connection: keep-alive\r\n"),
    );
    assert_refusal(&response, 400, "Connection header must include Upgrade");
}

#[test]
fn missing_host_gets_400() {
    let server = server();
    assert_refusal(
        &exchange(server.addr, &handshake_request("/echo", &["Host"], "")),
        400,
        "Host header is missing",
    );
}

#[test]
fn two_host_headers_get_400() {
    let server = server();
    let response = exchange(
        server.addr,
        &handshake_request("/echo", &[], "Host: evil.example\r\n"),
    );
    assert_refusal(&response, 400, "Host header appears 2 times");
}

#[test]
fn missing_key_gets_400() {
    let server = server();
    let response = exchange(
        server.addr,
        &handshake_request("/echo", &["Sec-WebSocket-Key"], ""),
    );
    assert_refusal(&response, 400, "Sec-WebSocket-Key header is missing");
}

#[test]
fn key_that_is_not_base64_gets_400() {
    let server = server();
    let response = exchange(
        server.addr,
        &handshake_request(
            "/echo",
            &["Sec-WebSocket-Key"],
            "Sec-WebSocket-Key: ???not-base64???\r\n",
        ),
    );
    assert_refusal(&response, 400, "is not base64");
}

#[test]
fn key_that_decodes_to_15_bytes_gets_400() {
    let server = server();
    // "AAAAAAAAAAAAAAAAAAAA" is 20 base64 characters: 15 bytes.
    let response = exchange(
        server.addr,
        &handshake_request(
            "/echo",
            &["Sec-WebSocket-Key"],
            "Sec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAA\r\n",
        ),
    );
    assert_refusal(&response, 400, "must decode to 16 bytes, not 15");
}

#[test]
fn key_sent_twice_gets_400() {
    let server = server();
    let response = exchange(
        server.addr,
        &handshake_request("/echo", &[], &format!("Sec-WebSocket-Key: {RFC_KEY}\r\n")),
    );
    assert_refusal(&response, 400, "Sec-WebSocket-Key header appears 2 times");
}

#[test]
fn version_8_gets_426_with_version_13() {
    let server = server();
    let response = exchange(
        server.addr,
        &handshake_request(
            "/echo",
            &["Sec-WebSocket-Version"],
            "Sec-WebSocket-Version: 8\r\n",
        ),
    );
    assert_refusal(&response, 426, "asked for 8");
    assert_eq!(response.header("Sec-WebSocket-Version"), Some("13"));
    assert_eq!(response.header("Upgrade"), Some("websocket"));
}

#[test]
fn missing_version_gets_426_with_version_13() {
    let server = server();
    let response = exchange(
        server.addr,
        &handshake_request("/echo", &["Sec-WebSocket-Version"], ""),
    );
    assert_refusal(&response, 426, "asked for none");
    assert_eq!(response.header("Sec-WebSocket-Version"), Some("13"));
}

#[test]
fn subprotocol_that_is_not_a_token_gets_400() {
    let server = server();
    let response = exchange(
        server.addr,
        &handshake_request("/echo", &[], "Sec-WebSocket-Protocol: chat.v1, chat/v2\r\n"),
    );
    assert_refusal(&response, 400, "\"chat/v2\" is not a token");
}

#[test]
fn malformed_request_line_gets_400() {
    let server = server();
    let response = exchange(server.addr, b"GET /echo\r\nHost: x\r\n\r\n");
    assert_refusal(&response, 400, "malformed request line");
}

#[test]
fn whitespace_before_a_header_colon_gets_400() {
    let server = server();
    let response = exchange(
        server.addr,
        &handshake_request("/echo", &["Host"], "Host : 127.0.0.1\r\n"),
    );
    assert_refusal(&response, 400, "whitespace between header name and colon");
}

#[test]
fn binary_noise_gets_400_at_once() {
    let server = server();
    // The start of a TLS ClientHello: someone used https:// or wss:// on a plain port.
    let response = exchange(server.addr, b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03");
    assert_refusal(&response, 400, "control character 0x16");
}

#[test]
fn head_over_8_kib_gets_431() {
    let server = server();
    let cookie = format!("Cookie: {}\r\n", "a".repeat(9000));
    let response = exchange(server.addr, &handshake_request("/echo", &[], &cookie));
    assert_refusal(&response, 431, "larger than 8192 bytes");
}

#[test]
fn more_than_64_headers_get_431() {
    let server = server();
    let extra = (0..64)
        .map(|i| format!("X-Filler-{i}: {i}\r\n"))
        .collect::<Vec<_>>()
        .concat();
    let response = exchange(server.addr, &handshake_request("/echo", &[], &extra));
    assert_refusal(&response, 431, "more than 64 header fields");
}

#[test]
fn unknown_path_gets_404_listing_the_routes() {
    let server = server();
    let response = exchange(server.addr, &handshake_request("/nope", &[], ""));
    assert_refusal(
        &response,
        404,
        "no route for /nope; this server has /echo (WebSocket), / (page)",
    );
}

#[test]
fn post_to_the_page_gets_405_with_allow_get_head() {
    let server = server();
    let response = exchange(
        server.addr,
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
    );
    assert_refusal(&response, 405, "GET and HEAD only");
    assert_eq!(response.header("Allow"), Some("GET, HEAD"));
}
