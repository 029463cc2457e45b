// Chapter 7: echo one message, then close with an application's code and a reason; the
// server answers the close, and closes TCP first.
exports.path = '/echo';
exports.page = '/';
exports.run = (url) => new Promise((resolve) => {
  const lines = [`> ws = new WebSocket("${url}")`];
  const ws = new WebSocket(url);
  ws.onopen = () => { lines.push('> ws.send("hello")'); ws.send('hello'); };
  ws.onmessage = (event) => {
    lines.push(`message: ${JSON.stringify(event.data)}`);
    lines.push('> ws.close(4001, "done for today")');
    ws.close(4001, 'done for today');
    lines.push(`readyState ${ws.readyState}`);
  };
  ws.onerror = () => lines.push('error');
  ws.onclose = (event) => {
    lines.push(`close: code ${event.code}, reason ${JSON.stringify(event.reason)}, wasClean ${event.wasClean}, readyState ${ws.readyState}`);
    resolve(lines);
  };
  setTimeout(() => { lines.push('(no close event after 8 s)'); resolve(lines); }, 8000);
});
