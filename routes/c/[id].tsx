import ChatApp from "../../islands/ChatApp.tsx";
import { type ChatPageData, loadChatPage } from "../../lib/chat/page_data.ts";
import type { AppState } from "../../lib/web/services.ts";
import type { Handlers, PageProps } from "../../lib/web/types.ts";

export const handler: Handlers<ChatPageData, AppState> = {
  async GET(_req, ctx) {
    const { app } = ctx.state;
    const data = await loadChatPage(
      app.store,
      await app.publicSettings(),
      ctx.params.id,
      (id) => app.turns.snapshot(id),
    );
    return data ? ctx.render(data) : ctx.renderNotFound();
  },
};

/** One conversation; a reply being generated continues live after a reload. */
export default function Conversation({ data }: PageProps<ChatPageData>) {
  return <ChatApp {...data} />;
}
