// Oracle: `@octokit/webhooks-methods` (GitHub's X-Hub-Signature-256).
import { sign, verify } from "@octokit/webhooks-methods";
import { run } from "./io.mjs";

await run(async (input, body) => {
  if (input.op === "sign") {
    return { signature: await sign(input.secret, body.toString("utf8")) };
  }
  return { ok: await verify(input.secret, body.toString("utf8"), input.signature) };
});
