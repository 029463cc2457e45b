// An echo server's page: send a text, a binary and a large binary message, report what
// comes back, then close with 1000.
exports.path = '/echo';
exports.page = '/';
exports.run = (url) => new Promise((resolve) => {
  const lines = [`> ws = new WebSocket("${url}"); ws.binaryType = "arraybuffer"`];
  const ws = new WebSocket(url);
  ws.binaryType = 'arraybuffer';
  const sends = [
    ['ws.send("hello")', () => ws.send('hello')],
    ['ws.send(new Uint8Array([1, 2, 3]))', () => ws.send(new Uint8Array([1, 2, 3]))],
    ['ws.send(new Uint8Array(70000).fill(7))', () => ws.send(new Uint8Array(70000).fill(7))],
  ];
  const next = () => {
    const step = sends.shift();
    if (step) {
      lines.push(`> ${step[0]}`);
      step[1]();
    } else {
      lines.push('> ws.close(1000, "bye")');
      ws.close(1000, 'bye');
    }
  };
  ws.onopen = () => { lines.push(`open: protocol "${ws.protocol}", extensions "${ws.extensions}"`); next(); };
  ws.onmessage = (event) => {
    const data = event.data;
    if (typeof data === 'string') lines.push(`message: the string ${JSON.stringify(data)}`);
    else {
      const bytes = new Uint8Array(data);
      const shown = bytes.length <= 8 ? `[${Array.from(bytes).join(', ')}]` : `all ${bytes[0]}: ${bytes.every((b) => b === bytes[0])}`;
      lines.push(`message: an ArrayBuffer of ${bytes.length} bytes, ${shown}`);
    }
    next();
  };
  ws.onerror = () => lines.push(`error: readyState ${ws.readyState}`);
  ws.onclose = (event) => {
    lines.push(`close: code ${event.code}, reason ${JSON.stringify(event.reason)}, wasClean ${event.wasClean}`);
    resolve(lines);
  };
  setTimeout(() => { lines.push('(no close event after 8 s)'); resolve(lines); }, 8000);
});
