// Chapter 6: a quiet browser on /heartbeat. The server pings it; the browser answers by
// itself (the page never sees a ping), and the server reports each round trip as JSON.
exports.path = '/heartbeat';
exports.page = '/';
exports.run = (url) => new Promise((resolve) => {
  const lines = [`> ws = new WebSocket("${url}")   // then the page sends nothing for 3.5 s`];
  const ws = new WebSocket(url);
  ws.onopen = () => lines.push('open');
  ws.onmessage = (event) => lines.push(`message: ${event.data}`);
  ws.onerror = () => lines.push('error');
  ws.onclose = (event) => {
    lines.push(`close: code ${event.code}, wasClean ${event.wasClean}`);
    resolve(lines);
  };
  setTimeout(() => { lines.push('> ws.close(1000)'); ws.close(1000); }, 3500);
  setTimeout(() => { lines.push('(no close event after 8 s)'); resolve(lines); }, 8000);
});
