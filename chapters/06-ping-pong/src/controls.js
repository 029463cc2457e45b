// Chapter 06: the server reports each answered ping on /heartbeat as
// {"heartbeat":{"pings_sent":N,"pongs_received":N,"rtt_ms":X}}.
wsbook.on("message", (message) => {
  if (message.type !== "text") return;
  let report = null;
  try { report = JSON.parse(message.raw).heartbeat; } catch (_) { return; }
  if (!report) return;
  document.getElementById("pings-sent").textContent = report.pings_sent;
  document.getElementById("pongs-received").textContent = report.pongs_received;
  document.getElementById("rtt").textContent = `${report.rtt_ms.toFixed(2)} ms`;
  wsbook.log("info", `the server pinged, the browser answered: round trip ${report.rtt_ms.toFixed(2)} ms`);
});
