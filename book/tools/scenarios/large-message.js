// Chapter 5: a message large enough that Chromium fragments it, echoed in fragments by the
// server (started with --fragment-size), arriving in the page as one message.
exports.path = '/echo';
exports.page = '/';
exports.run = (url) => new Promise((resolve) => {
  const lines = [`> ws = new WebSocket("${url}")`];
  const ws = new WebSocket(url);
  const big = 'é'.repeat(100000); // 200,000 bytes of UTF-8: every character is 2 bytes
  ws.onopen = () => {
    lines.push('> ws.send("é".repeat(100000))   // 100,000 characters, 200,000 bytes of UTF-8');
    ws.send(big);
  };
  ws.onmessage = (event) => {
    lines.push(`message: ${event.data.length} characters, identical to what was sent: ${event.data === big}`);
    lines.push('> ws.close(1000)');
    ws.close(1000);
  };
  ws.onerror = () => lines.push(`error: readyState ${ws.readyState}`);
  ws.onclose = (event) => {
    lines.push(`close: code ${event.code}, wasClean ${event.wasClean}`);
    resolve(lines);
  };
  setTimeout(() => { lines.push('(no close event after 10 s)'); resolve(lines); }, 10000);
});
