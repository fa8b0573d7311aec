// Drives the official `svix` npm client's Ingest API (svix.ingest.source.*, svix.ingest.endpoint.*),
// unmodified, against a running Hookline, then posts a Svix-signed request to the source's ingest URL.
// Usage: node svix-ingest.mjs <serverUrl> <adminToken> <receiverUrl>
// Prints one JSON object on success ({ok: true, ...facts}); exits 1 with the failing step otherwise.
import { Webhook } from "svix";
import { check, expectStatus, receiverUrl, run, serverUrl, step, svix } from "./harness.mjs";

await run(async (facts) => {
  const stamp = Date.now();

  step("source.create stripe");
  const uid = `compat-stripe-${stamp}`;
  const stripe = await svix.ingest.source.create({ name: "Stripe (compat)", uid, type: "stripe", config: { secret: "whsec_compat_stripe" }, metadata: { env: "test" } });
  check(stripe.id.startsWith("src_"), `id ${stripe.id}`);
  check(stripe.type === "stripe" && stripe.uid === uid && stripe.metadata.env === "test", `round trip ${JSON.stringify(stripe)}`);
  check(stripe.ingestUrl && stripe.ingestUrl.startsWith(`${serverUrl}/ingest/`), `ingestUrl ${stripe.ingestUrl}`);
  check(JSON.stringify(stripe.config) === "{}", `config shows nothing: ${JSON.stringify(stripe.config)}`);
  check(stripe.createdAt instanceof Date && !isNaN(stripe.createdAt), "createdAt is a date");

  step("source.get by id and uid");
  check((await svix.ingest.source.get(stripe.id)).id === stripe.id, "by id");
  check((await svix.ingest.source.get(uid)).id === stripe.id, "by uid");

  step("source.create github and generic-webhook");
  const github = await svix.ingest.source.create({ name: "GitHub (compat)", type: "github", config: { secret: "gh-compat" } });
  const generic = await svix.ingest.source.create({ name: "Generic (compat)", type: "generic-webhook" });
  check(github.type === "github" && generic.type === "generic-webhook", "types");

  step("source.create invalid");
  const invalid = await expectStatus(422, () => svix.ingest.source.create({ name: "Broken", type: "stripe", config: { secret: "" } }));
  check(JSON.stringify(invalid.body).includes("secret"), `422 names the key: ${JSON.stringify(invalid.body)}`);

  step("source.list");
  const listed = await svix.ingest.source.list({ limit: 250 });
  for (const s of [stripe, github, generic]) check(listed.data.some((x) => x.id === s.id), `listed ${s.id}`);
  check(typeof listed.done === "boolean", "done flag");

  step("source.upsert");
  const upserted = await svix.ingest.source.upsert(uid, { name: "Stripe (renamed)", type: "stripe", config: { secret: "whsec_compat_rotated" } });
  check(upserted.id === stripe.id && upserted.name === "Stripe (renamed)" && upserted.uid === uid, `upsert ${JSON.stringify(upserted)}`);
  const created = await svix.ingest.source.upsert(`compat-new-${stamp}`, { name: "Made by PUT", type: "generic-webhook" });
  check(created.uid === `compat-new-${stamp}`, "upsert creates");

  step("source.rotateToken");
  const rotated = await svix.ingest.source.rotateToken(stripe.id);
  check(rotated.ingestUrl && rotated.ingestUrl !== stripe.ingestUrl, `rotated ${rotated.ingestUrl}`);
  check((await svix.ingest.source.get(stripe.id)).ingestUrl === rotated.ingestUrl, "the source shows the new URL");

  step("ingest.authentication.consumerPortalAccess");
  const portal = await svix.ingest.authentication.consumerPortalAccess(stripe.id, { expiry: 3600 });
  check(portal.token && portal.url, `portal ${JSON.stringify(portal)}`);

  step("source svix for delivery");
  const svixSecret = "whsec_" + Buffer.from("0123456789abcdef0123456789abcdef").toString("base64");
  const svixSource = await svix.ingest.source.create({ name: "Svix (compat)", type: "svix", config: { secret: svixSecret } });

  step("endpoint.create");
  const endpoint = await svix.ingest.endpoint.create(svixSource.id, { url: receiverUrl, description: "compat", uid: "compat-ingest-ep", metadata: { a: "b" } });
  check(endpoint.id.startsWith("ep_") && endpoint.url === receiverUrl && endpoint.metadata.a === "b", `endpoint ${JSON.stringify(endpoint)}`);
  check((await svix.ingest.endpoint.get(svixSource.id, "compat-ingest-ep")).id === endpoint.id, "endpoint by uid");
  check((await svix.ingest.endpoint.list(svixSource.id)).data.length === 1, "endpoint listed");

  step("endpoint.upsert");
  const up = await svix.ingest.endpoint.upsert(svixSource.id, endpoint.id, { url: receiverUrl, description: "upserted" });
  check(up.description === "upserted", "endpoint upserted");

  step("endpoint headers");
  await svix.ingest.endpoint.setHeaders(svixSource.id, endpoint.id, { headers: { "X-Compat": "ingest" } });
  const headers = await svix.ingest.endpoint.getHeaders(svixSource.id, endpoint.id);
  check(headers.headers["X-Compat"] === "ingest" && Array.isArray(headers.sensitive), `headers ${JSON.stringify(headers)}`);

  step("endpoint secret");
  const secretBefore = (await svix.ingest.endpoint.getSecret(svixSource.id, endpoint.id)).key;
  await svix.ingest.endpoint.rotateSecret(svixSource.id, endpoint.id, {});
  const secretAfter = (await svix.ingest.endpoint.getSecret(svixSource.id, endpoint.id)).key;
  check(secretBefore.startsWith("whsec_") && secretAfter !== secretBefore, "rotated");
  facts.secretBefore = secretBefore;
  facts.secretAfter = secretAfter;

  step("post to ingestUrl");
  const payload = JSON.stringify({ type: "user.created", data: { id: "u_compat" } });
  const msgId = `msg_compat_${stamp}`;
  const now = new Date();
  const signature = new Webhook(svixSecret).sign(msgId, now, payload);
  const response = await fetch(svixSource.ingestUrl, {
    method: "POST",
    headers: { "content-type": "application/json", "svix-id": msgId, "svix-timestamp": String(Math.floor(now.getTime() / 1000)), "svix-signature": signature },
    body: payload,
  });
  const answer = await response.text();
  check(response.status === 200, `ingest answered ${response.status} ${answer}`);
  facts.messageId = JSON.parse(answer).messageId;
  facts.payload = payload;

  step("endpoint.delete and source.delete");
  const spare = await svix.ingest.endpoint.create(svixSource.id, { url: receiverUrl });
  await svix.ingest.endpoint.delete(svixSource.id, spare.id);
  await expectStatus(404, () => svix.ingest.endpoint.get(svixSource.id, spare.id));
  for (const s of [github, generic, created]) await svix.ingest.source.delete(s.id);
  await expectStatus(404, () => svix.ingest.source.get(github.id));
});
