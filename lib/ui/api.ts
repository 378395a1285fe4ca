/**
 * The browser's client for rungpt's JSON API (docs/ui-api.md). Every call rejects with an
 * {@linkcode ApiError} carrying the server's message, so islands can show it as is.
 * @module
 */
import type { Conversation, Message, SearchHit } from "../store/types.ts";
import type {
  ActionMode,
  ActionSettings,
  ApprovalMode,
  PublicSettings,
} from "../store/settings.ts";
import type { ApprovalDecision } from "../tools/call.ts";

/** An error answer from the API (or a network failure, with status 0). */
export class ApiError extends Error {
  /** HTTP status; 0 when the server could not be reached. */
  readonly status: number;
  /** The server's machine-readable `kind`, when it sent one. */
  readonly kind: string | null;
  constructor(message: string, status: number, kind: string | null = null) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.kind = kind;
  }
}

/**
 * Calls the API and parses its JSON answer. Bodies are sent as JSON.
 *
 * @example
 * ```ts
 * const { conversations } = await api<{ conversations: Conversation[] }>("GET", "/api/conversations");
 * ```
 */
export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers: body === undefined
        ? { accept: "application/json" }
        : { accept: "application/json", "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
    });
  } catch {
    throw new ApiError("Cannot reach the rungpt server. Is it still running?", 0);
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let data: unknown = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!res.ok) {
    const obj = (data ?? {}) as { error?: unknown; kind?: unknown };
    const message = typeof obj.error === "string" && obj.error
      ? obj.error
      : `The server answered ${res.status} ${res.statusText}`.trim();
    throw new ApiError(message, res.status, typeof obj.kind === "string" ? obj.kind : null);
  }
  return data as T;
}

/** Fields of a conversation the UI may set. */
export interface ConversationFields {
  title?: string;
  model?: string | null;
  systemPrompt?: string;
  /** Only on an existing conversation (`PATCH`). */
  pinned?: boolean;
}

/** Answer of the endpoints that start a turn. */
export interface TurnStarted {
  userMessage?: Message;
  assistantMessage: Message;
}

/** Answer of `GET /api/models`. */
export interface ModelList {
  models: string[];
  default: string | null;
  /** Set when rungpt just chose the default model, because none was set. */
  chosen?: string;
  /** The default model is not among the models the provider lists. */
  stale?: boolean;
  error?: string;
  /** The error's kind (e.g. `no_key`, `auth`, `unreachable`) when listing failed. */
  kind?: string;
}

/** Answer of `PUT /api/settings`; with `models` when the key or base URL changed. */
export type SavedSettings = PublicSettings & { models?: ModelList };

/** Answer of `POST /api/settings/test`: the models, or what was wrong. */
export type ConnectionTest =
  | { ok: true; baseURL: string; models: string[] }
  | { ok: false; baseURL: string; error: string; kind: string };

/** Answer of a new chat's first message (`POST /api/conversations` with `content`). */
export interface ConversationStarted extends TurnStarted {
  conversation: Conversation;
}

/** Settings the UI may change; `null` clears a value, a missing field keeps it. */
export interface SettingsInput {
  apiKey?: string | null;
  baseURL?: string | null;
  model?: string | null;
  actionMode?: ActionMode | null;
  /** `"ask"`: every action asks first; `"auto"`: only actions marked `confirm`. */
  approvalMode?: ApprovalMode | null;
  /** The whole list of action ids allowed without asking. */
  alwaysAllowed?: string[] | null;
  /** Bound on action rounds per turn, 1–50. */
  maxActionRounds?: number | null;
  /** Models auto mode uses tags for because their server rejected tools (`null`: none). */
  nativeToolsUnsupported?: string[] | null;
  /** Models whose rounds with tools are asked without streaming (`null`: none). */
  streamToolsUnsupported?: string[] | null;
  /** Origins whose pages may call `/v1` from a browser (`null`: none besides the environment's). */
  corsOrigins?: string[] | null;
  /** Whether the model titles new chats (`null`: the default, on). */
  autoTitles?: boolean | null;
  /**
   * Entries to take out of those lists as the server has them now (revoke one, try tools
   * again for one), so what another tab added meanwhile stays.
   */
  remove?: {
    alwaysAllowed?: string[];
    nativeToolsUnsupported?: string[];
    streamToolsUnsupported?: string[];
  };
}

/**
 * Answer of `GET /api/actions`: the enabled actions and what the next turn of a conversation
 * sends about them.
 */
export interface ActionsInfo {
  settings: ActionSettings;
  /** The model the next turn uses (`null` when none is configured). */
  model: string | null;
  actions: { id: string; description: string; confirm: boolean }[];
  systemMessage: {
    /** How the next turn offers the actions. */
    mode: "tags" | "native";
    /** Native, with a fallback to tags should the server reject tools (auto mode). */
    fallback: boolean;
    text: string;
    /** The tool definitions sent in native mode. */
    tools: unknown[];
    /** Tokens of the system message and the tools together. */
    tokens: number;
  };
}

const conv = (id: string) => `/api/conversations/${encodeURIComponent(id)}`;

/** Newest first. */
export const listConversations = (limit = 200): Promise<Conversation[]> =>
  api<{ conversations: Conversation[] }>("GET", `/api/conversations?limit=${limit}`)
    .then((r) => r.conversations);

/** Creates an empty conversation. */
export const createConversation = (fields: ConversationFields = {}): Promise<Conversation> =>
  api<Conversation>("POST", "/api/conversations", fields);

/**
 * Creates a conversation with its first message and starts the reply, as one step: when no
 * reply can start (nothing configured) it rejects with a 409 and creates nothing.
 */
export const startConversation = (
  fields: ConversationFields,
  content: string,
  attachments: string[] = [],
): Promise<ConversationStarted> =>
  api<ConversationStarted>("POST", "/api/conversations", {
    ...fields,
    content,
    ...(attachments.length ? { attachments } : {}),
  });

/** A window of a conversation's messages (`GET /api/conversations/:id`). */
export interface ConversationWindow {
  conversation: Conversation;
  /** Ordered by `seq`. */
  messages: Message[];
  running: boolean;
  /** Whether older messages exist before `messages[0]`. */
  hasMore: boolean;
}

/**
 * Which window to load: by default the latest (always holding the last user message and a
 * reply in flight); `before` gives the older page ending just before that `seq`; `through`
 * extends the latest window back to a message (opening a search hit).
 */
export interface WindowOptions {
  before?: number;
  limit?: number;
  through?: string;
}

/**
 * A conversation with a window of its messages and whether a turn is running.
 *
 * @example
 * ```ts
 * const latest = await getConversation(id);
 * const older = await getConversation(id, { before: latest.messages[0].seq });
 * ```
 */
export const getConversation = (
  id: string,
  opts: WindowOptions = {},
): Promise<ConversationWindow> => {
  const q = new URLSearchParams();
  if (opts.before !== undefined) q.set("before", String(opts.before));
  if (opts.limit !== undefined) q.set("limit", String(opts.limit));
  if (opts.through !== undefined) q.set("through", opts.through);
  const qs = q.toString();
  return api("GET", qs ? `${conv(id)}?${qs}` : conv(id));
};

/** Renames it, or sets its model or system prompt. */
export const updateConversation = (id: string, fields: ConversationFields): Promise<Conversation> =>
  api<Conversation>("PATCH", conv(id), fields);

/** Deletes it (stopping a running turn first). */
export const deleteConversation = (id: string): Promise<void> => api<void>("DELETE", conv(id));

/** Posts a user message (with the ids of its uploaded files); the reply runs on the server. */
export const sendMessage = (
  id: string,
  content: string,
  attachments: string[] = [],
): Promise<TurnStarted> =>
  api<TurnStarted>("POST", `${conv(id)}/messages`, {
    content,
    ...(attachments.length ? { attachments } : {}),
  });

/** Answers the last user message again. */
export const regenerate = (id: string): Promise<TurnStarted> =>
  api<TurnStarted>("POST", `${conv(id)}/regenerate`, {});

/** Sends a new version of user message `messageId` and answers it; the old one is kept. */
export const editMessage = (
  id: string,
  messageId: string,
  content: string,
): Promise<TurnStarted> => api<TurnStarted>("POST", `${conv(id)}/edit`, { content, messageId });

/** Shows version `messageId`; resolves to the branch from it to its end. */
export const showVersion = (id: string, messageId: string): Promise<Message[]> =>
  api<{ messages: Message[] }>("POST", `${conv(id)}/versions`, { messageId })
    .then((r) => r.messages);

/** Stops the running turn. */
export const stopTurn = (id: string): Promise<{ stopped: boolean }> =>
  api<{ stopped: boolean }>("POST", `${conv(id)}/stop`, {});

/** Full-text search over all messages. */
export const search = (q: string): Promise<SearchHit[]> =>
  api<{ hits: SearchHit[] }>("GET", `/api/search?q=${encodeURIComponent(q)}`).then((r) => r.hits);

/** The upstream's models. */
export const listModels = (): Promise<ModelList> => api<ModelList>("GET", "/api/models");

/** Current settings (never the key itself). */
export const getSettings = (): Promise<PublicSettings> =>
  api<PublicSettings>("GET", "/api/settings");

/** Saves settings. */
export const saveSettings = (input: SettingsInput): Promise<SavedSettings> =>
  api<SavedSettings>("PUT", "/api/settings", input);

/**
 * Lists the models with these values (blank key: the saved one), saving nothing. The key
 * goes to rungpt's server only, which asks the provider.
 */
export const testConnection = (
  values: { apiKey?: string; baseURL: string },
): Promise<ConnectionTest> => api<ConnectionTest>("POST", "/api/settings/test", values);

/**
 * Answers an action waiting for approval. Rejects with status 409 when it no longer waits
 * (answered elsewhere, or the turn was stopped).
 */
export const answerApproval = (
  id: string,
  callId: string,
  decision: ApprovalDecision,
): Promise<{ ok: true }> =>
  api<{ ok: true }>("POST", `${conv(id)}/approvals/${encodeURIComponent(callId)}`, { decision });

/**
 * What the next turn sends about the actions: for a conversation (its model), or for a chat
 * not created yet with the model chosen for it (else the default model).
 */
export const getActionsInfo = (
  of: { conversation?: string; model?: string | null } = {},
): Promise<ActionsInfo> => {
  const params = new URLSearchParams();
  if (of.conversation) params.set("conversation", of.conversation);
  else if (of.model) params.set("model", of.model);
  const query = params.size ? `?${params}` : "";
  return api<ActionsInfo>("GET", `/api/actions${query}`);
};

/** URL of a conversation's export download. */
export const exportUrl = (id: string, format: "md" | "json"): string =>
  `${conv(id)}/export?format=${format}`;
