// Oracle: the `stripe` npm package.
// {op:"sign", secret, timestamp, body} -> {header}
// {op:"verify", secret, header, body, tolerance} -> {ok, id?}
import Stripe from "stripe";
import { run } from "./io.mjs";

const stripe = new Stripe("sk_test_oracle");

await run(async (input, body) => {
  if (input.op === "sign") {
    return { header: stripe.webhooks.generateTestHeaderString({ payload: body.toString("utf8"), secret: input.secret, timestamp: input.timestamp }) };
  }
  const event = stripe.webhooks.constructEvent(body, input.header, input.secret, input.tolerance ?? 300);
  return { ok: true, id: event.id };
});
