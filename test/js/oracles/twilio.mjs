// Oracle: the `twilio` npm package's request validation.
// {op:"sign", token, url, params} -> {signature}
// {op:"verify", token, signature, url, params} -> {ok}
// {op:"verifyBody", token, signature, url, body} -> {ok}   (JSON bodies with bodySHA256)
import twilio from "twilio";
import { run } from "./io.mjs";

await run(async (input, body) => {
  if (input.op === "sign") {
    return { signature: twilio.getExpectedTwilioSignature(input.token, input.url, input.params ?? {}) };
  }
  if (input.op === "verifyBody") {
    return { ok: twilio.validateRequestWithBody(input.token, input.signature, input.url, body.toString("utf8")) };
  }
  return { ok: twilio.validateRequest(input.token, input.signature, input.url, input.params ?? {}) };
});
