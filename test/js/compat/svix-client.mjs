// Drives the official `svix` npm client, unmodified, against a running Hookline.
// Usage: node svix-client.mjs <serverUrl> <adminToken> <receiverUrl>
// Prints one JSON object on success ({ok: true, ...facts}); exits 1 with the failing step otherwise.
import { check, client, expectStatus, receiverUrl, run, step, svix, waitFor } from "./harness.mjs";

await run(async (facts) => {
  step("health");
  await svix.health.get();

  step("application.create");
  const uid = `compat-${Date.now()}`;
  const app = await svix.application.create({ name: "Compat app", uid, metadata: { team: "a" } });
  check(app.id.startsWith("app_"), `id ${app.id}`);
  check(app.uid === uid && app.metadata.team === "a", "uid/metadata round trip");
  check(app.createdAt instanceof Date && !isNaN(app.createdAt), "createdAt is a date");

  step("application.get by uid");
  check((await svix.application.get(uid)).id === app.id, "uid lookup");

  step("application.getOrCreate");
  check((await svix.application.getOrCreate({ name: "ignored", uid })).id === app.id, "existing app returned");

  step("application.patch");
  check((await svix.application.patch(app.id, { name: "Renamed" })).name === "Renamed", "patched name");

  step("application.upsert");
  check((await svix.application.upsert(app.id, { name: "Upserted", uid })).name === "Upserted", "upserted name");

  step("application.list");
  const apps = await svix.application.list({ limit: 250 });
  check(apps.data.some((a) => a.id === app.id), "listed");
  check(typeof apps.done === "boolean", "done flag");

  step("eventType.create");
  const eventName = `user.created.${Date.now()}`;
  await svix.eventType.create({ name: eventName, description: "A user was created", schemas: { 1: { type: "object", properties: { id: { type: "string" } } } } });
  check((await svix.eventType.get(eventName)).description === "A user was created", "event type get");
  check((await svix.eventType.patch(eventName, { deprecated: true })).deprecated === true, "event type patch");
  check((await svix.eventType.list({ limit: 250 })).data.some((e) => e.name === eventName), "event type listed");

  step("endpoint.create");
  const endpoint = await svix.endpoint.create(app.id, { url: receiverUrl, description: "compat", filterTypes: [eventName], uid: "compat-ep" });
  check(endpoint.id.startsWith("ep_"), `id ${endpoint.id}`);
  check((await svix.endpoint.get(app.id, "compat-ep")).id === endpoint.id, "endpoint uid lookup");
  check((await svix.endpoint.list(app.id)).data.length === 1, "endpoint listed");
  check((await svix.endpoint.patch(app.id, endpoint.id, { description: "patched" })).description === "patched", "endpoint patch");

  step("endpoint headers");
  await svix.endpoint.updateHeaders?.(app.id, endpoint.id, { headers: { "X-Compat": "1" } }) ??
    (await svix.endpoint.setHeaders(app.id, endpoint.id, { headers: { "X-Compat": "1", Authorization: "Bearer s3cret" } }));
  await svix.endpoint.patchHeaders(app.id, endpoint.id, { headers: { "X-Extra": "2" } });
  const headers = await svix.endpoint.getHeaders(app.id, endpoint.id);
  check(headers.headers["X-Compat"] === "1" && headers.headers["X-Extra"] === "2", `headers ${JSON.stringify(headers)}`);
  check(Array.isArray(headers.sensitive), "sensitive list");

  step("endpoint secret");
  const secretBefore = (await svix.endpoint.getSecret(app.id, endpoint.id)).key;
  check(secretBefore.startsWith("whsec_"), "secret format");
  await svix.endpoint.rotateSecret(app.id, endpoint.id, {});
  const secretAfter = (await svix.endpoint.getSecret(app.id, endpoint.id)).key;
  check(secretAfter !== secretBefore, "rotated");
  facts.secretBefore = secretBefore;
  facts.secretAfter = secretAfter;

  step("message.create");
  const eventId = `evt-${Date.now()}`;
  const msg = await svix.message.create(app.id, { eventType: eventName, eventId, payload: { id: "u_1", nested: { ok: true } } }, { withContent: true });
  check(msg.id.startsWith("msg_"), `id ${msg.id}`);
  check(msg.payload.nested.ok === true, `payload echoed: ${JSON.stringify(msg.payload)}`);
  const lean = await svix.message.create(app.id, { eventType: eventName, payload: { big: "x" }, payloadRetentionHours: 24 });
  check(lean.payload?.big === undefined, "with_content=false leaves the payload out");
  facts.messageId = msg.id;
  const fetched = await svix.message.get(app.id, msg.id, { withContent: true });
  check(fetched.eventType === eventName && fetched.payload.nested.ok === true, "message get");
  check((await svix.message.get(app.id, eventId)).id === msg.id, "message get by eventId");
  check((await svix.message.list(app.id, { eventTypes: [eventName] })).data.some((m) => m.id === msg.id), "message listed");

  step("message.create duplicate eventId");
  await expectStatus(409, () => svix.message.create(app.id, { eventType: eventName, eventId, payload: {} }));

  step("message.create invalid payload");
  await expectStatus(422, () => svix.message.create(app.id, { eventType: "bad name!", payload: {} }));

  step("messageAttempt.listByMsg");
  const attempts = await waitFor("an attempt", async () => {
    const page = await svix.messageAttempt.listByMsg(app.id, msg.id);
    return page.data.length > 0 ? page : null;
  });
  const attempt = attempts.data[0];
  check(attempt.id.startsWith("atmpt_") && attempt.msgId === msg.id && attempt.endpointId === endpoint.id, "attempt fields");
  check(attempt.status === 0 && attempt.responseStatusCode === 200, `attempt outcome ${attempt.status}/${attempt.responseStatusCode}`);
  check((await svix.messageAttempt.listByEndpoint(app.id, endpoint.id)).data.some((a) => a.id === attempt.id), "attempt by endpoint");
  check((await svix.messageAttempt.get(app.id, msg.id, attempt.id)).id === attempt.id, "attempt get");
  check((await svix.messageAttempt.listAttemptedDestinations(app.id, msg.id)).data.some((d) => d.id === endpoint.id), "destinations");
  check((await svix.messageAttempt.listAttemptedMessages(app.id, endpoint.id)).data.some((m) => m.id === msg.id), "attempted messages");

  step("messageAttempt.resend");
  await svix.messageAttempt.resend(app.id, msg.id, endpoint.id);
  await waitFor("the resent attempt", async () => (await svix.messageAttempt.listByMsg(app.id, msg.id)).data.length >= 2);

  step("endpoint.getStats");
  const stats = await svix.endpoint.getStats(app.id, endpoint.id);
  check(stats.success >= 1, `stats ${JSON.stringify(stats)}`);

  step("endpoint.recover");
  const recover = await svix.endpoint.recover(app.id, endpoint.id, { since: new Date(Date.now() - 3600_000) });
  check(recover.id && recover.task === "endpoint.recover", `recover ${JSON.stringify(recover)}`);

  step("authentication.appPortalAccess");
  const portal = await svix.authentication.appPortalAccess(app.id, {});
  check(portal.token && portal.url, "portal token and url");
  const scoped = client(portal.token);
  check((await scoped.endpoint.list(app.id)).data.length === 1, "scoped token reads its app");
  await expectStatus(404, () => scoped.application.get("some-other-app"));

  step("message.expungeContent");
  await svix.message.expungeContent(app.id, msg.id);

  step("errors");
  await expectStatus(404, () => svix.application.get("does-not-exist"));
  await expectStatus(401, () => client("wrong-token").application.list());

  step("cleanup");
  await svix.endpoint.delete(app.id, endpoint.id);
  await svix.eventType.delete(eventName);
  await svix.application.delete(app.id);
  await expectStatus(404, () => svix.application.get(app.id));
});
