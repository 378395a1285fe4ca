import type { ErrorPageData, PageProps } from "../lib/web/types.ts";

/**
 * Shown when a page fails. A settings file rungpt cannot read is explained, with its path and
 * how to fix it; anything else points to the server log, where the details are.
 */
export default function ServerError({ data, url }: PageProps<ErrorPageData>) {
  if (data.kind === "settings") {
    return (
      <main class="page-message" role="alert">
        <h1>rungpt cannot read its settings</h1>
        <p>{data.message}</p>
        {data.file && (
          <p>
            The file: <code>{data.file}</code>
          </p>
        )}
        <p>
          Fix the file in a text editor, or delete it and set your API key, base URL and default
          model again in <a href="/settings">Settings</a>. Then reload this page.
        </p>
      </main>
    );
  }
  return (
    <main class="page-message" role="alert">
      <h1>Something went wrong</h1>
      <p>
        rungpt could not show this page; the server log says why. <a href={url.pathname}>Reload</a>
        {" "}
        to try again.
      </p>
    </main>
  );
}
