// Shared stdin/stdout plumbing: one JSON object in, one JSON object out. Bodies travel as base64
// so the exact bytes survive the trip.
export async function run(handler) {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  const input = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  let output;
  try {
    output = await handler(input, Buffer.from(input.body ?? "", "base64"));
  } catch (err) {
    output = { ok: false, error: String(err && err.message ? err.message : err) };
  }
  process.stdout.write(JSON.stringify(output));
}
