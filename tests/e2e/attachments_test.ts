/**
 * Browser tests of attachments: files through the "Attach files" button, a paste and a drop;
 * what the scripted model receives (the image scaled down without EXIF, the PDF's text under
 * its name); a refused type; a model that refuses images puts the draft and its files back.
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { imageSize } from "image-size";
import type { Page } from "../support/playwright.ts";
import { MAX_IMAGE_SIDE } from "../../lib/chat/attachment_limits.ts";
import {
  containsAscii,
  EXIF_MARKER,
  jpegWithExif,
  pdfWithText,
} from "../support/attachment_fixtures.ts";
import type { ScriptedModel } from "../support/scripted_model.ts";
import { lastAssistant, settled, startE2E, waitFor } from "./_helpers.ts";

/** The parts of the user message in the model's latest request. */
function lastUserParts(model: ScriptedModel) {
  return model.chatRequests().at(-1)!.body.messages.at(-1).content;
}

/** A file for Playwright's file inputs. */
function file(name: string, mimeType: string, bytes: Uint8Array) {
  return { name, mimeType, buffer: Buffer.from(bytes) };
}

/** Waits until every file in the composer has uploaded. */
async function uploaded(page: Page, count: number): Promise<void> {
  const chips = page.locator(".composer-files .attach-chip");
  // Generous: the server re-encodes images, which takes seconds on a busy machine.
  await waitFor(
    `${count} uploaded files`,
    async () =>
      (await chips.count()) === count &&
      (await chips.evaluateAll((els) => els.every((el) => el.dataset.ready === "true"))),
    60_000,
  );
}

/** Sends what the composer holds and waits for the reply to end. */
async function send(page: Page, text: string): Promise<void> {
  const replies = page.locator("article.msg-assistant");
  const before = await replies.count();
  const box = page.getByRole("textbox", { name: "Message" });
  await box.fill(text);
  await box.press("Enter");
  await waitFor("the reply", async () => (await replies.count()) > before);
}

Deno.test("attachments: button, paste and drop; what the model gets; refusals", async (t) => {
  const e2e = await startE2E({ model: { responder: () => ({ text: "Got them." }) } });
  const { page, foreignRequests } = await e2e.newPage();
  try {
    await page.goto(e2e.rg.origin + "/");

    await t.step("an image and a PDF through the button reach the model", async () => {
      const chooser = page.waitForEvent("filechooser");
      await page.getByRole("button", { name: "Attach files", exact: true }).click();
      await (await chooser).setFiles([
        file("photo.jpg", "image/jpeg", await jpegWithExif(2200, 1100)),
        file("report.pdf", "application/pdf", pdfWithText("Sales doubled in March")),
      ]);
      await uploaded(page, 2);
      await page.getByRole("button", { name: "Remove report.pdf" }).waitFor();
      await send(page, "What is in these?");
      await settled(lastAssistant(page));

      const parts = lastUserParts(e2e.model);
      assert.deepEqual(parts[0], { type: "text", text: "What is in these?" });
      const url: string = parts[1].image_url.url;
      assert.match(url, /^data:image\/jpeg;base64,/);
      const image = Uint8Array.from(atob(url.split(",")[1]), (c) => c.charCodeAt(0));
      const size = imageSize(image);
      assert.deepEqual([size.width, size.height], [MAX_IMAGE_SIDE, MAX_IMAGE_SIDE / 2]);
      assert.equal(containsAscii(image, "Exif") || containsAscii(image, EXIF_MARKER), false);
      assert.equal(
        parts[2].text,
        '<attachment name="report.pdf" type="application/pdf">\nSales doubled in March\n' +
          "</attachment>",
      );

      // The sent message shows the image as a thumbnail and the PDF as a chip; the box is empty.
      const sent = page.locator("article.msg-user").last();
      await sent.getByRole("img", { name: "photo.jpg" }).waitFor();
      assert.equal(await sent.locator(".attach-chip .attach-name").innerText(), "report.pdf");
      assert.equal(await page.locator(".composer-files").count(), 0);
    });

    await t.step("a pasted and a dropped file are sent as text blocks", async () => {
      await page.getByRole("textbox", { name: "Message" }).evaluate((box) => {
        const data = new DataTransfer();
        data.items.add(new File(["pasted notes\n"], "notes.txt", { type: "text/plain" }));
        box.dispatchEvent(new ClipboardEvent("paste", { clipboardData: data, bubbles: true }));
      });
      await page.locator("form.composer").evaluate((form) => {
        const data = new DataTransfer();
        data.items.add(new File(["SELECT 1;\n"], "query.sql", { type: "application/sql" }));
        form.dispatchEvent(new DragEvent("drop", { dataTransfer: data, bubbles: true }));
      });
      await uploaded(page, 2);
      await send(page, "And these?");
      await settled(lastAssistant(page));
      const texts = lastUserParts(e2e.model).slice(1).map((p: { text: string }) => p.text);
      assert.deepEqual(texts, [
        '<attachment name="notes.txt" type="text/plain">\npasted notes\n\n</attachment>',
        '<attachment name="query.sql" type="text/plain">\nSELECT 1;\n\n</attachment>',
      ]);
    });

    await t.step("a type rungpt cannot read is refused, naming the file", async () => {
      await page.locator("input[type=file]").setInputFiles(
        file("archive.zip", "application/zip", new Uint8Array([0x50, 0x4b, 3, 4, 0, 0, 0xff])),
      );
      const alert = page.locator(".composer-files [role=alert]");
      await alert.waitFor();
      assert.match(
        await alert.innerText(),
        /"archive\.zip" \(application\/zip\) cannot be attached/,
      );
      assert.equal(await page.locator(".composer-files .attach-chip").count(), 0);
    });

    await t.step("a model that refuses images gets the draft and its files back", async () => {
      e2e.model.enqueue({ status: 400, message: "image_url is only supported by certain models" });
      await page.locator("input[type=file]").setInputFiles(
        file("cat.jpg", "image/jpeg", await jpegWithExif(64, 32)),
      );
      await uploaded(page, 1);
      await send(page, "What animal?");
      await settled(lastAssistant(page), "error");
      assert.match(await lastAssistant(page).innerText(), /This model does not accept images/);
      await page.getByRole("button", { name: "Remove cat.jpg" }).waitFor();
      assert.equal(
        await page.getByRole("textbox", { name: "Message" }).inputValue(),
        "What animal?",
      );
    });
    assert.deepEqual(foreignRequests(), []);
  } finally {
    await e2e.close();
  }
});

Deno.test("attachments: on a phone the button and the chips fit, and chips are reached by Tab", async () => {
  const e2e = await startE2E({ model: { responder: () => ({ text: "ok" }) } });
  const { page } = await e2e.newPage({ viewport: { width: 390, height: 844 } });
  try {
    await page.goto(e2e.rg.origin + "/");
    const button = page.getByRole("button", { name: "Attach files", exact: true });
    await button.waitFor();
    await page.locator("input[type=file]").setInputFiles([
      file("a-rather-long-file-name-for-a-phone.txt", "text/plain", new TextEncoder().encode("a")),
      file("b.md", "text/markdown", new TextEncoder().encode("# b")),
    ]);
    await uploaded(page, 2);
    const limits = page.locator("#attach-limits");
    assert.match(await limits.innerText(), /up to 8 files, 10\.0 MB each/);
    const overflow = await page.evaluate(() =>
      document.documentElement.scrollWidth - document.documentElement.clientWidth
    );
    assert.equal(overflow, 0, "the page scrolls sideways");
    const box = await button.boundingBox();
    assert.ok(box && box.x >= 0 && box.x + box.width <= 390, "the button is on screen");

    // Each chip's Remove button is a Tab stop, in the order shown; Enter removes that file.
    await page.getByRole("button", { name: "Remove a-rather-long-file-name-for-a-phone.txt" })
      .focus();
    await page.keyboard.press("Tab");
    const focused = await page.evaluate(() => document.activeElement?.getAttribute("aria-label"));
    assert.equal(focused, "Remove b.md");
    await page.keyboard.press("Enter");
    await waitFor(
      "the chip to go",
      async () => (await page.locator(".composer-files .attach-chip").count()) === 1,
    );
  } finally {
    await e2e.close();
  }
});
