// Attachments through real HTTP: upload (kinds by content, limits, refusals), dedupe on disk,
// what the scripted model receives, deletion with the conversation, export, search, /v1.
import assert from "node:assert/strict";
import { imageSize } from "image-size";
import type { Attachment } from "../../lib/store/attachments.ts";
import type { Conversation } from "../../lib/store/types.ts";
import { MAX_FILES_PER_MESSAGE, MAX_IMAGE_SIDE } from "../../lib/chat/attachment_limits.ts";
import { blobPath } from "../../lib/chat/attachments_files.ts";
import { startRungpt, type TestRungpt } from "../support/rungpt_server.ts";
import { startScriptedModel } from "../support/scripted_model.ts";
import {
  containsAscii,
  EXIF_MARKER,
  jpegWithExif,
  pdfWithText,
} from "../support/attachment_fixtures.ts";

type Upload = [name: string, type: string, bytes: Uint8Array | string];

async function upload(rg: TestRungpt, files: Upload[]): Promise<Response> {
  const form = new FormData();
  for (const [name, type, bytes] of files) {
    form.append("file", new File([bytes as BlobPart], name, { type }));
  }
  return await rg.api("/api/attachments", { method: "POST", body: form });
}

async function uploadOk(rg: TestRungpt, files: Upload[]): Promise<Attachment[]> {
  const res = await upload(rg, files);
  assert.equal(res.status, 201, await res.clone().text());
  return (await res.json()).attachments;
}

/** Starts a chat with a message and files, and waits for the reply to end. */
async function chat(
  rg: TestRungpt,
  content: string,
  attachments: string[],
): Promise<Conversation> {
  const res = await rg.api("/api/conversations", {
    method: "POST",
    json: { content, attachments },
  });
  assert.equal(res.status, 202, await res.clone().text());
  const { conversation } = await res.json();
  const events = await (await rg.api(`/api/conversations/${conversation.id}/events`)).text();
  assert.match(events, /event: (end|idle)/);
  return conversation;
}

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}

Deno.test("attachments: image, PDF and text reach the model as parts; the image resized without EXIF", async () => {
  await using model = await startScriptedModel({ replies: [{ text: "Seen." }] });
  await using rg = await startRungpt({ model });
  const files = await uploadOk(rg, [
    ["photo.jpg", "image/jpeg", await jpegWithExif(2200, 1100)],
    ["quarterly-report.pdf", "application/pdf", pdfWithText("Revenue grew 12 percent")],
    // A code file with a name that says nothing: its bytes make it text.
    ["main.rs", "", 'fn main() { println!("hi"); }\n'],
  ]);
  assert.deepEqual(files.map((f) => [f.kind, f.type]), [
    ["image", "image/jpeg"],
    ["pdf", "application/pdf"],
    ["text", "text/plain"],
  ]);
  const conv = await chat(rg, "What do these say?", files.map((f) => f.id));

  const [req] = model.chatRequests();
  const user = req.body.messages.at(-1);
  assert.equal(user.role, "user");
  assert.deepEqual(user.content[0], { type: "text", text: "What do these say?" });
  const image = user.content[1];
  assert.equal(image.type, "image_url");
  const match = /^data:image\/jpeg;base64,(.+)$/.exec(image.image_url.url);
  assert.ok(match, image.image_url.url.slice(0, 40));
  const sent = Uint8Array.from(atob(match[1]), (c) => c.charCodeAt(0));
  const size = imageSize(sent);
  assert.deepEqual([size.width, size.height], [MAX_IMAGE_SIDE, MAX_IMAGE_SIDE / 2]);
  assert.equal(containsAscii(sent, "Exif"), false, "EXIF was sent to the model");
  assert.equal(containsAscii(sent, EXIF_MARKER), false);
  assert.equal(
    user.content[2].text,
    '<attachment name="quarterly-report.pdf" type="application/pdf">\n' +
      "Revenue grew 12 percent\n</attachment>",
  );
  assert.match(user.content[3].text, /^<attachment name="main\.rs" type="text\/plain">\nfn main/);

  // The stored message lists its files; the image is served for its thumbnail.
  const { messages } = await (await rg.api(`/api/conversations/${conv.id}`)).json();
  const names = messages[0].meta.attachments.map((a: Attachment) => a.name);
  assert.deepEqual(names, ["photo.jpg", "quarterly-report.pdf", "main.rs"]);
  const thumb = await rg.api(`/api/attachments/${files[0].id}`);
  assert.equal(thumb.headers.get("content-type"), "image/jpeg");
  assert.deepEqual(new Uint8Array(await thumb.arrayBuffer()), sent);
  const pdf = await rg.api(`/api/attachments/${files[1].id}`);
  assert.match(pdf.headers.get("content-disposition") ?? "", /^attachment;/);
  await pdf.body?.cancel();
});

Deno.test("attachments: other types and broken limits are refused, naming the file", async () => {
  await using model = await startScriptedModel();
  await using rg = await startRungpt({ model });
  const zip = new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0, 0, 0, 0, 0xff, 0xfe]);
  const refusals: Array<[Upload[], number, RegExp]> = [
    [[["archive.zip", "application/zip", zip]], 415, /"archive\.zip" \(application\/zip\)/],
    [[["blob.bin", "", zip]], 415, /"blob\.bin" \(binary data\) cannot be attached/],
    [
      [["anim.gif", "image/gif", new TextEncoder().encode("GIF89a\x01\0\x01\0\0\0\0;")]],
      415,
      /"anim\.gif" is a GIF image/,
    ],
    [[["big.txt", "text/plain", "a".repeat(10 * 1024 * 1024 + 1)]], 413, /"big\.txt" is 10\.0 MB/],
    [
      Array.from({ length: MAX_FILES_PER_MESSAGE + 1 }, (_, i) => [`f${i}.txt`, "", "x"]),
      413,
      /9 files is too many/,
    ],
  ];
  for (const [files, status, message] of refusals) {
    const res = await upload(rg, files);
    assert.equal(res.status, status, files[0][0]);
    assert.match((await res.json()).error, message);
  }
  // Nothing refused was stored.
  assert.equal(await exists(`${rg.dataDir}/attachments`), false);

  // A send naming an unknown file writes nothing.
  const res = await rg.api("/api/conversations", {
    method: "POST",
    json: { content: "hi", attachments: [crypto.randomUUID()] },
  });
  assert.equal(res.status, 400);
  assert.match((await res.json()).error, /No attachment with id .*upload the file again/);
  assert.deepEqual((await (await rg.api("/api/conversations")).json()).conversations, []);
  const json = await rg.api("/api/attachments", { method: "POST", json: {} });
  assert.equal(json.status, 415);
  await json.body?.cancel();
});

Deno.test("attachments: one file on disk per content; deleted with the last conversation naming it", async () => {
  await using model = await startScriptedModel({ responder: () => ({ text: "ok" }) });
  await using rg = await startRungpt({ model });
  const [a] = await uploadOk(rg, [["notes.md", "text/markdown", "# Notes\nsame bytes\n"]]);
  const [b] = await uploadOk(rg, [["copy.md", "text/markdown", "# Notes\nsame bytes\n"]]);
  // A message of files alone: the chat is named after them.
  const alone = await rg.api("/api/conversations", {
    method: "POST",
    json: { attachments: [a.id] },
  });
  assert.equal(alone.status, 202);
  const { conversation: titled } = await alone.json();
  assert.equal(titled.title, "notes.md");
  await (await rg.api(`/api/conversations/${titled.id}/events`)).text();
  // Its file, sent again, is copied for the next message; deleting this chat leaves that copy.
  assert.notEqual(a.id, b.id);
  assert.equal(a.sha256, b.sha256);
  const file = blobPath(rg.dataDir, a.sha256);
  const dir = `${rg.dataDir}/attachments/${a.sha256.slice(0, 2)}`;
  assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), [a.sha256]);

  const one = await chat(rg, "first", [a.id]);
  const two = await chat(rg, "second", [b.id]);
  assert.equal((await rg.api(`/api/conversations/${titled.id}`, { method: "DELETE" })).status, 204);
  assert.equal((await rg.api(`/api/conversations/${one.id}`, { method: "DELETE" })).status, 204);
  assert.equal(await exists(file), true, "a file another chat still names was deleted");
  assert.equal((await rg.api(`/api/conversations/${two.id}`, { method: "DELETE" })).status, 204);
  assert.equal(await exists(file), false, "the file outlived its last chat");
  assert.equal((await rg.api(`/api/attachments/${b.id}`)).status, 404);
});

Deno.test("attachments: exports list them, search finds them by file name", async () => {
  await using model = await startScriptedModel({ replies: [{ text: "Read it." }] });
  await using rg = await startRungpt({ model });
  const [pdf] = await uploadOk(rg, [
    ["Quarterly-Report.pdf", "application/pdf", pdfWithText("Revenue grew")],
  ]);
  const conv = await chat(rg, "Summarise this", [pdf.id]);

  const md = await (await rg.api(`/api/conversations/${conv.id}/export?format=md`)).text();
  assert.match(
    md,
    /\*\*You\*\*\n\nSummarise this\n\n- 📎 Quarterly-Report\.pdf \(application\/pdf, \d+ B\)/,
  );
  const json = await (await rg.api(`/api/conversations/${conv.id}/export?format=json`)).json();
  const [listed] = json.messages[0].meta.attachments;
  assert.deepEqual(
    [listed.name, listed.type, listed.sha256, listed.id],
    ["Quarterly-Report.pdf", "application/pdf", pdf.sha256, pdf.id],
  );

  const { hits } = await (await rg.api("/api/search?q=quarterly")).json();
  assert.equal(hits.length, 1);
  assert.equal(hits[0].conversationId, conv.id);
  assert.equal(hits[0].snippet, "\u0001Quarterly\u0002-Report.pdf");
});

Deno.test("attachments: a model that refuses images fails with a clear error of its own kind", async () => {
  await using model = await startScriptedModel({
    replies: [{
      status: 400,
      message: "Invalid content type. image_url is only supported by certain models.",
    }],
  });
  await using rg = await startRungpt({ model });
  const [img] = await uploadOk(rg, [["cat.jpg", "image/jpeg", await jpegWithExif(40, 20)]]);
  const conv = await chat(rg, "What is this?", [img.id]);
  const { messages } = await (await rg.api(`/api/conversations/${conv.id}`)).json();
  const reply = messages[1];
  assert.equal(reply.status, "error");
  assert.equal(reply.meta.errorKind, "images_unsupported");
  assert.match(reply.error, /^This model does not accept images\. .*image_url is only supported/);
  assert.match(reply.error, /Pick a model that reads images/);
  // The files stay with the message, so the UI can put them back in the composer.
  assert.equal(messages[0].meta.attachments[0].id, img.id);
});

Deno.test("attachments: /v1 passes image content parts on to the model as sent", async () => {
  await using model = await startScriptedModel({ replies: [{ text: "A square." }] });
  await using rg = await startRungpt({ model });
  const content = [
    { type: "text", text: "Describe" },
    { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=", detail: "low" } },
  ];
  const res = await fetch(`${rg.origin}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${rg.token}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "gpt-4o", messages: [{ role: "user", content }] }),
  });
  assert.equal(res.status, 200, await res.clone().text());
  assert.equal((await res.json()).choices[0].message.content, "A square.");
  assert.deepEqual(model.chatRequests()[0].body.messages.at(-1).content, content);
  // Nothing of it is stored.
  assert.equal(await exists(`${rg.dataDir}/attachments`), false);
});
