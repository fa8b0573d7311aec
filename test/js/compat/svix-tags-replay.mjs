// Message tags and replay-missing through the official `svix` npm client, unmodified, against Hookline.
// Usage: node svix-tags-replay.mjs <serverUrl> <adminToken> <receiverUrl>
// Endpoint "late" listens at <receiverUrl>-late and is created after the messages, so only
// replay-missing brings them to it. Prints one JSON object on success ({ok: true, ...facts}).
import { check, expectStatus, receiverUrl, run, step, svix, waitFor } from "./harness.mjs";

const ids = (page) => page.data.map((m) => m.id).join(",");
const msgIds = (page) => page.data.map((a) => a.msgId).join(",");

await run(async (facts) => {
  step("setup");
  const app = await svix.application.create({ name: "Tags and replay", uid: `tags-${Date.now()}` });
  const endpoint = await svix.endpoint.create(app.id, { url: receiverUrl });
  const since = new Date(Date.now() - 3600_000);

  step("message.create with tags");
  const m1 = await svix.message.create(app.id, { eventType: "order.paid", payload: { n: 1 }, tags: ["user_1", "order.9"] });
  check(JSON.stringify(m1.tags) === '["user_1","order.9"]', `tags echoed: ${JSON.stringify(m1.tags)}`);
  const m2 = await svix.message.create(app.id, { eventType: "order.paid", payload: { n: 2 }, tags: ["order.9"] });
  const m3 = await svix.message.create(app.id, { eventType: "order.paid", payload: { n: 3 } });
  check(!m3.tags, "no tags, none returned");
  check(JSON.stringify((await svix.message.get(app.id, m1.id)).tags) === '["user_1","order.9"]', "message.get returns the tags");

  step("message.create invalid tags");
  await expectStatus(422, () => svix.message.create(app.id, { eventType: "order.paid", payload: {}, tags: ["not a tag!"] }));
  await expectStatus(422, () => svix.message.create(app.id, { eventType: "order.paid", payload: {}, tags: ["a", "b", "c", "d", "e", "f"] }));

  step("message.list tag");
  check(ids(await svix.message.list(app.id, { tag: "user_1" })) === m1.id, "tag user_1");
  check(ids(await svix.message.list(app.id, { tag: "order.9" })) === `${m2.id},${m1.id}`, "tag order.9, newest first");
  check((await svix.message.list(app.id, { tag: "nobody" })).data.length === 0, "unknown tag");

  step("messageAttempt lists with tag");
  await waitFor("three attempts", async () => (await svix.messageAttempt.listByEndpoint(app.id, endpoint.id)).data.length >= 3);
  check(msgIds(await svix.messageAttempt.listByEndpoint(app.id, endpoint.id, { tag: "order.9" })) === `${m2.id},${m1.id}`, "listByEndpoint tag");
  check(msgIds(await svix.messageAttempt.listByMsg(app.id, m1.id, { tag: "user_1" })) === m1.id, "listByMsg tag");
  check((await svix.messageAttempt.listByMsg(app.id, m3.id, { tag: "user_1" })).data.length === 0, "listByMsg other tag");
  const attempted = await svix.messageAttempt.listAttemptedMessages(app.id, endpoint.id, { tag: "user_1" });
  check(ids(attempted) === m1.id, "listAttemptedMessages tag");

  step("endpoint.replayMissing");
  const late = await svix.endpoint.create(app.id, { url: `${receiverUrl}-late` });
  const replay = await svix.endpoint.replayMissing(app.id, late.id, { since });
  check(replay.id.startsWith("qtask_") && replay.task === "endpoint.replay" && replay.status === "running", `ReplayOut ${JSON.stringify(replay)}`);
  check(replay.updatedAt instanceof Date && !isNaN(replay.updatedAt), "updatedAt is a date");
  const done = await waitFor("the replay task to end", async () => {
    const task = await svix.backgroundTask.get(replay.id);
    return task.status !== "running" ? task : null;
  });
  check(done.status === "finished" && done.task === "endpoint.replay", `task ${JSON.stringify(done)}`);
  check(done.data.messagesSent === 3, `messagesSent ${JSON.stringify(done.data)}`);
  check((await svix.backgroundTask.list({ task: "endpoint.replay" })).data.some((t) => t.id === replay.id), "task listed");

  step("endpoint.replayMissing again");
  const again = await svix.endpoint.replayMissing(app.id, late.id, { since });
  const doneAgain = await waitFor("the second replay", async () => {
    const task = await svix.backgroundTask.get(again.id);
    return task.status !== "running" ? task : null;
  });
  check(doneAgain.data.messagesSent === 0, `nothing missing any more: ${JSON.stringify(doneAgain.data)}`);

  step("endpoint.replayMissing invalid");
  await expectStatus(404, () => svix.endpoint.replayMissing(app.id, "ep_missing", { since }));

  facts.replayed = [m1.id, m2.id, m3.id].sort().join(",");
});
