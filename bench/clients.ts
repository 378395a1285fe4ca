/**
 * HTTP clients of the benchmarks: an OpenAI-style streaming request and the UI's own turn
 * (POST the message, then read the conversation's event stream), timed from the request.
 * @module
 */
import { readSse } from "../tests/support/sse.ts";

/** One stream's timing, in ms from the request. */
export interface StreamTiming {
  ttft: number;
  total: number;
  text: string;
}

/** The chat request every stream sends. */
const request = {
  model: "gpt-4o",
  stream: true,
  messages: [{ role: "user", content: "Count." }],
};

/** An OpenAI-style stream: POST, then read `data:` chunks until `[DONE]`. */
export async function openAiStream(
  url: string,
  headers: Record<string, string>,
): Promise<StreamTiming> {
  const t0 = performance.now();
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(request),
  });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status} ${await res.text()}`);
  let ttft = -1;
  let text = "";
  for await (const { data } of readSse(res)) {
    if (data === "[DONE]") break;
    const content = JSON.parse(data).choices?.[0]?.delta?.content;
    if (content) {
      if (ttft < 0) ttft = performance.now() - t0;
      text += content;
    }
  }
  return { ttft, total: performance.now() - t0, text };
}

/**
 * A Responses API stream (`/v1/responses`): POST, then read `response.output_text.delta`
 * events until `response.completed`.
 */
export async function responsesStream(
  url: string,
  headers: Record<string, string>,
): Promise<StreamTiming> {
  const t0 = performance.now();
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ model: request.model, stream: true, input: "Count." }),
  });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status} ${await res.text()}`);
  let ttft = -1;
  let text = "";
  for await (const { event, data } of readSse(res)) {
    if (event === "response.completed") break;
    if (event !== "response.output_text.delta") continue;
    if (ttft < 0) ttft = performance.now() - t0;
    text += JSON.parse(data).delta;
  }
  return { ttft, total: performance.now() - t0, text };
}

/** The UI's path: POST the message, then read the conversation's event stream to `end`. */
export async function uiStream(origin: string, conversationId: string): Promise<StreamTiming> {
  const headers = { origin, "content-type": "application/json" };
  const t0 = performance.now();
  const post = await fetch(`${origin}/api/conversations/${conversationId}/messages`, {
    method: "POST",
    headers,
    body: JSON.stringify({ content: "Count." }),
  });
  if (post.status !== 202) throw new Error(`UI send: HTTP ${post.status} ${await post.text()}`);
  await post.body?.cancel();
  const res = await fetch(`${origin}/api/conversations/${conversationId}/events`, { headers });
  let ttft = -1;
  let text = "";
  for await (const { event, data } of readSse(res)) {
    if (event === "snapshot") text = JSON.parse(data).message.content;
    else if (event === "delta") text += JSON.parse(data).text;
    else if (event === "end") {
      const end = JSON.parse(data);
      if (end.status !== "complete") throw new Error(`UI turn ended ${JSON.stringify(end)}`);
      break;
    }
    if (ttft < 0 && text) ttft = performance.now() - t0;
  }
  return { ttft, total: performance.now() - t0, text };
}

/** Creates an empty conversation; returns its id. */
export async function newConversation(origin: string): Promise<string> {
  const res = await fetch(`${origin}/api/conversations`, {
    method: "POST",
    headers: { origin, "content-type": "application/json" },
    body: "{}",
  });
  if (res.status !== 201) throw new Error(`create conversation: HTTP ${res.status}`);
  return (await res.json()).id;
}
