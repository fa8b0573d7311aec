// Oracle: the `standardwebhooks` npm package (reference Standard Webhooks implementation).
// {op:"sign", secret, id, timestamp, body} -> {signature}
// {op:"verify", secret, headers, body} -> {ok, error?}
import { Webhook } from "standardwebhooks";
import { run } from "./io.mjs";

await run(async (input, body) => {
  const wh = new Webhook(input.secret);
  if (input.op === "sign") {
    return { signature: wh.sign(input.id, new Date(input.timestamp * 1000), body.toString("utf8")) };
  }
  wh.verify(body.toString("utf8"), input.headers);
  return { ok: true };
});
