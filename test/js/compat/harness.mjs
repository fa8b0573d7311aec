// What the compat scripts share: the command line (<serverUrl> <adminToken> <receiverUrl>), a svix
// client on it, the current step for failure messages, assertions, and the outcome protocol the
// C# side reads — one JSON line {ok: true, ...facts} on success, or exit 1 naming the failing step.
import { Svix } from "svix";

export const [serverUrl, token, receiverUrl] = process.argv.slice(2);

/** A svix client for this server, without retries (a retry would hide a wrong status). */
export const client = (bearer) => new Svix(bearer, { serverUrl, retryScheduleInMs: [] });

export const svix = client(token);

let current = "start";

/** Names the step that a failure from here on is reported against. */
export function step(name) {
  current = name;
}

export function check(condition, message) {
  if (!condition) throw new Error(`${current}: ${message}`);
}

export async function expectStatus(status, action) {
  try {
    await action();
  } catch (e) {
    check(e.code === status, `expected HTTP ${status}, got ${e.code} ${JSON.stringify(e.body)}`);
    return e;
  }
  throw new Error(`${current}: expected HTTP ${status}, the call succeeded`);
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function waitFor(what, probe, timeoutMs = 20000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`${current}: timed out waiting for ${what}`);
    await sleep(200);
  }
}

/** Runs the walkthrough; it fills in `facts`, printed on success. */
export async function run(walkthrough) {
  const facts = {};
  try {
    await walkthrough(facts);
    console.log(JSON.stringify({ ok: true, ...facts }));
  } catch (e) {
    console.error(`FAILED at ${current}: ${e.stack ?? e} ${e.body ? JSON.stringify(e.body) : ""}`);
    process.exit(1);
  }
}
