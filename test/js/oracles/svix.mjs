// Oracle: the `svix` npm package's webhook verification (svix-* headers).
import { Webhook } from "svix";
import { run } from "./io.mjs";

await run(async (input, body) => {
  const wh = new Webhook(input.secret);
  if (input.op === "sign") {
    return { signature: wh.sign(input.id, new Date(input.timestamp * 1000), body.toString("utf8")) };
  }
  wh.verify(body.toString("utf8"), input.headers);
  return { ok: true };
});
