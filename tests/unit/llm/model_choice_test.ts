// chooseDefaultModel / isChatModel: which model a newcomer's setup picks from a provider's list.
import { chooseDefaultModel, isChatModel } from "../../../lib/llm/model_choice.ts";
import { assertEquals } from "./_assert.ts";

Deno.test("chooseDefaultModel: the only model is chosen", () => {
  assertEquals(chooseDefaultModel(["llama3.2:3b"]), "llama3.2:3b");
  // Even one that does not look like a chat model: it is all the server has.
  assertEquals(chooseDefaultModel(["whisper-1"]), "whisper-1");
});

Deno.test("chooseDefaultModel: the provider's first chat model, in the provider's order", () => {
  assertEquals(chooseDefaultModel(["qwen2.5:7b", "llama3.2:3b"]), "qwen2.5:7b");
  assertEquals(
    chooseDefaultModel(["nomic-embed-text:latest", "text-embedding-3-small", "llama3.2:3b"]),
    "llama3.2:3b",
  );
});

Deno.test("chooseDefaultModel: a list without a chat model, or empty, chooses none", () => {
  assertEquals(chooseDefaultModel([]), null);
  assertEquals(
    chooseDefaultModel(["text-embedding-3-large", "whisper-1", "tts-1-hd", "dall-e-3"]),
    null,
  );
});

Deno.test("isChatModel: skips embeddings, speech, images, moderation, legacy completions", () => {
  const notChat = [
    "text-embedding-3-small",
    "nomic-embed-text",
    "mxbai-embed-large:latest",
    "whisper-1",
    "tts-1",
    "gpt-4o-mini-tts",
    "gpt-4o-transcribe",
    "dall-e-3",
    "gpt-image-1",
    "omni-moderation-latest",
    "text-moderation-stable",
    "davinci-002",
    "babbage-002",
  ];
  for (const id of notChat) assertEquals(isChatModel(id), false, id);
  const chat = ["gpt-4o", "gpt-4o-mini", "o3-mini", "llama3.2:3b", "qwen2.5-coder:7b", "mistral"];
  for (const id of chat) assertEquals(isChatModel(id), true, id);
});

Deno.test("chooseDefaultModel: ids that cannot be saved as a setting are never chosen", () => {
  const long = "m".repeat(201);
  assertEquals(chooseDefaultModel([long, "bad\nname", "  ", "llama3.2:3b"]), "llama3.2:3b");
  assertEquals(chooseDefaultModel([long]), null);
  assertEquals(chooseDefaultModel(["\u0007", "x"]), "x");
});
