// The simplest scenario: open a WebSocket, report every event, send one text message once
// open, close after the first message back (or give up after 5 s).
exports.path = '/chat';
exports.run = (url) => new Promise((resolve) => {
  const lines = [`> ws = new WebSocket("${url}")`];
  const ws = new WebSocket(url);
  lines.push(`readyState ${ws.readyState}`);
  ws.onopen = () => {
    lines.push(`open: readyState ${ws.readyState}, protocol "${ws.protocol}", extensions "${ws.extensions}"`);
    lines.push('> ws.send("hello")');
    ws.send('hello');
  };
  ws.onmessage = (event) => {
    lines.push(`message: ${JSON.stringify(event.data)}`);
    lines.push('> ws.close(1000, "bye")');
    ws.close(1000, 'bye');
  };
  ws.onerror = () => lines.push(`error: readyState ${ws.readyState}`);
  ws.onclose = (event) => {
    lines.push(`close: code ${event.code}, reason ${JSON.stringify(event.reason)}, wasClean ${event.wasClean}, readyState ${ws.readyState}`);
    resolve(lines);
  };
  setTimeout(() => { lines.push('(no close event after 5 s)'); resolve(lines); }, 5000);
});
