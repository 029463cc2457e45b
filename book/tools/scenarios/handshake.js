// Chapter 2: open a WebSocket offering two subprotocols and report what the handshake gave.
// The server of chapter 2 cannot read frames yet: it holds the connection and drops it.
exports.path = '/echo';
exports.page = '/';
exports.run = (url) => new Promise((resolve) => {
  const lines = [`> ws = new WebSocket("${url}", ["chat.v2", "chat.v1"])`];
  const ws = new WebSocket(url, ['chat.v2', 'chat.v1']);
  lines.push(`readyState ${ws.readyState}`);
  ws.onopen = () => lines.push(`open: readyState ${ws.readyState}, protocol "${ws.protocol}", extensions "${ws.extensions}"`);
  ws.onerror = () => lines.push(`error: readyState ${ws.readyState}`);
  ws.onclose = (event) => {
    lines.push(`close: code ${event.code}, reason ${JSON.stringify(event.reason)}, wasClean ${event.wasClean}, readyState ${ws.readyState}`);
    resolve(lines);
  };
  setTimeout(() => { lines.push('(no close event after 5 s)'); resolve(lines); }, 5000);
});
