// Chapter 8: two clients in one room. Ada speaks chat.v1 (JSON), Bob offers no
// subprotocol (plain lines); they talk, Bob asks who is there, then both close.
exports.path = '/chat?room=book';
exports.page = '/';
exports.run = (url) => new Promise((resolve) => {
  const lines = [];
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  const open = (name, nick, protocols) => new Promise((done) => {
    const full = `${url}&nick=${nick}`;
    lines.push(`> ${name} = new WebSocket("${full}"${protocols ? `, ${JSON.stringify(protocols)}` : ''})`);
    const ws = protocols ? new WebSocket(full, protocols) : new WebSocket(full);
    ws.onopen = () => { lines.push(`${name} open: protocol "${ws.protocol}"`); done(ws); };
    ws.onmessage = (event) => lines.push(`${name} message: ${event.data}`);
    ws.onclose = (event) => lines.push(`${name} close: code ${event.code}, wasClean ${event.wasClean}`);
  });
  (async () => {
    const ada = await open('ada', 'ada', ['chat.v1']);
    await sleep(200);
    const bob = await open('bob', 'bob', null);
    await sleep(200);
    const said = JSON.stringify({ type: 'message', text: 'hi Bob' });
    lines.push(`> ada.send('${said}')`);
    ada.send(said);
    await sleep(200);
    lines.push('> bob.send("hello Ada")');
    bob.send('hello Ada');
    await sleep(200);
    lines.push('> bob.send("/who")');
    bob.send('/who');
    await sleep(200);
    lines.push('> bob.close(1000); ada.close(1000)');
    bob.close(1000);
    await sleep(200);
    ada.close(1000);
    await sleep(500);
    resolve(lines);
  })();
});
