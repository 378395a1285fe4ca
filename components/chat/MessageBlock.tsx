/**
 * A block of consecutive messages. The browser skips the rendering of a block off screen
 * (`content-visibility: auto` on the block, in styles.css) and remembers its size once drawn,
 * so scrolling a long conversation costs per block, not per message; the block also tells its
 * messages' markdown when it comes near the viewport (one observed element, not one each).
 * @module
 */
import { Component } from "preact";
import { type Signal, signal } from "@preact/signals";
import type { MessageState } from "../../lib/ui/chat_state.ts";
import { NearContext, whenNear } from "../../lib/ui/visibility.ts";
import type { MessageActions } from "../../lib/ui/versions.ts";
import { MessageItem } from "./MessageView.tsx";

/** Props of {@linkcode MessageBlock}. */
export interface MessageBlockProps {
  messages: MessageState[];
  /** The conversation's last user and assistant messages, when they are in this block. */
  lastUserId: string | null;
  lastAssistantId: string | null;
  running: Signal<boolean>;
  actions: MessageActions;
}

/** How many consecutive sequence numbers one block holds. */
export const BLOCK_SIZE = 25;

/**
 * One block. Re-renders only when its own messages (or which of them is last) change, so a new
 * message at the end leaves the other blocks alone.
 */
export class MessageBlock extends Component<MessageBlockProps> {
  near = signal(false);
  el: HTMLDivElement | null = null;
  stopWatching: (() => void) | undefined;

  override componentDidMount() {
    if (this.el) this.stopWatching = whenNear(this.el, () => (this.near.value = true));
  }
  override componentWillUnmount() {
    this.stopWatching?.();
  }
  override shouldComponentUpdate(next: MessageBlockProps): boolean {
    const p = this.props;
    return p.lastUserId !== next.lastUserId || p.lastAssistantId !== next.lastAssistantId ||
      p.running !== next.running || p.actions !== next.actions ||
      p.messages.length !== next.messages.length ||
      p.messages.some((m, i) => m !== next.messages[i]);
  }
  override render() {
    const { messages, lastUserId, lastAssistantId, running, actions } = this.props;
    return (
      <div
        class="msg-block"
        ref={(el) => {
          this.el = el;
        }}
      >
        <NearContext.Provider value={this.near}>
          {messages.map((m) => (
            <MessageItem
              key={m.id}
              m={m}
              isLastUser={m.id === lastUserId}
              isLastAssistant={m.id === lastAssistantId}
              running={running}
              actions={actions}
            />
          ))}
        </NearContext.Provider>
      </div>
    );
  }
}
