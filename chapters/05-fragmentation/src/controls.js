// Chapter 05: send one large text message and check that the echo is identical.
// The pattern mixes 1-, 2- and 3-byte UTF-8 characters, so when the server sends its
// echo in fragments (--fragment-size), some fragment boundaries cut a character in two.
const BIG_PATTERN = "wsbook é ü € ✓ ";
const BIG_LENGTH = 100000;
let expectedBig = null;
document.getElementById("send-big").onclick = () => {
  let text = "";
  for (let i = 0; i < BIG_LENGTH; i++) text += BIG_PATTERN[i % BIG_PATTERN.length];
  if (wsbook.send(text)) {
    expectedBig = text;
    document.getElementById("big-result").textContent = "waiting for the echo";
  }
};
wsbook.on("message", (message) => {
  if (expectedBig === null || message.type !== "text" || message.length !== expectedBig.length) return;
  const same = message.raw === expectedBig;
  expectedBig = null;
  const verdict = same ? "identical" : "DIFFERENT";
  document.getElementById("big-result").textContent = verdict;
  wsbook.log(same ? "info" : "error", `the 100,000 characters came back ${verdict}`, { bigRoundTrip: same });
});
